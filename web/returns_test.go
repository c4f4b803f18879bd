package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/smtptest"
	"github.com/aftersale/aftersale/web"
)

// The return policy of the returns tests.
const (
	returnAddress = "Shop Returns\n12 Dock Road\nPortland, OR 97201"
	returnLabel   = "https://labels.example/print/abc"
)

// returnsEnv is an install with the job runner (so events are processed
// and the return journeys run), a return policy and the API key.
func returnsEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, envOptions{jobs: true, engine: func(c *engine.Config) {
		c.Returns = aftersale.ReturnPolicy{Address: returnAddress, LabelURL: returnLabel, RefundDays: 7}
		c.Business = email.Business{Name: "Shop", SupportEmail: "help@shop.example"}
	}}, func(c *web.Config) { c.APIKey = apiKey })
}

// placeOrder posts an order.placed event through the API, two pairs of
// Trail Shoes and one pair of Wool Socks, and waits until it is processed.
func placeOrder(t *testing.T, e *env, orderID, mail string) *aftersale.Order {
	t.Helper()
	body := fmt.Sprintf(`{"id": "evt-%[1]s", "type": "order.placed", "occurred_at": %[2]q,
		"customer": {"email": %[3]q, "name": "Ana Lima", "timezone": "America/New_York"},
		"order": {"id": %[1]q, "currency": "USD", "total": "120.00", "items": [
			{"sku": "shoe-42", "name": "Trail Shoe", "kind": "physical", "quantity": 2, "price": "50.00"},
			{"sku": "sock-1", "name": "Wool Socks", "kind": "physical", "quantity": 1, "price": "20.00"}]}}`,
		orderID, time.Now().UTC().Format(time.RFC3339), mail)
	e.client(t).APIPost("/api/v1/events", apiKey, body).Want(t, http.StatusAccepted)
	e.settle(t)
	o, err := e.store.OrderGetByExternalID(context.Background(), orderID)
	if err != nil {
		t.Fatalf("order %s was not processed once the service settled: %v", orderID, err)
	}
	return o
}

