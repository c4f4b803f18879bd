package main

import (
	"context"
	"fmt"
	"time"
)

// IngestFlags size the ingest scenario.
type IngestFlags struct {
	Duration time.Duration `name:"duration" default:"60s" help:"Measured time of each run (aftersale and baseline), after the warm-up."`
	Clients  int           `name:"clients" default:"32" help:"Concurrent clients, each posting its next order as soon as the last is answered (keep-alive)."`
	Warmup   time.Duration `name:"warmup" default:"3s" help:"Load before the measured time, not counted."`
}

// IngestCmd measures ingest.
type IngestCmd struct {
	Common      `embed:""`
	IngestFlags `embed:""`
}

// Run runs the scenario.
func (c *IngestCmd) Run(ctx context.Context) error {
	return run(ctx, &c.Common, "ingest", func(ctx context.Context, b *bench) ([]*Result, error) {
		return one(b.ingest(ctx, c.IngestFlags))
	})
}

// perSecond is n per second of d, 0 for no time.
func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

func one(r *Result, err error) ([]*Result, error) {
	if r == nil {
		return nil, err
	}
	return []*Result{r}, err
}

// ingest posts distinct order.placed events with --clients closed-loop
// clients, first to the trivial handler (the ceiling), then to aftersale
// on an empty database with its workers running (each order's at-once
// emails go to the sink meanwhile, as on a real launch day).
func (b *bench) ingest(ctx context.Context, f IngestFlags) (*Result, error) {
	res := &Result{Scenario: "ingest", DB: b.c.DB, Nodes: b.c.Nodes, Params: map[string]any{
		"duration": f.Duration.String(), "clients": f.Clients, "warmup": f.Warmup.String(),
	}}
	sink, err := startSink()
	if err != nil {
		return nil, err
	}
	defer sink.Close()

	b.logf("ingest baseline: trivial handler, %d clients, %s", f.Clients, f.Duration)
	urls, stop, err := b.startCeiling(ctx)
	if err != nil {
		return nil, err
	}
	p := newPoster(urls, f.Clients)
	base := ClosedLoop(ctx, p, newOrders().Next, f.Clients, f.Warmup, f.Duration)
	p.Close()
	stop()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.logf("  %d answers 202 (%.0f/s), p50 %s, p99 %s", base.OK, base.Rate(), base.Latencies.Percentile(0.5), base.Latencies.Percentile(0.99))

	b.logf("ingest: aftersale on an empty %s database, %d clients, %s", b.c.DB, f.Clients, f.Duration)
	d, err := b.newDatabase(ctx, "ingest")
	if err != nil {
		return nil, err
	}
	defer d.Drop()
	cl, err := b.startCluster(ctx, d, sink.URL(), false)
	if err != nil {
		return nil, err
	}
	p = newPoster(cl.URLs(), f.Clients)
	sent0 := sink.Count()
	got := ClosedLoop(cl.Ctx, p, newOrders().Next, f.Clients, f.Warmup, f.Duration)
	sent := sink.Count() - sent0
	p.Close()
	if err := cl.Err(); err != nil {
		cl.Stop()
		return nil, err
	}
	if err := cl.Stop(); err != nil {
		res.Notes = append(res.Notes, "stopping the nodes: "+err.Error())
	}
	b.logf("  %d answers 202 (%.0f/s), p50 %s, p99 %s, %d other answers", got.OK, got.Rate(), got.Latencies.Percentile(0.5), got.Latencies.Percentile(0.99), got.Errors)

	res.Figures = append(res.Figures,
		fig("durable order.placed/s", "/s", got.Rate()).vs(base.Rate(), "trivial handler").ratioAtLeast(0.5, "≥ 50% of ceiling"),
		fig("latency p50", "ms", ms(got.Latencies.Percentile(0.5))).vs(ms(base.Latencies.Percentile(0.5)), "trivial handler"),
		fig("latency p99", "ms", ms(got.Latencies.Percentile(0.99))).vs(ms(base.Latencies.Percentile(0.99)), "trivial handler"),
		fig("emails handed to the sink meanwhile", "/s", perSecond(sent, got.End.Sub(got.Start))),
	)
	if got.OK == 0 {
		res.Notes = append(res.Notes, "no request started in the measured window was answered 202: the warm-up's requests took longer than the window, or every request failed")
	}
	res.Params["requests_aftersale"] = got.OK + got.Errors
	res.Params["requests_baseline"] = base.OK + base.Errors
	if got.Errors > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("aftersale answered %d requests with something else than 202 (by code: %v; first: %s)", got.Errors, got.Codes, got.FirstError))
	}
	if base.Errors > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("the trivial handler failed %d requests (first: %s)", base.Errors, base.FirstError))
	}
	if counts, err := d.StepCounts(ctx); err == nil {
		res.Notes = append(res.Notes, "steps at the end: "+summary(counts))
	}
	return res, nil
}
