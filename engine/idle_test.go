package engine

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// failing is a Mailer that refuses with err while err is set, and keeps
// what it accepts otherwise.
type failing struct {
	captured
	fmu sync.Mutex
	err error
}

func (m *failing) Send(ctx context.Context, e *aftersale.Email) error {
	m.fmu.Lock()
	err := m.err
	m.fmu.Unlock()
	if err != nil {
		return err
	}
	return m.captured.Send(ctx, e)
}

func (m *failing) fail(err error) {
	m.fmu.Lock()
	m.err = err
	m.fmu.Unlock()
}

// TestDispatchAndExecuteDirect drives the engine by hand, with no workers:
// the inbox is processed, a passing day leaves steps due (WaitIdle says
// so), Dispatch gives them jobs, and ExecuteSteps runs them: a temporary
// refusal keeps a step pending for a retry, the retry sends it, a job run
// twice sends nothing twice, and on the final attempt a refusal is recorded
// as a failure.
func TestDispatchAndExecuteDirect(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			mail := &failing{}
			h := startHarness(t, db, aftersale.NewManualClock(harnessStart()), mail, false)
			h.mail = &mail.captured
			const jo, kim = "jo@example.com", "kim@example.com"
			evs := []*aftersale.Event{order("e1", jo, "9001", "digital"), order("e2", kim, "9002", "digital")}
			for _, ev := range evs {
				ev.OccurredAt = h.clock.RealNow()
			}
			if _, err := h.svc.Import(ctx, evs, nil); err != nil {
				t.Fatal(err)
			}
			if n, err := h.svc.ProcessInbox(ctx, nil); err != nil || n != 2 {
				t.Fatalf("ProcessInbox: %d, %v", n, err)
			}
			due := func(addr string) []int64 {
				t.Helper()
				steps, err := h.st.StepListByCustomer(ctx, h.customer(t, addr).ID)
				if err != nil {
					t.Fatal(err)
				}
				var ids []int64
				for _, st := range steps {
					if st.Status == aftersale.StepPending && !st.DueAt.After(h.clock.RealNow()) {
						ids = append(ids, st.ID)
					}
				}
				return ids
			}
			// busy is what WaitIdle waits for.
			waiting := func() string {
				t.Helper()
				w, err := h.svc.busy(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return w
			}
			if w := waiting(); !strings.Contains(w, "steps are due") {
				t.Fatalf("with the at-once steps not run, waiting for %q", w)
			}
			if err := h.svc.WaitIdle(ctxTimeout(t, 50*time.Millisecond)); err == nil || !strings.Contains(err.Error(), "not idle") {
				t.Errorf("WaitIdle with the steps not run: %v, want it to say it is not idle", err)
			}

			// A temporary refusal: the step stays pending, the job is retried.
			ids := due(jo)
			if len(ids) == 0 {
				t.Fatal("no step due at once")
			}
			mail.fail(&aftersale.DeliveryError{Temporary: true, Code: 451, Err: errors.New("try later")})
			if err := h.svc.ExecuteSteps(ctx, ids, false); err == nil {
				t.Fatal("ExecuteSteps with a refusing mailer: no error, so no retry")
			}
			emails := 0
			steps, err := h.st.StepListByCustomer(ctx, h.customer(t, jo).ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range steps {
				if st.Status == aftersale.StepSkipped { // its condition is not met (not a physical order, say)
					continue
				}
				if st.Type == aftersale.StepEmail && !st.DueAt.After(h.clock.RealNow()) {
					emails++
					if st.Status != aftersale.StepPending {
						t.Errorf("email step %s is %s after a temporary refusal, want pending", st.Key, st.Status)
					}
				} else if st.Status == aftersale.StepPending && !st.DueAt.After(h.clock.RealNow()) {
					t.Errorf("step %s (%s) held up by the refused emails", st.Key, st.Type)
				}
			}
			if left := due(jo); emails == 0 || len(left) != emails {
				t.Errorf("after a temporary refusal %d steps pending, want the %d email steps", len(left), emails)
			}
			mail.fail(nil)
			for range 2 { // the job runs twice
				if err := h.svc.ExecuteSteps(ctx, ids, false); err != nil {
					t.Fatal(err)
				}
			}
			sent := h.mail.templates(jo)
			if len(sent) == 0 || count(sent, "thank_you") != 1 {
				t.Errorf("after the retry (run twice) Jo got %v, want each email once", sent)
			}
			if left := due(jo); len(left) != 0 {
				t.Errorf("steps %v still pending", left)
			}

			// On the final attempt a refusal is a failure.
			mail.fail(errors.New("connection refused"))
			kids := due(kim)
			if err := h.svc.ExecuteSteps(ctx, kids, true); err != nil {
				t.Fatalf("the final attempt: %v", err)
			}
			msgs, err := h.st.MessageListByCustomer(ctx, h.customer(t, kim).ID)
			if err != nil || len(msgs) == 0 {
				t.Fatalf("Kim's messages: %v, %v", msgs, err)
			}
			for _, m := range msgs {
				if m.Status != aftersale.MessageFailed || !strings.Contains(m.Error, "connection refused") {
					t.Errorf("Kim's %s: %s %q, want failed with the reason", m.Template, m.Status, m.Error)
				}
			}
			mail.fail(nil)
			if w := waiting(); w != "" {
				t.Fatalf("after every due step ran, waiting for %q", w)
			}
			if err := h.svc.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}

			// A day passes: the day 1 steps are due, but have no job until
			// the dispatcher runs.
			h.clock.Advance(24 * time.Hour)
			if w := waiting(); !strings.Contains(w, "steps are due") {
				t.Fatalf("after a day, waiting for %q; want the day 1 steps", w)
			}
			n, err := h.svc.Dispatch(ctx)
			if err != nil || n == 0 {
				t.Fatalf("Dispatch: %d, %v", n, err)
			}
			if n, err := h.svc.Dispatch(ctx); err != nil || n != 0 {
				t.Errorf("Dispatch again: %d, %v; want nothing new", n, err)
			}
			steps, err = h.st.StepListByCustomer(ctx, h.customer(t, jo).ID)
			if err != nil {
				t.Fatal(err)
			}
			var day1 []int64
			for _, st := range steps {
				if st.Status == aftersale.StepPending && !st.DueAt.After(h.clock.RealNow()) {
					if !st.Enqueued {
						t.Errorf("step %s due and dispatched, but without a job", st.Key)
					}
					day1 = append(day1, st.ID)
				}
			}
			if err := h.svc.ExecuteSteps(ctx, append(day1, due(kim)...), false); err != nil {
				t.Fatal(err)
			}
			if !has(h.mail.templates(jo), "day1_welcome") {
				t.Errorf("day 1 by hand: Jo got %v", h.mail.templates(jo))
			}
			if w := waiting(); w != "" {
				t.Errorf("after day 1 ran, waiting for %q", w)
			}
		})
	}
}

