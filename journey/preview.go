package journey

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aftersale/aftersale"
)

// PreviewOptions describe the sample purchase of a preview.
type PreviewOptions struct {
	// Timezone is the sample buyer's IANA zone; "" means the schedule's
	// default zone, then UTC.
	Timezone string
	// HasPhone gives the sample buyer a phone number, and Consent marketing
	// consent. (Set both for the usual sample; the zero value previews a
	// buyer without either.)
	HasPhone, Consent bool
	// HasUser names a separate user on the sample order.
	HasUser bool
	// PurchasedAt is the sample purchase time (virtual); zero means
	// Monday 2 March 2026 at 10:00 in the sample's zone.
	PurchasedAt time.Time
	// Schedule gives quiet hours and business days (its Clock is ignored:
	// a preview is in virtual time); nil means quiet hours 21:00–08:00 and
	// business days Monday to Friday.
	Schedule *Schedule
}

// Entry is one step of a preview timeline.
type Entry struct {
	At      time.Time     // virtual time, in the sample buyer's zone
	Offset  time.Duration // from the purchase
	Journey string        // journey id
	Step    string        // step id
	Type    aftersale.StepType
	What    string // the template, task kind, survey, or "offer"
	Anchor  string // the event the step counts from
	Skipped bool   // the step's condition is false for the sample
	Note    string // e.g. "skipped: if has_phone is false", "assumes delivery on day 3"
}

// sampleOptions describe a sample purchase.
type sampleOptions struct {
	kind                 aftersale.ItemKind
	phone, consent, user bool
	at                   time.Time
	tz                   string
}

// sampleProduct names a sample product of each kind.
func sampleProduct(k aftersale.ItemKind) string {
	switch k {
	case aftersale.KindDigital:
		return "Launch Kit"
	case aftersale.KindCourse:
		return "Launch Course"
	case aftersale.KindPhysical:
		return "Field Notebook"
	case aftersale.KindCoaching:
		return "Coaching Package"
	case aftersale.KindService:
		return "Website Review"
	case aftersale.KindMembership:
		return "Insiders Membership"
	}
	return "Sample Product"
}

// sampleFacts returns the facts of a sample purchase of one item.
func sampleFacts(o sampleOptions) *Facts {
	buyer := &aftersale.Customer{ID: 1, Email: "ana@example.com", Name: "Ana Lima", Timezone: o.tz, MarketingConsent: o.consent}
	if o.phone {
		buyer.Phone = "+15551234567"
	}
	order := &aftersale.Order{
		ID: 1, ExternalID: "1001", CustomerID: 1, Source: "api", Currency: "USD", Total: "49.00",
		Status: aftersale.OrderPlaced, PlacedAt: o.at,
		Items: []aftersale.Item{{SKU: "sample-" + string(o.kind), Name: sampleProduct(o.kind), Kind: o.kind, Quantity: 1, Price: "49.00"}},
	}
	f := &Facts{Order: order, Buyer: buyer, Now: o.at}
	if o.user {
		f.User = &aftersale.Customer{ID: 2, Email: "sam@example.com", Name: "Sam Reed", Timezone: o.tz}
		order.UserID = 2
	}
	return f
}

// sampleAnchor is when an anchor event happens in a preview, and what the
// preview assumes about it.
type sampleAnchor struct {
	at   time.Time
	note string
}

// sampleAnchors returns the typical anchor times for a purchase of kind at
// purchase (local time); anchors that do not happen are absent.
func sampleAnchors(kind aftersale.ItemKind, purchase time.Time) map[string]sampleAnchor {
	loc := purchase.Location()
	y, m, d := purchase.Date()
	day := func(n, h, min int) time.Time { return time.Date(y, m, d+n, h, min, 0, 0, loc) }
	a := map[string]sampleAnchor{TriggerPurchase: {at: purchase}}
	switch kind {
	case aftersale.KindDigital, aftersale.KindCourse, aftersale.KindMembership:
		a[AnchorAccess] = sampleAnchor{purchase.Add(2 * time.Hour), "assumes first access 2h after purchase"}
	case aftersale.KindCoaching, aftersale.KindService:
		a[AnchorBooking] = sampleAnchor{day(2, 10, 0), "assumes a session on day 2 at 10:00"}
	case aftersale.KindPhysical:
		a[ShipmentAnchor(aftersale.ShipmentShipped)] = sampleAnchor{day(1, 15, 0), "assumes it ships on day 1"}
		a[ShipmentAnchor(aftersale.ShipmentInTransit)] = sampleAnchor{day(2, 9, 0), "assumes it is in transit on day 2"}
		a[ShipmentAnchor(aftersale.ShipmentOutForDelivery)] = sampleAnchor{day(3, 8, 30), "assumes it is out for delivery on day 3"}
		a[ShipmentAnchor(aftersale.ShipmentDelivered)] = sampleAnchor{day(3, 14, 0), "assumes delivery on day 3"}
		a[AnchorDelivery] = sampleAnchor{day(3, 14, 0), "assumes delivery on day 3"}
	}
	return a
}

