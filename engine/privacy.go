package engine

// Privacy: a customer's data can be exported (everything held on them, as
// JSON) and erased (their personal data removed everywhere it is kept,
// anonymous facts and counts kept). Nothing here sends customer data
// anywhere: the export goes to whoever asked for it through the CLI, the
// admin UI or the API.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/outbox"
)

// erasedDomain ends the placeholder address CustomerErase gives an erased
// customer ("erased-ID@erased.invalid").
const erasedDomain = "@erased.invalid"

// eraseGate keeps the work that reads a customer and then writes what it
// read — an email step (an .eml file in the outbox, a message record), a
// task's text, a personal email, a broadcast message — from overlapping an
// erase on this node: such work enters the gate (shared), and Erase holds
// it (exclusive) while it erases, so work that began before has finished
// (and its traces are erased with the rest) and work that begins after
// reads the erased customer. Work on other nodes (PostgreSQL) and in other
// processes (the CLI next to a running service) is not held back.
type eraseGate struct{ mu sync.RWMutex }

// enter enters the gate and returns the function that leaves it:
// defer s.gate.enter()().
func (g *eraseGate) enter() func() {
	g.mu.RLock()
	return g.mu.RUnlock
}

// erased reports whether c is what remains of an erased customer.
func erased(c *aftersale.Customer) bool {
	return strings.HasSuffix(strings.ToLower(c.Email), erasedDomain)
}

// CustomerExport is everything aftersale holds on one person, as JSON.
type CustomerExport struct {
	ExportedAt time.Time      `json:"exported_at"`
	Customer   ExportCustomer `json:"customer"`
	// Orders are the purchases they made (role "buyer") or use ("user"),
	// with their items, packages, sessions, returns, arrival answer,
	// success plan and check-ins.
	Orders []ExportOrder `json:"orders"`
	// Events are the events about them as received, payload included.
	Events        []ExportEvent        `json:"events"`
	Messages      []ExportMessage      `json:"messages"`
	Tasks         []ExportTask         `json:"tasks"`
	SurveyAnswers []ExportSurveyAnswer `json:"survey_answers"`
	Coupons       []ExportCoupon       `json:"coupons"`
	ReferralCode  *ExportReferralCode  `json:"referral_code,omitempty"`
	// ReferralsMade are purchases credited to their code; ReferredBy the
	// purchases of theirs that another customer's code was credited for.
	ReferralsMade     []ExportReferral         `json:"referrals_made"`
	ReferredBy        []ExportReferral         `json:"referred_by"`
	StoriesSent       []ExportStory            `json:"stories_sent"`
	BroadcastMessages []ExportBroadcastMessage `json:"broadcast_messages"`
	JourneyRuns       []ExportJourneyRun       `json:"journey_runs"`
	JourneySteps      []ExportJourneyStep      `json:"journey_steps"`
}

