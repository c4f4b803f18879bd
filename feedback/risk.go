package feedback

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
)

// The refund-risk score of a purchase adds up its doubt signals, 0 to 100.
// One of them is that the buyer opened none of the order's tracked emails:
// follow-up and marketing email carry a 1×1 open pixel (transactional and
// personal email never do). It is a weak signal, worth little: images may be
// blocked, and Apple Mail and others fetch them on delivery, reporting
// opens that did not happen.
const (
	riskNoAccess     = 40 // a digital purchase not opened NoAccessDays after it was made
	riskLowScore     = 40 // a recommendation of 0–6
	riskLowRating    = 30 // a mean performance rating below 3
	riskComplaint    = 50 // the customer marked our email as spam
	riskDelivery     = 30 // a shipment exception
	riskUnreachable  = 10 // two calls without an answer
	riskNoOpen       = 20 // no tracked email of the purchase opened NoAccessDays after it was made
	noAccessDays     = 3
	riskWindow       = 45 * 24 * time.Hour // purchases younger than this are watched (virtual time)
	riskEvery        = time.Hour           // how often CheckRefundRisk runs (Periodic)
	DefaultRiskLimit = 60                  // a score at or above this creates a call for the owner
)

// RefundRisk scores the purchase o of the customer c (the buyer): its
// doubt signals and their sum, 0 to 100 (engine.RiskScorer, for the
// customer view). Only a purchase still placed (not refunded, not
// cancelled) has signals.
func (s *Service) RefundRisk(ctx context.Context, o *aftersale.Order, c *aftersale.Customer) (engine.Risk, error) {
	if o.Status != aftersale.OrderPlaced {
		return engine.Risk{Signals: []string{}}, nil
	}
	runs, err := s.cfg.Store.RunListByOrder(ctx, o.ID)
	if err != nil {
		return engine.Risk{Signals: []string{}}, err
	}
	var started time.Time
	if len(runs) > 0 {
		started = runs[0].StartedAt
	}
	return s.scoreRisk(ctx, o, c, started)
}

// scoreRisk scores an order whose first journey run started at started
// (real time; zero when it has none).
func (s *Service) scoreRisk(ctx context.Context, o *aftersale.Order, c *aftersale.Customer, started time.Time) (engine.Risk, error) {
	r := engine.Risk{Signals: []string{}}
	add := func(n int, why string) {
		r.Score += n
		r.Signals = append(r.Signals, why)
	}
	if o.Status != aftersale.OrderPlaced {
		return r, nil
	}
	hasRun := !started.IsZero()
	var age time.Duration
	if hasRun {
		age = s.cfg.Clock.VirtualNow().Sub(s.cfg.Clock.ToVirtual(started))
	}
	if hasRun && o.AccessedAt.IsZero() && (o.HasKind(aftersale.KindDigital) || o.HasKind(aftersale.KindCourse) || o.HasKind(aftersale.KindMembership)) {
		if age >= noAccessDays*24*time.Hour {
			add(riskNoAccess, fmt.Sprintf("not opened after %d days", int(age.Hours()/24)))
		}
	}
	if hasRun && age >= noAccessDays*24*time.Hour {
		unopened, err := s.noEmailOpened(ctx, o)
		if err != nil {
			return r, err
		}
		if unopened {
			add(riskNoOpen, "no email opened")
		}
	}
	answers, err := s.cfg.Store.SurveyAnswerList(ctx, aftersale.AnswerFilter{OrderID: o.ID})
	if err != nil {
		return r, err
	}
	nps, sum, n := -1, 0, 0
	for _, a := range answers {
		switch {
		case a.Kind == aftersale.AnswerNPS:
			nps = a.Value
		case a.Kind == aftersale.AnswerPerformance && a.Subject == "":
			sum, n = sum+a.Value, n+1
		}
	}
	if nps >= 0 && nps <= 6 {
		add(riskLowScore, fmt.Sprintf("rated us %d/10", nps))
	}
	if n > 0 && float64(sum)/float64(n) < 3 {
		add(riskLowRating, fmt.Sprintf("mean rating %.1f of 5", float64(sum)/float64(n)))
	}
	if strings.HasPrefix(c.Suppressed, aftersale.SuppressComplaint) {
		add(riskComplaint, "marked our email as spam")
	}
	if shs, err := s.cfg.Store.ShipmentListByOrder(ctx, o.ID); err != nil {
		return r, err
	} else {
		for _, sh := range shs {
			if sh.Status == aftersale.ShipmentException {
				add(riskDelivery, "a delivery problem")
				break
			}
		}
	}
	tasks, err := s.cfg.Store.TaskList(ctx, aftersale.TaskFilter{CustomerID: c.ID, Status: aftersale.TaskDone})
	if err != nil {
		return r, err
	}
	missed := 0
	for _, t := range tasks {
		if t.OrderID == o.ID && t.Kind == aftersale.TaskCall && (t.Outcome == "no_answer" || t.Outcome == "voicemail") {
			missed++
		}
	}
	if missed >= 2 {
		add(riskUnreachable, fmt.Sprintf("%d calls without an answer", missed))
	}
	r.Score = min(r.Score, 100)
	return r, nil
}

