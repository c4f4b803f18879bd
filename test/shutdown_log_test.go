package test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/aftersale/aftersale/internal/testwait"
	"github.com/aftersale/aftersale/smtptest"
)

// TestSIGTERMLogsNoError: a graceful shutdown, with an email sent and
// the bounce listener on, logs no ERROR (the report saw "context
// canceled" at ERROR on every one) and exits 0.
func TestSIGTERMLogsNoError(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	dir := t.TempDir()
	addr := freePort(t)
	env := []string{
		"AFTERSALE_DATA_DIR=" + filepath.Join(dir, "data"), "AFTERSALE_SMTP_URL=" + srv.URL(),
		"AFTERSALE_API_KEY=" + apiKey, "AFTERSALE_LOG_FORMAT=text", "AFTERSALE_BOUNCE_LISTEN=" + freePort(t),
	}
	logPath := filepath.Join(dir, "node.log")
	n := startNode(t, addr, env, logPath)
	body := fmt.Sprintf(`{"id":"quiet-1","type":"order.placed","occurred_at":%q,"customer":{"email":"quiet@example.com"},"order":{"id":"q1","items":[{"name":"Guide","kind":"digital"}]}}`,
		time.Now().UTC().Add(-time.Minute).Format(time.RFC3339))
	if code, err := postEvent(addr, body); err != nil || code != 202 {
		t.Fatalf("post: %d %v", code, err)
	}
	if _, err := srv.WaitFor(1, testwait.HangGuard); err != nil {
		t.Fatalf("no email before the shutdown: %v", err)
	}
	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := n.waitExit("SIGTERM"); err != nil {
		log, _ := os.ReadFile(logPath)
		t.Fatalf("exit after SIGTERM: %v\n%s", err, tail(log, 2000))
	}
	n.log.Close()
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(log, []byte("level=ERROR")) || bytes.Contains(log, []byte("context canceled")) {
		t.Errorf("the shutdown logged an error:\n%s", tail(log, 3000))
	}
}
