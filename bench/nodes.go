package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aftersale/aftersale/app"
)

// from is the sender of the nodes' email.
const from = "Shop <hello@shop.example>"

// Node is one running aftersale.
type Node interface {
	// URL is its http:// base URL.
	URL() string
	// PID is its process id; 0 when it runs inside the bench.
	PID() int
	// Stop shuts it down gracefully (SIGTERM, or cancelling Run).
	Stop() error
}

// Cluster is the nodes of one phase.
type Cluster struct {
	Nodes []Node
	// Startup is per node the time from starting it (exec, or app.New) to
	// its first 200 from /healthz.
	Startup []time.Duration
	// Ctx is cancelled when a node exits unexpectedly (a crash, or a signal
	// from elsewhere); context.Cause says which and why. Scenarios wait on
	// it so that a dead node ends the run instead of stalling it.
	Ctx      context.Context
	cancel   context.CancelCauseFunc
	stopping atomic.Bool
}

// Err is why Ctx ended (a node exited, or the run was interrupted), or nil.
func (c *Cluster) Err() error {
	if c.Ctx.Err() == nil {
		return nil
	}
	return context.Cause(c.Ctx)
}

// exited is called when node i's process or Run ends.
func (c *Cluster) exited(i int, err error) {
	if c.stopping.Load() {
		return
	}
	why := "with status 0: it was told to stop (SIGTERM or SIGINT from outside the bench?)"
	if err != nil {
		why = err.Error()
	}
	c.cancel(fmt.Errorf("aftersale node %d exited during the run, %s; see its log in the temp dir (--keep keeps it)", i, why))
}

// URLs are the nodes' base URLs, for round-robin posting.
func (c *Cluster) URLs() []string {
	var out []string
	for _, n := range c.Nodes {
		out = append(out, n.URL())
	}
	return out
}

// Stop stops every node.
func (c *Cluster) Stop() error {
	c.stopping.Store(true)
	var errs []error
	for _, n := range c.Nodes {
		errs = append(errs, n.Stop())
	}
	c.Nodes = nil
	return errors.Join(errs...)
}

// startCluster starts --nodes nodes on the database, mailing to the sink.
// forceChild runs them as child processes even with --inprocess.
func (b *bench) startCluster(ctx context.Context, d *Database, smtpURL string, forceChild bool) (*Cluster, error) {
	c := &Cluster{}
	c.Ctx, c.cancel = context.WithCancelCause(ctx)
	for i := range b.c.Nodes {
		var n Node
		var took time.Duration
		var err error
		logPath := filepath.Join(d.Dir, fmt.Sprintf("node%d.log", i))
		if b.c.InProcess && !forceChild {
			n, took, err = b.startInProcess(ctx, d, i, smtpURL, logPath, func(err error) { c.exited(i, err) })
		} else {
			n, took, err = b.startChild(ctx, d, i, smtpURL, logPath, func(err error) { c.exited(i, err) })
		}
		if err != nil {
			c.Stop()
			return nil, fmt.Errorf("node %d: %w (log: %s)", i, err, logPath)
		}
		c.Nodes = append(c.Nodes, n)
		c.Startup = append(c.Startup, took)
	}
	return c, nil
}

// childNode is aftersale serve as a child process.
type childNode struct {
	cmd  *exec.Cmd
	url  string
	done chan error
	log  *os.File
}

func (n *childNode) URL() string { return n.url }
func (n *childNode) PID() int    { return n.cmd.Process.Pid }

func (n *childNode) Stop() error {
	defer n.log.Close()
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-n.done:
		return exitErr(err)
	case <-time.After(90 * time.Second):
		n.cmd.Process.Kill()
		<-n.done
		return errors.New("did not stop within 90s of SIGTERM; killed")
	}
}

func exitErr(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Exited() && ee.ExitCode() == 0 {
		return nil
	}
	return err
}

