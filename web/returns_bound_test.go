package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestReturnBoundsAPI: through the event API, a quantity of 9.2e18 is a
// 400 naming the field, and once the whole order is in a return, another
// return of it is a 409; the returns page says so instead of a form.
func TestReturnBoundsAPI(t *testing.T) {
	t.Parallel()
	e := returnsEnv(t)
	c := e.client(t)
	placeOrder(t, e, "7201", "bound@example.com")
	// One time for every event, so that a resend is the same content
	// even when the second has turned meanwhile.
	at := time.Now().UTC().Format(time.RFC3339)
	ret := func(id, facts string) reply {
		return c.APIPost("/api/v1/events", apiKey, fmt.Sprintf(`{"id":%q,"type":"return.requested","occurred_at":%q,"return":{"order_id":"7201",%s}}`,
			id, at, facts))
	}
	r := ret("evt-b1", `"items":[{"sku":"shoe-42","quantity":9200000000000000000}]`)
	r.Want(t, http.StatusBadRequest)
	if got := decode[map[string]string](t, r); got["field"] != "return.items[0].quantity" {
		t.Errorf("9.2e18: %v, want the field return.items[0].quantity", got)
	}
	ret("evt-b2", `"reason":"changed my mind"`).Want(t, http.StatusAccepted)
	e.settle(t)
	r = ret("evt-b3", `"reason":"changed my mind"`)
	r.Want(t, http.StatusConflict)
	if got := decode[map[string]string](t, r); !strings.Contains(got["error"], "everything on this order is already being returned") {
		t.Errorf("the whole order again: %v", got)
	}
	ret("evt-b4", `"items":[{"sku":"sock-1","quantity":1}]`).Want(t, http.StatusConflict)
	// The first return again is a duplicate, as before.
	ret("evt-b2", `"reason":"changed my mind"`).Want(t, http.StatusOK)

	page := c.Get(findOrder(t, c, "bound@example.com", "7201")).OK(t)
	if !strings.Contains(page.Text, "Everything on this order is already being returned.") || strings.Contains(page.Text, `name="qty-shoe-42"`) {
		t.Errorf("the returns page of a returned order:\n%s", page.Text)
	}
}
