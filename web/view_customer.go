package web

// The customer's view: what the customer API (GET /api/v1/customers/{email})
// shows about one person, and what the admin customer and task pages show.

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/returns"
)

// CustomerView is everything the customer API shows about one person.
type CustomerView struct {
	Email            string                `json:"email"`
	Name             string                `json:"name"`
	Phone            string                `json:"phone,omitempty"`
	Timezone         string                `json:"timezone,omitempty"`
	Stage            string                `json:"stage"` // see aftersale.CustomerStage
	MarketingConsent bool                  `json:"marketing_consent"`
	Unsubscribed     bool                  `json:"unsubscribed"`
	Suppressed       string                `json:"suppressed,omitempty"` // why no mail may go to the address (bounce, complaint)
	UnsubscribedAt   *time.Time            `json:"unsubscribed_at,omitempty"`
	CreatedAt        time.Time             `json:"created_at"`
	Orders           []OrderView           `json:"orders"`
	Coupons          []engine.CouponView   `json:"coupons,omitempty"`  // codes given to the customer (offers, referral rewards)
	Referral         *engine.ReferralView  `json:"referral,omitempty"` // their referral link, when they have one
	Timeline         []engine.TimelineItem `json:"timeline"`
}

// OrderView is an order in the customer API.
type OrderView struct {
	ID string `json:"id"`
	// Number is the order number the buyer knows ("#1001"), when the shop
	// has one.
	Number string `json:"number,omitempty"`
	// Status is placed, refunded (fully) or cancelled; Refunded says what
	// has been refunded so far, also of an order still placed.
	Status      string           `json:"status"`
	Refunded    *RefundedView    `json:"refunded,omitempty"`
	Role        string           `json:"role"` // buyer or user
	Currency    string           `json:"currency,omitempty"`
	Total       string           `json:"total,omitempty"`
	Coupon      string           `json:"coupon,omitempty"`
	PlacedAt    time.Time        `json:"placed_at"`
	AccessedAt  *time.Time       `json:"accessed_at,omitempty"`
	DeliveredAt *time.Time       `json:"delivered_at,omitempty"`
	User        string           `json:"user,omitempty"`
	Items       []aftersale.Item `json:"items"`
	// RefundRisk is the purchase's refund-risk score and its signals
	// (buyer's orders that are not refunded or cancelled).
	RefundRisk *engine.Risk `json:"refund_risk,omitempty"`
	// Packages are the order's shipments; Arrival the answer to "did it
	// arrive in good shape?" ("yes", "no"; absent before any).
	Packages  []PackageView `json:"packages,omitempty"`
	Arrival   string        `json:"arrival,omitempty"`
	ArrivalAt *time.Time    `json:"arrival_at,omitempty"`
	Returns   []ReturnJSON  `json:"returns,omitempty"`
}

// RefundedView is what has been refunded on an order, in the customer API.
type RefundedView struct {
	Amount   string                 `json:"amount,omitempty"`
	Shipping string                 `json:"shipping,omitempty"`
	Items    []aftersale.RefundItem `json:"items,omitempty"`
	// Partial is true while the order is not fully refunded.
	Partial bool      `json:"partial"`
	At      time.Time `json:"at"`
}