// nodeEnv is the configuration of a node, as AFTERSALE_* variables.
func (b *bench) nodeEnv(d *Database, i int, addr, smtpURL string) []string {
	env := []string{
		"AFTERSALE_ADDR=" + addr,
		"AFTERSALE_DATA_DIR=" + d.DataDir(i),
		"AFTERSALE_SMTP_URL=" + smtpURL,
		"AFTERSALE_API_KEY=" + apiKey,
		"AFTERSALE_FROM=" + from,
		"AFTERSALE_QUIET_HOURS=off",
		"AFTERSALE_SEND_RATE=0",
		"AFTERSALE_LOG_LEVEL=" + b.c.LogLevel,
		"AFTERSALE_LOG_FORMAT=json",
	}
	if d.URL != "" {
		env = append(env, "AFTERSALE_DATABASE_URL="+d.URL)
	}
	return env
}

func (b *bench) startChild(ctx context.Context, d *Database, i int, smtpURL, logPath string, onExit func(error)) (Node, time.Duration, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, 0, err
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, 0, err
	}
	cmd := exec.Command(b.binary, "serve")
	// The nodes get only the bench's settings, none of the caller's
	// AFTERSALE_* variables.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AFTERSALE_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, b.nodeEnv(d, i, addr, smtpURL)...)
	if b.c.Pprof {
		paddr, err := freeAddr()
		if err != nil {
			logf.Close()
			return nil, 0, err
		}
		cmd.Env = append(cmd.Env, "AFTERSALE_PPROF_ADDR="+paddr)
		b.logf("  node %d: pprof at http://%s/debug/pprof/", i, paddr)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, 0, err
	}
	n := &childNode{cmd: cmd, url: "http://" + addr, done: make(chan error, 1), log: logf}
	go func() {
		err := cmd.Wait()
		onExit(err)
		n.done <- err
	}()
	if err := waitHealthy(ctx, n.url, n.done); err != nil {
		n.cmd.Process.Kill()
		logf.Close()
		return nil, 0, err
	}
	return n, time.Since(start), nil
}

// inProcessNode is an app.App running in the bench process.
type inProcessNode struct {
	url    string
	cancel context.CancelFunc
	done   chan error
	a      *app.App
	log    *os.File
}

func (n *inProcessNode) URL() string { return n.url }
func (n *inProcessNode) PID() int    { return 0 }

func (n *inProcessNode) Stop() error {
	n.cancel()
	err := <-n.done
	return errors.Join(err, n.a.Close(), n.log.Close())
}

func (b *bench) startInProcess(ctx context.Context, d *Database, i int, smtpURL, logPath string, onExit func(error)) (Node, time.Duration, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, 0, err
	}
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[b.c.LogLevel]
	start := time.Now()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		logf.Close()
		return nil, 0, err
	}
	cfg := app.Config{Listener: l, Logger: slog.New(slog.NewJSONHandler(logf, &slog.HandlerOptions{Level: level}))}
	cfg.DataDir, cfg.DatabaseURL, cfg.SMTPURL, cfg.APIKey = d.DataDir(i), d.URL, smtpURL, apiKey
	cfg.Sender.From, cfg.QuietHours, cfg.Mail.SendRate = from, "off", 0
	a, err := app.New(ctx, cfg)
	if err != nil {
		l.Close()
		logf.Close()
		return nil, 0, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	n := &inProcessNode{url: "http://" + l.Addr().String(), cancel: cancel, done: make(chan error, 1), a: a, log: logf}
	go func() {
		err := a.Run(runCtx)
		onExit(err)
		n.done <- err
	}()
	if err := waitHealthy(ctx, n.url, n.done); err != nil {
		n.Stop()
		return nil, 0, err
	}
	return n, time.Since(start), nil
}

// waitHealthy polls /healthz every 5ms until it answers 200.
func waitHealthy(ctx context.Context, url string, exited <-chan error) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(10 * time.Minute)
	for {
		resp, err := client.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-exited:
			return fmt.Errorf("exited before serving: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.New("not healthy within 10 minutes")
		}
	}
}

// freeAddr returns a free 127.0.0.1 port.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Memory is a process's resident memory from /proc/PID/status.
type Memory struct {
	RSS, HWM int64 // bytes: VmRSS now, VmHWM (the peak)
}

func readMemory(pid int) (Memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, err
	}
	var m Memory
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			m.RSS = kb * 1024
		case "VmHWM:":
			m.HWM = kb * 1024
		}
	}
	return m, nil
}

func mb(bytes int64) float64 { return float64(bytes) / (1 << 20) }
