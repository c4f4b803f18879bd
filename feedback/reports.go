package feedback

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/report"
)

// hasProduct says whether the order has an item with the SKU or name.
func hasProduct(o *aftersale.Order, p string) bool {
	if p == "" {
		return true
	}
	return slices.ContainsFunc(o.Items, func(it aftersale.Item) bool {
		return strings.EqualFold(it.SKU, p) || strings.EqualFold(it.Name, p)
	})
}

// reportOrders returns the orders of the filter, by id.
func (s *Service) reportOrders(ctx context.Context, f report.Filter) (map[int64]*aftersale.Order, error) {
	list, err := s.cfg.Store.OrderList(ctx, f.From, f.To)
	if err != nil {
		return nil, err
	}
	out := map[int64]*aftersale.Order{}
	for _, o := range list {
		if hasProduct(o, f.Product) {
			out[o.ID] = o
		}
	}
	return out, nil
}

// reportAnswers returns the survey answers about the filter's orders.
func (s *Service) reportAnswers(ctx context.Context, f report.Filter) ([]*aftersale.SurveyAnswer, map[int64]*aftersale.Order, error) {
	orders, err := s.reportOrders(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	all, err := s.cfg.Store.SurveyAnswerList(ctx, aftersale.AnswerFilter{})
	if err != nil {
		return nil, nil, err
	}
	var out []*aftersale.SurveyAnswer
	for _, a := range all {
		if orders[a.OrderID] != nil {
			out = append(out, a)
		}
	}
	return out, orders, nil
}

// IPAReport is the importance–performance analysis of a filter.
type IPAReport struct {
	Points      []report.Point
	Crosshair   report.Crosshair
	Respondents int // orders with answers
}

// IPAReport computes the importance–performance analysis of the company,
// or of f.Member, over the filter's orders.
func (s *Service) IPAReport(ctx context.Context, f report.Filter) (*IPAReport, error) {
	answers, _, err := s.reportAnswers(ctx, f)
	if err != nil {
		return nil, err
	}
	opt := report.IPAOptions{Subject: f.Member}
	if f.Member != "" {
		// Importance of the customers the member served.
		opt.Orders = map[int64]bool{}
		for _, a := range answers {
			if strings.EqualFold(a.Subject, f.Member) {
				opt.Orders[a.OrderID] = true
			}
		}
	}
	points, c := report.IPA(s.qualities(), answers, opt)
	seen := map[int64]bool{}
	for _, a := range answers {
		if opt.Orders == nil || opt.Orders[a.OrderID] {
			seen[a.OrderID] = true
		}
	}
	return &IPAReport{Points: points, Crosshair: c, Respondents: len(seen)}, nil
}

// ScoreReport is NPS and CSAT, overall and by month.
type ScoreReport struct {
	Overall report.Score
	Monthly []report.Period
}

// ScoreReport computes NPS and CSAT over the filter's orders, by month of
// the answers (the last twelve months when the filter has no dates).
func (s *Service) ScoreReport(ctx context.Context, f report.Filter) (*ScoreReport, error) {
	answers, _, err := s.reportAnswers(ctx, f)
	if err != nil {
		return nil, err
	}
	from, to := f.From, f.To
	now := s.cfg.Clock.RealNow()
	if to.IsZero() {
		to = now.AddDate(0, 0, 1)
	}
	if from.IsZero() {
		from = time.Date(to.Year()-1, to.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return &ScoreReport{Overall: report.Scores(answers), Monthly: report.Monthly(answers, from, to)}, nil
}

// FunnelReport computes the transaction-to-customer funnel of the filter's
// orders (see report.StageOf): onboarded is access, delivery or a session
// that has begun; engaged is a completed human touch (a task done by a team
// member, or a personal email); satisfied is a recommendation of 9 or 10,
// or, without one, a mean company rating of 4 or more; loyal is another
// order of the buyer's after this one.
func (s *Service) FunnelReport(ctx context.Context, f report.Filter) (*report.Funnel, error) {
	// Every order once: the repeat purchases may fall outside the filter.
	all, err := s.cfg.Store.OrderList(ctx, time.Time{}, time.Time{})
	if err != nil {
		return nil, err
	}
	placed := map[int64][]time.Time{} // customer → order times
	var orders []*aftersale.Order
	for _, o := range all {
		placed[o.CustomerID] = append(placed[o.CustomerID], o.PlacedAt)
		if (f.From.IsZero() || !o.PlacedAt.Before(f.From)) && (f.To.IsZero() || o.PlacedAt.Before(f.To)) && hasProduct(o, f.Product) {
			orders = append(orders, o)
		}
	}
	done, err := s.cfg.Store.TaskList(ctx, aftersale.TaskFilter{Status: aftersale.TaskDone, Limit: 1_000_000})
	if err != nil {
		return nil, err
	}
	firstTouch := map[int64]time.Time{}
	for _, t := range done {
		if t.OrderID == 0 || !t.Touched() {
			continue // no touch happened
		}
		if ft, ok := firstTouch[t.OrderID]; !ok || t.DoneAt.Before(ft) {
			firstTouch[t.OrderID] = t.DoneAt
		}
	}
	answers, err := s.cfg.Store.SurveyAnswerList(ctx, aftersale.AnswerFilter{})
	if err != nil {
		return nil, err
	}
	nps := map[int64]int{}
	sum, n := map[int64]int{}, map[int64]int{}
	for _, a := range answers {
		switch {
		case a.Kind == aftersale.AnswerNPS:
			nps[a.OrderID] = a.Value + 1 // 0 means none
		case a.Kind == aftersale.AnswerPerformance && a.Subject == "":
			sum[a.OrderID] += a.Value
			n[a.OrderID]++
		}
	}
	now := s.cfg.Clock.RealNow()
	var in []report.FunnelOrder
	for _, o := range orders {
		fo := report.FunnelOrder{
			Refunded:       o.Status == aftersale.OrderRefunded || o.Status == aftersale.OrderCancelled,
			Partial:        o.Partial(),
			Total:          o.Total,
			RefundedAmount: refundedMoney(o),
			Onboarded:      !o.AccessedAt.IsZero() || !o.DeliveredAt.IsZero(),
			FirstTouch:     -1,
		}
		if !fo.Onboarded {
			if bs, err := s.cfg.Store.BookingListByOrder(ctx, o.ID); err == nil {
				fo.Onboarded = slices.ContainsFunc(bs, func(b *aftersale.BookingRecord) bool { return b.StartsAt.Before(now) })
			}
		}
		if ft, ok := firstTouch[o.ID]; ok {
			fo.FirstTouch = max(ft.Sub(o.PlacedAt), 0)
		}
		if v, ok := nps[o.ID]; ok {
			fo.Satisfied = v-1 >= 9
		} else if n[o.ID] > 0 {
			fo.Satisfied = float64(sum[o.ID])/float64(n[o.ID]) >= 4
		}
		fo.Repeat = slices.ContainsFunc(placed[o.CustomerID], func(t time.Time) bool { return t.After(o.PlacedAt) })
		in = append(in, fo)
	}
	return report.ComputeFunnel(in), nil
}

// Products returns the names of the products sold (the item names, or the
// SKUs of items without one), for the reports' filter.
func (s *Service) Products(ctx context.Context) ([]string, error) {
	all, err := s.cfg.Store.OrderList(ctx, time.Time{}, time.Time{})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, o := range all {
		for _, it := range o.Items {
			name := it.Name
			if name == "" {
				name = it.SKU
			}
			if name != "" && !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// refundedMoney is what was paid back of the order: the refunds recorded,
// or its total for a refunded order that recorded none (refunded before
// refunds had amounts).
func refundedMoney(o *aftersale.Order) string {
	if o.Status == aftersale.OrderRefunded && o.Refunded.Amount == "" {
		return o.Total
	}
	return o.Refunded.Amount
}
