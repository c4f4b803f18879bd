package sqlstore

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// maxRebound bounds the cache of a Dollar. The queries are constants, or
// built from a few optional conditions, so the bound is only a guard
// against a query built from values; past it, queries are rewritten every
// time.
const maxRebound = 4096

// Dollar rewrites ? placeholders into PostgreSQL's $1, $2, …, caching the
// rewritten form of each query. A ? in a string literal ('…', E'…'), a
// quoted identifier ("…"), a dollar-quoted string ($tag$…$tag$) or a
// comment (-- …, /* … */) is left as it is. The zero Dollar is ready for
// use, and safe for concurrent use.
type Dollar struct {
	m sync.Map // query → rewritten query
	n atomic.Int64
}

// Rebind returns query with its placeholders rewritten.
func (r *Dollar) Rebind(query string) string {
	if v, ok := r.m.Load(query); ok {
		return v.(string)
	}
	s := dollar(query)
	if r.n.Load() < maxRebound {
		if _, loaded := r.m.LoadOrStore(query, s); !loaded {
			r.n.Add(1)
		}
	}
	return s
}

// dollar rewrites the placeholders of query.
func dollar(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); {
		c := query[i]
		end := i + 1 // the end of the token starting at i
		switch {
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			i = end
			continue
		case c == '\'':
			backslash := i > 0 && (query[i-1] == 'E' || query[i-1] == 'e') && (i < 2 || !identChar(query[i-2]))
			end = quoted(query, i, '\'', backslash)
		case c == '"':
			end = quoted(query, i, '"', false)
		case c == '-' && strings.HasPrefix(query[i:], "--"):
			if j := strings.IndexByte(query[i:], '\n'); j >= 0 {
				end = i + j + 1
			} else {
				end = len(query)
			}
		case c == '/' && strings.HasPrefix(query[i:], "/*"):
			end = blockComment(query, i)
		case c == '$' && (i == 0 || !identChar(query[i-1])):
			end = dollarQuoted(query, i)
		}
		b.WriteString(query[i:end])
		i = end
	}
	return b.String()
}

// quoted returns the end of the quoted token starting at i with quote; a
// doubled quote stands for itself, and so does a quote after a backslash
// when backslash (an E'…' string). An unterminated token runs to the end.
func quoted(s string, i int, quote byte, backslash bool) int {
	for j := i + 1; j < len(s); j++ {
		switch {
		case backslash && s[j] == '\\':
			j++
		case s[j] == quote:
			if j+1 < len(s) && s[j+1] == quote {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(s)
}

// blockComment returns the end of the comment starting at i; comments
// nest, as in PostgreSQL.
func blockComment(s string, i int) int {
	depth := 0
	for j := i; j+1 < len(s); j++ {
		switch {
		case s[j] == '/' && s[j+1] == '*':
			depth++
			j++
		case s[j] == '*' && s[j+1] == '/':
			depth--
			j++
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(s)
}

// dollarQuoted returns the end of the dollar-quoted string starting at i,
// or i+1 when the $ there does not start one (a $1 placeholder, say).
func dollarQuoted(s string, i int) int {
	j := i + 1
	for j < len(s) && identChar(s[j]) && s[j] != '$' {
		j++
	}
	if j >= len(s) || s[j] != '$' || (j > i+1 && s[i+1] >= '0' && s[i+1] <= '9') {
		return i + 1
	}
	tag := s[i : j+1]
	if k := strings.Index(s[j+1:], tag); k >= 0 {
		return j + 1 + k + len(tag)
	}
	return len(s)
}

// identChar reports whether c may be part of an identifier.
func identChar(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}
