package contact_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/contact"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/internal/enginetest"
	"github.com/aftersale/aftersale/internal/enginetest/fixture"
)

// harness is the engine Service (with the built-in journeys, its job
// runner started) and the contact Service beside it, on one database, on
// a manual clock, with the engine's metrics.
type harness struct {
	*enginetest.Harness
	ct *contact.Service
}

// onBoth runs f in a subtest on each database (a SQLite file and
// PostgreSQL).
func onBoth(t *testing.T, f func(t *testing.T, h *harness)) {
	t.Helper()
	enginetest.Each(t, func(t *testing.T, db string) {
		eh := enginetest.New(t, db, enginetest.Configure(func(c *engine.Config) {
			c.Metrics = engine.NewMetrics(prometheus.NewRegistry(), nil, c.Clock)
		}))
		ct, err := contact.New(contact.Config{Store: eh.Store, Links: eh.Config.Links, Clock: eh.Clock,
			Metrics: eh.Config.Metrics, Logger: eh.Log})
		if err != nil {
			t.Fatal(err)
		}
		f(t, &harness{Harness: eh, ct: ct})
	})
}

// order is an order.placed event for addr (who agreed to marketing), of
// one digital item.
func order(id, addr, orderID string) *aftersale.Event {
	return fixture.Order(id, addr, orderID, aftersale.KindDigital)
}

// shipment is a shipment.updated event of the order.
func shipment(id, orderID string, status aftersale.ShipmentStatus) *aftersale.Event {
	return &aftersale.Event{ID: id, Type: aftersale.EventShipmentUpdated, Shipment: &aftersale.Shipment{
		OrderID: orderID, Status: status, Carrier: "ups", TrackingNumber: "1Z999"}}
}

// linkToken returns the token of the first link in text that starts with
// prefix: what follows it up to a ?, ), >, quote or space.
func linkToken(text, prefix string) string {
	i := strings.Index(text, prefix)
	if i < 0 {
		return ""
	}
	rest := text[i+len(prefix):]
	if j := strings.IndexAny(rest, "?)> \n\""); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
