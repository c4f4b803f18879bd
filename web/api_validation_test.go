package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/web"
)

// fixtureStamp is the occurred_at of the bodies here: a past moment that
// nothing compares with now.
var fixtureStamp = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC).Format(time.RFC3339)

// postEvent posts body to the event API and returns the status and the
// decoded answer.
func postEvent(t *testing.T, e *env, body []byte) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/events", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("answer %d is not JSON: %s", resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// TestEventAPIRefusesBadText posts the cases of the tester's report: each
// answers 400 naming the field, and nothing is stored; a name with an odd
// quote is valid and accepted.
func TestEventAPIRefusesBadText(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, envOptions{jobs: true}, func(c *web.Config) { c.APIKey = apiKey })
	order := func(id, customer, orderID, item string) string {
		return `{"id":"` + id + `","type":"order.placed","occurred_at":"` + fixtureStamp + `",` +
			`"customer":{` + customer + `},"order":{"id":"` + orderID + `","items":[{"sku":"s1","name":"Course","kind":"digital"},{"sku":"s2","name":"` + item + `","kind":"digital"}]}}`
	}
	good := `"email":"ana@example.com","name":"Ana"`
	tests := []struct {
		name, body, field string
	}{
		{"NUL in a name", order("e1", `"email":"ana@example.com","name":"A\u0000B"`, "1", "x"), "customer.name"},
		{"NUL in an item name", order("e2", good, "1", `x\u0000y`), "order.items[1].name"},
		{"NUL in the order id", order("e3", good, `1\u0000`, "x"), "order.id"},
		{"NUL in a return comment", `{"id":"e4","type":"return.requested","occurred_at":"` + fixtureStamp + `","return":{"order_id":"1","comment":"x\u0000y"}}`, "return.comment"},
		{"NUL in the event id", order(`e\u00005`, good, "1", "x"), "id"},
		{"control character in a name", order("e6", `"email":"ana@example.com","name":"Ana\u001b[31m"`, "1", "x"), "customer.name"},
		{"line break in a name", order("e7", `"email":"ana@example.com","name":"Ana\r\nBcc: x@evil.example"`, "1", "x"), "customer.name"},
		{"address literal", order("e8", `"email":"a@[127.0.0.1]"`, "1", "x"), "customer.email"},
		{"hyphen at the start of the domain", order("e9", `"email":"a@-b.com"`, "1", "x"), "customer.email"},
		{"65-character local part", order("e10", `"email":"`+strings.Repeat("a", 65)+`@example.com"`, "1", "x"), "customer.email"},
		{"U+202E in a name", order("e11", `"email":"ana@example.com","name":"Ana\u202Egnp.exe"`, "1", "x"), "customer.name"},
		{"invalid UTF-8 in a name", order("e12", `"email":"ana@example.com","name":"Ana `+"\xff\xfe"+`"`, "1", "x"), "customer.name"},
		{"lone surrogate in an item name", order("e13", good, "1", `x\ud800`), "order.items[1].name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := postEvent(t, e, []byte(tt.body))
			if status != http.StatusBadRequest || out["field"] != tt.field {
				t.Fatalf("answer %d %v, want 400 naming %s", status, out, tt.field)
			}
		})
	}
	ctx := context.Background()
	inbox, err := e.store.InboxList(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(inbox) != 0 {
		t.Errorf("refused events in the inbox: %d", len(inbox))
	}
	for _, id := range []string{"e1", "e2", "e3", "e4", "e\x005", "e6", "e7", "e8", "e9", "e10", "e11", "e12", "e13"} {
		if _, found, err := e.store.EventPayload(ctx, id); err != nil || found {
			t.Errorf("event %q stored (err %v)", id, err)
		}
	}
	if _, err := e.store.CustomerGetByEmail(ctx, "ana@example.com"); !aftersale.IsNotFound(err) {
		t.Errorf("a customer was stored: %v", err)
	}

	status, out := postEvent(t, e, []byte(order("e20", `"email":"ana@example.com","name":"O\"Brien"`, "20", "x")))
	if status != http.StatusAccepted {
		t.Fatalf("O\"Brien: answer %d %v, want 202", status, out)
	}
	c, err := e.store.CustomerGetByEmail(ctx, "ana@example.com")
	if err != nil || c.Name != `O"Brien` {
		t.Fatalf("customer %+v, %v; want O\"Brien", c, err)
	}
}

// TestEventAPISameIDOtherContent: the same event again is a duplicate
// (200); the same id with other content answers 409 and says so, and
// changes nothing.
func TestEventAPISameIDOtherContent(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, envOptions{jobs: true}, func(c *web.Config) { c.APIKey = apiKey })
	body := func(name string) []byte {
		return []byte(`{"id":"evt_9","type":"order.placed","occurred_at":"` + fixtureStamp + `",
			"customer":{"email":"bo@example.com","name":"` + name + `"},"order":{"id":"9","items":[{"name":"Course","kind":"digital"}]}}`)
	}
	if status, out := postEvent(t, e, body("Bo")); status != http.StatusAccepted {
		t.Fatalf("first: %d %v", status, out)
	}
	if status, out := postEvent(t, e, body("Bo")); status != http.StatusOK || out["duplicate"] != true {
		t.Fatalf("the same again: %d %v, want 200 duplicate", status, out)
	}
	status, out := postEvent(t, e, body("Someone Else"))
	msg, _ := out["error"].(string)
	if status != http.StatusConflict || !strings.Contains(msg, `an event with id "evt_9" was received before with different content`) {
		t.Fatalf("other content: %d %v, want 409 saying so", status, out)
	}
	c, err := e.store.CustomerGetByEmail(context.Background(), "bo@example.com")
	if err != nil || c.Name != "Bo" {
		t.Fatalf("customer %+v, %v; want Bo unchanged", c, err)
	}
}
