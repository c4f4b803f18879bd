//go:build heavy

package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/app"
)

// TestHeavyBroadcastTenThousand sends a broadcast to 10,000 recipients through
// the SMTP server: exactly the consenting, subscribed,
// deliverable members of the segment get it, one message each, with RFC
// 8058 headers; somebody who unsubscribes while it goes out is skipped;
// running the job again sends nobody a second message.
func TestHeavyBroadcastTenThousand(t *testing.T) {
	t.Parallel()
	onBothDatabases(t, func(t *testing.T, db func(*app.Config)) {
		b := setup(t, 1, db)
		ctx := context.Background()
		svc, bcs := b.app.Service(), b.app.Broadcasts()

		// 12,000 buyers of the product: 10,000 who agreed to updates, and
		// 2,000 who did not, unsubscribed, bounced or complained.
		const n = 12_000
		var people []seedPerson
		want := map[string]bool{}
		for i := range n {
			p := seedPerson{email: fmt.Sprintf("p%05d@example.com", i), sku: "launch", consent: true}
			if i%6 == 1 {
				switch i / 6 % 4 {
				case 0:
					p.consent = false
				case 1:
					p.unsubscribed = true
				case 2:
					p.suppressed = "bounce 5.1.1"
				case 3:
					p.suppressed = aftersale.SuppressComplaint
				}
			}
			if p.consent && !p.unsubscribed && p.suppressed == "" {
				want[p.email] = true
			}
			people = append(people, p)
		}
		if len(want) != 10_000 {
			t.Fatalf("%d recipients", len(want))
		}
		// Consenting people outside the segment.
		for i := range 50 {
			people = append(people, seedPerson{email: fmt.Sprintf("other%02d@example.com", i), sku: "other", consent: true})
		}
		customers := seed(t, b, people)

		bc, err := bcs.Save(ctx, &aftersale.Broadcast{
			Title: "Spring update", Subject: "What's new, {{.FirstName}}",
			Body:    "Hi {{.FirstName}},\n\nThe **spring edition** is out: <https://shop.example/spring>.\n",
			Segment: aftersale.Segment{SKUs: []string{"launch"}}, Rate: 1000,
		}, "owner@shop.example")
		if err != nil {
			t.Fatal(err)
		}
		count, err := bcs.AudienceCount(ctx, bc.Segment, bc.FirstLook)
		if err != nil || count != len(want) {
			t.Fatalf("audience count %d, %v; want %d", count, err, len(want))
		}
		start := time.Now()
		if _, err := bcs.SendNow(ctx, bc.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := bcs.SendNow(ctx, bc.ID); aftersale.ErrorCode(err) != aftersale.ECONFLICT {
			t.Fatalf("a second send: %v, want a conflict", err)
		}
		// The last one of the list unsubscribes in one click while it goes
		// out (it sends in ID order: they are reached last).
		late := fmt.Sprintf("p%05d@example.com", n-1)
		if !want[late] {
			t.Fatalf("%s is not in the audience", late)
		}
		unsub := svc.UnsubscribeURL(customers[late])
		resp, err := http.Post(unsub, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("one-click unsubscribe: %v %v", resp, err)
		}
		resp.Body.Close()
		delete(want, late)

		// A hang guard, many times what it takes (about 15 s at 1,000 a
		// second), not a budget.
		done := waitBroadcast(t, b, bc.ID, 10*time.Minute)
		took := time.Since(start)
		// The late one is skipped when their message comes, or left out of
		// the audience when their page is read after the click.
		if done.Status != aftersale.BroadcastSent || done.Sent != len(want) || done.Skipped > 1 || done.Failed != 0 {
			t.Fatalf("broadcast %s: sent %d, skipped %d, failed %d; want %d, at most 1, 0", done.Status, done.Sent, done.Skipped, done.Failed, len(want))
		}
		t.Logf("%d messages in %v", done.Sent, took)

		check := func() {
			t.Helper()
			got := broadcastMessages(b.smtp)
			for to, ms := range got {
				if !want[to] {
					t.Errorf("%s got the broadcast", to)
				}
				if len(ms) != 1 {
					t.Errorf("%s got %d messages", to, len(ms))
				}
			}
			for to := range want {
				if len(got[to]) == 0 {
					t.Errorf("%s did not get the broadcast", to)
				}
			}
		}
		check()
		seen := map[string]bool{}
		for to, ms := range broadcastMessages(b.smtp) {
			m := ms[0]
			if got := m.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
				t.Fatalf("%s: List-Unsubscribe-Post %q", to, got)
			}
			if lu := m.Header.Get("List-Unsubscribe"); !strings.HasPrefix(lu, "<"+b.base+"/u/") || !strings.HasSuffix(lu, ">") {
				t.Fatalf("%s: List-Unsubscribe %q", to, lu)
			}
			id := m.Header.Get("Message-Id")
			if seen[id] || !strings.HasSuffix(id, "@shop.example>") {
				t.Fatalf("%s: Message-ID %q (seen before: %v)", to, id, seen[id])
			}
			seen[id] = true
		}
		// One message, looked at closely.
		m := broadcastMessages(b.smtp)["p00000@example.com"][0]
		if s := m.Header.Get("Subject"); s != "What's new, Person0" {
			t.Errorf("subject %q", s)
		}
		if txt := m.Text(); !strings.Contains(txt, "Hi Person0,") || !strings.Contains(txt, "Unsubscribe in one click: "+b.base+"/u/") {
			t.Errorf("text:\n%s", txt)
		}
		if h := m.HTML(); !strings.Contains(h, "<strong>spring edition</strong>") {
			t.Errorf("html:\n%s", h)
		}

		// The job runs again, as after a crash between the last message and
		// marking it sent: nobody gets a second message.
		if err := b.app.Store().BroadcastSetStatus(ctx, bc.ID, aftersale.BroadcastSent, aftersale.BroadcastSending, time.Now()); err != nil {
			t.Fatal(err)
		}
		if done, err := bcs.Run(ctx, bc.ID, 0); err != nil || !done {
			t.Fatalf("run again: %v %v", done, err)
		}
		check()
		if again, _ := bcs.Get(ctx, bc.ID); again.Status != aftersale.BroadcastSent || again.Sent != len(want) {
			t.Errorf("after running again: %s, sent %d", again.Status, again.Sent)
		}
	})
}

// TestBroadcastResumes interrupts a broadcast mid-way, as a crash would,
// and resumes it: everybody gets exactly one message. A temporary SMTP