// noEmailOpened reports whether the buyer was sent at least one tracked
// email (follow-up or marketing, which carry the open pixel) for the
// order's steps and opened none of the order's emails.
func (s *Service) noEmailOpened(ctx context.Context, o *aftersale.Order) (bool, error) {
	steps, err := s.cfg.Store.StepListByCustomer(ctx, o.CustomerID)
	if err != nil {
		return false, err
	}
	ofOrder := make(map[int64]bool)
	for _, st := range steps {
		if st.OrderID == o.ID {
			ofOrder[st.ID] = true
		}
	}
	if len(ofOrder) == 0 {
		return false, nil
	}
	msgs, err := s.cfg.Store.MessageListByCustomer(ctx, o.CustomerID)
	if err != nil {
		return false, err
	}
	sentTracked := false
	for _, m := range msgs {
		if m.StepID == 0 || !ofOrder[m.StepID] {
			continue
		}
		if !m.OpenedAt.IsZero() {
			return false, nil
		}
		if m.Status == aftersale.MessageSent && tracked(m.Category) {
			sentTracked = true
		}
	}
	return sentTracked, nil
}

func (s *Service) riskLimit() int {
	if s.cfg.RiskLimit > 0 {
		return s.cfg.RiskLimit
	}
	return DefaultRiskLimit
}

// CheckRefundRisk scores the purchases of the last 45 days (virtual time)
// and creates a call for the owner, due now, for each whose score reached
// the limit and that has no open risk call; it says how many it created.
// A periodic job runs it every hour (Periodic).
func (s *Service) CheckRefundRisk(ctx context.Context) (int, error) {
	since := s.cfg.Clock.ToReal(s.cfg.Clock.VirtualNow().Add(-riskWindow))
	// Orders placed (by the shop's clock) a week or more before the window
	// began cannot have started their journeys in it: not read at all.
	orders, err := s.cfg.Store.OrderList(ctx, since.AddDate(0, 0, -7), time.Time{})
	if err != nil {
		return 0, err
	}
	// When each order's journeys began, in one read; orders whose first
	// run began before the window, and those without one (history), are
	// not watched.
	starts, err := s.cfg.Store.RunStartsSince(ctx, since)
	if err != nil {
		return 0, err
	}
	var watched []*aftersale.Order
	ids := map[int64]bool{}
	for _, o := range orders {
		if _, ok := starts[o.ID]; ok && o.Status == aftersale.OrderPlaced {
			watched = append(watched, o)
			ids[o.CustomerID] = true
		}
	}
	cs, err := s.cfg.Store.CustomerGetMany(ctx, slices.Collect(maps.Keys(ids)))
	if err != nil {
		return 0, err
	}
	customers := make(map[int64]*aftersale.Customer, len(cs))
	for _, c := range cs {
		customers[c.ID] = c
	}
	created := 0
	for _, o := range watched {
		c := customers[o.CustomerID]
		if c == nil {
			return created, aftersale.Errorf(aftersale.ENOTFOUND, "customer %d of order %d not found", o.CustomerID, o.ID)
		}
		r, err := s.scoreRisk(ctx, o, c, starts[o.ID])
		if err != nil {
			return created, err
		}
		if r.Score < s.riskLimit() {
			continue
		}
		ok, err := s.riskCall(ctx, o, c, r)
		if err != nil {
			return created, err
		}
		if ok {
			created++
		}
	}
	return created, nil
}

// riskCall creates the owner's call about a purchase at risk, unless it has
// an open one.
func (s *Service) riskCall(ctx context.Context, o *aftersale.Order, c *aftersale.Customer, r engine.Risk) (bool, error) {
	signals := strings.Join(r.Signals, ", ")
	made, err := s.ownerCall(ctx, s.cfg.Store, o.ID, c.ID, "Refund risk",
		fmt.Sprintf("Refund risk %d: call %s (%s)", r.Score, c.FirstName(), signals),
		"1. Say you are checking in personally, not selling anything.\n"+
			"2. Ask how it is going, and listen for the doubt behind the signals: "+signals+".\n"+
			"3. Help with the first step there and then (access, a delivery, a question).\n"+
			"4. If they want their money back, say that is fine and how it works; keep the door open.\n"+
			"5. Log the outcome.")
	if made {
		s.log.InfoContext(ctx, "refund risk call created", "order_id", o.ID, "score", r.Score)
	}
	return made, err
}

// tracked says whether email of the category carries the open pixel:
// follow-up and marketing email do; transactional and personal email never
// (as the engine adds it).
func tracked(cat aftersale.Category) bool {
	return cat == aftersale.CategoryFollowUp || cat == aftersale.CategoryMarketing
}

// RiskArgs is the hourly job that checks refund risks (CheckRefundRisk).
type RiskArgs struct{}

// Kind names the job kind in River.
func (RiskArgs) Kind() string { return "aftersale_refund_risk" }

// InsertOpts keeps one check an hour across nodes.
func (RiskArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: riskEvery}}
}

type riskWorker struct {
	river.WorkerDefaults[RiskArgs]
	svc *Service
}

func (w *riskWorker) Work(ctx context.Context, _ *river.Job[RiskArgs]) error {
	_, err := w.svc.CheckRefundRisk(ctx)
	return err
}
