package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/app"
	"github.com/aftersale/aftersale/internal/pgtest"
)

// BenchmarkPlanOrders measures planning alone: order.placed events put in
// the inbox, then processed (customer, order, runs, steps, jobs), without
// HTTP and without sending, on SQLite and on PostgreSQL. The figure is per
// event.
func BenchmarkPlanOrders(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkPlanOrders(b, "") })
	b.Run("postgres", func(b *testing.B) { benchmarkPlanOrders(b, pgtest.Database(b)) })
}

func benchmarkPlanOrders(b *testing.B, databaseURL string) {
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	cfg := app.Config{Listener: l, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	cfg.DataDir, cfg.DatabaseURL, cfg.APIKey, cfg.QuietHours = b.TempDir(), databaseURL, "k", "off"
	a, err := app.New(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	n := 0
	b.ResetTimer()
	for i := 0; i < b.N; i += 256 {
		b.StopTimer()
		var evs []*aftersale.StoredEvent
		for j := 0; j < 256; j++ {
			n++
			id := fmt.Sprintf("e%d", n)
			evs = append(evs, &aftersale.StoredEvent{ID: id, Type: aftersale.EventOrderPlaced, Source: "api",
				OccurredAt: time.Now(), ReceivedAt: time.Now(), CustomerEmail: fmt.Sprintf("c%d@example.com", n), OrderRef: fmt.Sprint(n),
				Payload: []byte(fmt.Sprintf(`{"id":%q,"type":"order.placed","occurred_at":"`+nowStamp()+`","customer":{"email":"c%d@example.com","name":"Ana Lima","phone":"+15551234567","timezone":"America/New_York","marketing_consent":true},"order":{"id":"%d","currency":"USD","total":"49.00","items":[{"sku":"sku-1","name":"Launch Course","kind":"digital","quantity":1,"price":"49.00","access_url":"https://shop.example/access/abc"}]}}`, id, n, n))})
		}
		if _, err := a.Store().InboxAppend(ctx, evs); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := a.Service().ProcessInbox(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// nowStamp is the real now as an event's occurred_at.
func nowStamp() string { return time.Now().UTC().Format(time.RFC3339) }
