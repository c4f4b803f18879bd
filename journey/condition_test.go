package journey

import (
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// testFacts is a physical purchase of two items, bought by Ana for Sam,
// shipped and delivered, three and a half days ago.
func testFacts() *Facts {
	placed := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	score := 6
	return &Facts{
		Order: &aftersale.Order{
			ID: 7, ExternalID: "1001", CustomerID: 1, UserID: 2, Source: "shopify", Currency: "EUR", Total: "49.50", Coupon: "WELCOME",
			Status: aftersale.OrderPlaced, PlacedAt: placed, DeliveredAt: placed.Add(48 * time.Hour),
			Items: []aftersale.Item{{Kind: aftersale.KindPhysical, Name: "Field Notebook"}, {Kind: aftersale.KindDigital}, {Kind: aftersale.KindPhysical}},
		},
		Buyer:        &aftersale.Customer{ID: 1, Email: "ana@example.com", Name: "Ana Lima", Phone: "+15551234567", Timezone: "Europe/Lisbon", MarketingConsent: true},
		User:         &aftersale.Customer{ID: 2, Email: "sam@example.com", Name: "Sam"},
		Shipments:    []*aftersale.ShipmentRecord{{Status: aftersale.ShipmentDelivered}},
		Now:          placed.Add(84 * time.Hour),
		TaskOutcomes: map[string]string{"welcome-call": "voicemail"},
		SurveyScore:  &score,
	}
}

func TestConditions(t *testing.T) {
	t.Parallel()
	full := testFacts()
	bare := &Facts{Order: &aftersale.Order{Items: []aftersale.Item{{Kind: aftersale.KindCoaching}}}, Buyer: &aftersale.Customer{Email: "a@example.com"}}
	unsubscribed := testFacts()
	unsubscribed.Buyer.Unsubscribed = true
	refunded := testFacts()
	refunded.Order.Status = aftersale.OrderRefunded
	// A number that cannot be dialled is no phone; the user's may be.
	vanity := testFacts()
	vanity.Buyer.Phone = "555-555-SHIP"
	userPhone := testFacts()
	userPhone.Buyer.Phone, userPhone.User.Phone = "call the office", "+44 20 7946 0958"
	// Without a country code a number is read in the region of the facts.
	local := testFacts()
	local.Buyer.Phone, local.PhoneRegion = "020 7946 0958", "GB"
	localUS := testFacts()
	localUS.Buyer.Phone = "020 7946 0958"
	tests := []struct {
		expr  string
		facts *Facts
		want  bool
	}{
		{`has_kind("physical")`, full, true},
		{`has_kind("coaching")`, full, false},
		{`kinds == ["physical", "digital"]`, full, true},
		{`kind == "physical"`, full, true},
		{`total > 49 and total < 50`, full, true},
		{`currency == "EUR" and coupon == "WELCOME" and source == "shopify"`, full, true},
		{`consent`, full, true},
		{`consent`, unsubscribed, false},
		{`has_phone and has_user`, full, true},
		{`accessed`, full, false},
		{`delivered`, full, true},
		{`booked`, full, false},
		{`refunded or cancelled`, full, false},
		{`refunded`, refunded, true},
		{`days_since_purchase >= 3.5 and days_since_purchase < 3.6`, full, true},
		{`outcome("welcome-call") == "voicemail"`, full, true},
		{`outcome("nope") == ""`, full, true},
		{`survey_score >= 0 and survey_score < 7`, full, true},
		{`timezone == "Europe/Lisbon"`, full, true},
		{`not has_phone`, full, false},
		{`!has_phone`, full, false},
		{`has_phone`, vanity, false},
		{`has_phone`, userPhone, true},
		{`has_phone`, local, true},
		{`has_phone`, localUS, false},
		{`has_kind("coaching") && !consent && !has_phone && !has_user && survey_score == -1 && days_since_purchase == 0`, bare, true},
		{`len(kinds) == 0 and kind == "" and total == 0 and not delivered`, nil, true},
		{`"physical" in kinds`, full, true},
	}
	for _, tt := range tests {
		c, err := CompileCondition(tt.expr)
		if err != nil {
			t.Errorf("CompileCondition(%q): %v", tt.expr, err)
			continue
		}
		if c.String() != tt.expr {
			t.Errorf("String() = %q", c.String())
		}
		got, err := c.Eval(tt.facts)
		if err != nil {
			t.Errorf("Eval(%q): %v", tt.expr, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Eval(%q) = %v, want %v", tt.expr, got, tt.want)
		}
	}
}

func TestStageConditions(t *testing.T) {
	t.Parallel()
	score := func(v int) *int { return &v }
	with := func(change func(f *Facts)) *Facts {
		f := testFacts()
		f.SurveyScore, f.Order.DeliveredAt, f.KeptOrders = nil, time.Time{}, 1
		change(f)
		return f
	}
	tests := []struct {
		name               string
		facts              *Facts
		stage              string
		engaged, satisfied bool
	}{
		{"just bought", with(func(f *Facts) {}), "purchased", false, false},
		{"no facts", nil, "purchased", false, false},
		{"delivered", with(func(f *Facts) { f.Order.DeliveredAt = f.Order.PlacedAt }), "onboarded", false, false},
		{"accessed", with(func(f *Facts) { f.Order.AccessedAt = f.Order.PlacedAt }), "onboarded", false, false},
		{"a human touch", with(func(f *Facts) { f.Engaged, f.Order.AccessedAt = true, f.Order.PlacedAt }), "engaged", true, false},
		{"a low score", with(func(f *Facts) { f.Engaged, f.SurveyScore = true, score(8) }), "engaged", true, false},
		{"a good score", with(func(f *Facts) { f.Engaged, f.SurveyScore = true, score(9) }), "satisfied", true, true},
		{"a good score alone", with(func(f *Facts) { f.SurveyScore = score(10) }), "satisfied", false, true},
		{"bought again", with(func(f *Facts) { f.KeptOrders, f.SurveyScore = 2, score(10) }), "loyal", false, true},
		{"refunded", with(func(f *Facts) { f.Order.Status, f.KeptOrders, f.Engaged = aftersale.OrderRefunded, 2, true }), "refunded", true, false},
		{"cancelled", with(func(f *Facts) { f.Order.Status = aftersale.OrderCancelled }), "refunded", false, false},
	}
	for _, tt := range tests {
		for src, want := range map[string]bool{
			`stage == "` + tt.stage + `"`: true,
			`engaged`:                     tt.engaged,
			`satisfied`:                   tt.satisfied,
			`satisfied or engaged`:        tt.satisfied || tt.engaged,
		} {
			c, err := CompileCondition(src)
			if err != nil {
				t.Fatalf("CompileCondition(%q): %v", src, err)
			}
			if got, err := c.Eval(tt.facts); err != nil || got != want {
				t.Errorf("%s: %s = %v (%v), want %v", tt.name, src, got, err, want)
			}
		}
		if got := tt.facts; got != nil && got.Stage() != tt.stage {
			t.Errorf("%s: Stage() = %q, want %q", tt.name, got.Stage(), tt.stage)
		}
	}
	if _, err := CompileCondition(`stage == 3`); err == nil {
		t.Error("stage compared with a number compiles")
	}
}

func TestNeedsProgress(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]bool{
		`consent`:                                false,
		`consent and (satisfied or engaged)`:     true,
		`stage in ["loyal", "satisfied"]`:        true,
		`survey_score >= 0 and survey_score < 7`: true,
		`not engaged`:                            true,
		`outcome("stage") == "satisfied"`:        false, // only names count, not texts
		`return_reason == "engaged"`:             false,
	} {
		c, err := CompileCondition(src)
		if err != nil {
			t.Fatalf("CompileCondition(%q): %v", src, err)
		}
		if got := c.NeedsProgress(); got != want {
			t.Errorf("NeedsProgress(%q) = %v, want %v", src, got, want)
		}
	}
	var none *Condition
	if none.NeedsProgress() {
		t.Error("a nil condition needs progress")
	}
}

func TestNeedsOutcomes(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]bool{
		`outcome("welcome-call") == "voicemail"`:             true,
		`consent and outcome("check-in") in ["reached", ""]`: true,
		`"welcome-call" | outcome() == "reached"`:            true,
		`consent`:              false,
		`coupon == "outcome("`: false, // a text, not a call
		`return_reason == "outcome(\"welcome-call\")"`:       false,
		`stage == "engaged" or coupon startsWith "outcome("`: false,
	} {
		c, err := CompileCondition(src)
		if err != nil {
			t.Fatalf("CompileCondition(%q): %v", src, err)
		}
		if got := c.NeedsOutcomes(); got != want {
			t.Errorf("NeedsOutcomes(%q) = %v, want %v", src, got, want)
		}
	}
	var none *Condition
	if none.NeedsOutcomes() {
		t.Error("a nil condition needs outcomes")
	}
}

