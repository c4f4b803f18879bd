//go:build heavy

package test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/smtptest"
	"github.com/aftersale/aftersale/sqlite"
)

// TestHeavyMigrateToPostgres runs an install on the embedded database, copies it
// into PostgreSQL with `aftersale migrate-to-postgres`, and runs it on
// PostgreSQL: customers, orders and consent records are all there, and
// the steps that were still pending are sent from PostgreSQL's queue, once.
func TestHeavyMigrateToPostgres(t *testing.T) {
	t.Parallel()
	dbURL := freshDatabase(t)
	srv := smtptest.Start(t)
	dir := t.TempDir()
	addr := freePort(t)
	base := []string{
		"AFTERSALE_DATA_DIR=" + filepath.Join(dir, "data"), "AFTERSALE_SMTP_URL=" + srv.URL(),
		"AFTERSALE_API_KEY=" + apiKey, "AFTERSALE_LOG_FORMAT=text", "AFTERSALE_QUIET_HOURS=off",
		"AFTERSALE_TIME_SCALE=43200", // a day passes in 2 s: day 30 is a minute away
		"AFTERSALE_BASE_URL=http://" + addr,
	}
	logPath := filepath.Join(dir, "node.log")
	defer func() {
		if t.Failed() {
			log, _ := os.ReadFile(logPath)
			t.Logf("log (tail):\n%s", tail(log, 3000))
		}
	}()
	n := startNode(t, addr, base, logPath)
	const orders = 5
	for i := 0; i < orders; i++ {
		body := fmt.Sprintf(`{"id":"mg-%d","type":"order.placed","occurred_at":"`+nowStamp()+`","customer":{"email":"m%d@example.com","marketing_consent":true},"order":{"id":"mg-o-%d","items":[{"name":"Guide","kind":"digital"}]}}`, i, i, i)
		if code, err := postEvent(addr, body); err != nil || code != 202 {
			t.Fatalf("post: %d %v", code, err)
		}
	}
	// m0 unsubscribes with the link in their "who uses this?" email.
	var unsub string
	for deadline := time.Now().Add(10 * time.Second); unsub == "" && time.Now().Before(deadline); {
		for _, m := range srv.Messages() {
			if m.To[0] == "m0@example.com" && m.Header.Get("List-Unsubscribe") != "" {
				unsub = strings.Trim(m.Header.Get("List-Unsubscribe"), "<>")
			}
		}
		srv.WaitFor(len(srv.Messages())+1, time.Second)
	}
	resp, err := http.Post(unsub, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("unsubscribe: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	n.cmd.Wait()
	n.log.Close()
	before := len(srv.Messages())
	// An event acknowledged but not processed when the node stopped (as a
	// crash right after the 202 leaves it) waits in the inbox; it is
	// carried over and processed on PostgreSQL.
	db, err := sqlite.Open(t.Context(), filepath.Join(dir, "data", "aftersale.db"))
	if err != nil {
		t.Fatal(err)
	}
	inboxBody := `{"id":"mg-inbox","type":"order.placed","occurred_at":"` + nowStamp() + `","customer":{"email":"inbox@example.com","marketing_consent":true},"order":{"id":"mg-o-inbox","items":[{"name":"Guide","kind":"digital"}]}}`
	if _, err := db.InboxAppend(t.Context(), []*aftersale.StoredEvent{{ID: "mg-inbox", Type: aftersale.EventOrderPlaced,
		OccurredAt: time.Now(), ReceivedAt: time.Now(), Payload: []byte(inboxBody)}}); err != nil {
		t.Fatal(err)
	}
	// An event set aside is carried over, set aside still.
	if err := db.DeadEventPut(t.Context(), &aftersale.DeadEvent{Event: aftersale.StoredEvent{ID: "mg-dead", Type: aftersale.EventOrderPlaced,
		OccurredAt: time.Now(), ReceivedAt: time.Now(), Payload: []byte(`{}`)}, Error: "broken", Attempts: 2, FailedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	out, err := exec.Command(binary(t), "migrate-to-postgres", "--data-dir", filepath.Join(dir, "data"), "--database-url", dbURL).CombinedOutput()
	if err != nil {
		t.Fatalf("migrate-to-postgres: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "customers") || !strings.Contains(string(out), "pending steps to enqueue") ||
		!strings.Contains(string(out), "dead_events    1 rows") {
		t.Errorf("migrate-to-postgres output:\n%s", out)
	}
	// A second copy into the same database is refused.
	if out, err := exec.Command(binary(t), "migrate-to-postgres", "--data-dir", filepath.Join(dir, "data"), "--database-url", dbURL).CombinedOutput(); err == nil {
		t.Errorf("a second copy was not refused:\n%s", out)
	}

	n = startNode(t, addr, append(base, "AFTERSALE_DATABASE_URL="+dbURL), logPath)
	defer n.kill()
	for deadline := time.Now().Add(10 * time.Second); ; {
		req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s/api/v1/customers/inbox@example.com", addr), nil)
		req.Header.Set("Authorization", "Bearer "+apiKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the event left in the SQLite inbox was not processed on PostgreSQL: %d", resp.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for i := 0; i < orders; i++ {
		req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s/api/v1/customers/m%d@example.com", addr, i), nil)
		req.Header.Set("Authorization", "Bearer "+apiKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			Orders           []any `json:"orders"`
			MarketingConsent bool  `json:"marketing_consent"`
			Unsubscribed     bool  `json:"unsubscribed"`
		}
		json.NewDecoder(resp.Body).Decode(&c)
		resp.Body.Close()
		if len(c.Orders) != 1 || !c.MarketingConsent || c.Unsubscribed != (i == 0) {
			t.Errorf("m%d on PostgreSQL: %+v", i, c)
		}
	}
	// The day-30 check-ins were pending at the copy: they come from PostgreSQL.
	deadline := time.Now().Add(120 * time.Second)
	for {
		day30 := map[string]bool{}
		for _, m := range srv.Messages()[before:] {
			if m.Header.Get("X-Aftersale-Template") == "day30_checkin" {
				day30[m.To[0]] = true
			}
		}
		if len(day30) == orders-1 { // m0 unsubscribed
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("day-30 check-ins after the copy: %v", day30)
		}
		srv.WaitFor(len(srv.Messages())+1, time.Until(deadline))
	}
	seen := map[string]bool{}
	for _, m := range srv.Messages() {
		id := m.Header.Get("Message-Id")
		if seen[id] {
			t.Errorf("%s to %s sent twice across the copy", m.Header.Get("X-Aftersale-Template"), m.To[0])
		}
		seen[id] = true
	}
}
