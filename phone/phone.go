// Package phone reads customers' phone numbers with libphonenumber
// (github.com/nyaruka/phonenumbers): whether a number can be dialled, and
// its E.164 form for click-to-call links.
//
// A number written with a leading + (or the region's international
// prefix) carries its own country code; any other is read in the
// numbering plan of a default region, the country of the business.
package phone

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// DefaultRegion is the region used when none is given.
const DefaultRegion = "US"

// maxLen bounds what is parsed: no real number, even written with spaces,
// punctuation and an extension, is longer.
const maxLen = 64

// Number is a phone number that can be dialled.
type Number struct {
	num *phonenumbers.PhoneNumber
}

// Parse reads raw in region (an ISO 3166-1 alpha-2 code such as "US" or
// "GB"; "" means DefaultRegion) and reports whether it is a number that can
// be dialled. It must be written in digits (letters only in an extension,
// "ext. 5"), and libphonenumber must know it as a valid number of its
// country, or at least as one of a possible length there that needs no
// more digits to be dialled from elsewhere and is not a placeholder (one
// digit repeated, "0000000000", or a run, "1234567890"). Possible is
// enough because the metadata of assigned ranges lags behind the real
// plans, and the 555 numbers of examples ("+1 555 123 4567") must stay
// callable. A number spelled in words is never dialled: "555-555-SHIP" is
// a placeholder, not a customer's phone, even where its digits happen to
// form a valid number. Nor are "12" or "ask at the desk".
func Parse(raw, region string) (Number, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > maxLen || hasLetter(reExtension.ReplaceAllString(raw, "")) {
		return Number{}, false
	}
	region = strings.ToUpper(strings.TrimSpace(region))
	if region == "" {
		region = DefaultRegion
	}
	if strings.HasPrefix(raw, "+") {
		region = "" // the number names its country
	}
	num, err := phonenumbers.Parse(raw, region)
	if err != nil {
		return Number{}, false
	}
	if !phonenumbers.IsValidNumber(num) &&
		(phonenumbers.IsPossibleNumberWithReason(num) != phonenumbers.IS_POSSIBLE || placeholder(phonenumbers.GetNationalSignificantNumber(num))) {
		return Number{}, false
	}
	return Number{num: num}, true
}

// Valid reports whether raw is a number that can be dialled (see Parse).
func Valid(raw, region string) bool {
	_, ok := Parse(raw, region)
	return ok
}

// Format returns raw in E.164 ("+12125550100"), for tel: links; "" when it
// is not a number that can be dialled (see Parse).
func Format(raw, region string) string {
	n, ok := Parse(raw, region)
	if !ok {
		return ""
	}
	return n.E164()
}

// E164 returns the number as "+12125550100", without any extension.
func (n Number) E164() string {
	if n.num == nil {
		return ""
	}
	return phonenumbers.Format(n.num, phonenumbers.E164)
}

// International returns the number for people: "+1 212-555-0100",
// "+44 20 7946 0958", with the extension when it has one.
func (n Number) International() string {
	if n.num == nil {
		return ""
	}
	return phonenumbers.Format(n.num, phonenumbers.INTERNATIONAL)
}

// KnownRegion reports whether region is a region libphonenumber has a
// numbering plan for ("US", "gb"; not "XX" or "EU").
func KnownRegion(region string) bool {
	return phonenumbers.GetCountryCodeForRegion(strings.ToUpper(strings.TrimSpace(region))) != 0
}

// reExtension matches an extension at the end of a number: "ext. 5",
// "extension 12", "x 5".
var reExtension = regexp.MustCompile(`(?i)[\s,;]*(extension|ext\.?|x)\s*\d{1,7}\s*$`)

// hasLetter reports whether s has a letter: a number spelled in words
// ("SHIP") or not a number at all.
func hasLetter(s string) bool { return strings.ContainsFunc(s, unicode.IsLetter) }

// placeholder reports whether the digits of a national number are what
// people type to get past a form: one digit repeated, or a run up or down.
func placeholder(digits string) bool {
	if len(digits) < 2 {
		return true
	}
	same, up, down := true, true, true
	for i := 1; i < len(digits); i++ {
		d := int(digits[i]) - int(digits[i-1])
		same = same && d == 0
		up = up && (d == 1 || d == -9)
		down = down && (d == -1 || d == 9)
	}
	return same || up || down
}
