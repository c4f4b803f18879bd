package admin_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/web"
)

// TestAdminEraseNeedsAnOwnerAndTheTypedAddress: every member can download
// a customer's data; only an owner sees the erase form and may post it,
// and only with the address typed again; the erase leaves the flash and
// the logs without the address.
func TestAdminEraseNeedsAnOwnerAndTheTypedAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.member(t, "owner@shop.example", aftersale.RoleOwner)
	helper := e.member(t, "helper@shop.example", aftersale.RoleAssistant)
	const addr = "ana.private@example.com"
	cust := e.customer(t, addr, "+12025550143")
	e.task(t, cust, aftersale.TaskCall, "Call Ana", "1. Say hi", "")
	e.customer(t, "stays@example.com", "")
	page := "/admin/customers/" + addr

	as := e.client(t)
	as.Login(helper.Email, password)
	r := as.Get(page)
	r.Want(t, http.StatusOK, "Export data", "Only an owner can erase")
	if strings.Contains(r.Text, `action="/admin/customers/`+addr+`/erase"`) {
		t.Error("an assistant sees the erase form")
	}
	r = as.Get(page + "/export")
	r.Want(t, http.StatusOK)
	if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="customer-`+strconv.FormatInt(cust.ID, 10)+`.json"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	var x struct {
		Customer struct{ Email string }
		Orders   []struct{ ID string }
		Tasks    []struct{ Title string }
	}
	if err := json.Unmarshal([]byte(r.Text), &x); err != nil || x.Customer.Email != addr || len(x.Orders) != 1 || len(x.Tasks) != 1 {
		t.Errorf("export: %+v %v\n%s", x, err, r.Text)
	}
	as.Get("/admin/customers/nobody@example.com/export").Want(t, http.StatusNotFound, "no customer has the email nobody@example.com")
	as.Post(page+"/erase", url.Values{"confirm": {addr}}).Want(t, http.StatusForbidden, "Only an owner")
	if _, err := e.store.CustomerGetByEmail(context.Background(), addr); err != nil {
		t.Fatalf("an assistant's post erased the customer: %v", err)
	}

	c := e.client(t)
	c.Login(owner.Email, password)
	c.Get(page).Want(t, http.StatusOK, `action="/admin/customers/`+addr+`/erase"`, `name="confirm"`, "Erase")
	// Without the token, nothing happens.
	c.PostRaw(page+"/erase", url.Values{"confirm": {addr}}, nil).Want(t, http.StatusForbidden)
	// Without the address, or with another, nothing happens.
	for _, typed := range []string{"", "ana@example.com", "stays@example.com"} {
		c.Get(page)
		c.Post(page+"/erase", url.Values{"confirm": {typed}}).Want(t, http.StatusBadRequest, "Nothing was erased")
	}
	if _, err := e.store.CustomerGetByEmail(context.Background(), addr); err != nil {
		t.Fatalf("erased without the typed address: %v", err)
	}
	c.Get(page)
	r = c.Post(page+"/erase", url.Values{"confirm": {"  Ana.Private@Example.com "}}) // any case, spaces
	r.Want(t, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/admin/customers" {
		t.Errorf("after the erase: Location %q", loc)
	}
	r = c.Get("/admin/customers")
	r.Want(t, http.StatusOK, "Customer #"+strconv.FormatInt(cust.ID, 10)+" is erased")
	if strings.Contains(r.Text, addr) {
		t.Error("the page after the erase shows the address")
	}
	if _, err := e.store.CustomerGetByEmail(context.Background(), addr); !aftersale.IsNotFound(err) {
		t.Errorf("the customer after the erase: %v", err)
	}
	if got, err := e.store.CustomerGet(context.Background(), cust.ID); err != nil || got.Name != "" || got.Phone != "" {
		t.Errorf("the erased record: %+v %v", got, err)
	}
	if _, err := e.store.CustomerGetByEmail(context.Background(), "stays@example.com"); err != nil {
		t.Errorf("another customer is gone: %v", err)
	}
	c.Get(page).Want(t, http.StatusNotFound)
	c.Post(page+"/erase", url.Values{"confirm": {addr}}).Want(t, http.StatusNotFound)
	if logs := e.logs.String(); strings.Contains(logs, addr) || !strings.Contains(logs, "customer erased") {
		t.Errorf("the erase is not logged, or logged with the address:\n%s", logs)
	}
}

// TestPrivacyAPI: the export and the erase over the API, with its key;
// JSON errors name the problem.
func TestPrivacyAPI(t *testing.T) {
	t.Parallel()
	const key = "privacy-key-0123456789"
	e := newEnvWith(t, envOptions{web: func(c *web.Config) { c.APIKey = key }})
	const addr = "kai.private@example.com"
	cust := e.customer(t, addr, "")
	call := func(method, path, k string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, e.srv.URL+path, nil)
		if k != "" {
			req.Header.Set("Authorization", "Bearer "+k)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s %s: Content-Type %q", method, path, ct)
		}
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: not JSON: %v\n%s", method, path, err, raw)
		}
		return resp.StatusCode, out
	}
	if code, _ := call("GET", "/api/v1/customers/"+addr+"/export", ""); code != 401 {
		t.Errorf("export without the key: %d", code)
	}
	if code, _ := call("DELETE", "/api/v1/customers/"+addr, "wrong"); code != 401 {
		t.Errorf("erase with a wrong key: %d", code)
	}
	code, x := call("GET", "/api/v1/customers/"+addr+"/export", key)
	if code != 200 || x["customer"].(map[string]any)["email"] != addr || len(x["orders"].([]any)) != 1 {
		t.Fatalf("export: %d %v", code, x)
	}
	for _, k := range []string{"events", "messages", "tasks", "survey_answers", "coupons", "referrals_made", "referred_by",
		"stories_sent", "broadcast_messages", "journey_runs", "journey_steps"} {
		if _, ok := x[k].([]any); !ok {
			t.Errorf("export: %s is %T, want a list (empty rather than null)", k, x[k])
		}
	}
	if code, body := call("GET", "/api/v1/customers/nobody@example.com/export", key); code != 404 || !strings.Contains(body["error"].(string), "nobody@example.com") {
		t.Errorf("export of nobody: %d %v", code, body)
	}
	if code, body := call("DELETE", "/api/v1/customers/nobody@example.com", key); code != 404 || body["error"] == nil {
		t.Errorf("erase of nobody: %d %v", code, body)
	}
	code, body := call("DELETE", "/api/v1/customers/"+addr, key)
	if code != 200 || body["erased"] != true || body["customer_id"] != float64(cust.ID) {
		t.Fatalf("erase: %d %v", code, body)
	}
	if code, _ := call("GET", "/api/v1/customers/"+addr, key); code != 404 {
		t.Errorf("the erased customer: %d", code)
	}
	if code, _ := call("DELETE", "/api/v1/customers/"+addr, key); code != 404 {
		t.Errorf("erase twice: %d", code)
	}
}