// TestAdvanceDispatches: on a running service, Advance returns once the
// steps due by the new time have their jobs (the dispatcher ran in it), and
// WaitIdle returns once they ran.
func TestAdvanceDispatches(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		const lu = "lu@example.com"
		h.ingest(t, order("e1", lu, "9101", "digital"))
		h.clock.Advance(24 * time.Hour)
		steps, err := h.st.StepListByCustomer(ctx, h.customer(t, lu).ID)
		if err != nil {
			t.Fatal(err)
		}
		dueNow := 0
		for _, st := range steps {
			if !st.DueAt.After(h.clock.RealNow()) && st.Status == aftersale.StepPending {
				dueNow++
				if !st.Enqueued {
					t.Errorf("step %s is due and had no job when Advance returned", st.Key)
				}
			}
		}
		h.settle(t)
		if !has(h.mail.templates(lu), "day1_welcome") {
			t.Errorf("after the day settled: %v", h.mail.templates(lu))
		}
		if dueNow == 0 && !has(h.mail.templates(lu), "day1_welcome") {
			t.Error("nothing was due after a day")
		}
	})
}

// TestQuietHours: a buyer in New York who buys at 04:00 their time gets
// the at-once emails at once, but the day 1 email waits for the end of
// their quiet hours (08:00 New York, 13:00 UTC), not for 04:00 a day later.
func TestQuietHours(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		const mo = "mo@example.com"
		ev := order("e1", mo, "9201", "digital")
		ev.Customer.Timezone = "America/New_York"
		h.ingest(t, ev) // 09:00 UTC is 04:00 in New York
		if !has(h.mail.templates(mo), "thank_you") {
			t.Fatalf("at once: %v", h.mail.templates(mo))
		}
		h.clock.Advance(24 * time.Hour) // 04:00 New York, a day later
		h.settle(t)
		if has(h.mail.templates(mo), "day1_welcome") {
			t.Fatal("day 1 was sent at 04:00 in the buyer's time zone")
		}
		h.clock.Advance(3*time.Hour + 59*time.Minute) // 07:59 New York
		h.settle(t)
		if has(h.mail.templates(mo), "day1_welcome") {
			t.Fatal("day 1 was sent before 08:00 in the buyer's time zone")
		}
		h.clock.Advance(time.Minute)
		h.settle(t)
		if !has(h.mail.templates(mo), "day1_welcome") {
			t.Fatalf("day 1 not sent at 08:00 New York: %v", h.mail.templates(mo))
		}
	})
}

// ctxTimeout is a context that ends after d.
func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
