package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

// apiKey is the API key of the nodes under test.
const apiKey = "bench-key"

// bench is the environment of one run: its temp dir, the aftersale binary,
// the machine it runs on.
type bench struct {
	c       *Common
	tmp     string
	binary  string
	machine Machine
	phase   int // numbers the phases' temp folders
	// notes about the environment, added to every result
	notes            []string
	warnedAutovacuum bool
}

func newBench(ctx context.Context, c *Common) (*bench, error) {
	if c.Nodes < 1 {
		return nil, errors.New("--nodes must be 1 or more")
	}
	if c.Nodes > 1 && c.DB != "postgres" {
		return nil, errors.New("--nodes above 1 needs --db postgres: SQLite is one process's file")
	}
	if c.Profile != "" && !c.InProcess {
		return nil, errors.New("--cpuprofile needs --inprocess (child processes are not profiled)")
	}
	tmp, err := os.MkdirTemp("", "aftersale-bench-")
	if err != nil {
		return nil, err
	}
	b := &bench{c: c, tmp: tmp, binary: c.Binary}
	b.machine = machineInfo()
	b.logf("machine: %d CPUs, %s RAM, load %s; aftersale %s; temp dir %s",
		b.machine.CPUs, b.machine.Memory, b.machine.LoadStart, b.machine.Commit, tmp)
	if !c.InProcess && b.binary == "" {
		if err := b.build(ctx); err != nil {
			b.close()
			return nil, err
		}
	}
	return b, nil
}

// build compiles cmd/aftersale into the temp dir.
func (b *bench) build(ctx context.Context) error {
	b.binary = filepath.Join(b.tmp, "aftersale")
	b.logf("building cmd/aftersale")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", b.binary, "github.com/aftersale/aftersale/cmd/aftersale")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/aftersale (run the bench from inside the module, or pass --binary): %w", err)
	}
	return nil
}

// close removes the temp dir unless --keep.
func (b *bench) close() {
	if b.c.Keep {
		b.logf("kept %s", b.tmp)
		return
	}
	os.RemoveAll(b.tmp)
}

// phaseDir returns a new folder of the temp dir for one phase.
func (b *bench) phaseDir(name string) string {
	b.phase++
	dir := filepath.Join(b.tmp, fmt.Sprintf("%02d-%s", b.phase, name))
	os.MkdirAll(dir, 0o700)
	return dir
}

// logf prints progress to stderr; results go to stdout.
func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func (b *bench) startProfile() (func(), error) {
	if b.c.Profile == "" {
		return func() {}, nil
	}
	f, err := os.Create(b.c.Profile)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// Machine describes where the figures were measured.
type Machine struct {
	Date      string `json:"date"`
	CPUs      int    `json:"cpus"`
	Memory    string `json:"memory"`
	Go        string `json:"go"`
	Commit    string `json:"commit"`
	LoadStart string `json:"load_start"`
	LoadEnd   string `json:"load_end,omitempty"`
}

func machineInfo() Machine {
	m := Machine{Date: time.Now().UTC().Format(time.RFC3339), CPUs: runtime.NumCPU(), Go: runtime.Version(), LoadStart: loadAvg()}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				m.Memory = fmt.Sprintf("%.1f GiB", kb/1024/1024)
			}
		}
	}
	m.Commit = "unknown"
	if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		m.Commit = strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
			m.Commit += "+changes"
		}
	}
	return m
}

// loadAvg is the 1, 5 and 15 minute load average: other work on the
// machine skews every figure, so each run prints it.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
