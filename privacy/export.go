package privacy

// Export: everything held on a customer, as JSON.

import (
	"context"
	"encoding/json"
	"time"

	"github.com/aftersale/aftersale"
)

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
	orderRef := aftersale.OrderRefs(ctx, s.cfg.Store, orders)
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
	steps, err := aftersale.StepsWithPlans(ctx, st, c.ID)
	if err != nil {
		return nil, err
	}
	for _, p := range steps {
		if p.ID != 0 { // not a step still waiting in a plan
			stepOrder[p.ID] = p.OrderID
		}
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
