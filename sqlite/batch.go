package sqlite

import "strings"

// The IN lists of the SQLite-only statements (the inbox file's reads in
// inbox.go and returns_pending.go); the shared queries have theirs in
// package sqlstore (sqlstore/batch.go).

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
