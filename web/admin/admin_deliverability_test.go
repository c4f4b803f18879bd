package admin_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/bounce"
	"github.com/aftersale/aftersale/contact"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/web/admin"
)

// TestDashboardDeliverability: blocks and spam-policy bounces that add up
// show the owner a warning on the dashboard; fewer show none.
func TestDashboardDeliverability(t *testing.T) {
	t.Parallel()
	var ct *contact.Service // the admin's, which the dashboard asks
	e := newEnvWith(t, envOptions{engine: func(c *engine.Config) {
		c.Metrics = engine.NewMetrics(prometheus.NewRegistry(), nil, c.Clock)
	}}, func(c *admin.Config) { ct = c.Contact })
	owner := e.member(t, "owner@shop.example", aftersale.RoleOwner)
	c := e.client(t)
	c.Login(owner.Email, password)
	if r := c.Get("/admin/dashboard"); strings.Contains(r.Text, `id="deliverability"`) {
		t.Fatal("a warning without bounces")
	}
	rep := &bounce.Report{Kind: bounce.KindBounce, Recipients: []bounce.Recipient{
		{Email: "a@example.com", Status: "5.7.1", Action: "failed", Permanent: true, Category: bounce.Blocked},
		{Email: "b@example.com", Status: "5.7.1", Action: "failed", Permanent: true, Category: bounce.SpamPolicy},
		{Email: "c@example.com", Status: "5.7.1", Action: "failed", Permanent: true, Category: bounce.Blocked},
	}}
	if err := ct.HandleReport(context.Background(), rep); err != nil {
		t.Fatal(err)
	}
	c.Get("/admin/dashboard").Want(t, http.StatusOK, `id="deliverability"`, "refused your mail 3 times in the last 7 days (2 blocks, 1 for spam or content policy)")
}
