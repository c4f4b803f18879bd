package journey

import (
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

func TestDefaultValidates(t *testing.T) {
	t.Parallel()
	set, err := Default()
	if err != nil {
		t.Fatalf("Default(): %v", err)
	}
	var ids []string
	for _, j := range set.Journeys {
		ids = append(ids, j.ID)
		if !strings.HasPrefix(j.File, "builtin/default/") || j.Line < 1 {
			t.Errorf("%s: File %q, Line %d", j.ID, j.File, j.Line)
		}
	}
	if want := []string{"refund-care", "partial-refund-care", "cancel-care", "return-care", "default", "success-plan", "shipping"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("journeys = %v, want %v", ids, want)
	}

	// The same files load from disk.
	disk, err := Load("default")
	if err != nil {
		t.Fatalf("Load(default): %v", err)
	}
	if len(disk.Journeys) != len(set.Journeys) {
		t.Errorf("Load(default) has %d journeys, Default() %d", len(disk.Journeys), len(set.Journeys))
	}
}

func TestDefaultTemplates(t *testing.T) {
	t.Parallel()
	set, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range set.Templates() {
		if !slices.Contains(names, r.Name) {
			names = append(names, r.Name)
		}
		if r.Line < 1 || r.File == "" || r.Journey == "" || r.Step == "" {
			t.Errorf("incomplete reference %+v", r)
		}
	}
	sort.Strings(names)
	want := []string{"access", "day1_welcome", "day30_checkin", "day3_answers", "day7_checkin", "did_it_arrive",
		"first_session", "next_level", "optin", "refund_thanks", "return_exchanged", "return_instructions", "return_received",
		"shipment_update", "shipping_expectations", "thank_you", "who_uses"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("templates = %v, want %v", names, want)
	}
}

// TestDefaultJourney checks the default journey against PRODUCT.md's
// "built-in default journey".
func TestDefaultJourney(t *testing.T) {
	t.Parallel()
	set, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	j := set.ByID("default")
	if j == nil || j.Trigger != TriggerPurchase || j.When != nil || !j.ExitsOn(TriggerRefund) || !j.ExitsOn(TriggerCancel) {
		t.Fatalf("default journey = %+v", j)
	}
	type want struct {
		typ      aftersale.StepType
		what     string // template, task kind or survey
		wait     string
		cond     string
		category aftersale.Category
		to       []string
		assignee string
	}
	both := []string{"buyer", "user"}
	steps := map[string]want{
		"thank-you":             {aftersale.StepEmail, "thank_you", "0", "", aftersale.CategoryTransactional, []string{"buyer"}, ""},
		"access":                {aftersale.StepEmail, "access", "0", `has_kind("digital") || has_kind("course") || has_kind("membership")`, aftersale.CategoryTransactional, both, ""},
		"shipping-expectations": {aftersale.StepEmail, "shipping_expectations", "0", `has_kind("physical")`, aftersale.CategoryTransactional, both, ""},
		"first-session":         {aftersale.StepEmail, "first_session", "0", `has_kind("coaching") || has_kind("service")`, aftersale.CategoryTransactional, both, ""},
		"who-uses":              {aftersale.StepEmail, "who_uses", "0", "", aftersale.CategoryFollowUp, []string{"buyer"}, ""},
		"personal-email":        {aftersale.StepTask, "personal_email", "0", "", "", nil, "assistant"},
		"day1-welcome":          {aftersale.StepEmail, "day1_welcome", "1d", "", aftersale.CategoryFollowUp, both, ""},
		"welcome-call":          {aftersale.StepTask, "call", "1bd", "has_phone", "", nil, "assistant"},
		"second-personal-email": {aftersale.StepTask, "personal_email", "1bd", "not has_phone", "", nil, "assistant"},
		"importance-survey":     {aftersale.StepSurvey, "importance", "1d", "", aftersale.CategoryFollowUp, both, ""},
		"social-connect":        {aftersale.StepTask, "social_connect", "2bd", "", "", nil, "owner"},
		"community-invite":      {aftersale.StepTask, "community_invite", "2bd", "", "", nil, "assistant"},
		"day3-answers":          {aftersale.StepEmail, "day3_answers", "3d", "", aftersale.CategoryFollowUp, both, ""},
		"opt-in":                {aftersale.StepEmail, "optin", "3d", "not consent", aftersale.CategoryFollowUp, []string{"buyer"}, ""},
		"day7-checkin":          {aftersale.StepEmail, "day7_checkin", "7d", "", aftersale.CategoryFollowUp, both, ""},
		"performance-survey":    {aftersale.StepSurvey, "performance", "14d", "", aftersale.CategoryFollowUp, both, ""},
		"performance-reminder":  {aftersale.StepSurvey, "performance", "18d", "", aftersale.CategoryFollowUp, both, ""},
		// Day 30 is one email: the check-in, with the insider offer after it
		// for those who agreed to offers (the offer step renders the
		// check-in's template); the user of their purchase gets the check-in.
		"day30-checkin":      {aftersale.StepEmail, "day30_checkin", "30d", "not consent", aftersale.CategoryFollowUp, both, ""},
		"insider-offer":      {aftersale.StepOffer, "day30_checkin", "30d", "consent", aftersale.CategoryMarketing, []string{"buyer"}, ""},
		"day30-checkin-user": {aftersale.StepEmail, "day30_checkin", "30d", "consent and has_user", aftersale.CategoryFollowUp, []string{"user"}, ""},
		"next-level":         {aftersale.StepOffer, "next_level", "45d", "consent and (satisfied or engaged) and not refunded", aftersale.CategoryMarketing, []string{"buyer"}, ""},
	}
	if len(j.Steps) != len(steps) {
		t.Errorf("%d steps, want %d", len(j.Steps), len(steps))
	}
	for id, w := range steps {
		st := j.Step(id)
		if st == nil {
			t.Errorf("no step %s", id)
			continue
		}
		what := st.Template + string(st.Task) + st.Survey
		got := want{st.Type, what, st.Wait.String(), st.If.String(), st.Category, st.To, st.Assignee}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %+v, want %+v", id, got, w)
		}
		if st.After != "" {
			t.Errorf("%s is after %s, want the purchase", id, st.After)
		}
	}
	if p := j.Step("insider-offer").Params; p["percent_off"] != 10 || p["valid_days"] != 30 || p["referral"] != true {
		t.Errorf("offer params = %v", p)
	}
	if p := j.Step("next-level").Params; len(p) != 1 || p["next_level"] != true {
		t.Errorf("next-level params = %v", p)
	}
	// Day 7 tells a story of a similar client; no other step does.
	for _, st := range j.Steps {
		if st.Story != (st.ID == "day7-checkin") {
			t.Errorf("%s: story %v", st.ID, st.Story)
		}
	}
	if j.Step("personal-email").Draft == "" || j.Step("second-personal-email").Draft == "" {
		t.Error("personal email tasks need a prefilled draft")
	}
	script := j.Step("welcome-call").Script
	for _, n := range []string{"1. ", "2. ", "3. ", "4. ", "5. "} {
		if !strings.Contains(script, "\n"+n) && !strings.HasPrefix(script, n) {
			t.Errorf("call script lacks step %q:\n%s", n, script)
		}
	}
}

