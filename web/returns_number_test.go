package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestReturnsFindByOrderNumber: a Shopify order's id is a long number the
// buyer never saw; the returns page finds the order by the number they
// know ("#9999", with or without the "#") as well as by the id, shows the
// number, and refuses another customer's email either way.
func TestReturnsFindByOrderNumber(t *testing.T) {
	t.Parallel()
	e := returnsEnv(t)
	body := fmt.Sprintf(`{"id": "evt-num", "type": "order.placed", "occurred_at": %q,
		"customer": {"email": "ana@example.com", "name": "Ana Lima"},
		"order": {"id": "820982911946154500", "number": "#9999", "total": "50.00", "items": [
			{"sku": "shoe-42", "name": "Trail Shoe", "kind": "physical", "quantity": 1, "price": "50.00"}]}}`,
		time.Now().UTC().Format(time.RFC3339))
	c := e.client(t)
	c.APIPost("/api/v1/events", apiKey, body).Want(t, http.StatusAccepted)
	e.settle(t)
	for _, ref := range []string{"#9999", "9999", " #9999 ", "820982911946154500"} {
		page := findOrder(t, c, "ana@example.com", ref)
		c.Get(page).Want(t, http.StatusOK, "from order #9999")
	}
	neutral := "We could not find an order with that email address and order number."
	for _, ref := range []string{"#9999", "820982911946154500"} {
		c.PostRaw("/returns", url.Values{"email": {"bo@example.com"}, "order": {ref}}, nil).Want(t, http.StatusOK, neutral)
	}
	c.PostRaw("/returns", url.Values{"email": {"ana@example.com"}, "order": {"#9998"}}, nil).Want(t, http.StatusOK, neutral)
	// The returns API takes the number too.
	c.API("/api/v1/returns?order=%239999", apiKey).OK(t)
}
