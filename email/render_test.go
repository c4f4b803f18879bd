package email

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func newRenderer(t *testing.T) *Renderer {
	t.Helper()
	r, err := NewRenderer(nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (run go test -update after checking):\n--- got ---\n%s", path, got)
	}
}

func show(out *Rendered, err error) string {
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	return "Subject: " + out.Subject + "\n\n===== text =====\n" + out.Text + "\n===== html =====\n" + out.HTML
}

func TestBuiltinNames(t *testing.T) {
	r := newRenderer(t)
	want := []string{
		Access, Day1Welcome, Day30Checkin, Day3Answers, Day7Checkin, DidItArrive, FirstSession,
		RefundThanks, ShipmentUpdate, ShippingExpectations, ThankYou, WhoUses, SurveyImportance, SurveyPerformance,
		ReturnInstructions, ReturnReceived, ReturnExchanged, "optin", NextLevel, InsiderOffer,
	}
	slices.Sort(want)
	if got := r.Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
	for _, n := range want {
		if !r.Has(n) {
			t.Errorf("Has(%q) = false", n)
		}
	}
	if r.Has("nope") {
		t.Error(`Has("nope") = true`)
	}
}

// TestGolden renders every built-in template for every sample, and the
// variants of single templates (such as the shipment update for every
// status).
func TestGolden(t *testing.T) {
	r := newRenderer(t)
	data := samples()
	for _, name := range r.Names() {
		for sample, d := range data {
			t.Run(name+"/"+sample, func(t *testing.T) {
				golden(t, filepath.Join(name, sample+".golden"), show(r.Render(name, d)))
			})
		}
	}
	for name, cases := range variants() {
		if !r.Has(name) {
			t.Errorf("variants of %q, which is not a built-in template", name)
		}
		for c, d := range cases {
			if _, ok := data[c]; ok {
				t.Errorf("%s/%s: a variant named like a sample", name, c)
				continue
			}
			t.Run(name+"/"+c, func(t *testing.T) {
				golden(t, filepath.Join(name, c+".golden"), show(r.Render(name, d)))
			})
		}
	}
}

// goldenCase is a template and the data it is rendered with.
type goldenCase struct {
	name string
	data *Data
}

// goldenCases returns every golden case by "template/case": each template
// with each sample, and the variants.
func goldenCases(r *Renderer) map[string]goldenCase {
	out := map[string]goldenCase{}
	for _, name := range r.Names() {
		for sample, d := range samples() {
			out[name+"/"+sample] = goldenCase{name, d}
		}
	}
	for name, cs := range variants() {
		for c, d := range cs {
			out[name+"/"+c] = goldenCase{name, d}
		}
	}
	return out
}

func TestRenderShape(t *testing.T) {
	r := newRenderer(t)
	for id, c := range goldenCases(r) {
		d := c.data
		out, err := r.Render(c.name, d)
		if err != nil {
			continue // the golden files hold the expected errors
		}
		if strings.ContainsAny(out.Subject, "\r\n") || out.Subject != strings.TrimSpace(out.Subject) {
			t.Errorf("%s: subject %q is not one trimmed line", id, out.Subject)
		}
		for _, part := range []string{out.Subject, out.Text, out.HTML} {
			if strings.Contains(part, "<no value>") || strings.Contains(part, "%!") {
				t.Errorf("%s: a hole in the output:\n%s", id, part)
			}
		}
		if strings.Contains(out.Text, "\n\n\n") || !strings.HasSuffix(out.Text, "\n") || strings.HasSuffix(out.Text, "\n\n") {
			t.Errorf("%s: blank lines not normalised:\n%q", id, out.Text)
		}
		hasFooter := strings.Contains(out.Text, d.Links.Unsubscribe) && strings.Contains(out.HTML, d.Links.Unsubscribe)
		if d.Links.Unsubscribe != "" && !hasFooter {
			t.Errorf("%s: no unsubscribe footer", id)
		}
		if d.Links.Unsubscribe == "" && strings.Contains(out.Text, "Unsubscribe") {
			t.Errorf("%s: an unsubscribe footer without a link", id)
		}
		if words := len(strings.Fields(out.Text)); words > 260 {
			t.Errorf("%s: %d words; keep emails short", id, words)
		}
	}
}

