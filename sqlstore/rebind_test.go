package sqlstore

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestDollarRebind(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE id = ? AND b IN (?, ?)`, `SELECT a FROM t WHERE id = $1 AND b IN ($2, $3)`},
		{`SELECT '?', 'it''s ?', ?`, `SELECT '?', 'it''s ?', $1`},
		{`SELECT "odd?name", ? FROM t`, `SELECT "odd?name", $1 FROM t`},
		{`SELECT E'\'?', ?`, `SELECT E'\'?', $1`},
		{`SELECT e'a\\', ?`, `SELECT e'a\\', $1`},
		{`SELECT name'?', ?`, `SELECT name'?', $1`}, // not an E string: the quote closes at '?'
		{`SELECT $$?$$, $tag$ ? $tag$, ?`, `SELECT $$?$$, $tag$ ? $tag$, $1`},
		{"SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"},
		{`SELECT ? /* a ? /* nested ? */ still ? */, ?`, `SELECT $1 /* a ? /* nested ? */ still ? */, $2`},
		{`SELECT a$b, ?`, `SELECT a$b, $1`},
		{`SELECT '?`, `SELECT '?`}, // unterminated: left as it is
	} {
		var r Dollar
		if got := r.Rebind(c.in); got != c.want {
			t.Errorf("Rebind(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := r.Rebind(c.in); got != c.want { // from the cache
			t.Errorf("Rebind(%q) again = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDollarCacheBound(t *testing.T) {
	var r Dollar
	for i := range maxRebound + 10 {
		q := fmt.Sprintf("SELECT %d, ?", i)
		if got, want := r.Rebind(q), fmt.Sprintf("SELECT %d, $1", i); got != want {
			t.Fatalf("Rebind(%q) = %q", q, got)
		}
	}
	if n := r.n.Load(); n != maxRebound {
		t.Errorf("cached %d queries, want the bound %d", n, maxRebound)
	}
}

// listDialect is the part of a Dialect that In uses.
type listDialect struct {
	Dialect
	arrays bool
}

func (d listDialect) Arrays() bool { return d.arrays }

func TestIn(t *testing.T) {
	ids := []int64{3, 5, 8}
	cond, args := In(listDialect{arrays: true}, "id", ids)
	if cond != "id = ANY(?)" || len(args) != 1 || !slices.Equal(args[0].([]int64), ids) {
		t.Errorf("arrays: %q %v", cond, args)
	}
	cond, args = In(listDialect{}, "id", ids)
	if cond != "id IN (?, ?, ?)" || !slices.Equal(args, []any{int64(3), int64(5), int64(8)}) {
		t.Errorf("lists: %q %v", cond, args)
	}
	cond, args = In(listDialect{}, "id", []int64(nil))
	if cond != "false" || len(args) != 0 {
		t.Errorf("empty list: %q %v", cond, args)
	}
}

func BenchmarkDollarRebind(b *testing.B) {
	var r Dollar
	q := `SELECT id, title, body, match, permission, created_at, updated_at FROM stories WHERE id = ?`
	want := `SELECT id, title, body, match, permission, created_at, updated_at FROM stories WHERE id = $1`
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			if r.Rebind(q) != want {
				b.Fatal("wrong")
			}
		}
	})
	b.Run("rewrite", func(b *testing.B) {
		for b.Loop() {
			if dollar(q) != want {
				b.Fatal("wrong")
			}
		}
	})
}

// FuzzDollar: the rewrite never panics, leaves a query without ? as it is,
// and, in a query without quotes, dollars or comments, numbers every ? in
// order and changes nothing else.
func FuzzDollar(f *testing.F) {
	for _, s := range []string{`SELECT ?`, `SELECT '?', ?`, `$$?$$ ?`, "-- ?\n?", `/* ? /* ? */ */ ?`, `E'\'?'`, `'unclosed ?`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		got := dollar(q)
		if !strings.Contains(q, "?") && got != q {
			t.Fatalf("dollar(%q) = %q, want it unchanged", q, got)
		}
		if strings.ContainsAny(q, `'"$-/`) {
			return
		}
		var want strings.Builder
		n := 0
		for i := 0; i < len(q); i++ {
			if q[i] == '?' {
				n++
				fmt.Fprintf(&want, "$%d", n)
				continue
			}
			want.WriteByte(q[i])
		}
		if got != want.String() {
			t.Fatalf("dollar(%q) = %q, want %q", q, got, want.String())
		}
	})
}
