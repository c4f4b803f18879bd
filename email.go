package aftersale

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// The limits of RFC 5321 (section 4.5.3.1) on an address, in octets.
const (
	maxEmail      = 254 // the whole address, as a forward-path allows
	maxLocalPart  = 64
	maxLabel      = 63
	maxDomainName = 253
)

// idnaProfile checks internationalised domain names as registries do:
// IDNA2008 without mapping, the bidi and joiner rules, DNS lengths.
var idnaProfile = idna.New(idna.ValidateForRegistration(), idna.StrictDomainName(true))

// ValidateEmail checks that s is one bare email address (no display name)
// that aftersale can send to. The rule (RFC 5321 and RFC 6531):
//
//   - local-part@domain, the whole at most 254 octets as sent (with the
//     domain in its ASCII form, see EmailASCII);
//   - the local part is a dot-atom of at most 64 octets: letters, digits
//     and ! # $ % & ' * + - / = ? ^ _ ` { | } ~, dots between them (not
//     first, last or two in a row); quoted local parts ("a b"@x) are
//     refused. Letters, marks and digits beyond ASCII are allowed (written
//     in Unicode NFC): such an address needs a mail server that speaks
//     SMTPUTF8 (see NeedsSMTPUTF8);
//   - the domain is a host name with at least one dot (or "localhost"):
//     labels of 1 to 63 letters, digits and hyphens, not starting or
//     ending with a hyphen, the last not all digits. Address literals
//     (a@[127.0.0.1]) are refused. A Unicode domain (bücher.example) is
//     allowed when it is a valid IDNA2008 name; it is sent as its ASCII
//     form (xn--bcher-kva.example, see EmailASCII), so it needs no
//     SMTPUTF8;
//   - no white space, control or bidirectional control characters
//     anywhere, and valid UTF-8.
//
// Errors are plain: the caller names the field.
func ValidateEmail(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	if len(s) > 4*maxEmail { // no address this long can fit once converted
		return fmt.Errorf("must be at most %d characters", maxEmail)
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return fmt.Errorf("%q is not an email address (no @)", s)
	}
	local, domain := s[:at], s[at+1:]
	if err := checkLocalPart(local); err != nil {
		return fmt.Errorf("%q is not an email address: %w", s, err)
	}
	d, err := asciiDomain(domain)
	if err != nil {
		return fmt.Errorf("%q is not an email address: %w", s, err)
	}
	// The limit is of the address as it is sent: with its domain in ASCII,
	// which for a Unicode domain is often longer than what was written.
	if len(local)+1+len(d) > maxEmail {
		return fmt.Errorf("must be at most %d characters (with the domain in its ASCII form)", maxEmail)
	}
	return nil
}

// NeedsSMTPUTF8 reports whether the address has a local part beyond
// ASCII, which only a mail server that announces SMTPUTF8 (RFC 6531) may
// be given; a Unicode domain alone does not need it (see EmailASCII).
func NeedsSMTPUTF8(addr string) bool {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		at = len(addr)
	}
	for i := 0; i < at; i++ {
		if addr[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// EmailASCII returns a valid address (ValidateEmail) with its domain in
// ASCII: a Unicode domain becomes its A-labels (ana@bücher.example →
// ana@xn--bcher-kva.example), an ASCII one is lower-cased. The local part
// is kept as it is. The error is ValidateEmail's.
func EmailASCII(addr string) (string, error) {
	if err := ValidateEmail(addr); err != nil {
		return "", err
	}
	at := strings.LastIndexByte(addr, '@')
	d, err := asciiDomain(addr[at+1:])
	if err != nil {
		return "", err
	}
	return addr[:at+1] + d, nil
}

// atext are the ASCII characters of a dot-atom besides letters and digits
// (RFC 5322 section 3.2.3).
const atext = "!#$%&'*+-/=?^_`{|}~"

// checkLocalPart checks the part of an address before the @.
func checkLocalPart(local string) error {
	switch {
	case local == "":
		return errors.New("nothing before the @")
	case len(local) > maxLocalPart:
		return fmt.Errorf("the part before the @ is longer than %d characters", maxLocalPart)
	case local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, ".."):
		return errors.New("a dot at the start or end of the part before the @, or two in a row")
	}
	for _, c := range local {
		switch {
		case c == '.', c < utf8.RuneSelf && (isLetterDigit(byte(c)) || strings.ContainsRune(atext, c)):
		case c == '"' || c == '\\':
			return errors.New("quoted local parts are not accepted")
		case c == '@':
			return errors.New("more than one @")
		case c < utf8.RuneSelf:
			return fmt.Errorf("%q is not allowed before the @", c)
		case unicode.IsLetter(c) || unicode.IsMark(c) || unicode.IsDigit(c):
		default:
			return fmt.Errorf("%U is not allowed before the @", c)
		}
	}
	if !norm.NFC.IsNormalString(local) {
		return errors.New("the part before the @ is not in Unicode normal form C")
	}
	return nil
}

// asciiDomain checks the part of an address after the @ and returns it in
// ASCII, lower-cased.
func asciiDomain(domain string) (string, error) {
	if domain == "" {
		return "", errors.New("nothing after the @")
	}
	if domain[0] == '[' {
		return "", errors.New("address literals such as [127.0.0.1] are not accepted")
	}
	d := strings.ToLower(domain)
	if !isASCII(d) {
		a, err := idnaProfile.ToASCII(d)
		if err != nil {
			return "", errors.New("the domain is not a valid international domain name")
		}
		d = a
	}
	if len(d) > maxDomainName {
		return "", fmt.Errorf("the domain is longer than %d characters", maxDomainName)
	}
	if d == "localhost" {
		return d, nil
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "", errors.New("the domain has no dot")
	}
	for _, l := range labels {
		if err := checkLabel(l); err != nil {
			return "", err
		}
		if strings.HasPrefix(l, "xn--") {
			if _, err := idnaProfile.ToUnicode(l); err != nil {
				return "", fmt.Errorf("the domain label %q is not valid punycode", l)
			}
		}
	}
	if last := labels[len(labels)-1]; strings.Trim(last, "0123456789") == "" {
		return "", errors.New("the domain ends in a number (IP addresses are not accepted)")
	}
	return d, nil
}

// checkLabel checks one ASCII label of a host name (RFC 1123).
func checkLabel(l string) error {
	switch {
	case l == "":
		return errors.New("the domain has an empty label (two dots in a row, or a dot at an end)")
	case len(l) > maxLabel:
		return fmt.Errorf("a label of the domain is longer than %d characters", maxLabel)
	case l[0] == '-' || l[len(l)-1] == '-':
		return fmt.Errorf("the domain label %q starts or ends with a hyphen", l)
	}
	for i := 0; i < len(l); i++ {
		if !isLetterDigit(l[i]) && l[i] != '-' {
			return fmt.Errorf("%q is not allowed in a domain", rune(l[i]))
		}
	}
	return nil
}

func isLetterDigit(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
