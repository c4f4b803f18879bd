package aftersale

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// CheckJSONText refuses a JSON body that is not valid UTF-8 or that holds
// a \u escape of a lone UTF-16 surrogate ("\ud800"): encoding/json would
// silently turn either into U+FFFD, so that what is stored is not what was
// sent. The EINVALID *Error names the field that holds the first bad byte
// ("customer.name", "order.items[2].name"), or "body" when it is outside
// any field or the JSON is too broken to tell.
func CheckJSONText(data []byte) error {
	at, what := badText(data)
	if at < 0 {
		return nil
	}
	field, inKey := jsonPathAt(data, at)
	if inKey {
		return FieldError(field, "has a key that %s (byte %d of the body)", what, at+1)
	}
	return FieldError(field, "%s (byte %d of the body)", what, at+1)
}

// badText returns the offset of the first byte that is not valid UTF-8,
// or of the first escape of a lone surrogate inside a JSON string, and
// what is wrong there; -1 when there is none.
func badText(data []byte) (int, string) {
	if utf8.Valid(data) && !bytes.Contains(data, []byte(`\u`)) {
		return -1, ""
	}
	in := false
	for i := 0; i < len(data); {
		c := data[i]
		switch {
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				return i, "is not valid UTF-8"
			}
			i += size
			continue
		case c == '"':
			in = !in
		case c == '\\' && in && i+1 < len(data):
			if data[i+1] != 'u' {
				i += 2
				continue
			}
			r := hex4(data[i+2:])
			switch {
			case r >= 0xd800 && r <= 0xdbff:
				if len(data) < i+12 || data[i+6] != '\\' || data[i+7] != 'u' {
					return i, "holds a lone UTF-16 surrogate escape"
				}
				if lo := hex4(data[i+8:]); lo < 0xdc00 || lo > 0xdfff {
					return i, "holds a lone UTF-16 surrogate escape"
				}
				i += 12
				continue
			case r >= 0xdc00 && r <= 0xdfff:
				return i, "holds a lone UTF-16 surrogate escape"
			}
			i += 2
			continue
		}
		i++
	}
	return -1, ""
}

// hex4 reads four hex digits; -1 when they are not.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	n, err := strconv.ParseUint(string(b[:4]), 16, 16)
	if err != nil {
		return -1
	}
	return rune(n)
}

// jsonPathAt returns the path of the value in data that holds the byte at
// offset at, as Validate names fields ("order.items[2].name"), or "body"
// when it cannot tell. When the byte is in a key, the path is of the
// object holding the key (inKey): the key itself cannot name the field,
// being what is broken.
func jsonPathAt(data []byte, at int) (path string, inKey bool) {
	var stack []jsonLevel
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return "body", false
		}
		inside := int(dec.InputOffset()) > at
		n := len(stack)
		if s, ok := tok.(string); ok && n > 0 && stack[n-1].wantKey {
			if inside {
				return jsonPath(stack[:n-1]), true
			}
			stack[n-1].key, stack[n-1].wantKey = s, false
			continue
		}
		if inside {
			if _, ok := tok.(json.Delim); ok {
				return "body", false
			}
			return jsonPath(stack), false
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, jsonLevel{object: true, wantKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, jsonLevel{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:n-1]
		}
		// A value of the container around it is complete.
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].wantKey = true
			} else {
				stack[n-1].index++
			}
		}
	}
}

// jsonLevel is one open object or array while jsonPathAt walks a body.
type jsonLevel struct {
	object  bool
	wantKey bool   // an object's next string is a key
	key     string // an object's current key
	index   int    // an array's current element
}

// jsonPath names the value the open levels lead to, "body" at the top.
func jsonPath(stack []jsonLevel) string {
	var b []byte
	for _, l := range stack {
		switch {
		case !l.object:
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(l.index), 10)
			b = append(b, ']')
		case len(b) > 0:
			b = append(b, '.')
			fallthrough
		default:
			b = append(b, l.key...)
		}
	}
	if len(b) == 0 {
		return "body"
	}
	return string(b)
}