func TestConditionErrors(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]string{
		"":                        "empty condition",
		"has_phon":                "unknown name has_phon",
		"total":                   "expected bool, but got float64",
		"has_kind(1)":             "cannot use int as argument",
		"now().Year() > 1":        "unknown name now",
		"consent and":             "unexpected token EOF",
		strings.Repeat("a", 2001): "too long",
	} {
		if _, err := CompileCondition(src); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CompileCondition(%q) error = %v, want %q", src, err, want)
		}
	}
}

func TestNilCondition(t *testing.T) {
	t.Parallel()
	var c *Condition
	if ok, err := c.Eval(nil); !ok || err != nil {
		t.Errorf("nil condition = %v, %v; want true", ok, err)
	}
	if c.String() != "" {
		t.Errorf("String() = %q", c.String())
	}
}

func TestTaskText(t *testing.T) {
	t.Parallel()
	st := &Step{ID: "call", Title: "Call {{.Buyer.FirstName}} about {{.Product}}", Script: "Ask for {{.User.Name}} ({{.User.Email}}), order {{.Order.ID}}", Draft: "Hi {{.Buyer.FirstName}}!"}
	title, script, draft, err := st.TaskText(testFacts())
	if err != nil {
		t.Fatal(err)
	}
	if title != "Call Ana about Field Notebook" || script != "Ask for Sam (sam@example.com), order 1001" || draft != "Hi Ana!" {
		t.Errorf("got %q, %q, %q", title, script, draft)
	}
	// The order as the buyer knows it: its number, else the shop's id.
	ref := &Step{ID: "ref", Title: "Order {{.Order.Ref}} ({{.Order.Number}}, id {{.Order.ID}})"}
	for number, want := range map[string]string{"#9999": "Order #9999 (#9999, id 1001)", "9999": "Order #9999 (9999, id 1001)", "": "Order #1001 (, id 1001)"} {
		f := testFacts()
		f.Order.Number = number
		if got, _, _, err := ref.TaskText(f); err != nil || got != want {
			t.Errorf("number %q: %q, %v; want %q", number, got, err, want)
		}
	}
	// Missing people and orders never fail a placeholder.
	title, _, draft, err = st.TaskText(nil)
	if err != nil || title != "Call there about your purchase" || draft != "Hi there!" {
		t.Errorf("nil facts: %q, %q, %v", title, draft, err)
	}
	bad := &Step{ID: "x", Title: "{{.Nope}}"}
	if _, _, _, err := bad.TaskText(nil); aftersale.ErrorCode(err) != aftersale.EINVALID {
		t.Errorf("bad placeholder: %v", err)
	}
	if err := checkText("{{.Buyer.Name"); err == nil {
		t.Error("unclosed placeholder passes")
	}
}

