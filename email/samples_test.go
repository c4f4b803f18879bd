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
		Returns:     "https://aftersale.example/returns/brightpath",
		OptIn:       "https://aftersale.example/c/tok123",
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
		Arrival: &ArrivalData{
			Yes:       "https://aftersale.example/a/tok789?answer=yes",
			No:        "https://aftersale.example/a/tok789?answer=no",
			Delivered: true,
		},
		// A refund of one item, with a prepaid label and the address.
		Return: &ReturnData{
			Status: "requested", Resolution: "refund", Reason: "It arrived damaged or faulty",
			Items:      []ItemData{{Name: "Ceramic Pour-Over Set", Quantity: 1}},
			Address:    "Bright Path Studio Returns\nUnit 4, Harbour Park\n 1200-195 Lisbon \n\nPortugal\n",
			LabelURL:   "https://brightpath.example/labels/ret-77.pdf",
			RefundDays: 5,
			StatusURL:  "https://aftersale.example/r/tok321",
		},
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

	// A Shopify order as the platform sends it: the number the buyer knows
	// beside the shop's long id, and two lines of the same product (two
	// colours of one item) that copy must name once. Render derives the
	// rest (the merge, Ref, the kind flags).
	eve := NewPerson("Eve Moreau", "eve@example.com")
	sameProduct := &Data{
		Business: biz, Recipient: eve, Buyer: eve, Links: followup,
		Order: OrderData{ID: "820982911946154500", Number: "#9999", Currency: "USD", Total: "398.00", PlacedAt: placed, Items: []ItemData{
			{Name: "IPod Nano - 8GB", SKU: "IPOD2008PINK", Kind: "physical", Quantity: 1, Price: "199.00"},
			{Name: "IPod Nano - 8GB", SKU: "IPOD2008GREEN", Kind: "physical", Quantity: 1, Price: "199.00"},
		}},
		Shipment: &ShipmentData{Carrier: "USPS", TrackingNumber: "9400111899223197428490",
			TrackingURL: "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223197428490", Status: "shipped"},
		Arrival: &ArrivalData{Yes: "https://aftersale.example/a/tok790?answer=yes", No: "https://aftersale.example/a/tok790?answer=no", Delivered: true},
		Return: &ReturnData{
			Status: "requested", Resolution: "exchange", Reason: "It doesn't fit",
			Items:      []ItemData{{Name: "IPod Nano - 8GB", Quantity: 1}, {Name: "IPod Nano - 8GB", Quantity: 1}},
			Address:    "Bright Path Studio Returns\nUnit 4, Harbour Park\nLisbon",
			RefundDays: 5,
			StatusURL:  "https://aftersale.example/r/tok322",
		},
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
	for _, d := range []*Data{digital, physical, forUser, &toBuyer, sameProduct} {
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
		// Shopify's numbers, two lines of one product.
		"same_product": sameProduct,
	}
}

