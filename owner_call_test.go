package aftersale_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/sqlite"
)

// TestOwnerCall makes one open call for the owner per order and prefix,
// however often the signal repeats, and a new one once that call is done.
func TestOwnerCall(t *testing.T) {
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
	o, err := st.OrderUpsert(ctx, &aftersale.Order{ExternalID: "1001", CustomerID: c.ID, Currency: "USD", Total: "49.00",
		Status: aftersale.OrderPlaced, PlacedAt: at, Items: []aftersale.Item{{Name: "Course", Kind: aftersale.KindCourse, Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	call := func() bool {
		t.Helper()
		made, err := aftersale.OwnerCall(ctx, st, at, o.ID, c.ID, "Refund risk", "Refund risk: call "+c.FirstName(), "script")
		if err != nil {
			t.Fatal(err)
		}
		return made
	}
	if !call() || call() {
		t.Fatal("want one call for a repeated signal")
	}
	open, err := st.TaskList(ctx, aftersale.TaskFilter{CustomerID: c.ID, Status: aftersale.TaskOpen})
	if err != nil || len(open) != 1 {
		t.Fatalf("open tasks %v, %v; want one", open, err)
	}
	if tk := open[0]; tk.Title != "Refund risk: call Ana" || tk.Assignee != string(aftersale.RoleOwner) || tk.Kind != aftersale.TaskCall || !tk.DueAt.Equal(at) {
		t.Errorf("the call: %+v", tk)
	}
	if _, err := st.TaskComplete(ctx, open[0].ID, "reached", "", "owner@shop.example", at); err != nil {
		t.Fatal(err)
	}
	if !call() {
		t.Error("no new call once the first was done")
	}
}

// TestFirstName is the first word of the name, or the email without one.
func TestFirstName(t *testing.T) {
	for _, tt := range []struct{ name, email, want string }{
		{"Ana Lima", "ana@example.com", "Ana"}, {"  Bo  ", "bo@example.com", "Bo"}, {"", "cy@example.com", "cy@example.com"},
	} {
		if got := (&aftersale.Customer{Name: tt.name, Email: tt.email}).FirstName(); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.name, got, tt.want)
		}
	}
}
