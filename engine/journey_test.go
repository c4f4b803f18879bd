package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// TestDefaultJourneyDirect runs the default journey of a digital purchase
// on the manual clock, a day at a time: the at-once emails, the day 1, 3, 7,
// 14 and 30 emails on their days and no sooner, the team's tasks with their
// due times, and a duplicate event that plans nothing new (the call's
// outcome and its retry: package team's TestCallOutcomeRetries).
func TestDefaultJourneyDirect(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		start := h.clock.RealNow()
		const ana = "ana@example.com"
		h.ingest(t, order("e1", ana, "1001", "digital"))
		if got, want := h.mail.templates(ana), []string{"thank_you", "access", "who_uses"}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("at once: %v, want %v", got, want)
		}
		again := order("e1", ana, "1001", "digital")
		again.OccurredAt = start
		if dup, err := h.svc.Ingest(ctx, again); err != nil || !dup {
			t.Fatalf("the same event again: duplicate %v, %v", dup, err)
		}
		h.settle(t)
		// Day 30 of a consenting buyer is an offer step: package insiders
		// executes it (its TestOfferStepThroughThePipeline); the engine alone
		// skips it. So are the survey steps of days 1 and 14: package
		// feedback's (its TestSurveyCycle).
		want := map[int][]string{1: {"day1_welcome"}, 3: {"day3_answers"}, 7: {"day7_checkin"}, 30: nil}
		seen := len(h.mail.templates(ana))
		for d := 1; d <= 30; d++ {
			h.days(t, 1)
			all := h.mail.templates(ana)
			got := all[seen:]
			seen = len(all)
			if w, ok := want[d]; ok && fmt.Sprint(got) != fmt.Sprint(w) {
				t.Errorf("day %d: %v, want %v", d, got, w)
			}
			if _, ok := want[d]; !ok && d < 14 && len(got) > 0 {
				t.Errorf("day %d: %v, want nothing", d, got)
			}
		}
		if got := h.sent(t, ana); len(got) != len(h.mail.templates(ana)) {
			t.Errorf("recorded as sent %v, mailed %v", got, h.mail.templates(ana))
		}

		byKind := map[string]TaskView{}
		for _, tk := range h.tasks(t, "open", ana) {
			byKind[tk.Kind] = tk
		}
		for kind, due := range map[string]time.Duration{"personal_email": 24 * time.Hour, "call": 48 * time.Hour, "social_connect": 72 * time.Hour, "community_invite": 72 * time.Hour} {
			tk, ok := byKind[kind]
			if !ok {
				t.Errorf("no %s task; have %v", kind, byKind)
				continue
			}
			if got := tk.DueAt.Sub(start); got != due {
				t.Errorf("%s task due after %v, want %v", kind, got, due)
			}
		}
		call := byKind["call"]
		if !strings.Contains(call.Title, "Ana") || call.Phone == "" || call.Script == "" {
			t.Errorf("call task %+v: want Ana's name, phone and a script", call)
		}
	})
}

// TestRefundExitsSellingSteps refunds a purchase on day 2: the selling
// emails of days 3 to 30 are never sent, care begins.
func TestRefundExitsSellingSteps(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		const bo = "bo@example.com"
		h.ingest(t, order("e1", bo, "2001", "digital"))
		h.days(t, 2)
		before := h.mail.templates(bo)
		h.ingest(t, &aftersale.Event{ID: "e2", Type: aftersale.EventOrderRefunded, Order: &aftersale.OrderFacts{ID: "2001"}})
		h.days(t, 31)
		after := h.mail.templates(bo)[len(before):]
		for _, selling := range []string{"day3_answers", "day7_checkin", "survey_performance", "day30_checkin"} {
			if has(after, selling) {
				t.Errorf("after the refund %s was sent: %v", selling, after)
			}
		}
		if len(after) == 0 {
			t.Errorf("no care email after the refund")
		}
		tasks := h.tasks(t, "open", bo)
		found := false
		for _, tk := range tasks {
			if tk.Kind == "call" && strings.Contains(strings.ToLower(tk.Title), "wrong") {
				found = true
			}
		}
		if !found {
			t.Errorf("no what-went-wrong call after the refund: %+v", tasks)
		}
	})
}
