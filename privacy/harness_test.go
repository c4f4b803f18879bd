package privacy_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/internal/enginetest"
	"github.com/aftersale/aftersale/internal/enginetest/fixture"
	"github.com/aftersale/aftersale/privacy"
)

// The engine is the pipeline of an install's privacy Service.
var _ privacy.Pipeline = (*engine.Service)(nil)

// harness is the engine Service (with the built-in journeys, its job
// runner attached) and the privacy Service over it, on one database, on a
// manual clock, with a local outbox folder.
type harness struct {
	*enginetest.Harness
	priv   *privacy.Service
	outbox string
}

// onBoth runs f in a subtest on each database (a SQLite file and
// PostgreSQL) with the job runner started.
func onBoth(t *testing.T, f func(t *testing.T, h *harness)) {
	t.Helper()
	enginetest.Each(t, func(t *testing.T, db string) { f(t, startHarness(t, db, true)) })
}

// startHarness makes the services on db ("sqlite" or "postgres"); start
// says whether the job runner (workers, event processor) runs. Without
// it, ingested events wait in the inbox.
func startHarness(t *testing.T, db string, start bool) *harness {
	t.Helper()
	opts := []enginetest.Option{enginetest.WithMailer(discard{})}
	if !start {
		opts = append(opts, enginetest.Stopped())
	}
	h := &harness{Harness: enginetest.New(t, db, opts...), outbox: filepath.Join(t.TempDir(), "outbox")}
	var err error
	h.priv, err = privacy.New(privacy.Config{Store: h.Store, Pipeline: h.Svc, Clock: h.Clock, OutboxDir: h.outbox, Logger: h.Log})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// discard is a Mailer that sends nowhere.
type discard struct{}

func (discard) Send(context.Context, *aftersale.Email) error { return nil }

// order is an order.placed event for addr, of one digital item.
func order(id, addr, orderID string) *aftersale.Event {
	return fixture.Order(id, addr, orderID, aftersale.KindDigital)
}
