// Command bench measures aftersale under load: ingest, sending, scheduling
// lag, footprint and a Black Friday profile, each next to a baseline
// measured in the same run on the same machine. See bench/README.md.
//
//	go run ./bench ingest --duration 10s
//	go run ./bench send --messages 2000
//	go run ./bench lag --pending 20000
//	go run ./bench footprint --customers 20000 --pending 100000
//	go run ./bench blackfriday --orders 2000 --due 4000 --duration 10s
//	go run ./bench all --db postgres --nodes 2
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kong"
)

// Common are the flags every scenario takes.
type Common struct {
	DB        string `name:"db" enum:"sqlite,postgres" default:"sqlite" help:"Storage: the embedded SQLite file or PostgreSQL (sqlite, postgres)."`
	Nodes     int    `name:"nodes" default:"1" help:"aftersale nodes sharing the database (more than one needs --db postgres); posts go round-robin."`
	PGURL     string `name:"pg-url" env:"AFTERSALE_BENCH_PG_URL" default:"postgres://postgres@127.0.0.1:5432/test" help:"PostgreSQL server to use with --db postgres: every phase creates a fresh database on it and drops it after."`
	JSON      bool   `name:"json" help:"Also print the results as one line of JSON (the last line of stdout)."`
	InProcess bool   `name:"inprocess" help:"Run aftersale inside the bench process through app.New instead of as child processes of the real binary (handy with --cpuprofile; footprint always uses child processes)."`
	Binary    string `name:"binary" type:"path" help:"A prebuilt aftersale binary (default: go build ./cmd/aftersale into the run's temp dir)."`
	LogLevel  string `name:"log-level" default:"info" enum:"debug,info,warn,error" help:"AFTERSALE_LOG_LEVEL of the nodes; their JSON logs go to files in the temp dir. info is the default of a real install."`
	Keep      bool   `name:"keep" help:"Keep the temp dir (node logs, SQLite files) and say where it is."`
	Profile   string `name:"cpuprofile" type:"path" help:"With --inprocess: write a CPU profile of the whole run (aftersale and harness) to this file."`
	Pprof     bool   `name:"pprof" help:"Serve each child node's Go profiles (AFTERSALE_PPROF_ADDR) on a free 127.0.0.1 port, printed at its start, e.g. go tool pprof http://ADDR/debug/pprof/profile?seconds=30."`
}

// CLI is the command line.
type CLI struct {
	Ingest      IngestCmd      `cmd:"" help:"Durable order.placed events per second over HTTP, 32 clients, and p50/p99 latency, against a trivial handler (the HTTP ceiling)."`
	Send        SendCmd        `cmd:"" help:"Due email steps per second from the queue to a loopback SMTP sink, against a plain go-mail loop."`
	Lag         LagCmd         `cmd:"" help:"p50/p99 from a step's due time to its SMTP hand-off with --pending steps pending, against the same with 1 step pending."`
	Footprint   FootprintCmd   `cmd:"" help:"Resident memory, database size and start-up time with --customers and --pending steps, against an empty database."`
	Blackfriday BlackfridayCmd `cmd:"" name:"blackfriday" help:"--orders posted in --duration while --due older steps fall due: achieved vs offered rate, lag, and how long until the lag is back under 1 s."`
	All         AllCmd         `cmd:"" help:"Every scenario in turn (flags take the scenario's name as prefix, e.g. --lag-pending)."`

	CeilingServer CeilingServerCmd `cmd:"" name:"ceiling-server" hidden:"" help:"The trivial HTTP handler of the ingest baseline, run as a child process."`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var cli CLI
	kctx := kong.Parse(&cli,
		kong.Name("bench"),
		kong.Description("Load generator and measurements for aftersale; every figure comes with a baseline measured in the same run. See bench/README.md."),
		kong.UsageOnError(),
		kong.BindTo(ctx, (*context.Context)(nil)),
	)
	err := kctx.Run()
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run prepares the environment of a scenario, runs it and prints its
// results.
func run(ctx context.Context, c *Common, name string, fn func(ctx context.Context, b *bench) ([]*Result, error)) error {
	b, err := newBench(ctx, c)
	if err != nil {
		return err
	}
	defer b.close()
	stopProfile, err := b.startProfile()
	if err != nil {
		return err
	}
	started := time.Now()
	results, err := fn(ctx, b)
	stopProfile()
	for _, r := range results {
		r.Notes = append(r.Notes, b.notes...)
		r.Print(os.Stdout)
	}
	if len(results) > 0 {
		m := b.machine
		fmt.Printf("\nmachine: %d CPUs, %s RAM, %s, aftersale %s, %s; load average at start %s, at end %s\n",
			m.CPUs, m.Memory, m.Go, m.Commit, m.Date, m.LoadStart, loadAvg())
	}
	if len(results) > 0 {
		b.logf("%s done in %s", name, time.Since(started).Round(time.Second))
	}
	if c.JSON && len(results) > 0 {
		if err := printJSON(os.Stdout, b.machine, results); err != nil {
			return err
		}
	}
	return err
}
