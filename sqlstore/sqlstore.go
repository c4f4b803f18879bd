// Package sqlstore is the one implementation of the aftersale.Store methods
// for both databases, SQLite (package sqlite) and PostgreSQL (package
// postgres). Each method is written once, with ? placeholders, over an
// Executor (a pool or a transaction of the driver) and a Dialect, which
// holds what really differs between the two: the placeholders, the time
// codec, IN lists against arrays, row locks, and what the driver's errors
// mean. See docs/store.md.
//
// The packages sqlite and postgres embed a *Queries in their own queries
// type, built with their executor and dialect, so that the methods written
// here are promoted to their DB and Tx; a method ported here is deleted
// there.
package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

// Executor runs statements on a pool or in a transaction. The query has
// the dialect's placeholders already (Queries rebinds it).
type Executor interface {
	// Exec runs a statement and returns the number of rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	// Query runs a query returning rows; the caller closes them.
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// QueryRow runs a query returning at most one row; its error, and
	// the missing row (Dialect.NoRows), come with Scan.
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Rows is the result of Executor.Query; *sql.Rows is one.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// Row is the result of Executor.QueryRow, or one row of Rows.
type Row interface {
	Scan(dest ...any) error
}

// Lock is a row lock taken by a SELECT, where the database has them.
type Lock int

// The row locks of Dialect.Lock.
const (
	// LockKeyShare keeps the row from being deleted or its key changed
	// until the transaction ends (what a foreign key check takes).
	LockKeyShare Lock = iota + 1
	// LockUpdate keeps the row from being changed or locked by others.
	LockUpdate
	// LockUpdateSkipLocked is LockUpdate that skips the rows another
	// transaction has locked instead of waiting for them.
	LockUpdateSkipLocked
)

// Dialect is what differs between the databases, for the one
// implementation. Package sqlite and package postgres each have one, in
// their dialect.go.
type Dialect interface {
	// Name is "sqlite" or "postgres"; errors start with it.
	Name() string
	// Rebind rewrites the ? placeholders of query into the database's
	// own (PostgreSQL: $1, $2, …). It is called on every statement, so it
	// caches what it rewrites.
	Rebind(query string) string
	// Time encodes a time for a NOT NULL column.
	Time(t time.Time) any
	// NullTime encodes a time for a nullable column: the zero time is
	// NULL.
	NullTime(t time.Time) any
	// ScanTime returns the scan target of a time column, NULL or not (NULL
	// scans as the zero time); times come back in UTC.
	ScanTime(t *time.Time) any
	// Arrays reports whether a list of values is passed as one array
	// argument (col = ANY(?), PostgreSQL) rather than one argument per
	// value (col IN (?, ?, …), SQLite); see In.
	Arrays() bool
	// Lock returns the clause that takes the row lock, appended to a
	// SELECT; "" where one write transaction runs at a time (SQLite).
	Lock(l Lock) string
	// NoRows reports whether err says that QueryRow found no row.
	NoRows(err error) bool
	// Unique reports whether err is the violation of a unique index or
	// primary key.
	Unique(err error) bool
	// Unavailable turns the errors that say the database cannot take
	// the write now (a full disk, …) into aftersale.EUNAVAILABLE, keeping
	// the driver's error in the chain; any other error is returned as it
	// is.
	Unavailable(err error) error
	// LockOf is Lock taken on the rows of one table of a join only (its
	// name or alias), the other tables' rows being left unlocked; "" where
	// Lock is.
	LockOf(l Lock, table string) string
	// Bool is the literal of a boolean as the database spells it in its
	// partial indexes ("1"/"0" on SQLite, "true"/"false" on PostgreSQL),
	// for a condition the planner must match to an index's WHERE.
	Bool(b bool) string
	// OneOf returns the condition that col is one of vals, with vals bound
	// as one argument whatever their number, so that the statement does
	// not depend on it: col IN (SELECT value FROM json_each(?)) and JSON
	// text on SQLite, col = ANY(?) and the array on PostgreSQL.
	OneOf(col string, vals []string) (cond string, arg any)
	// ArrayAgg reports whether a query can aggregate a column into an
	// array (array_agg) that scans into a Go slice, so that rows and their
	// children are read in one statement (PostgreSQL); without it
	// (SQLite), the children come from a second statement in the same read
	// transaction.
	ArrayAgg() bool
	// Mentions returns the condition that the bytes column col (a JSON
	// payload) holds the one argument, a lower-cased string, as a JSON
	// string (quotes included, so that diana@example.com is not
	// ana@example.com), in any ASCII case; the condition has one ?
	// placeholder.
	Mentions(col string) string
}

// TxFunc runs fn in a new transaction, read-only where the database can
// take advantage of it: committed when fn returns nil, rolled back when it
// returns an error (returned through the dialect's Unavailable) or panics.
type TxFunc func(ctx context.Context, readOnly bool, fn func(q *Queries) error) error

// Queries implements the aftersale.Queries methods written once, on a
// pool or in a transaction.
type Queries struct {
	x     Executor
	d     Dialect
	begin TxFunc // nil inside a transaction
}

// New returns the queries run by x in dialect d. begin opens a
// transaction when x is a pool; it is nil when x is a transaction.
func New(x Executor, d Dialect, begin TxFunc) *Queries {
	return &Queries{x: x, d: d, begin: begin}
}

// exec runs a statement written with ? placeholders.
func (q *Queries) exec(ctx context.Context, query string, args ...any) (int64, error) {
	return q.x.Exec(ctx, q.d.Rebind(query), args...)
}

// query runs a query written with ? placeholders.
func (q *Queries) query(ctx context.Context, query string, args ...any) (Rows, error) {
	return q.x.Query(ctx, q.d.Rebind(query), args...)
}

// row runs a one-row query written with ? placeholders.
func (q *Queries) row(ctx context.Context, query string, args ...any) Row {
	return q.x.QueryRow(ctx, q.d.Rebind(query), args...)
}

// t, nt and ts are the dialect's time codec, short for the queries.
func (q *Queries) t(t time.Time) any               { return q.d.Time(t) }
func (q *Queries) nt(t time.Time) any              { return q.d.NullTime(t) }
func (q *Queries) ts(t *time.Time) any             { return q.d.ScanTime(t) }
func (q *Queries) noRows(err error) bool           { return q.d.NoRows(err) }
func (q *Queries) lock(l Lock) string              { return q.d.Lock(l) }
func (q *Queries) wrap(op string, err error) error { return wrap(q.d, op, err) }

// atomic runs fn in a transaction: a new one when q is on the pool (a
// read-only one when readOnly, so that the reads see one snapshot), or
// the one q is in.
func (q *Queries) atomic(ctx context.Context, readOnly bool, fn func(q *Queries) error) error {
	if q.begin == nil {
		return fn(q)
	}
	return q.begin(ctx, readOnly, fn)
}

// wrap turns a driver error into an internal error naming the database
// and the operation; domain errors pass as they are. A missing row is
// ENOTFOUND where the methods expect one; anywhere else (a row that
// vanished) it is internal, and the driver's no-rows error is not kept in
// the chain, so that no caller takes it for a not-found.
func wrap(d Dialect, op string, err error) error {
	if err == nil {
		return nil
	}
	var e *aftersale.Error
	if errors.As(err, &e) {
		return err
	}
	if d.NoRows(err) {
		return fmt.Errorf("%s: %s: unexpected: %v", d.Name(), op, err)
	}
	return d.Unavailable(fmt.Errorf("%s: %s: %w", d.Name(), op, err))
}

// notFound is the ENOTFOUND error for a missing row.
func notFound(what string, key any) error {
	return aftersale.Errorf(aftersale.ENOTFOUND, "%s %v not found", what, key)
}

// listRows runs a query written with ? placeholders and scans every row
// with scan.
func listRows[T any](ctx context.Context, q *Queries, scan func(Row) (*T, error), query string, args ...any) ([]*T, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, nil
}

// In returns the condition that col is one of vals, with its arguments:
// "col = ANY(?)" and vals as one array argument where the dialect has
// arrays, "col IN (?, ?, …)" and one argument per value otherwise (keep
// the lists of SQLite to a few hundred values a statement, each length
// being a statement of its own). No value matches no row.
func In[T any](d Dialect, col string, vals []T) (string, []any) {
	if d.Arrays() {
		return col + " = ANY(?)", []any{vals}
	}
	if len(vals) == 0 {
		return "false", nil
	}
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	return col + " IN (?" + strings.Repeat(", ?", len(vals)-1) + ")", args
}

// emailKey is the form in which emails are compared.
func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// DefaultLimit is the number of rows the listing methods return when their
// limit is 0 or less (the 500 of aftersale.TaskFilter).
const DefaultLimit = 500

// InTxer is an Executor on a pool that can also run fn in one transaction
// of that pool, committed when fn returns nil and rolled back otherwise:
// for the methods of Store that change more than one table at once. Both
// packages' pool executors are InTxers.
type InTxer interface {
	InTx(ctx context.Context, fn func(x Executor) error) error
}

// LockNoKeyUpdate keeps the row from being changed or locked by others,
// like LockUpdate, but not from being referred to: a foreign key check on
// it (LockKeyShare) does not wait for it.
const LockNoKeyUpdate Lock = LockUpdateSkipLocked + 1