// PackageView is a shipment in the customer API.
type PackageView struct {
	Carrier        string    `json:"carrier,omitempty"`
	TrackingNumber string    `json:"tracking_number,omitempty"`
	TrackingURL    string    `json:"tracking_url,omitempty"`
	Status         string    `json:"status"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// ReturnJSON is a return as the API shows it.
type ReturnJSON struct {
	ID           int64                  `json:"id"`
	OrderID      string                 `json:"order_id"`               // the shop's order id
	OrderNumber  string                 `json:"order_number,omitempty"` // the number the buyer knows
	Customer     string                 `json:"customer"`               // the buyer's email
	CustomerName string                 `json:"customer_name,omitempty"`
	Status       aftersale.ReturnStatus `json:"status"`
	Resolution   string                 `json:"resolution"`
	Reason       string                 `json:"reason"`
	Comment      string                 `json:"comment"`
	Items        []aftersale.ReturnItem `json:"items"`
	Source       string                 `json:"source,omitempty"`
	CreatedAt    time.Time              `json:"created_at"`
	UpdatedAt    time.Time              `json:"updated_at"`
	UpdatedBy    string                 `json:"updated_by,omitempty"`
	// StatusURL is the customer's status page of the return.
	StatusURL string `json:"status_url"`
	// Next are the statuses the return may move to.
	Next []aftersale.ReturnStatus `json:"next"`
}

// newReturnJSON returns the API view of the return.
func newReturnJSON(v *returns.View) ReturnJSON {
	r := v.Return
	out := ReturnJSON{ID: r.ID, Status: r.Status, Resolution: r.Resolution, Reason: r.Reason, Comment: r.Comment,
		Items: r.Items, Source: r.Source, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), UpdatedBy: r.UpdatedBy,
		StatusURL: v.StatusURL, Next: v.Next}
	if out.Items == nil {
		out.Items = []aftersale.ReturnItem{}
	}
	if out.Next == nil {
		out.Next = []aftersale.ReturnStatus{}
	}
	if v.Order != nil {
		out.OrderID, out.OrderNumber = v.Order.ExternalID, v.Order.Number
	}
	if v.Customer != nil {
		out.Customer, out.CustomerName = v.Customer.Email, v.Customer.Name
	}
	return out
}

// timePtr is t, or nil for the zero time.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// customerView returns the view of the customer with the email: their
// orders with refunds, refund risk, packages and returns, their stage, their
// codes and referral link, and their history and plan as one timeline,
// oldest first.
func (s *Server) customerView(ctx context.Context, emailAddr string) (*CustomerView, error) {
	svc := s.cfg.Service
	st := svc.Store()
	c, err := st.CustomerGetByEmail(ctx, strings.ToLower(strings.TrimSpace(emailAddr)))
	if err != nil {
		return nil, err
	}
	v := &CustomerView{
		Email: c.Email, Name: c.Name, Phone: c.Phone, Timezone: c.Timezone,
		MarketingConsent: c.MarketingConsent, Unsubscribed: c.Unsubscribed, Suppressed: c.Suppressed,
		UnsubscribedAt: timePtr(c.UnsubscribedAt), CreatedAt: c.CreatedAt,
		Orders: []OrderView{}, Timeline: []engine.TimelineItem{},
	}
	orders, err := st.OrderListByCustomer(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for _, o := range orders {
		ov := newOrderView(o)
		if o.CustomerID != c.ID {
			ov.Role = "user"
		} else if o.Status == aftersale.OrderPlaced {
			r, err := svc.RefundRisk(ctx, o, c)
			if err != nil {
				return nil, err
			}
			ov.RefundRisk = &r
		}
		if o.UserID != 0 && o.UserID != c.ID {
			if u, err := st.CustomerGet(ctx, o.UserID); err == nil {
				ov.User = u.Email
			}
		}
		if err := s.orderCare(ctx, st, o, c, &ov, v); err != nil {
			return nil, err
		}
		v.Orders = append(v.Orders, ov)
	}
	tasks, err := st.TaskList(ctx, aftersale.TaskFilter{CustomerID: c.ID})
	if err != nil {
		return nil, err
	}
	answers, err := st.SurveyAnswerList(ctx, aftersale.AnswerFilter{CustomerID: c.ID})
	if err != nil {
		return nil, err
	}
	v.Stage = aftersale.CustomerStage(orders, tasks, answers, c.ID)
	parts, err := svc.CustomerViewParts(ctx, c, orders)
	if err != nil {
		return nil, err
	}
	v.Coupons, v.Referral = parts.Coupons, parts.Referral
	v.Timeline = append(v.Timeline, parts.Timeline...)
	if err := customerHistory(ctx, st, c, tasks, v); err != nil {
		return nil, err
	}
	steps, err := svc.PlannedSteps(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for _, p := range steps {
		if p.Status != aftersale.StepPending && p.Status != aftersale.StepExited && p.Status != aftersale.StepSkipped {
			continue // done steps show as their email or task
		}
		sum := fmt.Sprintf("%s step %s/%s", p.Type, p.JourneyID, p.StepID)
		if p.Note != "" {
			sum += " (" + p.Note + ")"
		}
		v.Timeline = append(v.Timeline, engine.TimelineItem{At: p.DueAt, Kind: "step", Status: string(p.Status), Summary: sum})
	}
	sort.SliceStable(v.Timeline, func(i, j int) bool { return v.Timeline[i].At.Before(v.Timeline[j].At) })
	return v, nil
}

// newOrderView is the order as the customer API shows it to its buyer,
// without what needs more reads (risk, user, packages, returns).
func newOrderView(o *aftersale.Order) OrderView {
	return OrderView{
		ID: o.ExternalID, Number: o.Number, Status: string(o.Status), Refunded: newRefundedView(o), Role: "buyer",
		Currency: o.Currency, Total: o.Total, Coupon: o.Coupon, PlacedAt: o.PlacedAt, AccessedAt: timePtr(o.AccessedAt),
		DeliveredAt: timePtr(o.DeliveredAt), Items: o.Items,
	}
}

// newRefundedView is what has been refunded on the order, or nil for
// nothing.
func newRefundedView(o *aftersale.Order) *RefundedView {
	r := o.Refunded
	if r.At.IsZero() && r.Amount == "" && len(r.Items) == 0 {
		return nil
	}
	return &RefundedView{Amount: r.Amount, Shipping: r.Shipping, Items: r.Items, Partial: o.Status != aftersale.OrderRefunded, At: r.At}
}

// customerHistory adds the customer's events, emails, tasks and broadcasts
// to the view's timeline.
func customerHistory(ctx context.Context, st aftersale.Store, c *aftersale.Customer, tasks []*aftersale.Task, v *CustomerView) error {
	events, err := st.EventListByCustomer(ctx, c.Email)
	if err != nil {
		return err
	}
	for _, e := range events {
		v.Timeline = append(v.Timeline, engine.TimelineItem{At: e.ReceivedAt, Kind: "event", Summary: string(e.Type), Ref: e.ID})
	}
	msgs, err := st.MessageListByCustomer(ctx, c.ID)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		at := m.CreatedAt
		if !m.SentAt.IsZero() {
			at = m.SentAt
		}
		sum := "email " + m.Template
		if m.Subject != "" {
			sum += ": " + m.Subject
		}
		if m.Error != "" {
			sum += " (" + m.Error + ")"
		}
		v.Timeline = append(v.Timeline, engine.TimelineItem{At: at, Kind: "email", Status: string(m.Status), Summary: sum, Ref: m.MessageID,
			OpenedAt: timePtr(m.OpenedAt)})
	}
	for _, t := range tasks {
		sum := string(t.Kind) + ": " + t.Title
		if t.Outcome != "" {
			sum += " — " + t.Outcome
		}
		v.Timeline = append(v.Timeline, engine.TimelineItem{At: t.CreatedAt, Kind: "task", Status: string(t.Status), Summary: sum, Ref: fmt.Sprint(t.ID)})
	}
	sent, err := st.BroadcastRecipientList(ctx, c.ID)
	if err != nil {
		return err
	}
	for _, r := range sent {
		sum := fmt.Sprintf("broadcast #%d", r.BroadcastID)
		if b, err := st.BroadcastGet(ctx, r.BroadcastID); err == nil {
			sum += ": " + b.Subject
		}
		v.Timeline = append(v.Timeline, engine.TimelineItem{At: r.At, Kind: "broadcast", Status: r.Status, Summary: sum, Ref: r.MessageID})
	}
	return nil
}

// orderCare adds an order's packages, arrival answer and returns to its
// view, and the answer and the returns to the customer's timeline.
func (s *Server) orderCare(ctx context.Context, st aftersale.Store, o *aftersale.Order, c *aftersale.Customer, ov *OrderView, v *CustomerView) error {
	if o.HasKind(aftersale.KindPhysical) {
		shs, err := st.ShipmentListByOrder(ctx, o.ID)
		if err != nil {
			return err
		}
		for _, sh := range shs {
			ov.Packages = append(ov.Packages, PackageView{Carrier: sh.Carrier, TrackingNumber: sh.TrackingNumber,
				TrackingURL: sh.TrackingURL, Status: string(sh.Status), UpdatedAt: sh.UpdatedAt})
		}
	}
	if o.Arrival != "" {
		ov.Arrival, ov.ArrivalAt = o.Arrival, timePtr(o.ArrivalAt)
		v.Timeline = append(v.Timeline, engine.TimelineItem{At: o.ArrivalAt, Kind: "answer", Status: o.Arrival,
			Summary: fmt.Sprintf("did order %s arrive in good shape? %s", o.ExternalID, o.Arrival), Ref: o.ExternalID})
	}
	rs, err := st.ReturnList(ctx, aftersale.ReturnFilter{OrderID: o.ID})
	if err != nil {
		return err
	}
	for _, r := range rs {
		ov.Returns = append(ov.Returns, newReturnJSON(s.cfg.Returns.NewView(r, o, c)))
		var items []string
		for _, it := range r.Items {
			items = append(items, fmt.Sprintf("%s × %d", it.Name, it.Quantity))
		}
		sum := fmt.Sprintf("return of order %s for %s: %s", o.ExternalID, r.Resolution, strings.Join(items, ", "))
		if r.Reason != "" {
			sum += " — " + r.Reason
		}
		v.Timeline = append(v.Timeline, engine.TimelineItem{At: r.CreatedAt, Kind: "return", Status: string(r.Status), Summary: sum, Ref: strconv.FormatInt(r.ID, 10)})
	}
	return nil
}
