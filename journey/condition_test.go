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
