package journey

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// briefExample is the format's example journey.
const briefExample = `id: welcome
name: After-sale welcome
trigger: purchase            # the event that starts a run
when: has_kind("physical")
exit_on: [refund, cancel]
steps:
  - id: thank-you
    type: email
    template: thank_you
    category: transactional
    to: [buyer]
  - id: personal-email
    type: task
    task: personal_email
    wait: 1bd
    assignee: assistant
    title: "Personal hello to {{.Buyer.Name}}"
    draft: |
      Hi {{.Buyer.FirstName}},

      Thank you!
  - id: call
    type: task
    task: call
    wait: 1d
    if: has_phone
    script: |
      1. Say hello.
      2. Ask how it goes.
  - id: did-it-arrive
    type: email
    template: did_it_arrive
    after: delivery
    wait: 1d
    at: "10:00"
  - id: importance-survey
    type: survey
    survey: importance
    wait: 1d
  - id: session-reminder
    type: email
    template: reminder
    after: booking
    wait: -2h
  - id: insider-offer
    type: offer
    wait: 30d
    if: consent
    offer: {percent_off: 10, valid_days: 30}
`

func TestParseExample(t *testing.T) {
	t.Parallel()
	js, err := Parse("journeys/welcome.yaml", []byte(briefExample))
	if err != nil {
		t.Fatal(err)
	}
	if len(js) != 1 {
		t.Fatalf("got %d journeys, want 1", len(js))
	}
	j := js[0]
	if j.ID != "welcome" || j.Name != "After-sale welcome" || j.Trigger != TriggerPurchase || j.File != "journeys/welcome.yaml" || j.Line != 1 {
		t.Errorf("journey = %+v", j)
	}
	if j.When.String() != `has_kind("physical")` || !reflect.DeepEqual(j.ExitOn, []string{"refund", "cancel"}) {
		t.Errorf("when = %q, exit_on = %v", j.When, j.ExitOn)
	}
	if !j.ExitsOn("refund") || !j.ExitsOn("cancel") || j.ExitsOn("return") {
		t.Error("ExitsOn is wrong")
	}
	if len(j.Steps) != 7 {
		t.Fatalf("got %d steps, want 7", len(j.Steps))
	}
	want := []Step{
		{ID: "thank-you", Type: aftersale.StepEmail, Template: "thank_you", Category: aftersale.CategoryTransactional, To: []string{"buyer"}, Line: 7},
		{ID: "personal-email", Type: aftersale.StepTask, Task: aftersale.TaskPersonalEmail, Wait: Delay{BusinessDays: 1}, Assignee: "assistant",
			Title: "Personal hello to {{.Buyer.Name}}", Draft: "Hi {{.Buyer.FirstName}},\n\nThank you!\n", Line: 12},
		{ID: "call", Type: aftersale.StepTask, Task: aftersale.TaskCall, Wait: Delay{Days: 1}, Assignee: "owner", Title: "Call {{.Buyer.FirstName}}",
			Script: "1. Say hello.\n2. Ask how it goes.\n", Line: 22},
		{ID: "did-it-arrive", Type: aftersale.StepEmail, Template: "did_it_arrive", After: "delivery", Wait: Delay{Days: 1}, At: "10:00",
			Category: aftersale.CategoryFollowUp, To: []string{"buyer", "user"}, Line: 30},
		{ID: "importance-survey", Type: aftersale.StepSurvey, Survey: "importance", Wait: Delay{Days: 1}, Category: aftersale.CategoryFollowUp, To: []string{"buyer", "user"}, Line: 36},
		{ID: "session-reminder", Type: aftersale.StepEmail, Template: "reminder", After: "booking", Wait: Delay{Negative: true, Duration: 2 * time.Hour},
			Category: aftersale.CategoryFollowUp, To: []string{"buyer", "user"}, Line: 40},
		{ID: "insider-offer", Type: aftersale.StepOffer, Wait: Delay{Days: 30}, Category: aftersale.CategoryMarketing, To: []string{"buyer", "user"},
			Params: map[string]any{"percent_off": 10, "valid_days": 30}, Line: 45},
	}
	for i, w := range want {
		got := *j.Steps[i]
		if got.If.String() != map[int]string{2: "has_phone", 6: "consent"}[i] {
			t.Errorf("steps[%d].If = %q", i, got.If)
		}
		got.If, got.templateLine, got.afterLine = nil, 0, 0
		if !reflect.DeepEqual(got, w) {
			t.Errorf("steps[%d] =\n%#v\nwant\n%#v", i, got, w)
		}
	}
	if got := j.StepsAfter("purchase"); len(got) != 5 {
		t.Errorf("StepsAfter(purchase) = %d steps, want 5", len(got))
	}
	if got := j.StepsAfter("delivery"); len(got) != 1 || got[0].ID != "did-it-arrive" {
		t.Errorf("StepsAfter(delivery) = %v", got)
	}
	if j.Step("call") == nil || j.Step("nope") != nil {
		t.Error("Step(id) is wrong")
	}
	if a := j.Step("did-it-arrive").Anchor(j); a != "delivery" {
		t.Errorf("Anchor = %q", a)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	// step is a valid step to build files around.
	const head = "id: welcome\nsteps:\n"
	tests := []struct {
		name string
		src  string
		want string // a line of the error message
	}{
		{"bad delay", head + "  - id: a\n    type: email\n    template: t\n    wait: 3x\n",
			`welcome.yaml:6: steps[0].wait: "3x" is not a delay (use 30m, 2h, 1d or 1bd)`},
		{"unknown step key", head + "  - id: a\n    type: email\n    templat: t\n",
			`welcome.yaml:5: steps[0].templat: unknown field; did you mean "template"?`},
		{"unknown journey key", "id: w\ntriger: refund\nsteps:\n  - {id: a, type: email, template: t}\n",
			`welcome.yaml:2: triger: unknown field; did you mean "trigger"?`},
		{"unknown key without match", "id: w\ncolour: red\nsteps:\n  - {id: a, type: email, template: t}\n",
			`welcome.yaml:2: colour: unknown field (journey fields: id, name, description, trigger, when, exit_on, steps)`},
		{"unknown key lists the type's fields", head + "  - id: a\n    type: email\n    template: t\n    colour: red\n",
			`welcome.yaml:6: steps[0].colour: unknown field (email step fields: id, type, after, wait, at, if, template, category, to, story)`},
		{"key of another type", head + "  - id: a\n    type: email\n    template: t\n    script: hi\n",
			`welcome.yaml:6: steps[0].script: not used by email steps (only task steps have it)`},
		{"story on a task", head + "  - id: a\n    type: task\n    task: call\n    story: true\n",
			`welcome.yaml:6: steps[0].story: not used by task steps (only email steps have it)`},
		{"story on an offer", head + "  - id: a\n    type: offer\n    story: true\n",
			`welcome.yaml:5: steps[0].story: not used by offer steps (only email steps have it)`},
		{"story not a bool", head + "  - id: a\n    type: email\n    template: t\n    story: maybe\n",
			`welcome.yaml:6: steps[0].story: "maybe" is not true or false`},
		{"story a list", head + "  - id: a\n    type: email\n    template: t\n    story: [true]\n",
			`welcome.yaml:6: steps[0].story: must be a single value, not a list`},
		{"email without template", head + "  - id: a\n    type: email\n",
			`welcome.yaml:3: steps[0].template: missing: an email step names its template`},
		{"task without kind", head + "  - id: a\n    type: task\n",
			`welcome.yaml:3: steps[0].task: missing: a task step names its kind`},
		{"unknown task kind", head + "  - id: a\n    type: task\n    task: cal\n",
			`welcome.yaml:5: steps[0].task: "cal" is not a task kind (use personal_email, call, social_connect, community_invite, handwritten_note); did you mean "call"?`},
		{"survey without name", head + "  - id: a\n    type: survey\n",
			`welcome.yaml:3: steps[0].survey: missing: importance or performance`},
		{"unknown survey", head + "  - id: a\n    type: survey\n    survey: nps\n",
			`welcome.yaml:5: steps[0].survey: "nps" is not a survey (use importance, performance)`},
		{"missing type", head + "  - id: a\n    template: t\n",
			`welcome.yaml:3: steps[0].type: missing (email, task, survey or offer)`},
		{"unknown type", head + "  - id: a\n    type: sms\n",
			`welcome.yaml:4: steps[0].type: "sms" is not a step type (use email, task, survey, offer)`},
		{"missing step id", head + "  - type: email\n    template: t\n",
			`welcome.yaml:3: steps[0].id: missing: every step needs an id`},
		{"bad step id", head + "  - id: a/b\n    type: email\n    template: t\n",
			`welcome.yaml:3: steps[0].id: "a/b" is not an id`},
		{"duplicate step id", head + "  - {id: a, type: email, template: t}\n  - id: b\n    type: email\n    template: t\n  - id: a\n    type: email\n    template: t\n",
			`welcome.yaml:7: steps[2].id: "a" is already the id of steps[0]`},
		{"unknown trigger", "id: w\ntrigger: order\nsteps:\n  - {id: a, type: email, template: t}\n",
			`welcome.yaml:2: trigger: "order" is not a trigger (use purchase, refund, refund.partial, cancel, return)`},
		{"unknown anchor", head + "  - id: a\n    type: email\n    template: t\n    after: delivered\n",
			`welcome.yaml:6: steps[0].after: "delivered" is not an anchor`},
		{"unknown category", head + "  - id: a\n    type: email\n    template: t\n    category: promo\n",
			`welcome.yaml:6: steps[0].category: "promo" is not a category (use transactional, followup, marketing)`},
		{"unknown recipient", head + "  - id: a\n    type: email\n    template: t\n    to:\n      - buyer\n      - boss\n",
			`welcome.yaml:8: steps[0].to[1]: "boss" is not a recipient (use buyer, user)`},
		{"empty recipients", head + "  - id: a\n    type: email\n    template: t\n    to: []\n",
			`welcome.yaml:6: steps[0].to: names nobody (use buyer, user or both)`},
		{"unknown role", head + "  - id: a\n    type: task\n    task: call\n    assignee: boss\n",
			`welcome.yaml:6: steps[0].assignee: "boss" is not a role, round_robin or served (use owner, assistant, program_manager, round_robin, served)`},
		{"bad member email", head + "  - id: a\n    type: task\n    task: call\n    assignee: sam@\n",
			`welcome.yaml:6: steps[0].assignee: "sam@" is not an email address`},
		{"negative wait without booking", head + "  - id: a\n    type: email\n    template: t\n    wait: -1d\n",
			`welcome.yaml:6: steps[0].wait: a negative wait (-1d) needs after: booking`},
		{"bad at", head + "  - id: a\n    type: email\n    template: t\n    wait: 1d\n    at: \"9:30\"\n",
			`welcome.yaml:7: steps[0].at: "9:30" is not a time of day (use HH:MM, e.g. 09:30)`},
		{"at with hours", head + "  - id: a\n    type: email\n    template: t\n    wait: 2h\n    at: \"10:00\"\n",
			`welcome.yaml:7: steps[0].at: needs a wait in whole days (like 1d or 2bd) or none, not 2h`},
		{"if does not compile", head + "  - id: a\n    type: email\n    template: t\n    if: has_phon\n",
			`welcome.yaml:6: steps[0].if: cannot use "has_phon": unknown name has_phon (1:1)`},
		{"if is not bool", head + "  - id: a\n    type: email\n    template: t\n    if: total\n",
			`welcome.yaml:6: steps[0].if: cannot use "total": expected bool, but got float64`},
		{"if is a yaml tag", head + "  - id: a\n    type: email\n    template: t\n    if: !has_phone\n",
			`welcome.yaml:6: steps[0].if: "!has_phone" is read as a YAML tag; put the value in quotes`},
		{"when does not compile", "id: w\nwhen: has_kind(physical)\nsteps:\n  - {id: a, type: email, template: t}\n",
			`welcome.yaml:2: when: cannot use "has_kind(physical)": unknown name physical`},
		{"no steps", "id: w\nsteps: []\n", `welcome.yaml:2: steps: a journey needs at least one step`},
		{"steps missing", "id: w\nname: W\n", `welcome.yaml:1: steps: missing: a journey needs at least one step`},
		{"steps not a list", "id: w\nsteps: hello\n", `welcome.yaml:2: steps: must be a list of steps`},
		{"journey id missing", "steps:\n  - {id: a, type: email, template: t}\n", `welcome.yaml:1: id: missing: every journey needs an id`},
		{"bad exit_on", "id: w\nexit_on: [refund, oops]\nsteps:\n  - {id: a, type: email, template: t}\n",
			`welcome.yaml:2: exit_on[1]: "oops" is not an exit event (use refund, cancel, return)`},
		{"step after an exit event", "id: w\nexit_on: [refund]\nsteps:\n  - id: a\n    type: email\n    template: t\n    after: refund\n",
			`welcome.yaml:7: steps[0].after: "refund" exits this journey (exit_on), so the step would never run`},
		{"bad template text", head + "  - id: a\n    type: task\n    task: call\n    title: \"Call {{.Buyer.Nam}}\"\n",
			`welcome.yaml:6: steps[0].title: unknown placeholder {{.Buyer.Nam}} (placeholders are like {{.Buyer.FirstName}}, {{.Product}}, {{.Order.Ref}})`},
		{"template logic", head + "  - id: a\n    type: task\n    task: call\n    script: \"{{range 10}}x{{end}}\"\n",
			`welcome.yaml:6: steps[0].script: "{{range 10}}x{{end}}": only placeholders are allowed`},
		{"bad template name", head + "  - id: a\n    type: email\n    template: ../secret\n",
			`welcome.yaml:5: steps[0].template: "../secret" is not a template name`},
		{"offer not a mapping", head + "  - id: a\n    type: offer\n    offer: 10\n",
			`welcome.yaml:5: steps[0].offer: must be a mapping like {percent_off: 10, valid_days: 30}, not a number`},
		{"alias", "id: &x w\nsteps:\n  - id: *x\n    type: email\n    template: t\n",
			`welcome.yaml:3: steps[0].id: aliases (*name) are not supported`},
		{"step not a mapping", head + "  - hello\n", `welcome.yaml:3: steps[0]: a step must be a mapping (key: value lines), not a text`},
		{"journey not a mapping", "42\n", `welcome.yaml:1: a journey must be a mapping`},
		{"yaml syntax", "id: [w\n", `welcome.yaml:1: invalid YAML:`},
		{"duplicate key", "id: a\nid: b\n", `welcome.yaml:2: invalid YAML: mapping key "id" already defined`},
		{"empty file", "", `welcome.yaml:1: no journey in the file`},
		{"duplicate journey in a list", "- id: w\n  steps: [{id: a, type: email, template: t}]\n- id: w\n  steps: [{id: a, type: email, template: t}]\n",
			`welcome.yaml:3: id: journey "w" is defined twice (first at journeys/welcome.yaml:1)`},
		{"error in a list", "- id: w\n  steps: [{id: a, type: email, template: t}]\n- id: v\n  steps: [{id: a, type: email, template: t, wait: 1x}]\n",
			`welcome.yaml:4: [1].steps[0].wait: "1x" is not a delay`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			js, err := Parse("journeys/welcome.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("no error; journeys = %v", js)
			}
			if js != nil {
				t.Errorf("journeys = %v, want nil with an error", js)
			}
			if code := aftersale.ErrorCode(err); code != aftersale.EINVALID {
				t.Errorf("code = %q, want %q", code, aftersale.EINVALID)
			}
			if !strings.Contains(err.Error(), "journeys/"+tt.want) {
				t.Errorf("error =\n%v\nwant a line with\njourneys/%s", err, tt.want)
			}
		})
	}
}

