package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/smtptest"
	"github.com/aftersale/aftersale/sqlite"
	"github.com/aftersale/aftersale/team"
)

// pollUntil looks at cond every few milliseconds until it holds, for
// conditions that give no signal of their own (a server becoming ready, a
// row written just after the SMTP hand-off). After hangGuard it fails and
// says what it waited for.
func pollUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(hangGuard)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", hangGuard, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// daysUntil lets days pass one at a time, settling after each, until cond
// holds; it fails after max days and says what it waited for.
func (b *bundle) daysUntil(t testing.TB, max int, what string, cond func() bool) {
	t.Helper()
	for n := 0; !cond(); n++ {
		if n == max {
			t.Fatalf("%s: not after %d days (%s)", what, max, b.describe())
		}
		b.days(t, 1)
	}
}

// apiTasks lists the tasks through the API.
func (b *bundle) apiTasks(t testing.TB, query string) []map[string]any {
	t.Helper()
	return b.apiList(t, "/api/v1/tasks?"+query)
}

// apiList GETs an API path that answers with a JSON list.
func (b *bundle) apiList(t testing.TB, path string) []map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// daysUntilTemplate lets days pass until a message rendered from tmpl has
// reached to, and returns it; it fails after max days.
func (b *bundle) daysUntilTemplate(t testing.TB, to, tmpl string, max int) *smtptest.Received {
	t.Helper()
	var got *smtptest.Received
	b.daysUntil(t, max, "a "+tmpl+" email to "+to, func() bool {
		if l := templates(b, to)[tmpl]; len(l) > 0 {
			got = l[0]
		}
		return got != nil
	})
	return got
}

// stepJobs counts River's step jobs in the states (on SQLite, setup's
// store).
func stepJobs(t testing.TB, b *bundle, states ...string) int {
	t.Helper()
	db := b.app.Store().(*sqlite.DB)
	n := 0
	for _, st := range states {
		var c int
		if err := db.SQL().QueryRow("SELECT count(*) FROM river_job WHERE kind = 'aftersale_steps' AND state = ?", st).Scan(&c); err != nil {
			t.Fatal(err)
		}
		n += c
	}
	return n
}

// failedStepJobs counts River's step jobs that have failed an attempt and
// wait for, or have had, a retry.
func failedStepJobs(t testing.TB, b *bundle) int {
	t.Helper()
	db := b.app.Store().(*sqlite.DB)
	var n int
	if err := db.SQL().QueryRow("SELECT count(*) FROM river_job WHERE kind = 'aftersale_steps' AND errors IS NOT NULL").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// openTask returns an open task of the kind for the customer (not one of
// not), or false.
func (b *bundle) openTask(t testing.TB, customer string, kind aftersale.TaskKind, not map[int64]bool) (team.TaskView, bool) {
	t.Helper()
	tasks, err := b.app.Team().Tasks(context.Background(), "open", customer)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tasks {
		if tk.Kind == string(kind) && !not[tk.ID] {
			return tk, true
		}
	}
	return team.TaskView{}, false
}

// dayTask lets days pass (none when the task is there already) until an
// open task of the kind is there for the customer; it fails after max days.
func (b *bundle) dayTask(t testing.TB, customer string, kind aftersale.TaskKind, not map[int64]bool, max int) team.TaskView {
	t.Helper()
	b.settle(t)
	var got team.TaskView
	b.daysUntil(t, max, "an open "+string(kind)+" task for "+customer, func() bool {
		tk, ok := b.openTask(t, customer, kind, not)
		got = tk
		return ok
	})
	return got
}
