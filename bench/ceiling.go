package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// CeilingServerCmd is the ingest baseline: a net/http server whose handler
// only reads the body and answers 202. The bench runs it as a child
// process, as it runs aftersale.
type CeilingServerCmd struct {
	Addr string `name:"addr" required:"" help:"host:port to listen on."`
}

// trivial reads the body and answers 202, nothing else.
func trivial() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	})
}

// Run serves until the bench stops it.
func (c *CeilingServerCmd) Run(ctx context.Context) error {
	l, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: trivial(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// startCeiling starts --nodes trivial servers (child processes, or
// in-process with --inprocess) and returns their URLs.
func (b *bench) startCeiling(ctx context.Context) ([]string, func(), error) {
	var urls []string
	var stops []func()
	stopAll := func() {
		for _, s := range stops {
			s()
		}
	}
	for range b.c.Nodes {
		if b.c.InProcess {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				stopAll()
				return nil, nil, err
			}
			srv := &http.Server{Handler: trivial(), ReadHeaderTimeout: 10 * time.Second}
			go srv.Serve(l)
			urls = append(urls, "http://"+l.Addr().String())
			stops = append(stops, func() { srv.Close() })
			continue
		}
		self, err := os.Executable()
		if err != nil {
			stopAll()
			return nil, nil, err
		}
		addr, err := freeAddr()
		if err != nil {
			stopAll()
			return nil, nil, err
		}
		cmd := exec.Command(self, "ceiling-server", "--addr", addr)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			stopAll()
			return nil, nil, err
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		stops = append(stops, func() {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-done
			}
		})
		u := "http://" + addr
		if err := waitAnswer(ctx, u, done); err != nil {
			stopAll()
			return nil, nil, fmt.Errorf("ceiling server: %w", err)
		}
		urls = append(urls, u)
	}
	return urls, stopAll, nil
}

// waitAnswer waits until the server answers at all.
func waitAnswer(ctx context.Context, url string, exited <-chan error) error {
	client := &http.Client{Timeout: time.Second}
	for range 2000 {
		if resp, err := client.Get(url + "/"); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case err := <-exited:
			return fmt.Errorf("exited: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return errors.New("no answer within 10s")
}