func TestOverrides(t *testing.T) {
	fsys := fstest.MapFS{
		"thank_you.md": {Data: []byte("---\nsubject: \"Cheers, {{.Recipient.FirstName}}\"\n---\nThanks a lot, {{md .Recipient.FirstName}}!\n")},
		"birthday.md":  {Data: []byte("---\nsubject: Happy birthday\n---\nMany happy returns from {{md .Business.Name}}.\n")},
		"notes.txt":    {Data: []byte("not a template")},
		"sub/x.md":     {Data: []byte("not at the root: ignored")},
	}
	r, err := NewRenderer(fsys)
	if err != nil {
		t.Fatal(err)
	}
	d := samples()["digital"]
	out, err := r.Render(ThankYou, d)
	if err != nil {
		t.Fatal(err)
	}
	if out.Subject != "Cheers, Ana" || !strings.HasPrefix(out.Text, "Thanks a lot, Ana!\n") {
		t.Errorf("override not used: %q / %q", out.Subject, out.Text)
	}
	if !r.Has("birthday") || r.Has("notes") || r.Has("x") {
		t.Errorf("names = %v", r.Names())
	}
	if out, err := r.Render("birthday", d); err != nil || !strings.Contains(out.HTML, "Many happy returns from Bright Path Studio.") {
		t.Errorf("birthday: %v %+v", err, out)
	}
	// The built-ins are untouched for other renderers.
	if out, _ := newRenderer(t).Render(ThankYou, d); out.Subject == "Cheers, Ana" {
		t.Error("an override leaked into another renderer")
	}
}