// storeReturn stores a requested return of the order's first item.
func (e *env) storeReturn(t *testing.T, orderRef, reason string) *aftersale.Return {
	t.Helper()
	ctx := context.Background()
	o, err := e.store.OrderGetByExternalID(ctx, orderRef)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	r, _, err := e.store.ReturnCreate(ctx, &aftersale.Return{
		OrderID: o.ID, CustomerID: o.CustomerID, EventID: "test-return-" + orderRef, Status: aftersale.ReturnRequested,
		Resolution: aftersale.ResolutionRefund, Reason: reason, Source: "api", CreatedAt: now, UpdatedAt: now,
		Items: []aftersale.ReturnItem{{SKU: o.Items[0].SKU, Name: o.Items[0].Name, Quantity: 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var keyRe = regexp.MustCompile(`name="key" value="([^"]+)"`)

// findOrder looks the order up on the returns page and returns the path
// of its returns page.
func findOrder(t *testing.T, c *client, mail, order string) string {
	t.Helper()
	r := c.PostRaw("/returns", url.Values{"email": {mail}, "order": {order}}, nil)
	r.Want(t, http.StatusSeeOther)
	loc := r.Header.Get("Location")
	if !strings.HasPrefix(loc, "/returns/") || strings.HasPrefix(loc, "/returns/status/") {
		t.Fatalf("find %s %s: Location %q", mail, order, loc)
	}
	return loc
}

// formKeyOf returns the hidden form key of the returns page.
func formKeyOf(t *testing.T, r reply) string {
	t.Helper()
	m := keyRe.FindStringSubmatch(r.Text)
	if m == nil || len(m[1]) < 16 {
		t.Fatalf("no form key of 16+ characters in\n%s", r.Text)
	}
	return m[1]
}

// startReturn finds the order, opens its returns page and sends the form
// (with the page's key); it returns the path of the status page.
func startReturn(t *testing.T, c *client, mail, order string, form url.Values) string {
	t.Helper()
	page := findOrder(t, c, mail, order)
	f := url.Values{"key": {formKeyOf(t, c.Get(page).OK(t))}}
	for k, v := range form {
		f[k] = v
	}
	r := c.PostRaw(page, f, nil)
	r.Want(t, http.StatusSeeOther)
	loc := r.Header.Get("Location")
	if !strings.HasPrefix(loc, "/returns/status/") {
		t.Fatalf("after the return: Location %q", loc)
	}
	return loc
}

func TestReturnsLookupIsNeutral(t *testing.T) {
	t.Parallel()
	e := returnsEnv(t)
	placeOrder(t, e, "2001", "ana@example.com")
	placeOrder(t, e, "2002", "bo@example.com")
	c := e.client(t)

	c.Get("/returns").Want(t, http.StatusOK, `id="email"`, `name="email"`, `id="order"`, `name="order"`, `id="find"`,
		`<label for="email">`, `<label for="order">`, "No receipt needed", `name="viewport"`)

	neutral := "We could not find an order with that email address and order number."
	var first reply
	for i, f := range []url.Values{
		{"email": {"nobody@example.com"}, "order": {"2001"}}, // unknown email, known order
		{"email": {"ana@example.com"}, "order": {"9999"}},    // known email, unknown order
		{"email": {"nobody@example.com"}, "order": {"9999"}}, // neither
		{"email": {"bo@example.com"}, "order": {"2001"}},     // a customer, but not of this order
	} {
		r := c.PostRaw("/returns", f, nil)
		r.Want(t, http.StatusOK, neutral, `id="email"`)
		if i == 0 {
			first = r
			continue
		}
		if r.Text != first.Text || r.Header.Get("Content-Type") != first.Header.Get("Content-Type") {
			t.Errorf("lookup %v answers differently from an unknown email:\n%s\n---\n%s", f, r.Text, first.Text)
		}
	}
	for _, leak := range []string{"nobody@example.com", "9999", "bo@example.com"} {
		if strings.Contains(first.Text, leak) {
			t.Errorf("the answer repeats %q", leak)
		}
	}
	c.PostRaw("/returns", url.Values{"email": {""}, "order": {"2001"}}, nil).
		Want(t, http.StatusBadRequest, "Enter the email address you ordered with and the order number.")
	// Case, spaces and a leading # do not matter.
	findOrder(t, c, " ANA@Example.com ", "#2001")
}

func TestReturnsLookupRateLimit(t *testing.T) {
	t.Parallel()
	e := returnsEnv(t)
	placeOrder(t, e, "2001", "ana@example.com")
	c := e.client(t)
	// Every POST counts, found or not.
	for i := range 10 {
		if i < 3 {
			findOrder(t, c, "ana@example.com", "2001")
			continue
		}
		c.PostRaw("/returns", url.Values{"email": {"ana@example.com"}, "order": {fmt.Sprint(3000 + i)}}, nil).
			Want(t, http.StatusOK, "We could not find an order")
	}
	r := c.PostRaw("/returns", url.Values{"email": {"ana@example.com"}, "order": {"2001"}}, nil)
	r.Want(t, http.StatusTooManyRequests, "Please wait 15 minutes and try again.")
	if ra := r.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After %q", ra)
	}
	if loc := r.Header.Get("Location"); loc != "" {
		t.Errorf("a blocked lookup still found the order: %q", loc)
	}
	// The form itself still opens.
	c.Get("/returns").Want(t, http.StatusOK, `id="find"`)
}

func TestReturnFlow(t *testing.T) {
	t.Parallel()
	e := returnsEnv(t)
	placeOrder(t, e, "2001", "ana@example.com")
	ctx := context.Background()
	c := e.client(t)

	page := findOrder(t, c, "ana@example.com", "2001")
	r := c.Get(page)
	r.Want(t, http.StatusOK, "Hi Ana", "order 2001",
		`<label for="qty-shoe-42">Trail Shoe`, `id="qty-shoe-42" name="qty-shoe-42" type="number" min="0" max="2"`,
		`<label for="qty-sock-1">Wool Socks`, `id="qty-sock-1" name="qty-sock-1" type="number" min="0" max="1"`,
		`<label for="reason">`, `<select id="reason" name="reason" required>`, `<option value="It doesn&#39;t fit">`,
		`<label for="comment">`, `id="comment" name="comment"`,
		`id="resolution-refund" name="resolution" value="refund" checked`, `id="resolution-exchange" name="resolution" value="exchange"`,
		`id="submit-return"`)
	key := formKeyOf(t, r)
	if again := formKeyOf(t, c.Get(page)); again == key {
		t.Error("the form key is not random")
	}

	// Mistakes are shown on the page, with what was chosen.
	form := url.Values{"key": {key}, "qty-shoe-42": {"1"}, "qty-sock-1": {"0"}, "reason": {""}, "comment": {"Too small"}, "resolution": {"refund"}}
	c.PostRaw(page, form, nil).Want(t, http.StatusBadRequest, "Choose a reason from the list.", ">Too small</textarea>",
		`id="qty-shoe-42" name="qty-shoe-42" type="number" min="0" max="2" step="1" value="1"`, `name="key" value="`+key+`"`)
	form.Set("reason", "It doesn't fit")
	form.Set("qty-shoe-42", "3")
	c.PostRaw(page, form, nil).Want(t, http.StatusBadRequest, "You can send back at most 2 of Trail Shoe.")
	form.Set("qty-shoe-42", "0")
	c.PostRaw(page, form, nil).Want(t, http.StatusBadRequest, "Choose at least one item to send back.")
	form.Set("qty-shoe-42", "one")
	c.PostRaw(page, form, nil).Want(t, http.StatusBadRequest, "must be a whole number")
	if rs, _ := e.ret.List(ctx, aftersale.ReturnFilter{}); len(rs) != 0 {
		t.Fatalf("a wrong form started %d returns", len(rs))
	}

	form.Set("qty-shoe-42", "1")
	r = c.PostRaw(page, form, nil)
	r.Want(t, http.StatusSeeOther)
	status := r.Header.Get("Location")
	if !strings.HasPrefix(status, "/returns/status/") {
		t.Fatalf("Location %q", status)
	}
	// A double submit is the same return.
	if again := c.PostRaw(page, form, nil); again.StatusCode != http.StatusSeeOther || !sameLink(again.Header.Get("Location"), status) {
		t.Fatalf("second submit: %d %q, want 303 to %q", again.StatusCode, again.Header.Get("Location"), status)
	}
	rs, err := e.ret.List(ctx, aftersale.ReturnFilter{})
	if err != nil || len(rs) != 1 {
		t.Fatalf("returns %d %v", len(rs), err)
	}
	got := rs[0].Return
	if got.Status != aftersale.ReturnRequested || got.Reason != "It doesn't fit" || got.Comment != "Too small" ||
		got.Resolution != aftersale.ResolutionRefund || got.Source != "page" ||
		len(got.Items) != 1 || got.Items[0] != (aftersale.ReturnItem{SKU: "shoe-42", Name: "Trail Shoe", Quantity: 1}) {
		t.Fatalf("return %+v", got)
	}

	// The status page: how it stands and what to do, at once.
	sp := c.Get(status)
	sp.Want(t, http.StatusOK, `id="return-status" data-status="requested">requested<`,
		`<li class="current" aria-current="step">Requested</li>`, `<li class="todo">Received</li>`, `<li class="todo">Refunded</li>`,
		"What to do now", `<address id="return-address">`+returnAddress+`</address>`, `href="`+returnLabel+`"`,
		"a note of your order number, 2001", "Your money is back within 7 business days after it arrives",
		"Trail Shoe × 1", "It doesn't fit", "your money back", "Too small")
	if strings.Contains(sp.Text, "replacement") {
		t.Error("a refund's page talks about a replacement")
	}
	// The instructions go out by email at once as well.
	e.waitMail(t, "email with the return instructions to ana@example.com", func(m *smtptest.Received) bool {
		text, _, _ := m.Body()
		return len(m.To) == 1 && m.To[0] == "ana@example.com" && strings.Contains(m.Header.Get("Subject"), "2001") &&
			strings.Contains(text, "12 Dock Road")
	})
	// The returns page lists it.
	listed := c.Get(page)
	listed.Want(t, http.StatusOK, `id="returns-started"`, "Trail Shoe</a>: requested")
	if m := regexp.MustCompile(`href="(/returns/status/[^"]+)"`).FindStringSubmatch(listed.Text); m == nil || !sameLink(m[1], status) {
		t.Errorf("the returns page does not link the return's status page %s: %v", status, m)
	}

	// An exchange of the socks, a second return of the order.
	ex := startReturn(t, c, "ana@example.com", "2001", url.Values{"qty-sock-1": {"1"}, "reason": {"I received the wrong item"}, "resolution": {"exchange"}})
	if ex == status {
		t.Fatal("the second return has the first one's page")
	}
	c.Get(ex).Want(t, http.StatusOK, `data-status="requested"`, `<li class="todo">Exchanged</li>`,
		"we send your replacement", "an exchange", "Wool Socks × 1", "I received the wrong item")

	// An expired or broken link says so, with the way back.
	expired := e.links.Sign(aftersale.LinkReturn, "2001", -time.Minute)
	c.Get("/returns/"+expired).Want(t, http.StatusUnauthorized, "This link has expired.", `href="/returns"`)
	c.PostRaw("/returns/"+expired, form, nil).Want(t, http.StatusUnauthorized, `href="/returns"`)
	c.Get("/returns/status/nonsense").Want(t, http.StatusUnauthorized, "This link is not valid.", `href="/returns"`)
	// A return's status link does not open the returns page.
	c.Get("/returns/"+strings.TrimPrefix(status, "/returns/status/")).Want(t, http.StatusUnauthorized, "not valid here")
}

func TestAdminReturns(t *testing.T) {
	t.Parallel()
	e := returnsEnv(t)
	placeOrder(t, e, "2001", "ana@example.com")
	owner := e.member(t, "owner@shop.example", aftersale.RoleOwner)
	ctx := context.Background()
	status := startReturn(t, e.client(t), "ana@example.com", "2001",
		url.Values{"qty-shoe-42": {"2"}, "reason": {"It doesn't fit"}, "comment": {"Size 42 is small"}})
	rs, err := e.ret.List(ctx, aftersale.ReturnFilter{})
	if err != nil || len(rs) != 1 {
		t.Fatalf("returns %d %v", len(rs), err)
	}
	id := rs[0].Return.ID
	path := fmt.Sprintf("/admin/returns/%d", id)

	c := e.client(t)
	c.Login(owner.Email, password)
	c.Get("/admin/returns").Want(t, http.StatusOK, `href="/admin/returns" aria-current="page">Returns`,
		`aria-current="page">Open <span class="count">1</span>`, `href="`+path+`">#2001`, `href="/admin/customers/ana@example.com">Ana Lima`,
		"2 × Trail Shoe", "It doesn't fit", `data-label="Wants">Refund`, `status-requested">Requested`)
	c.Get("/admin/returns?status=refunded").Want(t, http.StatusOK, "No return here.")
	c.Get("/admin/returns?status=bogus").Want(t, http.StatusBadRequest, `unknown return status "bogus"`)

	c.Get(path).Want(t, http.StatusOK, "Return #"+fmt.Sprint(id)+" of order #2001", "Size 42 is small", `id="return-status">Requested`,
		`name="status" value="received" id="status-received"`, `id="status-refunded"`, `id="status-exchanged"`, `id="status-cancelled"`)
	// The CSRF token is needed.
	c.PostRaw(path+"/status", url.Values{"status": {"received"}}, nil).Want(t, http.StatusForbidden)
	if v, _ := e.ret.Get(ctx, id); v.Return.Status != aftersale.ReturnRequested {
		t.Fatalf("a POST without the token moved the return to %s", v.Return.Status)
	}
	r := c.Post(path+"/status", url.Values{"status": {"received"}})
	r.Want(t, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != path {
		t.Fatalf("Location %q", loc)
	}
	r = c.Get(path)
	r.Want(t, http.StatusOK, "Return #"+fmt.Sprint(id)+" is received now.", `id="return-status">Received`, "last moved by owner@shop.example",
		`id="status-refunded"`, `id="status-exchanged"`)
	if strings.Contains(r.Text, `id="status-received"`) || strings.Contains(r.Text, `id="status-cancelled"`) {
		t.Error("a received return offers received or cancelled")
	}
	v, err := e.ret.Get(ctx, id)
	if err != nil || v.Return.Status != aftersale.ReturnReceived || v.Return.UpdatedBy != owner.Email {
		t.Fatalf("return %+v %v", v.Return, err)
	}
	// A move that is not allowed is shown.
	c.Post(path+"/status", url.Values{"status": {"cancelled"}}).Want(t, http.StatusConflict, "A return that is received cannot become cancelled.")
	c.Post(path+"/status", url.Values{"status": {"lost"}}).Want(t, http.StatusBadRequest, `"lost" is not a return status`)
	c.Get("/admin/returns/99999").Want(t, http.StatusNotFound)
	// Still open; the customer sees it too.
	c.Get("/admin/returns").Want(t, http.StatusOK, `status-received">Received`)
	e.client(t).Get(status).Want(t, http.StatusOK, `data-status="received">received<`, `<li class="done">Requested</li>`,
		`<li class="current" aria-current="step">Received</li>`, "Your parcel has arrived")

	// The customer's page lists the return under the order.
	c.Get("/admin/customers/ana@example.com").Want(t, http.StatusOK, `href="`+path+`">#`+fmt.Sprint(id), `status-received">Received`,
		"2 × Trail Shoe", "Arrived well?", "no answer yet")
}

func TestReturnsAPI(t *testing.T) {
	t.Parallel()
	e := returnsEnv(t)
	placeOrder(t, e, "2001", "ana@example.com")
	c := e.client(t)
	startReturn(t, c, "ana@example.com", "2001", url.Values{"qty-shoe-42": {"1"}, "reason": {"It doesn't fit"}, "comment": {"Too small"}})

	c.API("/api/v1/returns", "").Want(t, http.StatusUnauthorized)
	type apiReturn struct {
		ID         int64                  `json:"id"`
		OrderID    string                 `json:"order_id"`
		Customer   string                 `json:"customer"`
		Status     string                 `json:"status"`
		Resolution string                 `json:"resolution"`
		Reason     string                 `json:"reason"`
		Comment    string                 `json:"comment"`
		Items      []aftersale.ReturnItem `json:"items"`
		CreatedAt  time.Time              `json:"created_at"`
		UpdatedAt  time.Time              `json:"updated_at"`
		StatusURL  string                 `json:"status_url"`
		Next       []string               `json:"next"`
	}
	list := decode[[]apiReturn](t, c.API("/api/v1/returns?status=requested", apiKey).OK(t))
	if len(list) != 1 {
		t.Fatalf("returns %+v", list)
	}
	ret := list[0]
	if ret.ID == 0 || ret.OrderID != "2001" || ret.Customer != "ana@example.com" || ret.Status != "requested" ||
		ret.Resolution != "refund" || ret.Reason != "It doesn't fit" || ret.Comment != "Too small" ||
		len(ret.Items) != 1 || ret.Items[0] != (aftersale.ReturnItem{SKU: "shoe-42", Name: "Trail Shoe", Quantity: 1}) ||
		ret.CreatedAt.IsZero() || ret.UpdatedAt.IsZero() || !strings.HasPrefix(ret.StatusURL, "http://shop.example/returns/status/") ||
		strings.Join(ret.Next, ",") != "received,refunded,exchanged,cancelled" {
		t.Fatalf("return %+v", ret)
	}
	if l := decode[[]apiReturn](t, c.API("/api/v1/returns?order=2001", apiKey).OK(t)); len(l) != 1 || l[0].ID != ret.ID {
		t.Errorf("by order: %+v", l)
	}
	if r := c.API("/api/v1/returns?status=refunded", apiKey).OK(t); strings.TrimSpace(r.Text) != "[]" {
		t.Errorf("no refunded return: %s", r.Text)
	}
	r := c.API("/api/v1/returns?order=nope", apiKey)
	r.Want(t, http.StatusNotFound, `no order \"nope\"`)
	r = c.API("/api/v1/returns?status=bogus", apiKey)
	r.Want(t, http.StatusBadRequest)
	if got := decode[map[string]string](t, r); got["field"] != "status" || !strings.Contains(got["error"], "bogus") {
		t.Errorf("bad status: %v", got)
	}

	path := fmt.Sprintf("/api/v1/returns/%d/status", ret.ID)
	c.APIPost(path, "", `{"status": "received"}`).Want(t, http.StatusUnauthorized)
	c.APIPost(path, apiKey, `{"status": `).Want(t, http.StatusBadRequest, "malformed JSON")
	r = c.APIPost(path, apiKey, `{"status": "lost"}`)
	r.Want(t, http.StatusBadRequest, `unknown return status \"lost\"`)
	if got := decode[map[string]string](t, r); got["field"] != "status" {
		t.Errorf("unknown status: %v", got)
	}
	c.APIPost("/api/v1/returns/99999/status", apiKey, `{"status": "received"}`).Want(t, http.StatusNotFound)
	c.APIPost("/api/v1/returns/x/status", apiKey, `{"status": "received"}`).Want(t, http.StatusBadRequest)
	moved := decode[apiReturn](t, c.APIPost(path, apiKey, `{"status": "received"}`).OK(t))
	if moved.ID != ret.ID || moved.Status != "received" || strings.Join(moved.Next, ",") != "refunded,exchanged" || !moved.UpdatedAt.After(ret.CreatedAt.Add(-time.Second)) {
		t.Fatalf("moved %+v", moved)
	}
	c.APIPost(path, apiKey, `{"status": "received"}`).Want(t, http.StatusConflict, "cannot become received")
	if l := decode[[]apiReturn](t, c.API("/api/v1/returns?status=open", apiKey).OK(t)); len(l) != 1 || l[0].Status != "received" {
		t.Errorf("open: %+v", l)
	}
	if l := decode[[]apiReturn](t, c.API("/api/v1/returns", apiKey).OK(t)); len(l) != 1 {
		t.Errorf("all: %+v", l)
	}
	// Refunded: one shoe of two is refunded, not the socks, so the order
	// is partly refunded and the returns page offers the rest.
	if moved = decode[apiReturn](t, c.APIPost(path, apiKey, `{"status": "refunded"}`).OK(t)); moved.Status != "refunded" || len(moved.Next) != 0 {
		t.Fatalf("refunded %+v", moved)
	}
	e.settle(t)
	if o, err := e.store.OrderGetByExternalID(t.Context(), "2001"); err != nil || o.Status != aftersale.OrderPlaced || !o.Partial() {
		t.Fatalf("order after refunding the shoes of shoes and socks: %+v %v; want placed and partly refunded", o, err)
	}
	r = c.Get(findOrder(t, c, "ana@example.com", "2001"))
	r.Want(t, http.StatusOK, "Trail Shoe</a>: refunded", `id="qty-sock-1"`, `id="submit-return"`,
		`id="qty-shoe-42" name="qty-shoe-42" type="number" min="0" max="1"`)
	if strings.Contains(r.Text, "refunded already") {
		t.Error("a partly refunded order counts as refunded on the returns page")
	}
}

func TestReturnsReport(t *testing.T) {
	t.Parallel()
	e := returnsEnv(t)
	placeOrder(t, e, "2001", "ana@example.com")
	owner := e.member(t, "owner@shop.example", aftersale.RoleOwner)
	c := e.client(t)
	startReturn(t, c, "ana@example.com", "2001", url.Values{"qty-shoe-42": {"1"}, "reason": {"It doesn't fit"}})
	startReturn(t, c, "ana@example.com", "2001", url.Values{"qty-shoe-42": {"1"}, "reason": {"It doesn't fit"}, "resolution": {"exchange"}})
	startReturn(t, c, "ana@example.com", "2001", url.Values{"qty-sock-1": {"1"}, "reason": {"It arrived damaged or faulty"}})

	var rep struct {
		Rows []struct {
			Reason    string  `json:"reason"`
			Returns   int     `json:"returns"`
			Refunds   int     `json:"refunds"`
			Exchanges int     `json:"exchanges"`
			Share     float64 `json:"share"`
		} `json:"rows"`
		Total int `json:"total"`
	}
	c.API("/api/v1/reports/returns", "").Want(t, http.StatusUnauthorized)
	decodeInto(t, c.API("/api/v1/reports/returns", apiKey).OK(t), &rep)
	if rep.Total != 3 || len(rep.Rows) != 2 {
		t.Fatalf("report %+v", rep)
	}
	if r := rep.Rows[0]; r.Reason != "It doesn't fit" || r.Returns != 2 || r.Refunds != 1 || r.Exchanges != 1 || r.Share < 0.666 || r.Share > 0.667 {
		t.Errorf("first row %+v", r)
	}
	if r := rep.Rows[1]; r.Reason != "It arrived damaged or faulty" || r.Returns != 1 || r.Refunds != 1 || r.Exchanges != 0 {
		t.Errorf("second row %+v", r)
	}
	decodeInto(t, c.API("/api/v1/reports/returns?from=2999-01-01", apiKey).OK(t), &rep)
	if rep.Total != 0 || len(rep.Rows) != 0 {
		t.Errorf("a future period: %+v", rep)
	}
	c.API("/api/v1/reports/returns?from=someday", apiKey).Want(t, http.StatusBadRequest)
	wantCSV := "reason,returns,refunds,exchanges,share\nIt doesn't fit,2,1,1,0.667\nIt arrived damaged or faulty,1,1,0,0.333\n"
	r := c.API("/api/v1/reports/returns.csv?from=2020-01-01", apiKey).OK(t)
	if r.Text != wantCSV || !strings.Contains(r.Header.Get("Content-Disposition"), "aftersale-returns-2020-01-01.csv") {
		t.Errorf("CSV %q %q", r.Text, r.Header.Get("Content-Disposition"))
	}

	a := e.client(t)
	a.Login(owner.Email, password)
	a.Get("/admin/dashboard").Want(t, http.StatusOK, "Why customers send things back", `href="/admin/dashboard/returns.csv"`,
		`<td data-label="Reason">It doesn't fit</td><td data-label="Returns" class="num">2</td><td data-label="Refunds" class="num">1</td><td data-label="Exchanges" class="num">1</td><td data-label="Share" class="num">66.7%</td>`)
	if got := a.Get("/admin/dashboard/returns.csv").OK(t).Text; got != wantCSV {
		t.Errorf("dashboard CSV %q", got)
	}
}

func TestArrivalAnswer(t *testing.T) {
	t.Parallel()
	e := returnsEnv(t)
	placeOrder(t, e, "2001", "ana@example.com")
	owner := e.member(t, "owner@shop.example", aftersale.RoleOwner)
	ctx := context.Background()
	c := e.client(t)
	tok := e.links.Sign(aftersale.LinkArrival, "2001", time.Hour)

	c.Get("/a/"+tok+"?answer=maybe").Want(t, http.StatusBadRequest, "answer=yes or answer=no")
	c.Get("/a/"+tok).Want(t, http.StatusBadRequest)
	c.Get("/a/nonsense?answer=yes").Want(t, http.StatusUnauthorized, "this link is not valid")
	if o, _ := e.store.OrderGetByExternalID(ctx, "2001"); o.Arrival != "" {
		t.Fatalf("a bad answer was recorded: %q", o.Arrival)
	}

	// A link checker's HEAD records nothing.
	head, _ := http.NewRequest("HEAD", c.Base+"/a/"+tok+"?answer=no", nil)
	c.Do(head).Want(t, http.StatusOK)
	if o, _ := e.store.OrderGetByExternalID(ctx, "2001"); o.Arrival != "" {
		t.Fatalf("a HEAD was recorded: %q", o.Arrival)
	}
	c.Get("/a/"+tok+"?answer=yes").Want(t, http.StatusOK, "Thank you! We're glad it arrived well.")
	o, err := e.store.OrderGetByExternalID(ctx, "2001")
	if err != nil || o.Arrival != aftersale.ArrivalYes || o.ArrivalAt.IsZero() || o.DeliveredAt.IsZero() {
		t.Fatalf("after yes: %+v %v", o, err)
	}

	r := c.Get("/a/" + tok + "?answer=no")
	r.Want(t, http.StatusOK, "Sorry! Someone from our team will contact you within one business day to put it right.", `href="/returns"`)
	if strings.Contains(r.Text, "glad it arrived") {
		t.Error("the no page is glad")
	}
	if o, _ := e.store.OrderGetByExternalID(ctx, "2001"); o.Arrival != aftersale.ArrivalNo {
		t.Fatalf("after no: %q", o.Arrival)
	}
	tasks, err := e.team.Tasks(ctx, string(aftersale.TaskOpen), "ana@example.com")
	if err != nil {
		t.Fatal(err)
	}
	call := false
	for _, tk := range tasks {
		call = call || (tk.Kind == string(aftersale.TaskCall) && strings.Contains(tk.Title, "did not arrive well") && strings.Contains(tk.Title, "2001"))
	}
	if !call {
		t.Errorf("no call task after no: %+v", tasks)
	}
	a := e.client(t)
	a.Login(owner.Email, password)
	a.Get("/admin/customers/ana@example.com").Want(t, http.StatusOK, "Arrived well?", "no, something is wrong")
}

// sameLink reports whether two signed links name the same thing: their
// payloads' purpose and subject agree. Their expiry may differ by the
// second they were signed in.
func sameLink(a, b string) bool {
	subject := func(link string) string {
		tok := link[strings.LastIndexByte(link, '/')+1:]
		payload, _, _ := strings.Cut(tok, ".")
		raw, err := base64.RawURLEncoding.DecodeString(payload)
		if err != nil {
			return "bad:" + link
		}
		var p struct {
			P, S string
		}
		if json.Unmarshal(raw, &p) != nil {
			return "bad:" + link
		}
		return link[:strings.LastIndexByte(link, '/')] + " " + p.P + " " + p.S
	}
	return subject(a) == subject(b)
}