// variants are more golden cases for single templates, on top of the
// samples: template name → case name → data. Case names must differ from
// the sample names.
func variants() map[string]map[string]*Data {
	physical := samples()["physical"]
	with := func(change func(d *Data)) *Data {
		d := *physical
		change(&d)
		return &d
	}
	withReturn := func(change func(d *Data, r *ReturnData)) *Data {
		return with(func(d *Data) {
			r := *d.Return
			d.Return = &r
			d.Links = Links{} // sent at once, as a transactional email
			change(d, &r)
		})
	}
	shipments := map[string]*Data{}
	for _, status := range []string{"in_transit", "out_for_delivery", "delivered", "exception", "returned_to_sender"} {
		shipments[status] = with(func(d *Data) {
			s := *d.Shipment
			s.Status = status
			d.Shipment = &s
		})
	}
	// An exchange of two items: an address, no label.
	exchange := withReturn(func(d *Data, r *ReturnData) {
		r.Resolution, r.Reason, r.LabelURL = "exchange", "It doesn't fit", ""
		r.Items = []ItemData{{Name: "Ceramic Pour-Over Set", Quantity: 1}, {Name: "Filter Papers", Quantity: 2}}
	})
	fullOffer := &OfferData{Code: "THANKS-7KQ2-M9XD", PercentOff: 10, Expires: "22 Dec 2026",
		ShopURL: "https://brightpath.example/shop", ReferralURL: "https://aftersale.example/r/ANA-K7Q2"}
	return map[string]map[string]*Data{
		ShipmentUpdate: shipments,
		DidItArrive: {
			// A check-in on a package the carrier has not reported delivered.
			"not_delivered": with(func(d *Data) {
				a := *d.Arrival
				a.Delivered = false
				d.Arrival = &a
			}),
		},
		ReturnInstructions: {
			"exchange": exchange,
			// A prepaid label only, refunded within one business day.
			"label_only": withReturn(func(d *Data, r *ReturnData) {
				r.Address, r.RefundDays = "", 1
			}),
			// As little as there can be: no items, reason, label, address,
			// refund days or status link.
			"bare": withReturn(func(d *Data, r *ReturnData) {
				*r = ReturnData{Status: "requested"}
			}),
		},
		ReturnReceived: {
			"exchange": exchange,
			"bare": withReturn(func(d *Data, r *ReturnData) {
				*r = ReturnData{Status: "received"}
			}),
		},
		ReturnExchanged: {
			"exchange": exchange,
		},
		// A client story after the check-in: Markdown written by the team.
		Day7Checkin: {
			"story":          withStory(samples()["digital"]),
			"story_coaching": withStory(samples()["coaching"]),
		},
		// The next product for what was bought, with and without a
		// description.
		NextLevel: {
			"course": withNextLevel(samples()["digital"], &NextLevelData{Name: "Launch Mastermind",
				URL:         "https://brightpath.example/mastermind",
				Description: "Twelve weeks in a small group of founders, with a live call every week."}),
			"no_description": withNextLevel(samples()["minimal"], &NextLevelData{Name: "Pro <Plan>", URL: "https://shop.example/pro?ref=next&x=1"}),
		},
		// The day-30 check-in of a consenting customer carries the insider
		// offer after the check-in: a code with its terms and the referral
		// link; a pool code without terms; a referral link only.
		Day30Checkin: {
			"offer":          withOffer(samples()["digital"], fullOffer),
			"offer_pool":     withOffer(samples()["coaching"], &OfferData{Code: "SHOP-SUMMER-0042"}),
			"offer_referral": withOffer(samples()["physical"], &OfferData{ReferralURL: "https://aftersale.example/r/BEN-K7Q2"}),
		},
		// An offer step's own email, with a next-level product too.
		InsiderOffer: {
			"offer":            withOffer(samples()["digital"], fullOffer),
			"offer_pool":       withOffer(samples()["coaching"], &OfferData{Code: "SHOP-SUMMER-0042"}),
			"offer_referral":   withOffer(samples()["physical"], &OfferData{ReferralURL: "https://aftersale.example/r/BEN-K7Q2"}),
			"offer_next_level": withNextLevel(withOffer(samples()["minimal"], fullOffer), &NextLevelData{Name: "Pro <Plan>", URL: "https://shop.example/pro"}),
		},
	}
}

// withStory returns a copy of d with a client story.
func withStory(d *Data) *Data {
	c := *d
	c.Story = &StoryData{
		Title: "How Maria launched in six weeks",
		Body: "Maria bought the course with a half-finished idea and *no* audience.\n\n" +
			"- Week 2: she had her first ten subscribers.\n- Week 6: her first paying customers.\n\n" +
			"> \"Doing one lesson a day made it feel possible.\"",
	}
	return &c
}

// withNextLevel returns a copy of d with a next-level offer.
func withNextLevel(d *Data, n *NextLevelData) *Data {
	c := *d
	c.NextLevel = n
	return &c
}

// withOffer returns a copy of d with an insider offer.
func withOffer(d *Data, o *OfferData) *Data {
	c := *d
	c.Offer = o
	return &c
}