// factsAt returns the sample facts as they stand at t: access, delivery and
// the booking count once their sample time has come.
func factsAt(base *Facts, anchors map[string]sampleAnchor, t time.Time) *Facts {
	f := *base
	o := *base.Order
	f.Order, f.Now = &o, t
	if a, ok := anchors[AnchorAccess]; ok && !a.at.After(t) {
		o.AccessedAt = a.at
	}
	if a, ok := anchors[AnchorDelivery]; ok && !a.at.After(t) {
		o.DeliveredAt = a.at
	}
	if a, ok := anchors[ShipmentAnchor(aftersale.ShipmentShipped)]; ok && !a.at.After(t) {
		f.Shipments = []*aftersale.ShipmentRecord{{ID: 1, OrderID: o.ID, Carrier: "UPS", TrackingNumber: "1Z999", Status: aftersale.ShipmentShipped, UpdatedAt: a.at}}
	}
	if a, ok := anchors[AnchorBooking]; ok && t.Sub(o.PlacedAt) >= time.Hour {
		f.Bookings = []*aftersale.BookingRecord{{ID: 1, OrderID: o.ID, StartsAt: a.at, Title: "First session"}}
	}
	return &f
}

// Preview simulates a sample purchase of one item of kind (buyer "Ana Lima",
// with a phone number and consent as the options say) and lists what the
// purchase journeys would do, and when, sorted by time. Steps after anchors
// that do not happen for the kind (a delivery for a download, a refund) are
// left out; journeys whose `when` is false are left out; steps whose `if` is
// false are listed as skipped. Anchors are assumed at typical times: first
// access 2h after purchase (digital, course, membership), a session on day 2
// at 10:00 (coaching, service), shipped on day 1 and delivered on day 3
// (physical). Conditions see the facts as they stand when a step falls due.
func (s *Set) Preview(kind aftersale.ItemKind, opt PreviewOptions) ([]Entry, error) {
	if !slices.Contains(aftersale.ItemKinds, kind) {
		return nil, aftersale.FieldError("kind", "%q is not an item kind", kind)
	}
	sched := Schedule{QuietStart: "21:00", QuietEnd: "08:00"}
	if opt.Schedule != nil {
		sched = *opt.Schedule
		sched.Clock = nil
	}
	tz := opt.Timezone
	if tz == "" {
		tz = sched.DefaultTimezone
	}
	loc := time.UTC
	if tz != "" {
		l, err := aftersale.LoadLocation(tz)
		if err != nil {
			return nil, aftersale.FieldError("timezone", "%q is not an IANA time zone (like Europe/Berlin)", tz)
		}
		loc = l
	}
	purchase := opt.PurchasedAt.In(loc)
	if opt.PurchasedAt.IsZero() {
		purchase = time.Date(2026, time.March, 2, 10, 0, 0, 0, loc)
	}
	base := sampleFacts(sampleOptions{kind: kind, phone: opt.HasPhone, consent: opt.Consent, user: opt.HasUser, at: purchase, tz: tz})
	anchors := sampleAnchors(kind, purchase)

	var out []Entry
	for _, j := range s.Triggered(TriggerPurchase) {
		start, err := j.When.Eval(base)
		if err != nil {
			return nil, err
		}
		if !start {
			continue
		}
		for _, st := range j.Steps {
			anchor := j.anchorOf(st)
			a, ok := anchors[anchor]
			if !ok {
				continue
			}
			at := sched.Due(a.at, st, tz).In(loc)
			e := Entry{At: at, Offset: at.Sub(purchase), Journey: j.ID, Step: st.ID, Type: st.Type, What: stepWhat(st), Anchor: anchor, Note: a.note}
			run, err := st.If.Eval(factsAt(base, anchors, at))
			if err != nil {
				return nil, err
			}
			if st.Type == aftersale.StepTask && e.Note == "" {
				due := st.Due
				if due.IsZero() {
					due = Delay{BusinessDays: 1}
				}
				e.Note = "due within " + due.String()
			}
			if !run {
				e.Skipped, e.Note = true, fmt.Sprintf("skipped: if %s is false", st.If)
			}
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].At.Before(out[b].At) })
	return out, nil
}

// stepWhat names what a step does for a timeline.
func stepWhat(st *Step) string {
	switch st.Type {
	case aftersale.StepEmail:
		return st.Template
	case aftersale.StepTask:
		return string(st.Task)
	case aftersale.StepSurvey:
		return st.Survey + " survey"
	case aftersale.StepOffer:
		if st.Params["next_level"] == true {
			return "next-level offer"
		}
		if v, ok := st.Params["percent_off"]; ok {
			return fmt.Sprintf("offer %v%% off", v)
		}
		return "offer"
	}
	return string(st.Type)
}

// FormatTimeline renders entries as a text table, one line each: the
// calendar day counted from the purchase (day 0), the local date and time,
// the type, what, the journey/step and the note, e.g.
//
//	day 0   Mon 02 Mar 10:00  email  thank_you  default/thank-you
func FormatTimeline(entries []Entry) string {
	if len(entries) == 0 {
		return ""
	}
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, e := range entries {
		fmt.Fprintf(w, "day %d\t%s\t%s\t%s\t%s/%s\t%s\n",
			calendarDays(e.At.Add(-e.Offset), e.At), e.At.Format("Mon 02 Jan 15:04"),
			e.Type, e.What, e.Journey, e.Step, e.Note)
	}
	w.Flush()
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

// calendarDays counts the local calendar days from a to b.
func calendarDays(a, b time.Time) int {
	b = b.In(a.Location())
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	da := time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)
	db := time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}