func TestParseReportsAllProblemsByLine(t *testing.T) {
	t.Parallel()
	src := "id: w\nexit_on: [nope]\nsteps:\n  - id: a\n    type: email\n    template: t\n    wait: 3x\n  - id: b\n    type: task\n    task: cal\n"
	_, err := Parse("w.yaml", []byte(src))
	want := "w.yaml:2: exit_on[0]: \"nope\" is not an exit event (use refund, cancel, return)\n" +
		"w.yaml:7: steps[0].wait: \"3x\" is not a delay (use 30m, 2h, 1d or 1bd)\n" +
		"w.yaml:10: steps[1].task: \"cal\" is not a task kind (use personal_email, call, social_connect, community_invite, handwritten_note); did you mean \"call\"?"
	if err == nil || err.Error() != want {
		t.Errorf("error =\n%v\nwant\n%s", err, want)
	}
}

func TestParseStory(t *testing.T) {
	t.Parallel()
	src := "id: w\nsteps:\n  - {id: a, type: email, template: t, story: true}\n  - {id: b, type: email, template: t, story: false}\n" +
		"  - {id: c, type: email, template: t}\n  - {id: d, type: email, template: t, story: True}\n"
	js, err := Parse("w.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false, false, true} {
		if got := js[0].Steps[i].Story; got != want {
			t.Errorf("steps[%d].Story = %v, want %v", i, got, want)
		}
	}
}

