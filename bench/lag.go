package main

import (
	"context"
	"fmt"
	"time"
)

// LagFlags size the lag scenario.
type LagFlags struct {
	Pending int           `name:"pending" default:"1000000" help:"Steps pending besides the samples, due from an hour to a month from now (rows only: aftersale enqueues a step's job when it is nearly due)."`
	Samples int           `name:"samples" default:"2000" help:"Steps (day-30 emails, one buyer each) that fall due during the measurement, evenly spread over the window."`
	Window  time.Duration `name:"window" default:"20s" help:"Time over which the samples fall due."`
	Lead    time.Duration `name:"lead" default:"0s" help:"Time from seeding the samples to the first one's due time; it must cover finishing the load and starting the nodes (0: 15s plus 1s per 100,000 steps)."`
}

// LagCmd measures the scheduling lag.
type LagCmd struct {
	Common   `embed:""`
	LagFlags `embed:""`
}

// Run runs the scenario.
func (c *LagCmd) Run(ctx context.Context) error {
	return run(ctx, &c.Common, "lag", func(ctx context.Context, b *bench) ([]*Result, error) {
		return one(b.lag(ctx, c.LagFlags))
	})
}

// leadFor is the time to leave between seeding a timed cohort (seeded
// last) and its first due time: it covers finishing the load (a WAL
// checkpoint, or ANALYZE), StepResetEnqueued over every pending step, and
// starting the nodes.
func (b *bench) leadFor(steps int, flag time.Duration) time.Duration {
	if flag > 0 {
		return flag
	}
	return 15*time.Second + time.Duration(float64(steps)/100000*float64(time.Second))
}

// lagRun is one phase of the lag scenario.
type lagRun struct {
	lags    Durations
	missing int
	startup time.Duration
	// Arrivals that are not samples: a Message-ID aftersale does not
	// know, one that arrived before, or a message of another step.
	unknown, duplicates, other int
}

// lag seeds --pending steps due later (with their jobs) and --samples
// day-30 emails due one after another over --window, starts the nodes
// before the first is due, and measures each sample from its due time to
// its arrival at the sink. The baseline is the same with 1 step pending.
func (b *bench) lag(ctx context.Context, f LagFlags) (*Result, error) {
	if f.Samples < 1 || f.Window <= 0 {
		return nil, fmt.Errorf("--samples and --window must be positive")
	}
	res := &Result{Scenario: "lag", DB: b.c.DB, Nodes: b.c.Nodes, Params: map[string]any{
		"pending": f.Pending, "samples": f.Samples, "window": f.Window.String(),
	}}
	sink, err := startSink()
	if err != nil {
		return nil, err
	}
	defer sink.Close()

	b.logf("lag baseline: 1 step pending, %d samples over %s", f.Samples, f.Window)
	base, err := b.lagPhase(ctx, sink, 1, f)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	b.logf("lag: %d steps pending, %d samples over %s", f.Pending, f.Samples, f.Window)
	got, err := b.lagPhase(ctx, sink, f.Pending, f)
	if err != nil {
		return nil, err
	}
	res.Figures = append(res.Figures,
		fig("lag p50 (due → SMTP hand-off)", "ms", ms(got.lags.Percentile(0.5))).vs(ms(base.lags.Percentile(0.5)), "1 pending"),
		fig("lag p99", "ms", ms(got.lags.Percentile(0.99))).vs(ms(base.lags.Percentile(0.99)), "1 pending").
			target("p99 < 1 s", got.lags.Percentile(0.99) < time.Second && got.missing == 0),
		fig("lag max", "ms", ms(got.lags.Max())).vs(ms(base.lags.Max()), "1 pending"),
		fig("samples handed off", "", float64(len(got.lags))).vs(float64(len(base.lags)), "1 pending"),
	)
	if got.duplicates > 0 || base.duplicates > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("messages handed off twice (same Message-ID): %d (baseline %d)", got.duplicates, base.duplicates))
	}
	if got.unknown+got.other > 0 || base.unknown+base.other > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("other messages at the sink: %d (baseline %d)", got.unknown+got.other, base.unknown+base.other))
	}
	if got.missing > 0 || base.missing > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("samples not handed off in time: %d (baseline %d); they count as missing, not in the percentiles", got.missing, base.missing))
	}
	return res, nil
}

func (b *bench) lagPhase(ctx context.Context, sink *Sink, pending int, f LagFlags) (*lagRun, error) {
	sink.Reset()
	d, err := b.newDatabase(ctx, fmt.Sprintf("lag-%d", pending))
	if err != nil {
		return nil, err
	}
	defer d.Drop()
	every := f.Window / time.Duration(f.Samples)
	lead := b.leadFor(pending+f.Samples, f.Lead)
	var first time.Time
	samples := dueCohort("samples", f.Samples, time.Time{}, every)
	samples.Schedule = func(c *Cohort) {
		first = time.Now().Add(lead)
		*c = dueCohort("samples", f.Samples, first, every)
	}
	if err := b.Seed(ctx, d, backlogCohort(0, pending), samples); err != nil {
		return nil, err
	}
	cl, err := b.startCluster(ctx, d, sink.URL(), false)
	if err != nil {
		return nil, err
	}
	defer cl.Stop()
	if left := time.Until(first); left < time.Second {
		return nil, fmt.Errorf("the first sample fell due %s before the nodes were ready: raise --lead (it was %s)", -left, lead)
	} else {
		b.logf("  nodes ready; the first sample is due in %s", left.Round(time.Second))
	}
	last := first.Add(every * time.Duration(f.Samples-1))
	// Wait for every sample, or until a minute after the last was due.
	wctx, cancel := context.WithDeadline(cl.Ctx, last.Add(time.Minute))
	sink.WaitFor(wctx, f.Samples, 0)
	cancel()
	if err := cl.Err(); err != nil {
		return nil, err
	}
	dues, err := waitRecorded(cl.Ctx, d, sink, 10*time.Second)
	if err != nil {
		return nil, err
	}
	stopErr := cl.Stop()
	r := &lagRun{}
	seen := map[string]bool{}
	for _, a := range sink.Arrivals() {
		due, ok := dues[a.MessageID]
		switch {
		case !ok:
			r.unknown++
			continue
		case seen[a.MessageID]:
			r.duplicates++
			continue
		case due.Before(first.Add(-time.Millisecond)):
			r.other++
			continue // not a sample
		}
		seen[a.MessageID] = true
		r.lags = append(r.lags, a.At.Sub(due))
	}
	r.lags.Sort()
	r.missing = f.Samples - len(r.lags)
	r.startup = cl.Startup[0]
	b.logf("  %d samples: p50 %s, p99 %s, max %s, missing %d (other arrivals: %d duplicates, %d unknown, %d not samples)", len(r.lags),
		r.lags.Percentile(0.5).Round(time.Microsecond), r.lags.Percentile(0.99).Round(time.Microsecond), r.lags.Max().Round(time.Microsecond), r.missing,
		r.duplicates, r.unknown, r.other)
	if stopErr != nil {
		b.logf("  stopping the nodes: %v", stopErr)
	}
	return r, nil
}