func TestBrokenTemplates(t *testing.T) {
	tests := []struct {
		src  string
		want string // in the error
	}{
		{"no front matter\n", "broken.md:1: the file must start with front matter"},
		{"---\nsubject: x\n", "broken.md:1: the front matter is not closed"},
		{"---\nsubject: \"oops\n---\nbody\n", "broken.md:2:"},
		{"---\nsubjet: typo\n---\nbody\n", `broken.md:2:1: front matter: unknown field "subjet"`},
		{"---\nsubject: \"\"\n---\nbody\n", "broken.md: front matter: subject is required"},
		{"---\nsubject: \"{{.Oops\"\n---\nbody\n", "broken.md:2:"},
		{"---\nsubject: ok\n---\nline 4\nline 5 {{if}}\n", "broken.md:5:"},
		{"---\nsubject: ok\n---\n\n\n{{nosuchfunc .X}}\n", `broken.md:6: function "nosuchfunc" not defined`},
	}
	for _, tt := range tests {
		_, err := NewRenderer(fstest.MapFS{"broken.md": {Data: []byte(tt.src)}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("source %q: error %v, want it to contain %q", tt.src, err, tt.want)
		}
	}
}

func TestCustomerValuesAreInert(t *testing.T) {
	r := newRenderer(t)
	d := *samples()["digital"]
	evil := "[click](https://evil.example) <script>alert(1)</script> **bold** <https://evil.example> &amp;\n# heading"
	d.Recipient = NewPerson(evil, "ana@example.com")
	d.Buyer = d.Recipient
	d.Order.Items = []ItemData{{Name: evil, Kind: "course", Quantity: 1, AccessURL: "https://shop.example/a"}}
	d.Return = &ReturnData{
		Status: "requested", Resolution: "refund", Reason: evil,
		Items:   []ItemData{{Name: evil, Quantity: 1}},
		Address: evil + "\n" + evil, RefundDays: 5, StatusURL: "https://aftersale.example/r/tok",
	}
	d.Arrival = &ArrivalData{Yes: "https://aftersale.example/a/tok?answer=yes", No: "https://aftersale.example/a/tok?answer=no"}
	d.NextLevel = &NextLevelData{Name: evil, URL: "https://shop.example/next", Description: evil}
	d.Story = &StoryData{Title: evil, Body: "A story in the team's own Markdown."} // the body is Markdown by design
	d.Offer = &OfferData{Code: evil, PercentOff: 10, Expires: evil, ShopURL: "https://shop.example", ReferralURL: "https://aftersale.example/r/ANA-K7Q2"}
	for _, name := range r.Names() {
		if name == ShipmentUpdate {
			continue
		}
		out, err := r.Render(name, &d)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, bad := range []string{"evil.example\"", "href=\"https://evil", "<script", "<strong>bold", "<h1", "raw HTML omitted"} {
			if strings.Contains(out.HTML, bad) {
				t.Errorf("%s: customer value was interpreted (%s):\n%s", name, bad, out.HTML)
			}
		}
		if strings.Contains(out.Text, `\[`) {
			t.Errorf("%s: escapes leaked into the text part:\n%s", name, out.Text)
		}
	}
	out, _ := r.Render(Access, &d)
	if !strings.Contains(out.HTML, "[click](https://evil.example) &lt;script&gt;") {
		t.Errorf("the name is not shown as typed:\n%s", out.HTML)
	}
	if !strings.Contains(out.Subject, "[click](https://evil.example) <script>") {
		t.Errorf("the subject is not the plain value: %q", out.Subject)
	}
	// The return reason, the returned item and the address (which keeps
	// its lines: the value twice over, on four lines) are shown as typed.
	out, err := r.Render(ReturnInstructions, &d)
	if err != nil {
		t.Fatal(err)
	}
	shown := "[click](https://evil.example) &lt;script&gt;alert(1)&lt;/script&gt; **bold** &lt;https://evil.example&gt; &amp;amp;"
	if n := strings.Count(out.HTML, shown); n != 4 {
		t.Errorf("the reason, item and address are shown as typed %d times, want 4:\n%s", n, out.HTML)
	}
	if strings.Contains(out.Text, `\[`) {
		t.Errorf("escapes leaked into the text part:\n%s", out.Text)
	}
	if !strings.Contains(out.Text, "Your reason: [click](https://evil.example) <script>alert(1)</script> **bold** <https://evil.example> &amp; # heading\n") {
		t.Errorf("the reason is not the plain value in the text part:\n%s", out.Text)
	}
}

func TestDidItArriveNamesTheItem(t *testing.T) {
	r := newRenderer(t)
	d := *samples()["physical"]
	d.Order.Items = []ItemData{{Name: "Mug <b>*big*</b>", Kind: "physical", Quantity: 1}}
	out, err := r.Render(DidItArrive, &d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.Text, "The carrier says your Mug <b>*big*</b> has been delivered.") {
		t.Errorf("text part:\n%s", out.Text)
	}
	if !strings.Contains(out.HTML, "The carrier says your Mug &lt;b&gt;*big*&lt;/b&gt; has been delivered.") {
		t.Errorf("HTML part:\n%s", out.HTML)
	}
}

func TestMissingData(t *testing.T) {
	r := newRenderer(t)
	d := samples()["digital"] // no shipment
	if _, err := r.Render(ShipmentUpdate, d); err == nil || !strings.Contains(err.Error(), "Shipment is required") {
		t.Errorf("shipment_update without a shipment: %v", err)
	}
	for _, name := range []string{ReturnInstructions, ReturnReceived, ReturnExchanged} {
		if _, err := r.Render(name, d); err == nil || !strings.Contains(err.Error(), "Return is required") {
			t.Errorf("%s without a return: %v", name, err)
		}
	}
	// did_it_arrive does without Arrival: it asks for a reply instead.
	if out, err := r.Render(DidItArrive, d); err != nil || !strings.Contains(out.Text, "reply to this email") {
		t.Errorf("did_it_arrive without Arrival: %v", err)
	}
	noBiz := *d
	noBiz.Business.Name = ""
	if _, err := r.Render(ThankYou, &noBiz); err == nil || !strings.Contains(err.Error(), "Business.Name") {
		t.Errorf("no business name: %v", err)
	}
	if _, err := r.Render("nope", d); err == nil {
		t.Error("an unknown template rendered")
	}
	if _, err := r.Render(ThankYou, nil); err == nil {
		t.Error("nil data rendered")
	}
	badURL := *d
	badURL.Order.Items = []ItemData{{Name: "X", Kind: "digital", AccessURL: "javascript:alert(1)"}}
	if _, err := r.Render(Access, &badURL); err == nil || !strings.Contains(err.Error(), "not an absolute http(s) URL") {
		t.Errorf("a javascript: access URL: %v", err)
	}

	// Overrides get errors for fields that do not exist or nil pointers,
	// never "<no value>".
	r2, err := NewRenderer(fstest.MapFS{
		"typo.md":   {Data: []byte("---\nsubject: x\n---\n{{.Recipient.Nmae}}\n")},
		"nilptr.md": {Data: []byte("---\nsubject: x\n---\n{{.Shipment.Carrier}}\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"typo", "nilptr"} {
		if out, err := r2.Render(name, d); err == nil {
			t.Errorf("%s rendered: %q", name, out.Text)
		}
	}
}

func TestDerivedFields(t *testing.T) {
	r := newRenderer(t)
	d := &Data{
		Business:  Business{Name: "Shop"},
		Recipient: Person{Email: "x@example.com"},
		Order:     OrderData{Items: []ItemData{{Name: "Call", Kind: "coaching"}}},
		Bookings:  []BookingData{{StartsAt: time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)}},
	}
	out, err := r.Render(ThankYou, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Hi there,", "Wednesday, 25 November 2026 at 15:00 UTC"} {
		if !strings.Contains(out.Text, want) {
			t.Errorf("missing %q in\n%s", want, out.Text)
		}
	}
	if out.Subject != "Thank you for your order" {
		t.Errorf("subject %q", out.Subject)
	}
	if d.Recipient.FirstName != "" || d.Order.HasCoaching || d.Bookings[0].When != "" {
		t.Error("Render changed its input")
	}
}

func TestFormatWhen(t *testing.T) {
	at := time.Date(2026, 7, 1, 15, 30, 0, 0, time.UTC)
	for tz, want := range map[string]string{
		"America/New_York": "Wednesday, 1 July 2026 at 11:30 EDT",
		"Europe/Lisbon":    "Wednesday, 1 July 2026 at 16:30 WEST",
		"":                 "Wednesday, 1 July 2026 at 15:30 UTC",
		"Not/AZone":        "Wednesday, 1 July 2026 at 15:30 UTC",
	} {
		if got := FormatWhen(at, tz); got != want {
			t.Errorf("FormatWhen(%q) = %q, want %q", tz, got, want)
		}
	}
}

func TestNewPerson(t *testing.T) {
	for name, want := range map[string]string{"Ana Lima": "Ana", "  Cleo ": "Cleo", "": "there"} {
		if got := NewPerson(name, "").FirstName; got != want {
			t.Errorf("NewPerson(%q).FirstName = %q, want %q", name, got, want)
		}
	}
}

func TestSummary(t *testing.T) {
	items := []ItemData{{Name: "A"}, {Name: "B"}, {Name: ""}, {Name: "C"}}
	for n, want := range []string{"", "A", "A and B", "A and B", "A and 2 more"} {
		if got := (OrderData{Items: items[:n]}).Summary(); got != want {
			t.Errorf("%d items: %q, want %q", n, got, want)
		}
	}
}

func FuzzParseTemplate(f *testing.F) {
	entries, _ := builtinFS.ReadDir("templates")
	for _, e := range entries {
		src, _ := builtinFS.ReadFile("templates/" + e.Name())
		f.Add(src)
	}
	f.Add([]byte("---\nsubject: x\n---\n"))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("---\r\nsubject: [\r\n---"))
	f.Add([]byte("---\nsubject: &a [*a]\n---\n{{"))
	d := samples()["coaching"]
	f.Fuzz(func(t *testing.T, src []byte) {
		tm, err := parseTemplate("fuzz.md", src)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.md") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		// A template that parses renders or fails, but never panics.
		r := &Renderer{templates: map[string]*tmpl{"fuzz": tm}, md: newMarkdown()}
		_, _ = r.Render("fuzz", d)
	})
}

func TestConcurrentRender(t *testing.T) {
	r := newRenderer(t)
	d := samples()["coaching"]
	want, err := r.Render(ThankYou, d)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for range 20 {
				got, err := r.Render(ThankYou, d)
				if err == nil && *got != *want {
					err = errors.New("a different result")
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