func TestParseSeveral(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"list":      "- id: a\n  steps: [{id: s, type: email, template: t}]\n- id: b\n  trigger: refund\n  steps: [{id: s, type: email, template: t}]\n",
		"documents": "id: a\nsteps: [{id: s, type: email, template: t}]\n---\nid: b\ntrigger: refund\nsteps: [{id: s, type: email, template: t}]\n",
	}
	for name, src := range tests {
		js, err := Parse(name+".yaml", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(js) != 2 || js[0].ID != "a" || js[1].ID != "b" || js[1].Trigger != TriggerRefund || js[1].Line != map[string]int{"list": 3, "documents": 4}[name] {
			t.Errorf("%s: journeys = %+v, %+v", name, js[0], js[1])
		}
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, src string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b.yml", "id: b\ntrigger: refund\nsteps: [{id: s, type: email, template: sorry}]\n")
	write("a.yaml", "id: a\nsteps: [{id: s, type: email, template: hello}, {id: u, type: email, template: hello, wait: 1d}]\n")
	write("notes.txt", "not a journey")
	write("templates/hello.md", "# not a journey either")
	write("templates/x.yaml", "neither: this")

	set, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Journeys) != 2 || set.Journeys[0].ID != "a" || set.Journeys[1].ID != "b" {
		t.Fatalf("journeys = %v", set.Journeys)
	}
	if set.ByID("b") == nil || set.ByID("c") != nil {
		t.Error("ByID is wrong")
	}
	if got := set.Triggered(TriggerRefund); len(got) != 1 || got[0].ID != "b" {
		t.Errorf("Triggered(refund) = %v", got)
	}
	refs := set.Templates()
	want := []TemplateRef{
		{Name: "hello", Journey: "a", Step: "s", File: filepath.Join(dir, "a.yaml"), Line: 2},
		{Name: "hello", Journey: "a", Step: "u", File: filepath.Join(dir, "a.yaml"), Line: 2},
		{Name: "sorry", Journey: "b", Step: "s", File: filepath.Join(dir, "b.yml"), Line: 3},
	}
	if !reflect.DeepEqual(refs, want) {
		t.Errorf("Templates() = %v, want %v", refs, want)
	}

	one, err := Load(filepath.Join(dir, "b.yml"))
	if err != nil || len(one.Journeys) != 1 {
		t.Errorf("Load(file) = %v, %v", one, err)
	}

	// A journey id used in two files names both.
	write("c.yaml", "\n\nid: a\nsteps: [{id: s, type: email, template: hello}]\n")
	_, err = Load(dir)
	if want := filepath.Join(dir, "c.yaml") + `:3: id: journey "a" is defined twice (first at ` + filepath.Join(dir, "a.yaml") + ":1)"; err == nil || err.Error() != want {
		t.Errorf("duplicate ids: error = %v, want %s", err, want)
	}

	// Problems of several files are reported together.
	write("c.yaml", "id: c\nsteps: [{id: s, type: email}]\n")
	write("d.yaml", "id: d\nsteps: [{id: s, type: task, task: nap}]\n")
	_, err = Load(dir)
	if err == nil || !strings.Contains(err.Error(), "c.yaml:2: steps[0].template: missing") || !strings.Contains(err.Error(), "d.yaml:2: steps[0].task: \"nap\"") {
		t.Errorf("error = %v", err)
	}
	if aftersale.ErrorCode(err) != aftersale.EINVALID {
		t.Errorf("code = %q", aftersale.ErrorCode(err))
	}

	for _, p := range []string{filepath.Join(dir, "missing"), filepath.Join(dir, "templates", "empty")} {
		_ = os.MkdirAll(filepath.Join(dir, "templates", "empty"), 0o755)
		if _, err := Load(p); aftersale.ErrorCode(err) != aftersale.EINVALID {
			t.Errorf("Load(%s) error = %v, want EINVALID", p, err)
		}
	}
}

