package engine

import "testing"

func TestWithPixel(t *testing.T) {
	const img = `<img src="https://a.example/o/x.gif?a=1&amp;b=2" width="1" height="1" alt="" style="display:block;border:0">`
	for _, tt := range []struct{ html, want string }{
		{"<html><body><p>Hi</p></body></html>", "<html><body><p>Hi</p>" + img + "</body></html>"},
		{"<HTML><BODY><p>Hi</p></BODY></HTML>", "<HTML><BODY><p>Hi</p>" + img + "</BODY></HTML>"},
		{"<p>a</p></Body>x</body>", "<p>a</p></Body>x" + img + "</body>"}, // the last one
		{"<p>no body</p>", "<p>no body</p>" + img},
		{"</bod", "</bod" + img},
		{"", img},
	} {
		if got := withPixel(tt.html, "https://a.example/o/x.gif?a=1&b=2"); got != tt.want {
			t.Errorf("withPixel(%q) = %q, want %q", tt.html, got, tt.want)
		}
	}
}
