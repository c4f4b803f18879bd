package web_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// TestDashboardPartialRefunds: the refund rate counts full refunds; a
// partial refund shows beside it as a partly refunded order and in the
// share of revenue paid back, in the dashboard and the funnel API.
func TestDashboardPartialRefunds(t *testing.T) {
	t.Parallel()
	e := returnsEnv(t)
	owner := e.member(t, "owner@shop.example", aftersale.RoleOwner)
	placeOrder(t, e, "3001", "ana@example.com") // 120.00: two shoes at 50.00, socks at 20.00
	placeOrder(t, e, "3002", "bo@example.com")
	c := e.client(t)
	for i, ev := range []string{
		`"order":{"id":"3001"},"refund":{"amount":"30.00"}`, // part of 3001
		`"order":{"id":"3002"}`,                             // all of 3002
	} {
		c.APIPost("/api/v1/events", apiKey, fmt.Sprintf(`{"id":"evt-r%d","type":"order.refunded","occurred_at":%q,%s}`,
			i, time.Now().UTC().Format(time.RFC3339), ev)).Want(t, http.StatusAccepted)
	}
	e.settle(t)
	f := decode[map[string]any](t, c.API("/api/v1/reports/funnel", apiKey).OK(t))
	if f["refunded"] != 1.0 || f["partly_refunded"] != 1.0 || f["revenue"] != "240.00" || f["refunded_revenue"] != "150.00" {
		t.Errorf("funnel refunds: refunded %v partly %v revenue %v refunded revenue %v; want 1, 1, 240.00, 150.00",
			f["refunded"], f["partly_refunded"], f["revenue"], f["refunded_revenue"])
	}
	c.Login(owner.Email, password)
	c.Get("/admin/dashboard").Want(t, http.StatusOK,
		"1 of 2 orders fully refunded; 1 partly refunded; 62.5% of revenue paid back")
	c.Get("/admin/customers/ana@example.com").Want(t, http.StatusOK, "partly refunded</span> 30.00")
}
