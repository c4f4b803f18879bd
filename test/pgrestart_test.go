//go:build heavy

package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftersale/aftersale/internal/pgtest"
	"github.com/aftersale/aftersale/smtptest"
)

// TestHeavyPostgresRestartUnderLoad restarts the PostgreSQL server while
// two nodes take orders: the nodes must reconnect and deliver every
// acknowledged order's thank-you. It restarts a private cluster of its own
// (AFTERSALE_TEST_RESTART_URL, restarted by AFTERSALE_TEST_RESTART_CMD),
// which `bash scripts/test.sh heavy` starts for it.
func TestHeavyPostgresRestartUnderLoad(t *testing.T) {
	serverURL, restart := os.Getenv("AFTERSALE_TEST_RESTART_URL"), strings.Fields(os.Getenv("AFTERSALE_TEST_RESTART_CMD"))
	if serverURL == "" || len(restart) == 0 {
		t.Fatal("AFTERSALE_TEST_RESTART_URL and AFTERSALE_TEST_RESTART_CMD name the private PostgreSQL cluster this test restarts: run it with bash scripts/test.sh heavy")
	}
	dbURL := pgtest.DatabaseOn(t, serverURL)
	srv := smtptest.Start(t)
	dir := t.TempDir()
	var addrs []string
	var nodes []*node
	for i := 0; i < 2; i++ {
		addr := freePort(t)
		env := []string{
			"AFTERSALE_DATABASE_URL=" + dbURL, "AFTERSALE_DATA_DIR=" + filepath.Join(dir, fmt.Sprint(i)),
			"AFTERSALE_SMTP_URL=" + srv.URL(), "AFTERSALE_API_KEY=" + apiKey, "AFTERSALE_LOG_FORMAT=text",
		}
		nodes = append(nodes, startNode(t, addr, env, filepath.Join(dir, fmt.Sprintf("node%d.log", i))))
		addrs = append(addrs, addr)
	}
	defer func() {
		for _, n := range nodes {
			n.kill()
		}
		if t.Failed() {
			for i := range nodes {
				log, _ := os.ReadFile(filepath.Join(dir, fmt.Sprintf("node%d.log", i)))
				t.Logf("node %d log (tail):\n%s", i, tail(log, 3000))
			}
		}
	}()

	const orders = 600
	var acked sync.Map
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= orders {
					return
				}
				if i == orders/3 {
					out, err := exec.Command(restart[0], restart[1:]...).CombinedOutput()
					if err != nil {
						t.Errorf("restart PostgreSQL: %v %s", err, out)
					}
				}
				body := fmt.Sprintf(`{"id":"pr-%05d","type":"order.placed","occurred_at":%q,"customer":{"email":"p%05d@example.com"},"order":{"id":"pr-%05d","items":[{"name":"Guide","kind":"digital"}]}}`, i, time.Now().UTC().Format(time.RFC3339), i, i)
				for attempt := 0; ; attempt++ {
					code, err := postEvent(addrs[(i+attempt)%2], body)
					if err == nil && (code == 202 || code == 200) {
						acked.Store(i, true)
						break
					}
					if attempt > 100 {
						t.Errorf("order %d never acknowledged: %d %v", i, code, err)
						return
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(180 * time.Second)
	for {
		thanks := map[string]bool{}
		for _, m := range srv.Messages() {
			if m.Header.Get("X-Aftersale-Template") == "thank_you" {
				thanks[strings.Join(m.To, ",")] = true
			}
		}
		if len(thanks) >= orders {
			t.Logf("%d orders, PostgreSQL restarted at order %d: every thank-you delivered", orders, orders/3)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d thank-you emails after the PostgreSQL restart", len(thanks), orders)
		}
		srv.WaitFor(len(srv.Messages())+1, time.Until(deadline))
	}
}
