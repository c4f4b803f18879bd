package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// BlackfridayFlags size the Black Friday profile.
type BlackfridayFlags struct {
	Orders          int           `name:"orders" default:"100000" help:"Orders posted, evenly spread over the duration."`
	Duration        time.Duration `name:"duration" default:"60s" help:"Time over which the orders are posted and the older steps fall due."`
	Due             int           `name:"due" default:"200000" help:"Older steps (last month's day-30 emails) that fall due evenly over the duration."`
	Pending         int           `name:"pending" default:"0" help:"More pending steps, due from an hour to a month from now (not during the run)."`
	Clients         int           `name:"clients" default:"32" help:"Most requests in flight at once."`
	MaxDrain        time.Duration `name:"max-drain" default:"30m" help:"Give up waiting for the lag to come back under 1 s this long after the burst."`
	CeilingDuration time.Duration `name:"ceiling-duration" default:"10s" help:"Measured time of the ingest ceiling (trivial handler, closed loop) at the start."`
	Lead            time.Duration `name:"lead" default:"0s" help:"Time from seeding the due steps to the start of the burst (0: estimated from the size)."`
}

// BlackfridayCmd runs the Black Friday profile.
type BlackfridayCmd struct {
	Common           `embed:""`
	BlackfridayFlags `embed:""`
}

// Run runs the scenario.
func (c *BlackfridayCmd) Run(ctx context.Context) error {
	return run(ctx, &c.Common, "blackfriday", func(ctx context.Context, b *bench) ([]*Result, error) {
		return one(b.blackfriday(ctx, c.BlackfridayFlags))
	})
}

// lagSample is the state of the backlog at one moment.
type lagSample struct {
	at      time.Time
	overdue time.Duration // how long the earliest pending due step has been due; 0 for none
}