func TestNewSetDuplicates(t *testing.T) {
	t.Parallel()
	a := &Journey{ID: "x", File: "a.yaml", Line: 1}
	b := &Journey{ID: "x", File: "b.yaml", Line: 4}
	_, err := NewSet(a, b)
	if err == nil || err.Error() != `b.yaml:4: id: journey "x" is defined twice (first at a.yaml:1)` {
		t.Errorf("error = %v", err)
	}
}

func TestEventAnchors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ev   aftersale.Event
		want []string
	}{
		{aftersale.Event{Type: aftersale.EventOrderPlaced}, []string{"purchase"}},
		{aftersale.Event{Type: aftersale.EventOrderRefunded}, []string{"refund"}},
		{aftersale.Event{Type: aftersale.EventOrderCancelled}, []string{"cancel"}},
		{aftersale.Event{Type: aftersale.EventReturnRequested}, []string{"return"}},
		{aftersale.Event{Type: aftersale.EventProductAccessed}, []string{"access"}},
		{aftersale.Event{Type: aftersale.EventBookingScheduled}, []string{"booking"}},
		{aftersale.Event{Type: aftersale.EventShipmentUpdated, Shipment: &aftersale.Shipment{Status: "shipped"}}, []string{"shipment.shipped"}},
		{aftersale.Event{Type: aftersale.EventShipmentUpdated, Shipment: &aftersale.Shipment{Status: "delivered"}}, []string{"shipment.delivered", "delivery"}},
		{aftersale.Event{Type: aftersale.EventShipmentUpdated}, nil},
	}
	for _, tt := range tests {
		if got := EventAnchors(&tt.ev); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("EventAnchors(%s) = %v, want %v", tt.ev.Type, got, tt.want)
		}
	}
	for _, a := range Anchors() {
		if a == "" {
			t.Error("empty anchor")
		}
	}
}

