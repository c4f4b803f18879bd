package phone

import (
	"strings"
	"testing"
	"unicode"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		raw, region string
		e164, intl  string // "" when it is not a number to dial
	}{
		// Valid numbers libphonenumber knows, with and without a country code.
		{"+1 212 555 0100", "", "+12125550100", "+1 212-555-0100"},
		{"(212) 555-0100", "US", "+12125550100", "+1 212-555-0100"},
		{"212.555.0100", "", "+12125550100", "+1 212-555-0100"}, // "" is DefaultRegion, US
		{"+44 20 7946 0958", "US", "+442079460958", "+44 20 7946 0958"},
		{"020 7946 0958", "GB", "+442079460958", "+44 20 7946 0958"},
		{"020 7946 0958", "gb", "+442079460958", "+44 20 7946 0958"},
		{"+49 30 901820", "", "+4930901820", "+49 30 901820"},
		{"030 901820", "DE", "+4930901820", "+49 30 901820"},
		{"0049 30 901820", "DE", "+4930901820", "+49 30 901820"}, // the international prefix
		{"+4915123456789", "GB", "+4915123456789", "+49 1512 3456789"},
		// Extensions, the only letters a number may have.
		{"+1 212 555 0100 ext. 5", "", "+12125550100", "+1 212-555-0100 ext. 5"},
		{"(212) 555-0100 x12", "US", "+12125550100", "+1 212-555-0100 ext. 12"},
		{"020 7946 0958 extension 7", "GB", "+442079460958", "+44 20 7946 0958 x7"},
		// Digits only, of a possible length, in a range libphonenumber
		// does not list as assigned (the 555 examples): kept callable.
		{"+15551234567", "", "+15551234567", "+1 555-123-4567"},
		{"+1 555 555 0100", "DE", "+15555550100", "+1 555-555-0100"},
		// Not numbers to dial.
		{"+1 555 123 4567 ext 9", "", "+15551234567", "+1 555-123-4567 ext. 9"},
		// Not numbers to dial: spelled in words, even where the digits
		// they stand for form a valid number (+44 55 5555 7447 in GB,
		// +1 800-356-9377).
		{"555-555-SHIP", "US", "", ""},
		{"555-555-SHIP", "GB", "", ""},
		{"+1 800 FLOWERS", "", "", ""},
		{"x5", "US", "", ""},
		// Of a possible length but not valid, and what people type to get
		// past a form, or too short to dial from elsewhere.
		{"1234567890", "US", "", ""},
		{"(555) 555-5555", "US", "", ""},
		{"000-000-0000", "US", "", ""},
		{"+1 987 654 3210", "", "", ""},
		{"555 0100", "US", "", ""},
		{"030 901820", "US", "", ""}, // a German number read as American
		{"12", "US", "", ""},
		{"ask at the desk", "US", "", ""},
		{"", "US", "", ""},
		{"   ", "GB", "", ""},
		{"+999 1234 5678", "", "", ""},  // no such country code
		{"020 7946 0958", "XX", "", ""}, // no such region
		{"+" + strings.Repeat("1", 70), "", "", ""},
	} {
		n, ok := Parse(tc.raw, tc.region)
		if ok != (tc.e164 != "") || n.E164() != tc.e164 || n.International() != tc.intl {
			t.Errorf("Parse(%q, %q) = %q, %q, %v; want %q, %q", tc.raw, tc.region, n.E164(), n.International(), ok, tc.e164, tc.intl)
		}
		if Valid(tc.raw, tc.region) != ok || Format(tc.raw, tc.region) != tc.e164 {
			t.Errorf("Valid/Format(%q, %q) disagree with Parse", tc.raw, tc.region)
		}
	}
}

func TestKnownRegion(t *testing.T) {
	for region, want := range map[string]bool{"US": true, "gb": true, " DE ": true, "XX": false, "EU": false, "": false} {
		if got := KnownRegion(region); got != want {
			t.Errorf("KnownRegion(%q) = %v, want %v", region, got, want)
		}
	}
}

// FuzzParse checks that any input parses without a panic, and that a
// number found to be dialable has an E.164 form that reads back as the
// same number in any region.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"+1 212 555 0100", "020 7946 0958", "555-555-SHIP", "+15551234567", "0049 30 901820",
		"+1 800 FLOWERS", "tel:+1-212-555-0100", "12", "", "+", "++1", "(((", "+1 212 555 0100 ext. 5", "٠٢٠ ٧٩٤٦ ٠٩٥٨"} {
		f.Add(s, "US")
		f.Add(s, "GB")
	}
	f.Fuzz(func(t *testing.T, raw, region string) {
		n, ok := Parse(raw, region)
		e := n.E164()
		if !ok {
			if e != "" || Format(raw, region) != "" {
				t.Fatalf("%q is not dialable but formats as %q", raw, e)
			}
			return
		}
		if !strings.HasPrefix(e, "+") || strings.ContainsFunc(e[1:], func(r rune) bool { return !unicode.IsDigit(r) }) {
			t.Fatalf("%q: E.164 %q is not + and digits", raw, e)
		}
		again, ok := Parse(e, "GB")
		if !ok || again.E164() != e {
			t.Fatalf("%q: E.164 %q reads back as %q (%v)", raw, e, again.E164(), ok)
		}
	})
}