// ExportCustomer is the customer record.
type ExportCustomer struct {
	ID               int64      `json:"id"`
	Email            string     `json:"email"`
	Name             string     `json:"name,omitempty"`
	Phone            string     `json:"phone,omitempty"`
	Timezone         string     `json:"timezone,omitempty"`
	MarketingConsent bool       `json:"marketing_consent"`
	Unsubscribed     bool       `json:"unsubscribed"`
	UnsubscribedAt   *time.Time `json:"unsubscribed_at,omitempty"`
	Suppressed       string     `json:"suppressed,omitempty"`
	SuppressedAt     *time.Time `json:"suppressed_at,omitempty"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

// ExportOrder is an order with everything kept about it.
type ExportOrder struct {
	ID          string             `json:"id"` // the shop's order id
	Role        string             `json:"role"`
	Source      string             `json:"source,omitempty"`
	Status      string             `json:"status"`
	Currency    string             `json:"currency,omitempty"`
	Total       string             `json:"total,omitempty"`
	Coupon      string             `json:"coupon,omitempty"`
	PlacedAt    time.Time          `json:"placed_at"`
	AccessedAt  *time.Time         `json:"accessed_at,omitempty"`
	DeliveredAt *time.Time         `json:"delivered_at,omitempty"`
	ClosedAt    *time.Time         `json:"closed_at,omitempty"`
	Arrival     string             `json:"arrival,omitempty"`
	ArrivalAt   *time.Time         `json:"arrival_at,omitempty"`
	Items       []aftersale.Item   `json:"items"`
	Shipments   []ExportShipment   `json:"shipments"`
	Bookings    []ExportBooking    `json:"bookings"`
	Returns     []ExportReturn     `json:"returns"`
	SuccessPlan *ExportSuccessPlan `json:"success_plan,omitempty"`
	CheckIns    []ExportCheckIn    `json:"check_ins"`
}

// ExportShipment is a package of an order.
type ExportShipment struct {
	Carrier        string    `json:"carrier,omitempty"`
	TrackingNumber string    `json:"tracking_number,omitempty"`
	TrackingURL    string    `json:"tracking_url,omitempty"`
	Status         string    `json:"status"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// ExportBooking is a session of an order.
type ExportBooking struct {
	StartsAt time.Time `json:"starts_at"`
	Title    string    `json:"title,omitempty"`
	JoinURL  string    `json:"join_url,omitempty"`
}

// ExportReturn is a return of an order.
type ExportReturn struct {
	ID         int64                  `json:"id"`
	Status     string                 `json:"status"`
	Resolution string                 `json:"resolution"`
	Reason     string                 `json:"reason,omitempty"`
	Comment    string                 `json:"comment,omitempty"`
	Items      []aftersale.ReturnItem `json:"items"`
	Source     string                 `json:"source,omitempty"`
	CreatedAt  time.Time              `json:"created_at"`
	UpdatedAt  time.Time              `json:"updated_at"`
}

// ExportSuccessPlan is the success plan of an order.
type ExportSuccessPlan struct {
	Objectives []string  `json:"objectives"`
	Metrics    []string  `json:"metrics"`
	UpdatedBy  string    `json:"updated_by,omitempty"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ExportCheckIn is a check-in against a success plan.
type ExportCheckIn struct {
	Progress  int       `json:"progress"`
	Note      string    `json:"note,omitempty"`
	By        string    `json:"by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// ExportEvent is a stored event.
type ExportEvent struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Source     string          `json:"source,omitempty"`
	Order      string          `json:"order,omitempty"`
	OccurredAt time.Time       `json:"occurred_at"`
	ReceivedAt time.Time       `json:"received_at"`
	Payload    json.RawMessage `json:"payload,omitempty"`
}

// ExportMessage is an email to them.
type ExportMessage struct {
	MessageID string     `json:"message_id"`
	Recipient string     `json:"recipient"`
	Template  string     `json:"template"`
	Subject   string     `json:"subject,omitempty"`
	Category  string     `json:"category"`
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	Error     string     `json:"error,omitempty"`
	Order     string     `json:"order,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	OpenedAt  *time.Time `json:"opened_at,omitempty"`
}

// ExportTask is a task of the team about them.
type ExportTask struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	Title     string     `json:"title"`
	Script    string     `json:"script,omitempty"`
	Draft     string     `json:"draft,omitempty"`
	Order     string     `json:"order,omitempty"`
	Assignee  string     `json:"assignee,omitempty"`
	Status    string     `json:"status"`
	Outcome   string     `json:"outcome,omitempty"`
	Note      string     `json:"note,omitempty"`
	DueAt     time.Time  `json:"due_at"`
	CreatedAt time.Time  `json:"created_at"`
	DoneAt    *time.Time `json:"done_at,omitempty"`
	DoneBy    string     `json:"done_by,omitempty"`
}

// ExportSurveyAnswer is one answer of theirs.
type ExportSurveyAnswer struct {
	Order     string    `json:"order,omitempty"`
	Kind      string    `json:"kind"`
	Quality   string    `json:"quality,omitempty"`
	Subject   string    `json:"subject,omitempty"`
	Value     int       `json:"value"`
	Comment   string    `json:"comment,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// ExportCoupon is a code given to them.
type ExportCoupon struct {
	Code          string     `json:"code"`
	Purpose       string     `json:"purpose,omitempty"`
	Pool          string     `json:"pool,omitempty"`
	PercentOff    int        `json:"percent_off,omitempty"`
	ExpiresAt     *time.Time `json:"expires_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	RedeemedAt    *time.Time `json:"redeemed_at,omitempty"`
	RedeemedOrder string     `json:"redeemed_order,omitempty"`
	Redemptions   int        `json:"redemptions"`
}

// ExportReferralCode is their own referral code.
type ExportReferralCode struct {
	Code      string    `json:"code"`
	Clicks    int       `json:"clicks"`
	CreatedAt time.Time `json:"created_at"`
}

// ExportReferral is a credited purchase. The other person is not named:
// their data is not this customer's.
type ExportReferral struct {
	Code        string    `json:"code"`
	Order       string    `json:"order,omitempty"` // only for their own purchases
	RewardCode  string    `json:"reward_code,omitempty"`
	CreditedAt  time.Time `json:"credited_at"`
	RewardGiven bool      `json:"reward_given"`
}

// ExportStory is a client story sent to them.
type ExportStory struct {
	ID    int64  `json:"id"`
	Title string `json:"title,omitempty"`
}

// ExportBroadcastMessage is their message of a broadcast.
type ExportBroadcastMessage struct {
	BroadcastID int64     `json:"broadcast_id"`
	Subject     string    `json:"subject,omitempty"`
	Status      string    `json:"status"`
	MessageID   string    `json:"message_id,omitempty"`
	Error       string    `json:"error,omitempty"`
	At          time.Time `json:"at"`
}

// ExportJourneyRun is a journey run of theirs.
type ExportJourneyRun struct {
	Journey    string     `json:"journey"`
	Order      string     `json:"order,omitempty"`
	Status     string     `json:"status"`
	StartedAt  time.Time  `json:"started_at"`
	ExitedAt   *time.Time `json:"exited_at,omitempty"`
	ExitReason string     `json:"exit_reason,omitempty"`
}

// ExportJourneyStep is a step planned for them, done or pending.
type ExportJourneyStep struct {
	Journey    string     `json:"journey"`
	Step       string     `json:"step"`
	Type       string     `json:"type"`
	Anchor     string     `json:"anchor,omitempty"`
	Order      string     `json:"order,omitempty"`
	DueAt      time.Time  `json:"due_at"`
	Status     string     `json:"status"`
	Note       string     `json:"note,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// exportAll is the task limit of an export: all of them.
const exportAll = 1 << 30

// customerByEmail returns the customer with the address, or ENOTFOUND
// naming it.
func (s *Service) customerByEmail(ctx context.Context, addr string) (*aftersale.Customer, error) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	if addr == "" {
		return nil, aftersale.FieldError("email", "is required")
	}
	c, err := s.cfg.Store.CustomerGetByEmail(ctx, addr)
	if aftersale.IsNotFound(err) {
		return nil, aftersale.Errorf(aftersale.ENOTFOUND, "no customer has the email %s", addr)
	}
	return c, err
}

// Export returns everything held on the customer with the email.
func (s *Service) Export(ctx context.Context, addr string) (*CustomerExport, error) {
	st := s.cfg.Store
	c, err := s.customerByEmail(ctx, addr)
	if err != nil {
		return nil, err
	}
	x := &CustomerExport{
		ExportedAt: s.cfg.Clock.RealNow(),
		Customer: ExportCustomer{
			ID: c.ID, Email: c.Email, Name: c.Name, Phone: c.Phone, Timezone: c.Timezone,
			MarketingConsent: c.MarketingConsent, Unsubscribed: c.Unsubscribed, UnsubscribedAt: timePtr(c.UnsubscribedAt),
			Suppressed: c.Suppressed, SuppressedAt: timePtr(c.SuppressedAt), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		},
		Orders: []ExportOrder{}, Events: []ExportEvent{}, Messages: []ExportMessage{}, Tasks: []ExportTask{},
		SurveyAnswers: []ExportSurveyAnswer{}, Coupons: []ExportCoupon{}, ReferralsMade: []ExportReferral{},
		ReferredBy: []ExportReferral{}, StoriesSent: []ExportStory{}, BroadcastMessages: []ExportBroadcastMessage{},
		JourneyRuns: []ExportJourneyRun{}, JourneySteps: []ExportJourneyStep{},
	}

	orders, err := st.OrderListByCustomer(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	refs := map[int64]string{} // order id → the shop's order id
	for _, o := range orders {
		refs[o.ID] = o.ExternalID
	}
	// orderRef names an order by the shop's id, looking up orders that are
	// not the customer's own (a task about another order, say).
	orderRef := func(id int64) string {
		if id == 0 {
			return ""
		}
		if ref, ok := refs[id]; ok {
			return ref
		}
		if o, err := st.OrderGet(ctx, id); err == nil {
			refs[id] = o.ExternalID
			return o.ExternalID
		}
		return ""
	}
	for _, o := range orders {
		xo, err := s.exportOrder(ctx, o, c)
		if err != nil {
			return nil, err
		}
		x.Orders = append(x.Orders, *xo)
		runs, err := st.RunListByOrder(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		for _, r := range runs {
			if r.CustomerID != c.ID {
				continue
			}
			x.JourneyRuns = append(x.JourneyRuns, ExportJourneyRun{Journey: r.JourneyID, Order: o.ExternalID,
				Status: string(r.Status), StartedAt: r.StartedAt, ExitedAt: timePtr(r.ExitedAt), ExitReason: r.ExitReason})
		}
	}

	events, err := st.EventListByCustomer(ctx, c.Email)
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		xe := ExportEvent{ID: e.ID, Type: string(e.Type), Source: e.Source, Order: e.OrderRef,
			OccurredAt: e.OccurredAt, ReceivedAt: e.ReceivedAt}
		switch {
		case len(e.Payload) == 0:
		case json.Valid(e.Payload):
			xe.Payload = json.RawMessage(e.Payload)
		default:
			xe.Payload, _ = json.Marshal(string(e.Payload))
		}
		x.Events = append(x.Events, xe)
	}

	msgs, err := st.MessageListByCustomer(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	stepOrder := map[int64]int64{} // step id → order id
	steps, err := st.StepListByCustomer(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for _, p := range steps {
		stepOrder[p.ID] = p.OrderID
		x.JourneySteps = append(x.JourneySteps, ExportJourneyStep{Journey: p.JourneyID, Step: p.StepID, Type: string(p.Type),
			Anchor: p.Anchor, Order: orderRef(p.OrderID), DueAt: p.DueAt, Status: string(p.Status), Note: p.Note,
			CreatedAt: p.CreatedAt, FinishedAt: timePtr(p.FinishedAt)})
	}
	for _, m := range msgs {
		xm := ExportMessage{MessageID: m.MessageID, Recipient: m.Recipient, Template: m.Template, Subject: m.Subject,
			Category: string(m.Category), Status: string(m.Status), Attempts: m.Attempts, Error: m.Error,
			CreatedAt: m.CreatedAt, SentAt: timePtr(m.SentAt), OpenedAt: timePtr(m.OpenedAt)}
		if m.StepID != 0 {
			oid, ok := stepOrder[m.StepID]
			if !ok { // a step of another person's run (the buyer's, for a user)
				if p, err := st.StepGet(ctx, m.StepID); err == nil {
					oid = p.OrderID
				}
			}
			xm.Order = orderRef(oid)
		}
		x.Messages = append(x.Messages, xm)
	}

	tasks, err := st.TaskList(ctx, aftersale.TaskFilter{CustomerID: c.ID, Limit: exportAll})
	if err != nil {
		return nil, err
	}
	for _, t := range tasks {
		x.Tasks = append(x.Tasks, ExportTask{ID: t.ID, Kind: string(t.Kind), Title: t.Title, Script: t.Script, Draft: t.Draft,
			Order: orderRef(t.OrderID), Assignee: t.Assignee, Status: string(t.Status), Outcome: t.Outcome, Note: t.Note,
			DueAt: t.DueAt, CreatedAt: t.CreatedAt, DoneAt: timePtr(t.DoneAt), DoneBy: t.DoneBy})
	}

	answers, err := st.SurveyAnswerList(ctx, aftersale.AnswerFilter{CustomerID: c.ID})
	if err != nil {
		return nil, err
	}
	for _, a := range answers {
		x.SurveyAnswers = append(x.SurveyAnswers, ExportSurveyAnswer{Order: orderRef(a.OrderID), Kind: string(a.Kind),
			Quality: a.Quality, Subject: a.Subject, Value: a.Value, Comment: a.Comment, CreatedAt: a.CreatedAt})
	}

	coupons, err := st.CouponList(ctx, aftersale.CouponFilter{CustomerID: c.ID})
	if err != nil {
		return nil, err
	}
	couponCode := map[int64]string{}
	for _, cp := range coupons {
		couponCode[cp.ID] = cp.Code
		x.Coupons = append(x.Coupons, ExportCoupon{Code: cp.Code, Purpose: cp.Purpose, Pool: cp.Pool, PercentOff: cp.PercentOff,
			ExpiresAt: timePtr(cp.ExpiresAt), CreatedAt: cp.CreatedAt, RedeemedAt: timePtr(cp.RedeemedAt),
			RedeemedOrder: orderRef(cp.RedeemedOrderID), Redemptions: cp.Redemptions})
	}

	switch rc, err := st.ReferralCodeOf(ctx, c.ID); {
	case err == nil:
		x.ReferralCode = &ExportReferralCode{Code: rc.Code, Clicks: rc.Clicks, CreatedAt: rc.CreatedAt}
	case !aftersale.IsNotFound(err):
		return nil, err
	}
	made, err := st.ReferralList(ctx, aftersale.ReferralFilter{ReferrerID: c.ID})
	if err != nil {
		return nil, err
	}
	for _, r := range made {
		x.ReferralsMade = append(x.ReferralsMade, ExportReferral{Code: r.Code, RewardCode: couponCode[r.RewardCouponID],
			CreditedAt: r.CreatedAt, RewardGiven: r.RewardCouponID != 0})
	}
	// The store lists referrals by referrer only: the customer's own
	// purchases credited to others are picked from all of them.
	all, err := st.ReferralList(ctx, aftersale.ReferralFilter{})
	if err != nil {
		return nil, err
	}
	for _, r := range all {
		if r.CustomerID == c.ID {
			x.ReferredBy = append(x.ReferredBy, ExportReferral{Code: r.Code, Order: orderRef(r.OrderID),
				CreditedAt: r.CreatedAt, RewardGiven: r.RewardCouponID != 0})
		}
	}

	storyIDs, err := st.StorySentTo(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for _, id := range storyIDs {
		xs := ExportStory{ID: id}
		if story, err := st.StoryGet(ctx, id); err == nil {
			xs.Title = story.Title
		} else if !aftersale.IsNotFound(err) {
			return nil, err
		}
		x.StoriesSent = append(x.StoriesSent, xs)
	}

	recs, err := st.BroadcastRecipientList(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	subjects := map[int64]string{}
	for _, r := range recs {
		subj, ok := subjects[r.BroadcastID]
		if !ok {
			if b, err := st.BroadcastGet(ctx, r.BroadcastID); err == nil {
				subj = b.Subject
			} else if !aftersale.IsNotFound(err) {
				return nil, err
			}
			subjects[r.BroadcastID] = subj
		}
		x.BroadcastMessages = append(x.BroadcastMessages, ExportBroadcastMessage{BroadcastID: r.BroadcastID, Subject: subj,
			Status: r.Status, MessageID: r.MessageID, Error: r.Error, At: r.At})
	}
	s.log.InfoContext(ctx, "customer data exported", "customer_id", c.ID)
	return x, nil
}

// exportOrder is an order of c with what is kept about it.
func (s *Service) exportOrder(ctx context.Context, o *aftersale.Order, c *aftersale.Customer) (*ExportOrder, error) {
	st := s.cfg.Store
	xo := &ExportOrder{
		ID: o.ExternalID, Role: "buyer", Source: o.Source, Status: string(o.Status), Currency: o.Currency, Total: o.Total,
		Coupon: o.Coupon, PlacedAt: o.PlacedAt, AccessedAt: timePtr(o.AccessedAt), DeliveredAt: timePtr(o.DeliveredAt),
		ClosedAt: timePtr(o.ClosedAt), Arrival: o.Arrival, ArrivalAt: timePtr(o.ArrivalAt), Items: o.Items,
		Shipments: []ExportShipment{}, Bookings: []ExportBooking{}, Returns: []ExportReturn{}, CheckIns: []ExportCheckIn{},
	}
	if xo.Items == nil {
		xo.Items = []aftersale.Item{}
	}
	if o.CustomerID != c.ID {
		xo.Role = "user"
	}
	shs, err := st.ShipmentListByOrder(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	for _, sh := range shs {
		xo.Shipments = append(xo.Shipments, ExportShipment{Carrier: sh.Carrier, TrackingNumber: sh.TrackingNumber,
			TrackingURL: sh.TrackingURL, Status: string(sh.Status), UpdatedAt: sh.UpdatedAt})
	}
	bks, err := st.BookingListByOrder(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	for _, b := range bks {
		xo.Bookings = append(xo.Bookings, ExportBooking{StartsAt: b.StartsAt, Title: b.Title, JoinURL: b.JoinURL})
	}
	rs, err := st.ReturnList(ctx, aftersale.ReturnFilter{OrderID: o.ID})
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		items := r.Items
		if items == nil {
			items = []aftersale.ReturnItem{}
		}
		xo.Returns = append(xo.Returns, ExportReturn{ID: r.ID, Status: string(r.Status), Resolution: r.Resolution,
			Reason: r.Reason, Comment: r.Comment, Items: items, Source: r.Source, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt})
	}
	switch p, err := st.PlanGet(ctx, o.ID); {
	case err == nil:
		xo.SuccessPlan = &ExportSuccessPlan{Objectives: p.Objectives, Metrics: p.Metrics, UpdatedBy: p.UpdatedBy, UpdatedAt: p.UpdatedAt}
	case !aftersale.IsNotFound(err):
		return nil, err
	}
	cis, err := st.CheckInList(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	for _, ci := range cis {
		xo.CheckIns = append(xo.CheckIns, ExportCheckIn{Progress: ci.Progress, Note: ci.Note, By: ci.By, CreatedAt: ci.CreatedAt})
	}
	return xo, nil
}

// EraseReport says what Erase did.
type EraseReport struct {
	// CustomerID is the erased customer's record, which stays (as
	// "erased-ID@erased.invalid") so that counts stay right.
	CustomerID int64 `json:"customer_id"`
	// RunsExited and StepsStopped count the journeys stopped, so that
	// nothing more is planned or sent for them.
	RunsExited   int `json:"runs_exited"`
	StepsStopped int `json:"steps_stopped"`
	// OutboxFiles counts the .eml files removed from the local outbox.
	OutboxFiles int `json:"outbox_files_removed"`
}

// eraseInboxWait bounds how long Erase waits for the events about the
// customer that are still in the inbox to be processed.
const eraseInboxWait = 15 * time.Second

// Erase removes the personal data of the customer with the email
// everywhere aftersale keeps it, and keeps the anonymous facts (orders,
// statuses, times, counts): the events about them still in the inbox are
// processed first; the sends in flight on this node finish and new ones
// wait (see eraseGate); their active journeys are exited (nothing more is
// sent, and no mail goes to an erased customer at all); the store erases
// them (Store.CustomerErase) in the same transaction; the local outbox's
// messages to them or about them are removed; and the database files are
// rewritten (Store.Scrub) so that the old data is gone from them, not only
// unreachable. by says who asked (for the log; it must not be an email
// address).
func (s *Service) Erase(ctx context.Context, addr, by string) (*EraseReport, error) {
	st := s.cfg.Store
	addr = strings.ToLower(strings.TrimSpace(addr))
	c, err := s.customerByEmail(ctx, addr)
	if err != nil {
		return nil, err
	}
	var rep *EraseReport
	var ids map[string]bool
	for attempt := 0; ; attempt++ {
		if err := s.drainInbox(ctx, addr); err != nil {
			return nil, err
		}
		// An event about them that arrived after the drain makes the
		// store refuse (ECONFLICT, nothing changed): drain again.
		rep, ids, err = s.eraseInStore(ctx, c.ID)
		if err == nil {
			break
		}
		if aftersale.ErrorCode(err) != aftersale.ECONFLICT || attempt == 20 {
			return nil, err
		}
	}
	rep.OutboxFiles, err = s.cleanOutbox(ctx, addr, ids)
	if err != nil {
		s.log.ErrorContext(ctx, "customer erased, but the outbox could not be cleaned", "customer_id", c.ID, "err", redact(err))
		return rep, aftersale.Errorf(aftersale.EINTERNAL, "the customer's data is erased from the database, but their emails could not be removed from the outbox folder %s (see the log)", s.cfg.OutboxDir)
	}
	if err := st.Scrub(ctx); err != nil {
		s.log.ErrorContext(ctx, "customer erased, but the database files could not be rewritten", "customer_id", c.ID, "err", redact(err))
		return rep, aftersale.Errorf(aftersale.EINTERNAL, "the customer's data is erased, but rewriting the database files failed (see the log), so traces may remain in them until the next erase")
	}
	s.log.InfoContext(ctx, "customer erased", "customer_id", c.ID, "by", by, "runs_exited", rep.RunsExited,
		"steps_stopped", rep.StepsStopped, "outbox_files_removed", rep.OutboxFiles)
	return rep, nil
}

// eraseInStore exits the customer's journeys and erases them in one
// transaction that holds the event processing lock (so that no event about
// them is being applied meanwhile, on any node) and the erase gate (so that
// no send reads them meanwhile, on this node). The lock is tried again for
// up to eraseInboxWait while another node holds it. It returns the
// Message-IDs of the customer's emails, which name their outbox files.
func (s *Service) eraseInStore(ctx context.Context, id int64) (*EraseReport, map[string]bool, error) {
	deadline := time.Now().Add(eraseInboxWait)
	for {
		rep, ids, err := s.eraseTx(ctx, id)
		if !errors.Is(err, errNotOurTurn) {
			return rep, ids, err
		}
		if time.Now().After(deadline) {
			return nil, nil, aftersale.Errorf(aftersale.ECONFLICT, "events are being processed without pause; try the erase again in a minute")
		}
		if !sleepCtx(ctx, 50*time.Millisecond) {
			return nil, nil, ctx.Err()
		}
	}
}

// eraseTx is one attempt of eraseInStore; errNotOurTurn when another
// node holds the processing lock.
func (s *Service) eraseTx(ctx context.Context, id int64) (*EraseReport, map[string]bool, error) {
	var rep *EraseReport
	var ids map[string]bool
	now := s.cfg.Clock.RealNow()
	s.gate.mu.Lock() // wait for the sends in flight; hold back new ones
	defer s.gate.mu.Unlock()
	err := s.cfg.Store.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		rep, ids = &EraseReport{CustomerID: id}, map[string]bool{}
		if ok, err := tx.EventLockProcessing(ctx); err != nil {
			return err
		} else if !ok {
			return errNotOurTurn
		}
		msgs, err := tx.MessageListByCustomer(ctx, id)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if m.MessageID != "" {
				ids[m.MessageID] = true
			}
		}
		runs := map[int64]bool{}
		orders, err := tx.OrderListByCustomer(ctx, id)
		if err != nil {
			return err
		}
		for _, o := range orders {
			rs, err := tx.RunListByOrder(ctx, o.ID)
			if err != nil {
				return err
			}
			for _, r := range rs {
				if r.CustomerID == id && r.Status == aftersale.RunActive {
					runs[r.ID] = true
				}
			}
		}
		steps, err := tx.StepListByCustomer(ctx, id)
		if err != nil {
			return err
		}
		for _, p := range steps {
			if p.Status == aftersale.StepPending {
				runs[p.RunID] = true
			}
		}
		for runID := range runs {
			n, err := tx.RunExit(ctx, runID, "customer erased", now)
			if aftersale.IsNotFound(err) {
				continue
			} else if err != nil {
				return err
			}
			rep.RunsExited++
			rep.StepsStopped += n
		}
		return tx.CustomerErase(ctx, id, now)
	})
	if err != nil {
		return nil, nil, err
	}
	return rep, ids, nil
}

// drainInbox processes the inbox until no event in it carries the address
// (another node may be processing it: then it waits, up to
// eraseInboxWait).
func (s *Service) drainInbox(ctx context.Context, addr string) error {
	deadline := time.Now().Add(eraseInboxWait)
	for {
		if s.enqueuer != nil {
			if _, err := s.ProcessInbox(ctx, nil); err != nil {
				return err
			}
		}
		evs, err := s.cfg.Store.InboxList(ctx, 1<<20)
		if err != nil {
			return err
		}
		waiting := false
		for _, ev := range evs {
			if containsAddress(bytes.ToLower(ev.Payload), addr) {
				waiting = true
				break
			}
		}
		if !waiting {
			return nil
		}
		if time.Now().After(deadline) {
			return aftersale.Errorf(aftersale.ECONFLICT, "events about the customer are still waiting to be processed; try again in a minute")
		}
		if !sleepCtx(ctx, 100*time.Millisecond) {
			return ctx.Err()
		}
	}
}

// cleanOutbox removes the outbox's messages with the Message-IDs and any
// other message that names the address (a digest to the team, say), and
// says how many files it removed.
func (s *Service) cleanOutbox(ctx context.Context, addr string, messageIDs map[string]bool) (int, error) {
	dir := s.cfg.OutboxDir
	if dir == "" {
		return 0, nil
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	names := map[string]bool{}
	for id := range messageIDs {
		names[outbox.FileName(id)] = true
	}
	removed := 0
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return removed, err
		}
		if !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		remove := names[e.Name()]
		if !remove {
			raw, err := os.ReadFile(p)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			} else if err != nil {
				return removed, err
			}
			remove = mentions(raw, addr)
		}
		if !remove {
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, err
		}
		removed++
	}
	if removed > 0 {
		if d, err := os.Open(dir); err == nil {
			_ = d.Sync()
			d.Close()
		}
	}
	return removed, nil
}

// mentions reports whether the raw message names the address anywhere: in
// its bytes, its decoded headers, or its decoded (quoted-printable or
// base64) parts.
func mentions(raw []byte, addr string) bool {
	addr = strings.ToLower(addr)
	if containsAddress(bytes.ToLower(raw), addr) {
		return true
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return false
	}
	var dec mime.WordDecoder
	for _, vs := range msg.Header {
		for _, v := range vs {
			if d, err := dec.DecodeHeader(v); err == nil && containsAddress(bytes.ToLower([]byte(d)), addr) {
				return true
			}
		}
	}
	return partMentions(textproto.MIMEHeader(msg.Header), msg.Body, addr, 0)
}

// partMentions reports whether a MIME part, decoded, names the
// (lower-case) address.
func partMentions(h textproto.MIMEHeader, body io.Reader, addr string, depth int) bool {
	if depth > 8 {
		return false
	}
	mt, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return false
			}
			if partMentions(p.Header, p, addr, depth+1) {
				return true
			}
		}
	}
	r := body
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, _ := io.ReadAll(io.LimitReader(r, 32<<20))
	return containsAddress(bytes.ToLower(b), addr)
}

// containsAddress reports whether hay names the address as a whole: not
// as the tail of a longer one (ana@example.com in diana@example.com) nor
// as the head of one (ana@example.com in ana@example.com.au). A full stop
// right after it ends a sentence, not the domain. Both are lower-case.
func containsAddress(hay []byte, addr string) bool {
	needle := []byte(addr)
	for off := 0; ; {
		i := bytes.Index(hay[off:], needle)
		if i < 0 {
			return false
		}
		start, end := off+i, off+i+len(needle)
		before := start == 0 || !isLocalPartByte(hay[start-1])
		after := end == len(hay) || !isDomainByte(hay[end]) ||
			hay[end] == '.' && (end+1 == len(hay) || !isDomainByte(hay[end+1]) || hay[end+1] == '.')
		if before && after {
			return true
		}
		off = start + 1
	}
}

// isLocalPartByte says whether c may be part of an address's local part.
func isLocalPartByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", c) >= 0
}

// isDomainByte says whether c may be part of a domain name.
func isDomainByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
}
