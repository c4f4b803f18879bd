package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"
)

// FootprintFlags size the footprint scenario.
type FootprintFlags struct {
	Customers  int           `name:"customers" default:"1000000" help:"Customers, each with one order, its event and journey run."`
	Pending    int           `name:"pending" default:"5000000" help:"Pending steps, spread over the customers, due from an hour to a month from now (rows only: aftersale enqueues a step's job when it is nearly due)."`
	Settle     time.Duration `name:"settle" default:"10s" help:"Idle time after start-up before the idle memory is read."`
	Starts     int           `name:"starts" default:"3" help:"Start-ups timed (the median is reported)."`
	LoadOrders int           `name:"load-orders" default:"1000" help:"Orders posted after settling (their at-once emails go to the sink), plus a /metrics scrape, before the memory is read again."`
}

// FootprintCmd measures the footprint.
type FootprintCmd struct {
	Common         `embed:""`
	FootprintFlags `embed:""`
}

// Run runs the scenario.
func (c *FootprintCmd) Run(ctx context.Context) error {
	return run(ctx, &c.Common, "footprint", func(ctx context.Context, b *bench) ([]*Result, error) {
		return one(b.footprint(ctx, c.FootprintFlags))
	})
}

// footprintRun is what one phase measured.
type footprintRun struct {
	size, sizeAfter int64
	startups        []time.Duration // per start, the slowest node
	idle, loaded    Memory          // the largest node
	seed            time.Duration
}

// footprint measures the database size, the start-up time (exec of the
// real binary to the first 200 from /healthz) and the resident memory of
// the aftersale process (VmRSS and VmHWM from /proc) on a seeded database,
// and the same on an empty one as the baseline. Always child processes.
func (b *bench) footprint(ctx context.Context, f FootprintFlags) (*Result, error) {
	if f.Starts < 1 {
		return nil, fmt.Errorf("--starts must be 1 or more")
	}
	if b.c.InProcess && b.binary == "" {
		if err := b.build(ctx); err != nil {
			return nil, err
		}
	}
	res := &Result{Scenario: "footprint", DB: b.c.DB, Nodes: b.c.Nodes, Params: map[string]any{
		"customers": f.Customers, "pending": f.Pending, "settle": f.Settle.String(), "starts": f.Starts, "load_orders": f.LoadOrders,
	}}
	sink, err := startSink()
	if err != nil {
		return nil, err
	}
	defer sink.Close()

	b.logf("footprint baseline: empty database")
	base, err := b.footprintPhase(ctx, sink, 0, 0, f)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	b.logf("footprint: %d customers, %d pending steps", f.Customers, f.Pending)
	got, err := b.footprintPhase(ctx, sink, f.Customers, f.Pending, f)
	if err != nil {
		return nil, err
	}
	startup, baseStartup := median(got.startups), median(base.startups)
	res.Figures = append(res.Figures,
		fig("database size", "MB", mb(got.size)).vs(mb(base.size), "empty"),
		fig("database size after the load", "MB", mb(got.sizeAfter)).vs(mb(base.sizeAfter), "empty"),
		fig("start-up (exec → /healthz 200), median", "s", secs(startup)).vs(secs(baseStartup), "empty").
			target("< 2 s", startup < 2*time.Second),
		fig("RSS idle", "MB", mb(got.idle.RSS)).vs(mb(base.idle.RSS), "empty"),
		fig("RSS after the load", "MB", mb(got.loaded.RSS)).vs(mb(base.loaded.RSS), "empty").
			target("< 250 MB", got.loaded.RSS < 250<<20),
		fig("peak RSS (VmHWM)", "MB", mb(got.loaded.HWM)).vs(mb(base.loaded.HWM), "empty").
			target("< 250 MB", got.loaded.HWM < 250<<20),
	)
	var starts []string
	for _, s := range got.startups {
		starts = append(starts, s.Round(time.Millisecond).String())
	}
	res.Notes = append(res.Notes, fmt.Sprintf("start-ups on the seeded database: %v (warm page cache); seeding took %s", starts, got.seed.Round(time.Second)))
	if b.c.Nodes > 1 {
		res.Notes = append(res.Notes, "with several nodes, start-up is the slowest node's and memory the largest node's")
	}
	return res, nil
}

func (b *bench) footprintPhase(ctx context.Context, sink *Sink, customers, pending int, f FootprintFlags) (*footprintRun, error) {
	d, err := b.newDatabase(ctx, fmt.Sprintf("footprint-%d", customers))
	if err != nil {
		return nil, err
	}
	defer d.Drop()
	r := &footprintRun{}
	if customers > 0 {
		started := time.Now()
		if err := b.Seed(ctx, d, backlogCohort(customers, pending)); err != nil {
			return nil, err
		}
		r.seed = time.Since(started)
	}
	if r.size, err = d.Size(ctx); err != nil {
		return nil, err
	}
	var cl *Cluster
	for i := range f.Starts {
		if cl != nil {
			if err := cl.Stop(); err != nil {
				b.logf("  stopping the nodes: %v", err)
			}
		}
		cl, err = b.startCluster(ctx, d, sink.URL(), true)
		if err != nil {
			return nil, err
		}
		r.startups = append(r.startups, slices.Max(cl.Startup))
		b.logf("  start %d: %s", i+1, slices.Max(cl.Startup).Round(time.Millisecond))
	}
	defer cl.Stop()
	ctx = cl.Ctx
	select {
	case <-ctx.Done():
		return nil, cl.Err()
	case <-time.After(f.Settle):
	}
	r.idle = maxMemory(cl)

	// A little work: orders with their at-once emails, a scrape of
	// /metrics (it counts the pending steps), a customer's timeline.
	sent0 := sink.Count()
	p := newPoster(cl.URLs(), 8)
	orders := newOrders()
	var wg sync.WaitGroup
	var next = make(chan struct{})
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				p.Post(ctx, orders.Next())
			}
		}()
	}
	for range f.LoadOrders {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
	p.Close()
	client := &http.Client{Timeout: time.Minute}
	for _, u := range cl.URLs() {
		for _, path := range []string{"/metrics", "/api/v1/customers/buyer1@shop1.example"} {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u+path, nil)
			req.Header.Set("Authorization", "Bearer "+apiKey)
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
			}
		}
	}
	sink.WaitFor(ctx, sent0+3*f.LoadOrders, 30*time.Second)
	if err := cl.Err(); err != nil {
		return nil, err
	}
	r.loaded = maxMemory(cl)
	b.logf("  RSS idle %.1f MB, after the load %.1f MB, peak %.1f MB", mb(r.idle.RSS), mb(r.loaded.RSS), mb(r.loaded.HWM))
	if err := cl.Stop(); err != nil {
		b.logf("  stopping the nodes: %v", err)
	}
	if r.sizeAfter, err = d.Size(context.WithoutCancel(ctx)); err != nil {
		return nil, err
	}
	return r, nil
}

// maxMemory reads every node's memory and returns the largest.
func maxMemory(cl *Cluster) Memory {
	var m Memory
	for _, n := range cl.Nodes {
		if got, err := readMemory(n.PID()); err == nil {
			m.RSS = max(m.RSS, got.RSS)
			m.HWM = max(m.HWM, got.HWM)
		}
	}
	return m
}
