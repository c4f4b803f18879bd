package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"runtime"
	"sync/atomic"
	"time"
)

// ErrBusy is returned by a Pool when as many hashes as it allows are
// running and as many are waiting: the caller should answer "try again in
// a moment" (HTTP 429 with Retry-After) rather than queue more memory.
var ErrBusy = errors.New("auth: too many password checks at once")

// Pool bounds the argon2id hashes that run at once. Each takes the
// memory of its parameters (64 MiB with DefaultParams), so without a
// bound a burst of logins takes as many times that as there are requests.
// A Pool runs at most Workers at once and lets at most Queue more wait,
// each for at most MaxWait; beyond that it refuses with ErrBusy at once.
// The memory argon2id can take is so bounded by Workers × the memory
// parameter. One Pool serves the process: every login check, new password
// and changed password goes through it. It is safe for concurrent use.
type Pool struct {
	slots   chan struct{} // a token per running hash
	waiting atomic.Int64
	queue   int64
	maxWait time.Duration
	params  Params

	// dummy is the hash that VerifyDummy checks against: a random salt
	// and key with the pool's parameters, the hash of no password.
	dummy string

	// hook, when set, is called as every hash starts (tests count them).
	hook func(running int)
	run  atomic.Int64
}

// PoolConfig is what NewPool needs; every field has a default.
type PoolConfig struct {
	// Workers is how many hashes may run at once; 0 means
	// max(2, GOMAXPROCS).
	Workers int
	// Queue is how many may wait for a worker; 0 means 2 × Workers, a
	// negative value none.
	Queue int
	// MaxWait bounds how long one waits for a worker before ErrBusy; 0
	// means 5 seconds.
	MaxWait time.Duration
	// Params are the costs of new hashes; zero means DefaultParams.
	Params Params
	// Hook, when set, is called as each hash starts, with the number
	// running including this one; it must be quick. Tests count and bound
	// the hashes with it.
	Hook func(running int)
}

// NewPool returns a Pool.
func NewPool(c PoolConfig) *Pool {
	if c.Workers <= 0 {
		c.Workers = max(2, runtime.GOMAXPROCS(0))
	}
	switch {
	case c.Queue == 0:
		c.Queue = 2 * c.Workers
	case c.Queue < 0:
		c.Queue = 0
	}
	if c.MaxWait <= 0 {
		c.MaxWait = 5 * time.Second
	}
	if c.Params == (Params{}) {
		c.Params = DefaultParams
	}
	salt, key := make([]byte, saltLen), make([]byte, keyLen)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(key)
	return &Pool{slots: make(chan struct{}, c.Workers), queue: int64(c.Queue), maxWait: c.MaxWait,
		params: c.Params, hook: c.Hook, dummy: phc(c.Params, salt, key)}
}

// Workers returns how many hashes may run at once.
func (p *Pool) Workers() int { return cap(p.slots) }

// Params returns the costs of new hashes.
func (p *Pool) Params() Params { return p.params }

// Hash returns the argon2id hash of pw, as package-level Hash does, once
// a worker is free. A password CheckPassword refuses is refused before
// any waiting.
func (p *Pool) Hash(ctx context.Context, pw string) (string, error) {
	if err := CheckPassword(pw); err != nil {
		return "", err
	}
	var hash string
	err := p.do(ctx, func() error {
		var err error
		hash, err = Hash(pw, p.params)
		return err
	})
	return hash, err
}

// Verify checks pw against hash, as package-level Verify does, once a
// worker is free.
func (p *Pool) Verify(ctx context.Context, hash, pw string) error {
	return p.do(ctx, func() error { return Verify(hash, pw) })
}

// VerifyDummy does the work of a Verify against a hash of no account, so
// that checking the password of an unknown email takes as long as that of
// a known one; it returns ErrMismatch, or ErrBusy.
func (p *Pool) VerifyDummy(ctx context.Context, pw string) error {
	if err := p.Verify(ctx, p.dummy, pw); err != nil && !errors.Is(err, ErrMismatch) {
		return err
	}
	return ErrMismatch
}

// do runs fn in a worker slot: at once when one is free, after a bounded
// wait when the queue has room, else not at all (ErrBusy).
func (p *Pool) do(ctx context.Context, fn func() error) error {
	select {
	case p.slots <- struct{}{}:
	default:
		if p.waiting.Add(1) > p.queue {
			p.waiting.Add(-1)
			return ErrBusy
		}
		t := time.NewTimer(p.maxWait)
		select {
		case p.slots <- struct{}{}:
			t.Stop()
			p.waiting.Add(-1)
		case <-t.C:
			p.waiting.Add(-1)
			return ErrBusy
		case <-ctx.Done():
			t.Stop()
			p.waiting.Add(-1)
			return ctx.Err()
		}
	}
	defer func() { <-p.slots }()
	n := int(p.run.Add(1))
	defer p.run.Add(-1)
	if p.hook != nil {
		p.hook(n)
	}
	return fn()
}