func TestRefundedText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		items []aftersale.RefundItem
		want  string
	}{
		{nil, ""},
		{[]aftersale.RefundItem{{Name: "Book", Quantity: 1}}, "Book"},
		// Two lines of the same product name it once, with both quantities.
		{[]aftersale.RefundItem{{SKU: "IPOD-P", Name: "IPod Nano - 8GB", Quantity: 1}, {SKU: "IPOD-B", Name: "ipod nano - 8GB ", Quantity: 1}}, "2 × IPod Nano - 8GB"},
		{[]aftersale.RefundItem{{Name: "Mug", Quantity: 2}, {SKU: "book-1"}, {Name: "Pen"}, {Name: "Mug"}}, "3 × Mug, book-1 and Pen"},
	} {
		if got := refundedText(tc.items); got != tc.want {
			t.Errorf("refundedText(%v) = %q, want %q", tc.items, got, tc.want)
		}
	}
}

func TestTaskTextPerItemKind(t *testing.T) {
	script := "Check: {{if .Order.Physical}}the package{{else}}the access link{{end}}{{if .Order.Coaching}} and the session{{end}}."
	phys := sampleFacts(sampleOptions{kind: aftersale.KindPhysical})
	got, err := renderText(script, NewTextData(phys))
	if err != nil || got != "Check: the package." {
		t.Errorf("physical: %q %v", got, err)
	}
	coach := sampleFacts(sampleOptions{kind: aftersale.KindCoaching})
	got, err = renderText(script, NewTextData(coach))
	if err != nil || got != "Check: the access link and the session." {
		t.Errorf("coaching: %q %v", got, err)
	}
	for _, bad := range []string{"{{if .Buyer.Name}}x{{end}}", "{{if .Order.Physical}}{{len .Product}}{{end}}", "{{range .Order}}x{{end}}"} {
		if _, err := renderText(bad, NewTextData(phys)); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

func TestNeedsReturns(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]bool{
		`consent`: false,
		`has_phone and (not returned or exchange)`: true,
		`return_reason == "It doesn't fit"`:        true,
		`outcome("returned") == "reached"`:         false,
		`stage == "refunded" and not delivered`:    false,
	} {
		c, err := CompileCondition(src)
		if err != nil {
			t.Fatalf("CompileCondition(%q): %v", src, err)
		}
		if got := c.NeedsReturns(); got != want {
			t.Errorf("NeedsReturns(%q) = %v, want %v", src, got, want)
		}
	}
	var none *Condition
	if none.NeedsReturns() {
		t.Error("a nil condition needs the returns")
	}
}
