package feedback

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/internal/enginetest/fixture"
	"github.com/aftersale/aftersale/sqlite"
)

// countingStore counts the reads the refund-risk check makes.
type countingStore struct {
	Store
	reads atomic.Int64
}

func (c *countingStore) OrderList(ctx context.Context, from, to time.Time) ([]*aftersale.Order, error) {
	c.reads.Add(1)
	return c.Store.OrderList(ctx, from, to)
}

func (c *countingStore) RunListByOrder(ctx context.Context, id int64) ([]*aftersale.JourneyRun, error) {
	c.reads.Add(1)
	return c.Store.RunListByOrder(ctx, id)
}

func (c *countingStore) RunStartsSince(ctx context.Context, since time.Time) (map[int64]time.Time, error) {
	c.reads.Add(1)
	return c.Store.RunStartsSince(ctx, since)
}

func (c *countingStore) CustomerGet(ctx context.Context, id int64) (*aftersale.Customer, error) {
	c.reads.Add(1)
	return c.Store.CustomerGet(ctx, id)
}

func (c *countingStore) CustomerGetMany(ctx context.Context, ids []int64) ([]*aftersale.Customer, error) {
	c.reads.Add(1)
	return c.Store.CustomerGetMany(ctx, ids)
}

func (c *countingStore) SurveyAnswerList(ctx context.Context, f aftersale.AnswerFilter) ([]*aftersale.SurveyAnswer, error) {
	c.reads.Add(1)
	return c.Store.SurveyAnswerList(ctx, f)
}

func (c *countingStore) ShipmentListByOrder(ctx context.Context, id int64) ([]*aftersale.ShipmentRecord, error) {
	c.reads.Add(1)
	return c.Store.ShipmentListByOrder(ctx, id)
}

func (c *countingStore) TaskList(ctx context.Context, f aftersale.TaskFilter) ([]*aftersale.Task, error) {
	c.reads.Add(1)
	return c.Store.TaskList(ctx, f)
}

func (c *countingStore) StepListByCustomer(ctx context.Context, id int64) ([]*aftersale.Step, error) {
	c.reads.Add(1)
	return c.Store.StepListByCustomer(ctx, id)
}

func (c *countingStore) MessageListByCustomer(ctx context.Context, id int64) ([]*aftersale.Message, error) {
	c.reads.Add(1)
	return c.Store.MessageListByCustomer(ctx, id)
}

// BenchmarkCheckRefundRisk runs the hourly refund-risk check over 200
// purchases whose journeys began four days ago (none reaches the limit)
// and 200 imported ones without a journey, on SQLite. It reports the store
// reads per check (reads/op).
func BenchmarkCheckRefundRisk(b *testing.B) {
	ctx := context.Background()
	clock := aftersale.NewManualClock(fixture.Start())
	lite, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "aftersale.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { lite.Close() })
	st := &countingStore{Store: lite}
	svc, err := New(Config{Store: st, Links: &aftersale.LinkSigner{Key: []byte("0123456789abcdef0123456789abcdef"), Clock: clock}, Clock: clock,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	began := clock.RealNow().Add(-4 * 24 * time.Hour)
	for i := range 400 {
		c, err := lite.CustomerUpsert(ctx, &aftersale.Contact{Email: fmt.Sprintf("c%d@example.com", i), Name: "Pat"}, began)
		if err != nil {
			b.Fatal(err)
		}
		o, err := lite.OrderUpsert(ctx, &aftersale.Order{ExternalID: fmt.Sprint(9000 + i), CustomerID: c.ID, Currency: "USD", Total: "49.00",
			Status: aftersale.OrderPlaced, PlacedAt: began, Items: []aftersale.Item{{Name: "Course", Kind: aftersale.KindCourse, Quantity: 1}}})
		if err != nil {
			b.Fatal(err)
		}
		if i%2 == 1 {
			continue // imported history: no journey
		}
		if _, _, err := lite.RunCreate(ctx, &aftersale.JourneyRun{JourneyID: "onboarding", OrderID: o.ID, CustomerID: c.ID,
			Status: aftersale.RunActive, StartedAt: began}); err != nil {
			b.Fatal(err)
		}
	}
	st.reads.Store(0)
	b.ResetTimer()
	for b.Loop() {
		if n, err := svc.CheckRefundRisk(ctx); err != nil || n != 0 {
			b.Fatalf("CheckRefundRisk: %d calls, %v; want none", n, err)
		}
	}
	b.ReportMetric(float64(st.reads.Load())/float64(b.N), "reads/op")
}