// blackfriday measures the ingest ceiling first, then seeds --due day-30
// emails falling due evenly over --duration from T0, and from T0 posts
// --orders orders (default journeys: 3 emails and a task each at once)
// evenly over the same time. Every 250ms it asks the store for the
// earliest pending step that is due: the lag is how long that one has
// waited. It reports achieved vs offered orders/s, and how long after the
// burst the lag is back under 1 s.
func (b *bench) blackfriday(ctx context.Context, f BlackfridayFlags) (*Result, error) {
	if f.Orders < 1 || f.Duration <= 0 || f.Due < 1 {
		return nil, fmt.Errorf("--orders, --duration and --due must be positive")
	}
	offered := float64(f.Orders) / f.Duration.Seconds()
	res := &Result{Scenario: "blackfriday", DB: b.c.DB, Nodes: b.c.Nodes, Params: map[string]any{
		"orders": f.Orders, "duration": f.Duration.String(), "due": f.Due, "pending": f.Pending, "clients": f.Clients,
	}}
	sink, err := startSink()
	if err != nil {
		return nil, err
	}
	defer sink.Close()

	b.logf("blackfriday: ingest ceiling (trivial handler, %d clients, %s)", f.Clients, f.CeilingDuration)
	urls, stop, err := b.startCeiling(ctx)
	if err != nil {
		return nil, err
	}
	p := newPoster(urls, f.Clients)
	ceiling := ClosedLoop(ctx, p, newOrders().Next, f.Clients, 2*time.Second, f.CeilingDuration)
	p.Close()
	stop()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.logf("  ceiling %.0f/s", ceiling.Rate())

	d, err := b.newDatabase(ctx, "blackfriday")
	if err != nil {
		return nil, err
	}
	defer d.Drop()
	lead := b.leadFor(f.Pending+f.Due, f.Lead)
	every := f.Duration / time.Duration(f.Due)
	var t0 time.Time
	due := dueCohort("due", f.Due, time.Time{}, every)
	due.Schedule = func(c *Cohort) {
		t0 = time.Now().Add(lead)
		*c = dueCohort("due", f.Due, t0, every)
	}
	var cohorts []Cohort
	if f.Pending > 0 {
		cohorts = append(cohorts, backlogCohort(0, f.Pending))
	}
	if err := b.Seed(ctx, d, append(cohorts, due)...); err != nil {
		return nil, err
	}
	store, err := d.OpenStore(ctx)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	cl, err := b.startCluster(ctx, d, sink.URL(), false)
	if err != nil {
		return nil, err
	}
	defer cl.Stop()
	left := time.Until(t0)
	if left < time.Second {
		return nil, fmt.Errorf("the burst was due to start %s before the nodes were ready: raise --lead (it was %s)", -left, lead)
	}
	b.logf("  nodes ready; the burst starts in %s: %d orders (%.0f/s offered) while %d steps fall due, over %s",
		left.Round(time.Second), f.Orders, offered, f.Due, f.Duration)

	// The monitor.
	var mu sync.Mutex
	var samples []lagSample
	ctx = cl.Ctx // a node that exits ends the run
	mctx, stopMonitor := context.WithCancel(ctx)
	var mwg sync.WaitGroup
	mwg.Add(1)
	go func() {
		defer mwg.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		lastLog := time.Now()
		for {
			select {
			case <-mctx.Done():
				return
			case <-t.C:
			}
			now := time.Now()
			steps, err := store.StepListDue(mctx, now, 1)
			if err != nil {
				continue
			}
			s := lagSample{at: now}
			if len(steps) > 0 {
				s.overdue = now.Sub(steps[0].DueAt)
			}
			mu.Lock()
			samples = append(samples, s)
			mu.Unlock()
			if now.Sub(lastLog) >= 10*time.Second {
				lastLog = now
				b.logf("  t=%s: lag %s, %d emails handed off", now.Sub(t0).Round(time.Second), s.overdue.Round(time.Millisecond), sink.Count())
			}
		}
	}()

	select {
	case <-ctx.Done():
	case <-time.After(time.Until(t0)):
	}
	p = newPoster(cl.URLs(), f.Clients)
	got := Paced(ctx, p, newOrders().Next, f.Clients, f.Orders, f.Duration, t0)
	p.Close()
	if err := cl.Err(); err != nil {
		stopMonitor()
		return nil, err
	}
	burstEnd := t0.Add(f.Duration)
	b.logf("  posted: %d answers 202 in %s (%.0f/s), p99 %s", got.OK, got.End.Sub(t0).Round(time.Millisecond), got.Rate(), got.Latencies.Percentile(0.99))

	// Wait for the lag to be back under 1 s after the burst.
	var recovered time.Time
	deadline := burstEnd.Add(f.MaxDrain)
	for recovered.IsZero() && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(250 * time.Millisecond)
		mu.Lock()
		if n := len(samples); n > 0 {
			last := samples[n-1]
			if !last.at.Before(burstEnd) && !last.at.Before(got.End) && last.overdue < time.Second {
				recovered = last.at
			}
		}
		mu.Unlock()
	}
	stopMonitor()
	mwg.Wait()
	if err := cl.Err(); err != nil {
		return nil, err
	}
	ctx = context.WithoutCancel(ctx)
	var maxLag time.Duration
	var maxAt time.Time
	for _, s := range samples {
		if s.overdue > maxLag {
			maxLag, maxAt = s.overdue, s.at
		}
	}
	if err := cl.Stop(); err != nil {
		res.Notes = append(res.Notes, "stopping the nodes: "+err.Error())
	}

	// Email lags, due time to hand-off, by kind.
	dues, err := d.MessageDues(ctx)
	if err != nil {
		return nil, err
	}
	var older, fresh Durations
	seen := map[string]bool{}
	dups := 0
	for _, a := range sink.Arrivals() {
		due, ok := dues[a.MessageID]
		if !ok {
			continue
		}
		if seen[a.MessageID] {
			dups++ // the lag counts the first hand-off
			continue
		}
		seen[a.MessageID] = true
		if a.Template == "day30_checkin" {
			older = append(older, a.At.Sub(due))
		} else {
			fresh = append(fresh, a.At.Sub(due))
		}
	}
	older.Sort()
	fresh.Sort()

	res.Figures = append(res.Figures,
		fig("orders/s achieved (offered "+format(offered, "/s")+")", "/s", got.Rate()).vs(ceiling.Rate(), "ingest ceiling"),
		fig("orders/s achieved vs offered", "/s", got.Rate()).vs(offered, "offered"),
		fig("time to post every order", "s", secs(got.End.Sub(t0))).vs(secs(f.Duration), "offered"),
		fig("ingest latency p50", "ms", ms(got.Latencies.Percentile(0.5))).vs(ms(ceiling.Latencies.Percentile(0.5)), "ceiling"),
		fig("ingest latency p99", "ms", ms(got.Latencies.Percentile(0.99))).vs(ms(ceiling.Latencies.Percentile(0.99)), "ceiling"),
		fig("day-30 emails: lag p50 (due → hand-off)", "ms", ms(older.Percentile(0.5))),
		fig("day-30 emails: lag p99", "ms", ms(older.Percentile(0.99))),
		fig("new orders' emails: lag p50", "ms", ms(fresh.Percentile(0.5))),
		fig("new orders' emails: lag p99", "ms", ms(fresh.Percentile(0.99))),
		fig("largest lag (oldest due step still pending)", "s", secs(maxLag)),
	)
	rec := fig("lag back under 1 s, after the burst ended", "s", 0)
	if recovered.IsZero() {
		rec.Aftersale = -1
		rec.Text = fmt.Sprintf("not within %s", f.MaxDrain)
	} else {
		rec.Aftersale = secs(max(0, recovered.Sub(burstEnd)))
	}
	res.Figures = append(res.Figures, rec, fig("emails handed off", "", float64(len(older)+len(fresh))),
		fig("emails handed off more than once", "", float64(dups)))
	if !maxAt.IsZero() {
		res.Notes = append(res.Notes, fmt.Sprintf("the largest lag was seen %s after the burst began", maxAt.Sub(t0).Round(time.Second)))
	}
	if got.Errors > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d orders were answered with something else than 202 (by code: %v; first: %s)", got.Errors, got.Codes, got.FirstError))
	}
	if got.Behind > time.Second {
		res.Notes = append(res.Notes, fmt.Sprintf("with %d requests in flight the posting fell up to %s behind the offered schedule", f.Clients, got.Behind.Round(time.Millisecond)))
	}
	if counts, err := d.StepCounts(ctx); err == nil {
		res.Notes = append(res.Notes, "steps at the end: "+summary(counts))
	}
	return res, nil
}
