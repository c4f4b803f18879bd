package aftersale_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/sqlite"
)

// countingOrders counts the orders read through it.
type countingOrders struct {
	aftersale.OrderGetter
	reads atomic.Int32
}

func (c *countingOrders) OrderGet(ctx context.Context, id int64) (*aftersale.Order, error) {
	c.reads.Add(1)
	return c.OrderGetter.OrderGet(ctx, id)
}

// TestOrderRefs names the orders given without reading them, reads
// another order once and remembers it, and names 0 and an order that is
// not stored "".
func TestOrderRefs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "aftersale.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	c, err := st.CustomerUpsert(ctx, &aftersale.Contact{Email: "ana@example.com", Name: "Ana Lima"}, at)
	if err != nil {
		t.Fatal(err)
	}
	var orders []*aftersale.Order
	for _, ext := range []string{"1001", "1002"} {
		o, err := st.OrderUpsert(ctx, &aftersale.Order{ExternalID: ext, CustomerID: c.ID, Currency: "USD", Total: "49.00",
			Status: aftersale.OrderPlaced, PlacedAt: at, Items: []aftersale.Item{{Name: "Course", Kind: aftersale.KindCourse, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		orders = append(orders, o)
	}
	q := &countingOrders{OrderGetter: st}
	ref := aftersale.OrderRefs(ctx, q, orders[:1])
	if got := ref(orders[0].ID); got != "1001" || q.reads.Load() != 0 {
		t.Errorf("the given order: %q after %d reads, want 1001 after none", got, q.reads.Load())
	}
	for range 2 {
		if got := ref(orders[1].ID); got != "1002" {
			t.Errorf("another order: %q, want 1002", got)
		}
	}
	if q.reads.Load() != 1 {
		t.Errorf("another order named twice read %d times, want once", q.reads.Load())
	}
	if ref(0) != "" || ref(orders[1].ID+100) != "" {
		t.Errorf("0 is %q, a missing order %q; want both empty", ref(0), ref(orders[1].ID+100))
	}
}
