package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// inChunk is the most keys one IN list carries where the dialect has no
// arrays: SQLite limits the parameters of a statement, and a statement far
// below the limit costs about as much per key.
const inChunk = 500

// inSize is the length to which an IN list of n keys is padded: one of a
// few sizes, so that a statement cache sees a few query texts per query
// rather than one per length.
func inSize(n int) int {
	size := 1
	for size < n {
		size *= 4
	}
	return min(size, inChunk)
}

// InChunk is inChunk, for the statements the dialect packages write
// themselves (SQLite's inbox file).
const InChunk = inChunk

// InList is inList, for the statements the dialect packages write
// themselves (SQLite's inbox file).
func InList[K any](keys []K) (marks string, args []any) { return inList(keys) }

// inList returns the placeholders of an IN list of the keys, padded to
// inSize by repeating the last key (which matches no row twice), and the
// arguments to go with them. keys must not be empty nor longer than inChunk.
func inList[K any](keys []K) (marks string, args []any) {
	size := inSize(len(keys))
	args = make([]any, size)
	for i := range args {
		args[i] = keys[min(i, len(keys)-1)]
	}
	return "?" + strings.Repeat(", ?", size-1), args
}

// sortedKeys returns the keys sorted and without repeats, leaving keys as
// they are.
func sortedKeys[K cmp.Ordered](keys []K) []K {
	keys = slices.Clone(keys)
	slices.Sort(keys)
	return slices.Compact(keys)
}

// selectIn returns the rows of the query made of head, the condition that
// col is one of keys, and tail (an ORDER BY …). Where the dialect has
// arrays, that is one statement with col = ANY(?) and the keys as one
// argument. Otherwise the keys go in sorted and without repeats, inChunk
// at a time, as padded IN lists (inList), so that rows ordered by col in
// tail are in that order overall; more than one statement runs in one read
// transaction, so that all of them see one snapshot. No keys: no
// statement, no rows.
func selectIn[T any, K cmp.Ordered](ctx context.Context, q *Queries, scan func(Row) (*T, error),
	head, col, tail string, keys []K) ([]*T, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	if q.d.Arrays() {
		return listRows(ctx, q, scan, head+col+" = ANY(?)"+tail, keys)
	}
	keys = sortedKeys(keys)
	var list []*T
	run := func(q *Queries) error {
		for chunk := range slices.Chunk(keys, inChunk) {
			marks, args := inList(chunk)
			rows, err := listRows(ctx, q, scan, head+col+" IN ("+marks+")"+tail, args...)
			if err != nil {
				return err
			}
			list = append(list, rows...)
		}
		return nil
	}
	var err error
	if len(keys) <= inChunk {
		err = run(q)
	} else {
		err = q.atomic(ctx, true, run)
	}
	if err != nil {
		return nil, err
	}
	return list, nil
}

// exists reports whether the table has a row with the id; table is a
// constant.
func (q *Queries) exists(ctx context.Context, table string, id int64) (bool, error) {
	var ok bool
	err := q.row(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+` WHERE id = ?)`, id).Scan(&ok)
	return ok, err
}

// nullID encodes an optional reference: 0 is NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// idScanner scans an optional reference, NULL being 0. It is a
// database/sql Scanner, which pgx takes as well.
type idScanner struct{ id *int64 }

// optID returns a scanner for a nullable reference column.
func optID(id *int64) idScanner { return idScanner{id} }

// Scan implements sql.Scanner.
func (s idScanner) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*s.id = 0
	case int64:
		*s.id = v
	default:
		return fmt.Errorf("reference column holds %T, not an integer", v)
	}
	return nil
}
