package aftersale_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aftersale/aftersale"
)

func TestValidateEmail(t *testing.T) {
	local64 := strings.Repeat("a", 64)
	label63 := strings.Repeat("b", 63)
	tests := []struct {
		addr     string
		contains string // "" when valid
	}{
		{"ana@example.com", ""},
		{"Ana.Lima+shop@Example.COM", ""},
		{"o'brien@example.ie", ""},
		{"a!#$%&'*+-/=?^_`{|}~z@example.com", ""},
		{local64 + "@example.com", ""},
		{"a@" + label63 + ".com", ""},
		{"a@sub-domain.example.co.uk", ""},
		{"a@localhost", ""},
		{"ana@bücher.example", ""},
		{"ana@xn--bcher-kva.example", ""},
		{"josé@example.com", ""},
		{"用户@例子.广告", ""},
		{"a@[127.0.0.1]", "address literals"},
		{"a@[IPv6:::1]", "address literals"},
		{"a@127.0.0.1", "ends in a number"},
		{"a@-b.com", "hyphen"},
		{"a@b-.com", "hyphen"},
		{"a@b..com", "empty label"},
		{"a@.b.com", "empty label"},
		{"a@b.com.", "empty label"},
		{"a@example", "no dot"},
		{"a@" + strings.Repeat("b", 64) + ".com", "longer than 63"},
		{"a@b_c.com", "not allowed in a domain"},
		{strings.Repeat("a", 65) + "@example.com", "longer than 64"},
		{"a" + strings.Repeat("b", 60) + "@" + strings.Repeat(label63+".", 3) + "com", "at most 254"},
		// 154 octets as written, 284 once the domain is in ASCII (each
		// "ü" label is "xn--tda"): the limit is of the address as sent.
		{strings.Repeat("a", 64) + "@" + strings.Repeat("ü.", 26) + "example.com", "at most 254"},
		{`"a b"@example.com`, "quoted"},
		{`a\b@example.com`, "quoted"},
		{".a@example.com", "dot"},
		{"a.@example.com", "dot"},
		{"a..b@example.com", "dot"},
		{"a b@example.com", "not allowed"},
		{"a@b.com\r\nBcc: c@d.com", "more than one @"},
		{"a@b.com\r\n", "not allowed in a domain"},
		{"a\x00b@example.com", "not allowed"},
		{"ana\u202E@example.com", "not allowed"},
		{"ana@exam\u202Eple.com", "international domain"},
		{"ana@ex\xffample.com", "UTF-8"},
		{"jose\u0301@example.com", "normal form C"},
		{"Ana <ana@example.com>", "not allowed"},
		{"@example.com", "nothing before"},
		{"ana@", "nothing after"},
		{"ana", "no @"},
		{"", "no @"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			err := aftersale.ValidateEmail(tt.addr)
			if tt.contains == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not say %q", err, tt.contains)
			}
		})
	}
}

func TestNeedsSMTPUTF8(t *testing.T) {
	for addr, want := range map[string]bool{
		"ana@example.com":    false,
		"ana@bücher.example": false,
		"josé@example.com":   true,
		"用户@例子.广告":           true,
	} {
		if got := aftersale.NeedsSMTPUTF8(addr); got != want {
			t.Errorf("NeedsSMTPUTF8(%q) = %v", addr, got)
		}
	}
}

func TestEmailASCII(t *testing.T) {
	for addr, want := range map[string]string{
		"ana@example.com":     "ana@example.com",
		"Ana@Example.COM":     "Ana@example.com",
		"ana@bücher.example":  "ana@xn--bcher-kva.example",
		"josé@bücher.example": "josé@xn--bcher-kva.example",
	} {
		got, err := aftersale.EmailASCII(addr)
		if err != nil || got != want {
			t.Errorf("EmailASCII(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	if _, err := aftersale.EmailASCII("a@[127.0.0.1]"); err == nil {
		t.Error("an address literal converted")
	}
}

// FuzzValidateEmail checks that ValidateEmail never panics and that what
// it accepts is within RFC 5321's limits, free of what breaks headers, and
// convertible to an ASCII domain.
func FuzzValidateEmail(f *testing.F) {
	for _, s := range []string{"ana@example.com", "a@[127.0.0.1]", "a@-b.com", "josé@bücher.example", "a\"b@c.d", "a@b.c\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if aftersale.ValidateEmail(s) != nil {
			return
		}
		at := strings.LastIndexByte(s, '@')
		if !utf8.ValidString(s) || at < 1 || at > 64 || strings.ContainsAny(s, "\"\\ \t\r\n\x00<>[]()") {
			t.Fatalf("accepted %q", s)
		}
		a, err := aftersale.EmailASCII(s)
		if err != nil {
			t.Fatalf("accepted %q but EmailASCII: %v", s, err)
		}
		if len(a) > 254 {
			t.Fatalf("accepted %q, %d octets as sent", s, len(a))
		}
		if d := a[strings.LastIndexByte(a, '@')+1:]; strings.ContainsFunc(d, func(r rune) bool { return r >= utf8.RuneSelf }) {
			t.Fatalf("EmailASCII(%q) = %q", s, a)
		}
	})
}
