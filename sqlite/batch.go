package sqlite

import (
	"cmp"
	"context"
	"slices"
	"strings"
)

// inChunk is the most keys one IN list carries: SQLite limits the
// parameters of a statement, and a statement far below the limit costs
// about as much per key.
const inChunk = 500

// inSize is the length to which an IN list of n keys is padded: one of a
// few sizes, so that the statement cache sees a few query texts per query
// rather than one per length (it is bounded, and a query first seen once
// it is full is never prepared).
func inSize(n int) int {
	size := 1
	for size < n {
		size *= 4
	}
	return min(size, inChunk)
}

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

// selectIn runs the query made of head, an IN list of placeholders and
// tail for the keys, inChunk keys at a time, and returns the rows of all
// the statements one after another. The keys go in sorted and without
// repeats, so that rows ordered by the key in tail are in that order
// overall. More than one statement runs in one read transaction, so that
// all of them see one snapshot. No keys: no statement, no rows.
func selectIn[T any, K cmp.Ordered](ctx context.Context, q *queries, scan func(scanner) (*T, error),
	head, tail string, keys []K) ([]*T, error) {
	keys = sortedKeys(keys)
	var list []*T
	run := func(q *queries) error {
		for chunk := range slices.Chunk(keys, inChunk) {
			marks, args := inList(chunk)
			rows, err := listRows(ctx, q.q, scan, head+marks+tail, args...)
			if err != nil {
				return err
			}
			list = append(list, rows...)
		}
		return nil
	}
	var err error
	switch {
	case len(keys) == 0:
	case len(keys) <= inChunk:
		err = run(q)
	default:
		err = q.atomic(ctx, true, run)
	}
	if err != nil {
		return nil, err
	}
	return list, nil
}