func TestDefaultShippingAndCare(t *testing.T) {
	t.Parallel()
	set, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	sh := set.ByID("shipping")
	if sh == nil || sh.When.String() != `has_kind("physical")` || sh.Trigger != TriggerPurchase || !sh.ExitsOn(TriggerRefund) || !sh.ExitsOn(TriggerCancel) {
		t.Fatalf("shipping = %+v", sh)
	}
	for _, status := range []aftersale.ShipmentStatus{aftersale.ShipmentShipped, aftersale.ShipmentOutForDelivery, aftersale.ShipmentDelivered, aftersale.ShipmentException} {
		steps := sh.StepsAfter(ShipmentAnchor(status))
		if len(steps) != 1 || steps[0].Template != "shipment_update" || !steps[0].Wait.IsZero() || steps[0].Category != aftersale.CategoryTransactional {
			t.Errorf("after %s: %+v", status, steps)
		}
	}
	if steps := sh.StepsAfter(AnchorDelivery); len(steps) != 1 || steps[0].Template != "did_it_arrive" || steps[0].Wait.String() != "1d" {
		t.Errorf("after delivery: %+v", steps)
	}

	for trigger, id := range map[string]string{TriggerRefund: "refund-care", TriggerCancel: "cancel-care"} {
		js := set.Triggered(trigger)
		if len(js) != 1 || js[0].ID != id {
			t.Fatalf("Triggered(%s) = %v", trigger, js)
		}
		j := js[0]
		first := j.Steps[0]
		if first.Template != "refund_thanks" || !first.Wait.IsZero() || first.Category != aftersale.CategoryTransactional {
			t.Errorf("%s first step = %+v", id, first)
		}
		// The tasks appear at once; after a return, the return's call asked
		// already.
		callIf, mailIf := "has_phone", "not has_phone"
		if id == "refund-care" {
			callIf, mailIf = "has_phone and (not returned or exchange)", "not has_phone and (not returned or exchange)"
		}
		call, mail := j.Step("what-went-wrong-call"), j.Step("what-went-wrong-email")
		if call == nil || call.Task != aftersale.TaskCall || call.If.String() != callIf || call.Assignee != RoleOwner || call.Script == "" || !call.Wait.IsZero() {
			t.Errorf("%s call = %+v", id, call)
		}
		if mail == nil || mail.Task != aftersale.TaskPersonalEmail || mail.If.String() != mailIf || mail.Draft == "" || !mail.Wait.IsZero() {
			t.Errorf("%s email = %+v", id, mail)
		}
	}

	// A return: the instructions at once, a "what went wrong" call unless
	// it is an exchange, and an email when it is received and when the
	// exchange ships.
	rc := set.Triggered(TriggerReturn)
	if len(rc) != 1 || rc[0].ID != "return-care" {
		t.Fatalf("Triggered(return) = %v", rc)
	}
	if first := rc[0].Steps[0]; first.Template != "return_instructions" || first.Category != aftersale.CategoryTransactional || !first.Wait.IsZero() {
		t.Errorf("return-care first step = %+v", first)
	}
	if call := rc[0].Step("what-went-wrong-call"); call == nil || call.If.String() != "has_phone and not exchange" {
		t.Errorf("return-care call = %+v", call)
	}
	for anchor, tmpl := range map[string]string{ReturnAnchor(aftersale.ReturnReceived): "return_received", ReturnAnchor(aftersale.ReturnExchanged): "return_exchanged"} {
		if steps := rc[0].StepsAfter(anchor); len(steps) != 1 || steps[0].Template != tmpl {
			t.Errorf("return-care after %s: %+v", anchor, steps)
		}
	}
	// A late package: a check-in, then a call.
	if steps := sh.StepsAfter(AnchorDeliveryDue); len(steps) != 3 || steps[0].Template != "did_it_arrive" || steps[1].Task != aftersale.TaskCall {
		t.Errorf("after delivery_due: %+v", steps)
	}
	for _, j := range []string{"default", "success-plan", "shipping"} {
		if !set.ByID(j).ExitsOn(TriggerReturn) {
			t.Errorf("%s does not exit on a return", j)
		}
	}
}

