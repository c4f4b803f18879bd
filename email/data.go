package email

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // FormatWhen must know the customer's zone even on hosts without zoneinfo

	"github.com/aftersale/aftersale"
)

// Data is what a template sees. Fields marked "derived" may be left empty:
// Render fills them from the others.
type Data struct {
	// Business is the shop the email comes from.
	Business Business
	// Recipient is the person the email goes to: the buyer or the user.
	Recipient Person
	// Buyer is the person who paid.
	Buyer Person
	// User is the person who uses the purchase when it is not the buyer;
	// nil when the buyer uses it.
	User *Person
	// IsUser is true when the recipient is the user, not the buyer.
	IsUser bool
	// Order is the purchase the email is about.
	Order OrderData
	// Bookings are the order's scheduled sessions, earliest first.
	Bookings []BookingData
	// Shipment is the package an update is about; nil when there is none.
	Shipment *ShipmentData
	// Links are absolute URLs for the customer's pages; each may be empty.
	Links Links
	// Survey is set for the emails of survey steps.
	Survey *SurveyData
	// Arrival is set for the "did it arrive?" emails of physical orders.
	Arrival *ArrivalData
	// Return is set for the emails about a return.
	Return *ReturnData
	// Offer is set for the emails of offer steps: the customer's code.
	Offer *OfferData
	// Story is a client story chosen for the email (steps with story:
	// true); nil when none suits.
	Story *StoryData
	// NextLevel is the next product proposed (next-level offer steps).
	NextLevel *NextLevelData
}

// OfferData is an insider offer: a single-use code and, optionally, the
// customer's referral link.
type OfferData struct {
	Code       string
	PercentOff int
	// Expires is the last day the code works, for people ("31 Dec 2026");
	// "" when it does not expire.
	Expires string
	// ShopURL is where to use the code; may be empty.
	ShopURL string
	// ReferralURL is the customer's own referral link; "" when the offer
	// has none.
	ReferralURL string
}

// StoryData is a client story.
type StoryData struct {
	Title string
	Body  string // Markdown, written by the team
}

// NextLevelData is the next product for what the customer bought.
type NextLevelData struct {
	Name        string
	URL         string
	Description string
}

// ArrivalData is what a "did it arrive in good shape?" email links to.
type ArrivalData struct {
	// Yes and No record the customer's answer with one click (signed,
	// expiring).
	Yes string
	No  string
	// Delivered is true when the carrier reported the package delivered;
	// false for a check-in on a package that should have arrived by now.
	Delivered bool
}

// ReturnData is a return and what the customer should do next.
type ReturnData struct {
	// Status is requested, received, refunded, exchanged or cancelled.
	Status string
	// Resolution is "refund" or "exchange".
	Resolution string
	Reason     string
	Items      []ItemData // Name and Quantity set
	// Address is where to send the parcel (may be several lines); LabelURL
	// a prepaid label. Either may be empty.
	Address  string
	LabelURL string
	// RefundDays is how many business days after the parcel arrives the
	// money is back.
	RefundDays int
	// StatusURL shows how the return stands (signed, expiring).
	StatusURL string
}

