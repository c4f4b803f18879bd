package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// maxCachedStmts bounds the statement cache; every query of this package is
// a constant, so the bound is only a guard.
const maxCachedStmts = 256

// stmtCache prepares each query once per pool. SQLite spends most of a
// small statement's time parsing and planning it; a prepared statement is
// kept per connection by database/sql and reused, inside transactions too.
//
// A query seen for the first time runs unprepared while it is prepared in
// the background: preparing takes a connection from the pool, and a
// transaction that waited for one while holding its own (and the write
// lock) could deadlock with the others.
type stmtCache struct {
	pool    *sql.DB
	mu      sync.Mutex
	m       map[string]*sql.Stmt
	pending map[string]bool
	closed  bool
	wg      sync.WaitGroup // background prepares
}

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: make(map[string]*sql.Stmt), pending: make(map[string]bool)}
}

// get returns the prepared statement for query, or nil while it is not
// prepared yet (the caller then runs the query unprepared).
func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if !c.closed && !c.pending[query] && len(c.m)+len(c.pending) < maxCachedStmts {
		c.pending[query] = true
		c.wg.Add(1)
		go c.prepare(query)
	}
	return nil
}

func (c *stmtCache) prepare(query string) {
	defer c.wg.Done()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := c.pool.PrepareContext(ctx, query)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.pending, query)
	switch {
	case err != nil:
		// Left unprepared; the query itself reports any error.
	case c.closed:
		st.Close()
	default:
		c.m[query] = st
	}
}

// close waits for the prepares under way and closes every prepared
// statement, so that no connection is left using the database file.
func (c *stmtCache) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = map[string]*sql.Stmt{}
}

// cachedQuerier runs queries as prepared statements from the cache, on the
// pool or, when tx is set, inside that transaction; with no cache, it runs
// them on base as they are. It is the sqlstore.Executor of the package
// (see dialect.go).
type cachedQuerier struct {
	cache *stmtCache // nil: no statement is prepared
	base  querier    // the pool or tx, for queries that could not be prepared
	tx    *sql.Tx
}

func (q cachedQuerier) stmt(ctx context.Context, query string) *sql.Stmt {
	if q.cache == nil {
		return nil
	}
	st := q.cache.get(query)
	if st == nil || q.tx == nil {
		return st
	}
	return q.tx.StmtContext(ctx, st)
}

func (q cachedQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.base.ExecContext(ctx, query, args...)
}

func (q cachedQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.base.QueryContext(ctx, query, args...)
}

func (q cachedQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.base.QueryRowContext(ctx, query, args...)
}
