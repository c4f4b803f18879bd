package bounce

import (
	"bytes"
	"strings"
)

// field is one "Name: value" line, unfolded; name is lower-cased.
type field struct{ name, value string }

// fields is a block of fields: a message header, or one group of a
// delivery-status report.
type fields []field

// get returns the value of the first field called name (lower case).
func (fs fields) get(name string) string {
	for _, f := range fs {
		if f.name == name {
			return f.value
		}
	}
	return ""
}

// all returns the values of every field called name (lower case).
func (fs fields) all(name string) []string {
	var out []string
	for _, f := range fs {
		if f.name == name {
			out = append(out, f.value)
		}
	}
	return out
}

// fieldGroups reads blocks of fields separated by blank lines, as in a
// message/delivery-status body (RFC 3464: the per-message fields, then one
// block per recipient). It is lenient: lines that are not fields are
// skipped, and empty blocks are left out.
func fieldGroups(b []byte) []fields { return readGroups(b, -1) }

// headerFields reads the header of a message or of a header-only part.
func headerFields(b []byte) fields {
	if gs := readGroups(b, 1); len(gs) > 0 {
		return gs[0]
	}
	return nil
}

// readGroups reads up to max groups (all when max < 0).
func readGroups(b []byte, max int) []fields {
	var groups []fields
	var cur fields
	flush := func() {
		if len(cur) > 0 {
			groups = append(groups, cur)
			cur = nil
		}
	}
	for len(b) > 0 && (max < 0 || len(groups) < max) {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		line = bytes.TrimRight(line, "\r")
		switch {
		case len(bytes.TrimSpace(line)) == 0:
			flush()
		case line[0] == ' ' || line[0] == '\t':
			if len(cur) > 0 { // a folded continuation
				cur[len(cur)-1].value += " " + strings.TrimSpace(string(line))
			}
		default:
			name, value, ok := bytes.Cut(line, []byte(":"))
			name = bytes.TrimSpace(name)
			if !ok || len(name) == 0 || bytes.ContainsAny(name, " \t") {
				continue // not a field
			}
			cur = append(cur, field{name: strings.ToLower(string(name)), value: strings.TrimSpace(string(value))})
		}
	}
	if max < 0 || len(groups) < max {
		flush()
	}
	return groups
}

// recipientGroups splits groups in which a sender left out the blank line
// between two recipients: a second Final-Recipient (or Original-Recipient)
// starts the next one.
func recipientGroups(gs []fields) []fields {
	var out []fields
	for _, g := range gs {
		start := 0
		final, original := false, false
		for i, f := range g {
			switch f.name {
			case "final-recipient":
				if final {
					out = append(out, g[start:i])
					start, original = i, false
				}
				final = true
			case "original-recipient":
				if original {
					out = append(out, g[start:i])
					start, final = i, false
				}
				original = true
			}
		}
		out = append(out, g[start:])
	}
	return out
}