// TestDefaultTaskTexts renders every task text of the defaults for a buyer
// with and without a name.
func TestDefaultTaskTexts(t *testing.T) {
	t.Parallel()
	set, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	named := testFacts()
	anonymous := &Facts{Buyer: &aftersale.Customer{Email: "x@example.com"}, Now: time.Now()}
	for _, j := range set.Journeys {
		for _, st := range j.Steps {
			if st.Type != aftersale.StepTask {
				continue
			}
			title, script, draft, err := st.TaskText(named)
			if err != nil {
				t.Errorf("%s/%s: %v", j.ID, st.ID, err)
				continue
			}
			if strings.Contains(title+script+draft, "{{") || !strings.Contains(title, "Ana") {
				t.Errorf("%s/%s: title %q, script %q, draft %q", j.ID, st.ID, title, script, draft)
			}
			if script == "" && draft == "" {
				t.Errorf("%s/%s: a task needs a script or a draft", j.ID, st.ID)
			}
			if _, _, _, err := st.TaskText(anonymous); err != nil {
				t.Errorf("%s/%s without a name: %v", j.ID, st.ID, err)
			}
		}
	}
}

func TestDefaultSuccessPlan(t *testing.T) {
	t.Parallel()
	set, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	j := set.ByID("success-plan")
	if j == nil || j.Trigger != TriggerPurchase || !j.ExitsOn(TriggerRefund) || !j.ExitsOn(TriggerCancel) ||
		j.When.String() != `has_kind("coaching") || has_kind("service") || has_kind("membership")` {
		t.Fatalf("success-plan = %+v", j)
	}
	for id, wait := range map[string]string{"agree-plan": "2bd", "checkin-2w": "14d", "checkin-6w": "42d", "checkin-12w": "84d"} {
		st := j.Step(id)
		if st == nil || st.Type != aftersale.StepTask || st.Task != aftersale.TaskCall || st.Wait.String() != wait ||
			st.Assignee != "served" || st.Script == "" {
			t.Errorf("%s = %+v, want a call for the served member after %s", id, st, wait)
		}
	}
	if len(j.Steps) != 4 {
		t.Errorf("%d steps, want 4", len(j.Steps))
	}
}
