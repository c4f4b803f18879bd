package smtp

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aftersale/aftersale"
)

// The rules for header text, so that every header line stays within RFC
// 5322's 998 characters and no customer-supplied text reads as something
// else in a mail client.
const (
	// maxLine is RFC 5322's limit on a header line, CRLF not counted.
	maxLine = 998
	// maxNameRunes is how much of a display name is kept: enough for any
	// real name, short enough that the quoted (each '"' escaped) or
	// encoded name, the address and the field name fit a line.
	maxNameRunes = 100
	// maxPlainWord is the longest run of non-space characters a Subject
	// keeps as plain text; a longer one (a very long item name) makes the
	// Subject encoded, which splits it into encoded words that fold.
	maxPlainWord = 75
	// maxEncodedWord is RFC 2047's limit on one encoded word.
	maxEncodedWord = 75
)

// errBadAddress marks an address Compose cannot use. It is about the data
// (and is caught at the door), not a malformed message of ours.
var errBadAddress = errors.New("not a usable email address")

// IsBadAddress reports whether an error of Compose or Render is about an
// address of the message (the data), rather than a message of ours that
// cannot be built (a bug).
func IsBadAddress(err error) bool { return errors.Is(err, errBadAddress) }

// mailAddress returns a as a net/mail.Address for go-mail: the display name
// cleaned by displayName (net/mail's String then quotes it, escaping '"'
// and '\', or RFC 2047-encodes it when it is not ASCII), and the address
// checked, with an international domain turned into its ASCII form
// (A-labels, "xn--…") so that only a non-ASCII local part still needs
// SMTPUTF8.
func mailAddress(a aftersale.Address) (*mail.Address, error) {
	addr, err := envelopeAddress(a.Email)
	if err != nil {
		return nil, err
	}
	return &mail.Address{Name: displayName(a.Name), Address: addr}, nil
}

// envelopeAddress checks that s is one bare address of at most 254 bytes
// and returns it with its domain in ASCII: a Unicode domain becomes its
// A-labels by aftersale.EmailASCII, which checks the whole address as the
// door does; an ASCII one is kept as it is, so that an address stored
// before the door's rules still gets its mail.
func envelopeAddress(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("no address: %w", errBadAddress)
	}
	p, err := mail.ParseAddress(s)
	if err != nil || p.Address != s || p.Name != "" || len(s) > 254 {
		return "", fmt.Errorf("%q: %w", s, errBadAddress)
	}
	if at := strings.LastIndexByte(s, '@'); !isASCII(s[at+1:]) {
		ascii, err := aftersale.EmailASCII(s)
		if err != nil {
			return "", fmt.Errorf("%v: %w", err, errBadAddress)
		}
		return ascii, nil
	}
	return s, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// displayName makes s fit to show as a display name. Invalid UTF-8 becomes
// U+FFFD; line breaks, tabs and runs of spaces become one space; other
// control characters and the bidirectional overrides and isolates (which
// could make the name show in a different order) are dropped; text that
// looks like the start of an RFC 2047 encoded word ("=?") gets a space
// after its '=', so that no mail client decodes a name the customer typed
// as if it were encoded (net/mail quotes an ASCII name, and RFC 2047 words
// are not decoded in quotes, but some clients decode them anyway); and the
// name is cut to maxNameRunes runes, at a space when one is near the end.
// Quotes and backslashes are kept: net/mail's String escapes them (but a
// backslash in a name beyond ASCII becomes U+FF3C, see below).
func displayName(s string) string {
	s = cleanText(s)
	if utf8.RuneCountInString(s) > maxNameRunes {
		cut, n := s, 0
		for i := range s {
			if n == maxNameRunes {
				cut = s[:i]
				break
			}
			n++
		}
		if sp := strings.LastIndexByte(cut, ' '); sp > len(cut)*3/4 {
			cut = cut[:sp]
		}
		s = strings.TrimSpace(cut)
	}
	if !isASCII(s) {
		// net/mail's String Q-encodes such a name with a backslash left
		// as it is, which RFC 2047 does not allow there and net/mail's own
		// parser refuses; a full-width one looks the same.
		s = strings.ReplaceAll(s, `\`, "\uFF3C")
	}
	return strings.ReplaceAll(s, "=?", "= ?")
}

// cleanText makes s one line of showable text: valid UTF-8, line breaks
// and tabs as spaces, runs of spaces as one, control characters and
// bidirectional controls dropped, trimmed.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r) || isBidiControl(r):
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// isBidiControl reports whether r is one of the explicit bidirectional
// formatting characters (embeddings, overrides, isolates, U+202A-U+202E and
// U+2066-U+2069).
func isBidiControl(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

// subjectText returns the Subject's field body: s cleaned as cleanText
// does, plain when it is printable ASCII without "=?" and without a word
// longer than maxPlainWord characters, and otherwise RFC 2047 Q-encoded
// whole, as encoded words of at most 75 characters separated by spaces, so
// that the header folds between them. Encoding also keeps "=?" that was
// part of the text (an item or customer name) from being decoded as an
// encoded word: decoded, the Subject reads exactly as s.
func subjectText(s string) string {
	s = cleanText(s)
	if !needsEncoding(s) {
		return s
	}
	return qEncode(s)
}

func needsEncoding(s string) bool {
	if !isASCII(s) || strings.Contains(s, "=?") {
		return true
	}
	for _, w := range strings.Split(s, " ") {
		if len(w) > maxPlainWord {
			return true
		}
	}
	return false
}

// qEncode encodes s (valid UTF-8) as RFC 2047 "Q" encoded words in UTF-8,
// as mime.QEncoding does, but also when s is ASCII, and never splitting a
// character across words.
func qEncode(s string) string {
	const prefix, suffix = "=?UTF-8?q?", "?="
	const room = maxEncodedWord - len(prefix) - len(suffix)
	var out, word strings.Builder
	flush := func() {
		if word.Len() == 0 {
			return
		}
		if out.Len() > 0 {
			out.WriteByte(' ')
		}
		out.WriteString(prefix + word.String() + suffix)
		word.Reset()
	}
	var enc []byte
	for _, r := range s {
		enc = enc[:0]
		var buf [utf8.UTFMax]byte
		for _, c := range buf[:utf8.EncodeRune(buf[:], r)] {
			switch {
			case c == ' ':
				enc = append(enc, '_')
			case c > ' ' && c <= '~' && c != '=' && c != '?' && c != '_':
				enc = append(enc, c)
			default:
				enc = append(enc, '=', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&0xF])
			}
		}
		if word.Len()+len(enc) > room {
			flush()
		}
		word.Write(enc)
	}
	flush()
	return out.String()
}

// foldable reports whether go-mail can write the header name: value within
// maxLine characters a line: it folds only at spaces, so no word may be
// longer than a line.
func foldable(name, value string) bool {
	for i, w := range strings.Split(value, " ") {
		limit := maxLine - 1 // a folded line starts with a space
		if i == 0 {
			limit = maxLine - len(name) - 2
		}
		if len(w) > limit {
			return false
		}
	}
	return true
}
