package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
)

func shipment(id, orderID string, status aftersale.ShipmentStatus) *aftersale.Event {
	return &aftersale.Event{ID: id, Type: aftersale.EventShipmentUpdated, Shipment: &aftersale.Shipment{
		OrderID: orderID, Status: status, Carrier: "ups", TrackingNumber: "1Z999"}}
}

// linkToken returns the token of the first link in text that starts with
// prefix: what follows it up to a ?, ), >, quote or space.
func linkToken(text, prefix string) string {
	i := strings.Index(text, prefix)
	if i < 0 {
		return ""
	}
	rest := text[i+len(prefix):]
	if j := strings.IndexAny(rest, "?)> \n\""); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// lastTo is the last email sent to addr with the template.
func (m *captured) lastTo(addr, tmpl string) *aftersale.Email {
	m.mu.Lock()
	defer m.mu.Unlock()
	var last *aftersale.Email
	for _, e := range m.msgs {
		for _, h := range e.Headers {
			if e.To.Email == addr && h.Name == "X-Aftersale-Template" && h.Value == tmpl {
				last = e
			}
		}
	}
	return last
}

// TestShippingCare follows a package from shipped to delivered: an email
// at each update (a repeated one sends nothing), "did it arrive?" the day
// after delivery with one-click links, and a "no" that puts one call in the
// owner's queue with the order's facts.
func TestShippingCare(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		const cy = "cy@example.com"
		h.ingest(t, order("e1", cy, "3001", "physical"))
		if got := h.mail.templates(cy); has(got, "access") || !has(got, "thank_you") {
			t.Errorf("at once for a physical order: %v", got)
		}
		start := len(h.mail.templates(cy))
		h.ingest(t, shipment("s1", "3001", aftersale.ShipmentShipped))
		h.ingest(t, shipment("s1b", "3001", aftersale.ShipmentShipped)) // the same status again
		h.clock.Advance(3 * 3600e9)
		h.ingest(t, shipment("s2", "3001", aftersale.ShipmentOutForDelivery))
		h.clock.Advance(3 * 3600e9)
		h.ingest(t, shipment("s3", "3001", aftersale.ShipmentDelivered))
		got := h.mail.templates(cy)[start:]
		if count(got, "shipment_update") != 3 || has(got, "did_it_arrive") {
			t.Fatalf("after three updates (one repeated): %v, want three shipment updates", got)
		}
		if e := h.mail.lastTo(cy, "shipment_update"); !strings.Contains(e.Text, "1Z999") {
			t.Errorf("the shipment email lacks the tracking number:\n%s", e.Text)
		}
		h.days(t, 2)
		arrive := h.mail.lastTo(cy, "did_it_arrive")
		if arrive == nil {
			t.Fatalf("no did-it-arrive after delivery: %v", h.mail.templates(cy))
		}
		token := linkToken(arrive.Text, "https://after.example/a/")
		if token == "" || !strings.Contains(arrive.Text, token+"?answer=yes") || !strings.Contains(arrive.Text, token+"?answer=no") {
			t.Fatalf("did-it-arrive lacks its yes and no links:\n%s", arrive.Text)
		}
		if _, err := h.svc.ArrivalAnswer(ctx, token, "maybe"); err == nil {
			t.Error("an answer other than yes or no was taken")
		}
		if _, err := h.svc.ArrivalAnswer(ctx, "forged", "no"); err == nil {
			t.Error("a forged link was taken")
		}
		for range 2 {
			o, err := h.svc.ArrivalAnswer(ctx, token, "no")
			if err != nil || o.ExternalID != "3001" {
				t.Fatalf("ArrivalAnswer: %+v, %v", o, err)
			}
		}
		var calls []TaskView
		for _, tk := range h.tasks(t, "open", cy) {
			if strings.HasPrefix(tk.Title, arrivalCallPrefix) {
				calls = append(calls, tk)
			}
		}
		if len(calls) != 1 || calls[0].Assignee != "owner" || !strings.Contains(calls[0].Script, "1Z999") || !strings.Contains(calls[0].Script, "Launch Course") {
			t.Fatalf("after two noes: calls %+v, want one for the owner with the order's facts", calls)
		}
	})
}

// TestLatePackage: a package shipped and never confirmed gets the check-in
// when it is late, and a call a business day later; one whose buyer says
// yes (which counts it delivered) gets neither, nor the day-after question.
func TestLatePackage(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		const dee, eve = "dee@example.com", "eve@example.com"
		h.ingest(t, order("e1", dee, "4001", "physical"))
		h.ingest(t, order("e2", eve, "4002", "physical"))
		h.ingest(t, shipment("s1", "4001", aftersale.ShipmentShipped))
		h.ingest(t, shipment("s2", "4002", aftersale.ShipmentShipped))
		yes, _ := h.svc.arrivalLinks("4002")
		token := strings.TrimSuffix(strings.TrimPrefix(yes, "https://after.example/a/"), "?answer=yes")
		if _, err := h.svc.ArrivalAnswer(ctx, token, "yes"); err != nil {
			t.Fatal(err)
		}
		h.settle(t)
		h.days(t, 14)
		if !has(h.mail.templates(dee), "did_it_arrive") {
			t.Errorf("the late package got no check-in: %v", h.mail.templates(dee))
		}
		late := false
		for _, tk := range h.tasks(t, "open", dee) {
			late = late || strings.HasPrefix(tk.Title, "Late delivery? Call Ana")
		}
		if !late {
			t.Errorf("no late-delivery call: %+v", h.tasks(t, "open", dee))
		}
		for _, tk := range h.tasks(t, "open", eve) {
			if strings.HasPrefix(tk.Title, "Late delivery?") {
				t.Errorf("a late call for a package that arrived: %+v", tk)
			}
		}
		if got := h.mail.templates(eve); has(got, "did_it_arrive") {
			t.Errorf("the buyer who said yes: %v", got)
		}
	})
}
