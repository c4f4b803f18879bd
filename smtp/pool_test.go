package smtp

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/smtptest"
)

func TestPoolSendsOverSeveralConnections(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	p, err := NewPool(srv.URL(), 3, WithHELO("test.aftersale.example"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Addr() != srv.Addr() {
		t.Errorf("Addr() = %q, want %q", p.Addr(), srv.Addr())
	}
	const n = 60
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- p.Send(context.Background(), rateEmail(fmt.Sprintf("pool-%d", i), fmt.Sprintf("p%d@example.com", i)))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	msgs, err := srv.WaitFor(n, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range msgs {
		seen[m.Header.Get("Message-Id")] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct messages arrived, want %d", len(seen), n)
	}
	// Concurrent senders use more than one connection, never more than 3.
	if s := srv.Sessions(); s < 2 || s > 3 {
		t.Errorf("%d connections for %d concurrent messages, want 2 or 3", s, n)
	}
}

func TestPoolSharesTheDomainRate(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	p, err := NewPool(srv.URL(), 2, WithDomainRate(1, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	if err := p.Send(ctx, rateEmail("a", "ana@gmail.com")); err != nil {
		t.Fatal(err)
	}
	// The second connection is free, but gmail.com's minute is used up.
	err = p.Send(ctx, rateEmail("b", "bo@gmail.com"))
	var d *aftersale.DeliveryError
	if !errors.As(err, &d) || !d.Temporary {
		t.Errorf("second gmail.com message: %v, want a temporary rate error", err)
	}
	if err := p.Send(ctx, rateEmail("c", "cy@yahoo.com")); err != nil {
		t.Errorf("another domain: %v", err)
	}
}

func TestPoolWaitsForAFreeConnection(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	p, err := NewPool(srv.URL(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	s := <-p.free // the only connection is busy
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = p.Send(ctx, rateEmail("w", "w@example.com"))
	if !aftersale.IsTemporary(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send with every connection busy until ctx ends: %v, want a temporary error", err)
	}
	p.free <- s
	if err := p.Send(context.Background(), rateEmail("w2", "w@example.com")); err != nil {
		t.Errorf("Send once the connection is free: %v", err)
	}
	if _, err := NewPool(srv.URL(), 0); err == nil {
		t.Error("NewPool with 0 connections: no error")
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := p.Send(context.Background(), rateEmail("x", "x@example.com")); !aftersale.IsTemporary(err) {
		t.Errorf("Send after Close: %v, want a temporary error", err)
	}
}
