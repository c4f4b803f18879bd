package test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale/internal/pgtest"
)

// freshDatabase creates an empty database for one test and drops it after.
// An unreachable server fails the test: PostgreSQL is part of CI.
func freshDatabase(t *testing.T) string { return pgtest.Database(t) }

// ordersFromEnv lets a run use more orders than the default, e.g.
// AFTERSALE_CLUSTER_ORDERS=10000 for the full-size acceptance run.
func ordersFromEnv(def int) int { return envInt("AFTERSALE_CLUSTER_ORDERS", def) }

// envInt is the positive integer in the environment variable name, or def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

const apiKey = "crash-test-key-123456"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds cmd/aftersale once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "aftersale-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "aftersale")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/aftersale").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// node is one aftersale process.
type node struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string
	env  []string
	log  *os.File
}

func startNode(t *testing.T, addr string, env []string, logPath string) *node {
	t.Helper()
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t), "serve")
	cmd.Env = append(os.Environ(), env...)
	cmd.Env = append(cmd.Env, "AFTERSALE_ADDR="+addr)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &node{t: t, cmd: cmd, addr: addr, env: env, log: f}
	// The process has no way to say it is ready but /healthz.
	if !pollUntil(processGuard, func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}) {
		n.kill()
		t.Fatalf("node at %s did not answer /healthz with 200 within %v (hang guard); see %s", addr, processGuard, logPath)
	}
	return n
}

// processGuard bounds every wait for an aftersale process (to be healthy,
// to write a file, to exit): many times what it takes on a busy machine,
// so reaching it means a hang, not slowness.
const processGuard = 2 * time.Minute

// pollUntil looks at ok every few milliseconds until it holds or guard has
// passed, and says whether it held: for what a process does with no signal
// the test can wait on (a port that answers, a file written). The caller's
// failure message says what was awaited.
func pollUntil(guard time.Duration, ok func() bool) bool {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(guard)
	for !ok() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}

// waitExit waits for the process to exit, at most processGuard, and
// returns its exit error; when it does not exit, it is killed and the test
// stops, saying after what (why) the exit was awaited.
func (n *node) waitExit(why string) error {
	n.t.Helper()
	done := make(chan error, 1)
	go func() { done <- n.cmd.Wait() }()
	guard, stop := context.WithTimeout(context.Background(), processGuard)
	defer stop()
	select {
	case err := <-done:
		return err
	case <-guard.Done():
		_ = n.cmd.Process.Kill()
		<-done
		n.t.Fatalf("the process did not exit within %v of %s (hang guard)", processGuard, why)
		return nil
	}
}

// kill sends SIGKILL and reaps the process.
func (n *node) kill() {
	_ = n.cmd.Process.Kill()
	_ = n.cmd.Wait()
	n.log.Close()
}

func postEvent(addr, body string) (int, error) {
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/events", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// emailsPerOrder is what the default journey sends a digital buyer with no
// separate user and no marketing consent who answers no survey: thank_you,
// access, who_uses, day1_welcome, survey_importance, day3_answers, optin
// (the double opt-in, for buyers without consent), day7_checkin,
// survey_performance and its reminder, and day30_checkin. (The count once
// left optin out, and the test passed only while the 400th distinct email

func tail(b []byte, n int) []byte {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return bytes.TrimSpace(b)
}

// nowStamp is the real now as an event's occurred_at: the binaries these
// tests run keep real time.
func nowStamp() string { return time.Now().UTC().Format(time.RFC3339) }
