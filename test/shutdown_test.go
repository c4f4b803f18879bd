package test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/aftersale/aftersale/smtptest"
)

// TestSIGTERMShutsDownGracefully checks that SIGTERM ends the process
// cleanly (exit status 0; the process bounds its own drain at 30 s), and
// that a restart on the same data dir serves again with the event still
// there.
func TestSIGTERMShutsDownGracefully(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	dir := t.TempDir()
	addr := freePort(t)
	env := []string{
		"AFTERSALE_DATA_DIR=" + filepath.Join(dir, "data"), "AFTERSALE_SMTP_URL=" + srv.URL(),
		"AFTERSALE_API_KEY=" + apiKey, "AFTERSALE_LOG_FORMAT=text",
	}
	logPath := filepath.Join(dir, "node.log")
	n := startNode(t, addr, env, logPath)
	body := fmt.Sprintf(`{"id":"term-1","type":"order.placed","occurred_at":%q,"customer":{"email":"term@example.com"},"order":{"id":"t1","items":[{"name":"Guide","kind":"digital"}]}}`,
		time.Now().UTC().Add(-time.Minute).Format(time.RFC3339))
	if code, err := postEvent(addr, body); err != nil || code != 202 {
		t.Fatalf("post: %d %v", code, err)
	}
	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := n.waitExit("SIGTERM"); err != nil {
		log, _ := os.ReadFile(logPath)
		t.Fatalf("exit after SIGTERM: %v\n%s", err, tail(log, 2000))
	}
	n.log.Close()
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("still answering after shutdown")
	}
	n = startNode(t, addr, env, logPath)
	defer n.kill()
	if code, err := postEvent(addr, body); err != nil || code != 200 {
		t.Errorf("the event after a restart: %d %v, want 200 duplicate", code, err)
	}
}
