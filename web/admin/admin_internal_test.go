package admin

import (
	"strings"
	"testing"
)

// TestRenderScript: a task script is Markdown (goldmark): headings at
// most h3, paragraphs with their line breaks, numbered lists keeping their
// start, bullets, bold and code; raw HTML shows as text and a javascript:
// link goes nowhere.
func TestRenderScript(t *testing.T) {
	got := string(renderScript("# Before\nCall <script>alert(1)</script> & smile\nsecond line\n\n3. third **bold** `code`\n4. fourth\n\n- a\n- b\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))"))
	want := "<h3>Before</h3>\n" +
		"<p>Call &lt;script&gt;alert(1)&lt;/script&gt; &amp; smile<br>\nsecond line</p>\n" +
		"<ol start=\"3\">\n<li>third <strong>bold</strong> <code>code</code></li>\n<li>fourth</li>\n</ol>\n" +
		"<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n" +
		"<p>&lt;img src=x onerror=alert(1)&gt;</p>\n" +
		"<p><a href=\"\">x</a></p>\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if strings.Contains(string(renderScript(`**<b>x</b>**`)), "<b>") {
		t.Fatal("bold let raw HTML through")
	}
	if got := string(renderScript("## Opening\n###### Small")); !strings.Contains(got, "<h3>Opening</h3>") || !strings.Contains(got, "<h6>Small</h6>") {
		t.Errorf("headings: %s", got)
	}
}

// FuzzRenderScript: whatever the script, no tag of its own comes through.
func FuzzRenderScript(f *testing.F) {
	for _, s := range []string{"# a\n- b", "<script>x</script>", "[a](javascript:x)", "`<b>`", "<https://example.com>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := strings.ToLower(string(renderScript(s)))
		for _, bad := range []string{"<script", "<img", "<iframe", "href=\"javascript:", "src="} {
			if strings.Contains(got, bad) {
				t.Fatalf("renderScript(%q) = %q holds %s", s, got, bad)
			}
		}
	})
}

func TestPhoneLink(t *testing.T) {
	for _, tc := range []struct{ raw, region, tel string }{
		{"+1 202-555-0143", "US", "+12025550143"},
		{"(202) 555-0143", "US", "+12025550143"},
		{"030 901820", "DE", "+4930901820"},
		{"+44 20 7946 0018", "US", "+442079460018"},
		{"ask at the desk", "US", ""},
		{"555-555-SHIP", "US", ""},
		{"12", "US", ""},
		{"", "US", ""},
	} {
		p := newPhoneLink(tc.raw, tc.region)
		if p.Tel != tc.tel || p.Display != strings.TrimSpace(tc.raw) {
			t.Errorf("%q in %s: %+v, want tel %q", tc.raw, tc.region, p, tc.tel)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/admin/tasks/3?x=1":           "/admin/tasks/3?x=1",
		"/admin":                       "/admin",
		"":                             "/admin",
		"//evil.example/admin":         "/admin",
		"https://evil.example/admin":   "/admin",
		"/\\evil.example":              "/admin",
		"/adminx":                      "/admin",
		"/u/token":                     "/admin",
		"/admin/login?next=/admin/x":   "/admin",
		"javascript:alert(1)//admin/x": "/admin",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