// AddressLines returns the lines of Address, trimmed, without empty ones,
// for a template to print one by one.
func (r ReturnData) AddressLines() []string {
	var out []string
	for _, l := range strings.Split(r.Address, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// SurveyData is what a survey email links to.
type SurveyData struct {
	// URL opens the survey page (signed, expiring).
	URL string
	// Choices are the qualities of the importance survey, each with a
	// one-click link that records it as mattering to the customer.
	Choices []SurveyChoice
	// Qualities are the labels of the qualities the performance survey
	// asks about (those the customer chose, or all).
	Qualities []string
	// Members are the names of the team members who served the customer,
	// whom the performance survey asks about too.
	Members []string
	// Reminder is true for the reminder of an unanswered survey.
	Reminder bool
}

// SurveyChoice is one quality of the importance survey.
type SurveyChoice struct {
	Label string
	URL   string
}

// Business describes the shop. Name is required; the rest may be empty.
type Business struct {
	Name            string
	SupportEmail    string // where questions go
	SupportURL      string // help centre or contact page
	EscalationEmail string // a person who can overrule support
	ResourcesURL    string // guides, FAQ, getting-started material
	CommunityURL    string // the customers' private group
	// PhoneRegion is the country of the business (ISO 3166-1 alpha-2,
	// "US"), whose numbering plan reads customers' phone numbers written
	// without a country code; "" means phone.DefaultRegion.
	PhoneRegion string
}

// Person is someone the email names.
type Person struct {
	Name      string
	FirstName string // derived: the first word of Name, or "there" when Name is empty
	Email     string
}

// OrderData is the purchase, with flags for what kind of things it holds.
type OrderData struct {
	ID string // the shop's order id
	// Number is the order number the buyer knows ("#1001"); "" when the
	// shop gave none.
	Number string
	// Ref names the order in copy, after the word "order": Number, else
	// ID, with a "#" in front when it starts with a digit ("#1001"; see
	// aftersale.OrderLabel); derived.
	Ref      string
	Currency string
	Total    string // a decimal string, e.g. "49.00"
	// Items are the order's lines; Render merges the lines that name the
	// same product into one (quantities added up), so that each product
	// is named once (MergeItems).
	Items []ItemData
	// HasDigital is true when an item is digital, a course or a membership (derived).
	HasDigital bool
	// HasPhysical is true when an item is shipped (derived).
	HasPhysical bool
	// HasCoaching is true when an item is coaching or a service (derived).
	HasCoaching bool
	PlacedAt    time.Time
}

// ItemData is one line of the order.
type ItemData struct {
	Name      string
	SKU       string
	Kind      string // digital, course, physical, coaching, service or membership
	Quantity  int
	Price     string
	AccessURL string // where a digital item is opened; may be empty
}

// BookingData is a scheduled session.
type BookingData struct {
	StartsAt time.Time
	// When is StartsAt for people, in the recipient's time zone (see
	// FormatWhen); derived in UTC when empty.
	When    string
	Title   string
	JoinURL string
}

// ShipmentData is the state of one package.
type ShipmentData struct {
	Carrier        string
	TrackingNumber string
	TrackingURL    string
	Status         string // shipped, in_transit, out_for_delivery, delivered or exception
}

// Links are the customer's own pages, as absolute URLs.
type Links struct {
	Unsubscribe string // one-click unsubscribe; set on every non-transactional email
	Preferences string // email preferences
	WhoUses     string // "someone else uses this": name the user of the purchase
	Returns     string // the public returns page
	OptIn       string // double opt-in: confirm that they want updates
}

// IsDigital reports whether the item is opened online: digital, a course or a membership.
func (it ItemData) IsDigital() bool {
	switch aftersale.ItemKind(it.Kind) {
	case aftersale.KindDigital, aftersale.KindCourse, aftersale.KindMembership:
		return true
	}
	return false
}

// IsPhysical reports whether the item is shipped.
func (it ItemData) IsPhysical() bool { return aftersale.ItemKind(it.Kind) == aftersale.KindPhysical }

// IsCoaching reports whether the item is coaching or a service.
func (it ItemData) IsCoaching() bool {
	k := aftersale.ItemKind(it.Kind)
	return k == aftersale.KindCoaching || k == aftersale.KindService
}

// AccessItems returns the items that have an access URL.
func (o OrderData) AccessItems() []ItemData {
	return o.filter(func(it ItemData) bool { return it.AccessURL != "" })
}

// DigitalItems returns the digital, course and membership items.
func (o OrderData) DigitalItems() []ItemData { return o.filter(ItemData.IsDigital) }

// PhysicalItems returns the items that are shipped.
func (o OrderData) PhysicalItems() []ItemData { return o.filter(ItemData.IsPhysical) }

// CoachingItems returns the coaching and service items.
func (o OrderData) CoachingItems() []ItemData { return o.filter(ItemData.IsCoaching) }

// Summary names what was bought, for a sentence, each product once:
// "Launch Course", "Launch Course and Workbook", "Launch Course and 2
// more"; "" when the order has no named items.
func (o OrderData) Summary() string {
	var names []string
	for _, it := range MergeItems(o.Items) {
		if n := strings.TrimSpace(it.Name); n != "" {
			names = append(names, n)
		}
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	case 2:
		return names[0] + " and " + names[1]
	}
	return fmt.Sprintf("%s and %d more", names[0], len(names)-1)
}

// MergeItems returns items with the lines that name the same product
// (aftersale.ProductKey) merged into the first of them: the quantities
// added up, the first access URL kept, the price and SKU kept only when
// the lines agree. Lines without a name stay as they are. items is not
// changed.
func MergeItems(items []ItemData) []ItemData {
	return aftersale.ByProduct(items, func(it ItemData) string { return it.Name }, func(into *ItemData, dup ItemData) {
		into.Quantity = max(into.Quantity, 1) + max(dup.Quantity, 1)
		if into.Price != dup.Price {
			into.Price = ""
		}
		if into.SKU != dup.SKU {
			into.SKU = ""
		}
		if into.AccessURL == "" {
			into.AccessURL = dup.AccessURL
		}
	})
}

func (o OrderData) filter(keep func(ItemData) bool) []ItemData {
	var out []ItemData
	for _, it := range o.Items {
		if keep(it) {
			out = append(out, it)
		}
	}
	return out
}

// NewPerson returns a Person with FirstName derived from name.
func NewPerson(name, email string) Person {
	return Person{Name: strings.TrimSpace(name), FirstName: firstName(name), Email: email}
}

// NewOrderData converts a stored order for templates, deriving the kind
// flags, the Ref and the merged lines (see OrderData). It is the one
// conversion from aftersale.Order to OrderData.
func NewOrderData(o *aftersale.Order) OrderData {
	od := OrderData{ID: o.ExternalID, Number: o.Number, Currency: o.Currency, Total: o.Total, PlacedAt: o.PlacedAt}
	for _, it := range o.Items {
		od.Items = append(od.Items, ItemData{
			Name: it.Name, SKU: it.SKU, Kind: string(it.Kind), Quantity: it.Quantity,
			Price: it.Price, AccessURL: it.AccessURL,
		})
	}
	od.derive()
	return od
}

// NewBookingData converts a stored booking, formatting When in the time zone
// tz (an IANA name; "" or an unknown name means UTC).
func NewBookingData(b aftersale.BookingRecord, tz string) BookingData {
	return BookingData{StartsAt: b.StartsAt, When: FormatWhen(b.StartsAt, tz), Title: b.Title, JoinURL: b.JoinURL}
}

// NewShipmentData converts a stored shipment.
func NewShipmentData(s *aftersale.ShipmentRecord) *ShipmentData {
	return &ShipmentData{Carrier: s.Carrier, TrackingNumber: s.TrackingNumber, TrackingURL: s.TrackingURL, Status: string(s.Status)}
}

// FormatWhen formats t for people in the time zone tz (an IANA name such as
// "America/New_York"), e.g. "Wednesday, 25 November 2026 at 10:00 EST".
// An empty or unknown zone formats in UTC.
func FormatWhen(t time.Time, tz string) string {
	loc := time.UTC
	if tz != "" {
		if l, err := aftersale.LoadLocation(tz); err == nil {
			loc = l
		}
	}
	return t.In(loc).Format("Monday, 2 January 2006 at 15:04 MST")
}

// firstName returns the first word of name, or "there" for "Hi there".
func firstName(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return "there"
}

// derive fills the derived fields. The kind flags are read from the lines
// before they are merged: a merged line keeps the first line's kind, and a
// physical line named like a digital one is still shipped.
func (o *OrderData) derive() {
	for _, it := range o.Items {
		o.HasDigital = o.HasDigital || it.IsDigital()
		o.HasPhysical = o.HasPhysical || it.IsPhysical()
		o.HasCoaching = o.HasCoaching || it.IsCoaching()
	}
	o.Items = MergeItems(o.Items)
	if o.Ref == "" {
		o.Ref = aftersale.OrderLabel(cmp.Or(o.Number, o.ID))
	}
}

func (p *Person) derive() {
	if p.FirstName == "" {
		p.FirstName = firstName(p.Name)
	}
}

// derived returns a copy of d with the derived fields filled in. Slices that
// are changed are copied, so d itself is never modified.
func (d *Data) derived() *Data {
	c := *d
	c.Recipient.derive()
	c.Buyer.derive()
	if c.User != nil {
		u := *c.User
		u.derive()
		c.User = &u
	}
	c.Order.derive()
	if c.Return != nil {
		r := *c.Return
		r.Items = MergeItems(r.Items)
		c.Return = &r
	}
	if slices.ContainsFunc(c.Bookings, func(b BookingData) bool { return b.When == "" }) {
		c.Bookings = slices.Clone(c.Bookings)
		for i, b := range c.Bookings {
			if b.When == "" && !b.StartsAt.IsZero() {
				c.Bookings[i].When = FormatWhen(b.StartsAt, "")
			}
		}
	}
	return &c
}
