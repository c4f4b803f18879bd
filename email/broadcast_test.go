package email

import (
	"strings"
	"testing"
)

func TestBroadcastRender(t *testing.T) {
	t.Parallel()
	r, err := NewRenderer(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseBroadcast("News for you, {{.FirstName}}", "# Spring update\n\nHi {{.FirstName}} ({{.Email}}),\n\nThe **new course** is out: <https://shop.example/new>.\n\n<script>alert(1)</script>\n")
	if err != nil {
		t.Fatal(err)
	}
	links := Links{Unsubscribe: "https://aftersale.example/u/tok", Preferences: "https://aftersale.example/u/tok"}
	// A name that tries to be a link and HTML stays text.
	evil := NewPerson("[Win](https://evil.example) <b>Bo</b>", "bo@example.com")
	out, err := r.PreviewBroadcast(b, Business{Name: "Bright Path"}, evil, links)
	if err != nil {
		t.Fatal(err)
	}
	if out.Subject != "News for you, [Win](https://evil.example)" {
		t.Errorf("subject %q", out.Subject)
	}
	for _, bad := range []string{`href="https://evil.example"`, "<b>Bo", "<script"} {
		if strings.Contains(out.HTML, bad) {
			t.Errorf("HTML holds %q:\n%s", bad, out.HTML)
		}
	}
	for _, want := range []string{"<h1", "<strong>new course</strong>", `href="https://shop.example/new"`, "bo@example.com",
		`href="https://aftersale.example/u/tok"`, "Unsubscribe in one click"} {
		if !strings.Contains(out.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, out.HTML)
		}
	}
	if !strings.Contains(string(out.Body), "<strong>new course</strong>") || strings.Contains(string(out.Body), "<html") {
		t.Errorf("preview body:\n%s", out.Body)
	}
	for _, want := range []string{"Hi [Win](https://evil.example) (bo@example.com),", "Unsubscribe in one click: https://aftersale.example/u/tok"} {
		if !strings.Contains(out.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, out.Text)
		}
	}

	// Without a name: "Hi there".
	plain, err := r.RenderBroadcast(b, Business{Name: "Bright Path"}, NewPerson("", "x@example.com"), links)
	if err != nil || !strings.Contains(plain.Text, "Hi there (x@example.com)") {
		t.Errorf("no name: %v\n%v", err, plain)
	}
	// The unsubscribe link is required.
	if _, err := r.RenderBroadcast(b, Business{Name: "Bright Path"}, evil, Links{}); err == nil {
		t.Error("rendered without an unsubscribe link")
	}
}

func TestParseBroadcastErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ subject, body, field, want string }{
		{"", "Hi", "subject", "empty"},
		{"Two\nlines", "Hi", "subject", "one line"},
		{"Hi", "  \n", "body", "empty"},
		{"Hi {{.Frist}}", "Hi", "subject", "there is no {{.Frist}}; use {{.FirstName}}"},
		{"Hi", "Hello\n\n{{.FristName}}", "body", "line 3: there is no {{.FristName}}"},
		{"Hi", "Hello\n{{if .Name}}unclosed", "body", "line 2"},
		{"Hi", "{{nope .Name}}", "body", `function "nope" not defined`},
		{"{{\"\"}}", "Hi", "subject", "comes out empty"},
	} {
		_, err := ParseBroadcast(c.subject, c.body)
		be, ok := err.(*BroadcastError)
		if !ok || be.Field != c.field || !strings.Contains(be.Error(), c.want) {
			t.Errorf("ParseBroadcast(%q, %q) = %v, want %s: …%s…", c.subject, c.body, err, c.field, c.want)
		}
	}
	// What journey templates write works too.
	if _, err := ParseBroadcast("Hi {{.FirstName | upper}}", "Hi {{md .FirstName}}, {{.Name | default \"friend\"}}"); err != nil {
		t.Error(err)
	}
}

func FuzzParseBroadcast(f *testing.F) {
	f.Add("News for {{.FirstName}}", "Hi {{.Name}},\n\n**New** course: <https://shop.example>")
	f.Add("{{if .Email}}x{{end}}", "{{range .}}{{end}}")
	r, err := NewRenderer(nil)
	if err != nil {
		f.Fatal(err)
	}
	links := Links{Unsubscribe: "https://aftersale.example/u/tok", Preferences: "https://aftersale.example/u/tok"}
	f.Fuzz(func(t *testing.T, subject, body string) {
		b, err := ParseBroadcast(subject, body)
		if err != nil {
			return
		}
		out, err := r.RenderBroadcast(b, Business{Name: "Shop"}, NewPerson("Ana <b>Lima</b>", "ana@example.com"), links)
		if err != nil {
			return
		}
		if strings.Contains(out.HTML, "<b>Lima</b>") {
			t.Fatalf("a customer's name became HTML:\n%s", out.HTML)
		}
	})
}