// FuzzParse feeds arbitrary YAML to Parse: it must not panic, every error
// must be an EINVALID *aftersale.Error, and every journey it accepts must be
// complete.
func FuzzParse(f *testing.F) {
	f.Add([]byte(briefExample))
	for _, name := range []string{"default.yaml", "shipping.yaml", "care.yaml", "plan.yaml"} {
		data, err := defaultFS.ReadFile("default/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{"", "id: x", "- id: x\n  steps: [{id: a, type: email, template: t}]", "id: &a x\nsteps: *a", "{", "---\n---\n", "steps: [[]]", "id: w\nsteps:\n  - {id: a, type: offer, offer: {a: [1, {b: c}]}}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		js, err := Parse("fuzz.yaml", data)
		if err != nil {
			if aftersale.ErrorCode(err) != aftersale.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if len(js) == 0 {
			t.Fatal("no journeys and no error")
		}
		for _, j := range js {
			if j.ID == "" || len(j.Steps) == 0 || j.Trigger == "" {
				t.Fatalf("incomplete journey %+v", j)
			}
			for _, st := range j.Steps {
				if st.ID == "" || st.Type == "" {
					t.Fatalf("incomplete step %+v", st)
				}
				if st.Wait.Negative && st.After != AnchorBooking {
					t.Fatalf("negative wait after %q", st.After)
				}
			}
		}
	})
}
