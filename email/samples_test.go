package email

import (
	"time"
)

// samples are the data the golden files are rendered with.
func samples() map[string]*Data {
	biz := Business{
		Name:            "Bright Path Studio",
		SupportEmail:    "help@brightpath.example",
		SupportURL:      "https://brightpath.example/help",
		EscalationEmail: "maria@brightpath.example",
		ResourcesURL:    "https://brightpath.example/start",
		CommunityURL:    "https://community.brightpath.example",
	}
	followup := Links{
		Unsubscribe: "https://aftersale.example/u/tok123",
		Preferences: "https://aftersale.example/p/tok123",
		WhoUses:     "https://aftersale.example/who/tok123",
	}
	placed := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	ana := NewPerson("Ana Lima", "ana@example.com")

	digital := &Data{
		Business: biz, Recipient: ana, Buyer: ana, Links: followup,
		Order: OrderData{ID: "1001", Currency: "USD", Total: "49.00", PlacedAt: placed, Items: []ItemData{
			{Name: "Launch Course", SKU: "course-101", Kind: "course", Quantity: 1, Price: "49.00",
				AccessURL: "https://shop.example/access/abc"},
		}},
	}

	ben := NewPerson("Ben Okafor", "ben@example.com")
	physical := &Data{
		Business: biz, Recipient: ben, Buyer: ben, Links: followup,
		Order: OrderData{ID: "1002", Currency: "EUR", Total: "84.00", PlacedAt: placed, Items: []ItemData{
			{Name: "Ceramic Pour-Over Set", SKU: "pour-01", Kind: "physical", Quantity: 1, Price: "64.00"},
			{Name: "Filter Papers", SKU: "filt-100", Kind: "physical", Quantity: 2, Price: "10.00"},
		}},
		Shipment: &ShipmentData{Carrier: "UPS", TrackingNumber: "1Z999AA10123456784",
			TrackingURL: "https://www.ups.com/track?tracknum=1Z999AA10123456784", Status: "shipped"},
	}

	cleo := NewPerson("Cleo", "cleo@example.com")
	starts := time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)
	coaching := &Data{
		Business: biz, Recipient: cleo, Buyer: cleo, Links: followup,
		Order: OrderData{ID: "1003", Currency: "USD", Total: "900.00", PlacedAt: placed, Items: []ItemData{
			{Name: "Founder Coaching, 3 months", SKU: "coach-3m", Kind: "coaching", Quantity: 1, Price: "900.00"},
		}},
		Bookings: []BookingData{{StartsAt: starts, When: FormatWhen(starts, "America/New_York"),
			Title: "First coaching call", JoinURL: "https://meet.example/cleo-1"}},
	}

	// An assistant buys for her boss: the user gets the email.
	dana := NewPerson("Dana Reyes", "dana@corp.example")
	sam := NewPerson("Sam Patel", "sam@corp.example")
	forUser := &Data{
		Business: biz, Recipient: sam, Buyer: dana, User: &sam, IsUser: true, Links: followup,
		Order: OrderData{ID: "1004", Currency: "USD", Total: "299.00", PlacedAt: placed, Items: []ItemData{
			{Name: "Inner Circle Membership", SKU: "circle", Kind: "membership", Quantity: 1, Price: "199.00",
				AccessURL: "https://brightpath.example/circle/join"},
			{Name: "Strategy Session", SKU: "strat-1", Kind: "service", Quantity: 1, Price: "100.00"},
		}},
	}
	// The same order, to the buyer, as a transactional email (no links).
	toBuyer := *forUser
	toBuyer.Recipient, toBuyer.IsUser, toBuyer.Links = dana, false, Links{}

	// As little as there can be: no names, no links, no access URL.
	minimal := &Data{
		Business:  Business{Name: "Shop"},
		Recipient: Person{Email: "x@example.com"},
		Buyer:     Person{Email: "x@example.com"},
		Order:     OrderData{Items: []ItemData{{Kind: "digital"}}},
	}

	for _, d := range []*Data{digital, physical, coaching, forUser, &toBuyer} {
		d.Order.derive()
	}
	// What survey steps add; the same for every sample but the minimal one
	// (which has none, as an email that is not a survey).
	survey := &SurveyData{
		URL: "https://aftersale.example/s/tok456",
		Choices: []SurveyChoice{
			{Label: "Responsiveness: quick answers", URL: "https://aftersale.example/s/tok456?q=responsiveness"},
			{Label: "Value & fairness <price>", URL: "https://aftersale.example/s/tok456?q=value"},
		},
		Qualities: []string{"Responsiveness: quick answers", "Value & fairness <price>"},
	}
	for _, d := range []*Data{digital, physical, forUser, &toBuyer} {
		d.Survey = survey
	}
	withMembers := *survey
	withMembers.Members, withMembers.Reminder = []string{"Ada Lovelace", "Grace"}, true
	coaching.Survey = &withMembers
	return map[string]*Data{
		"digital":  digital,
		"physical": physical,
		"coaching": coaching,
		"for_user": forUser,
		"to_buyer": &toBuyer,
		"minimal":  minimal,
	}
}
