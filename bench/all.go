package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// AllCmd runs every scenario in turn, with one results table each.
type AllCmd struct {
	Common      `embed:""`
	Scale       float64          `name:"scale" default:"1" help:"Multiplies every count (messages, pending, samples, customers, orders, due; not durations): 0.01 gives a quick run."`
	Only        []string         `name:"only" help:"Run only these scenarios (comma-separated: ingest,send,lag,footprint,blackfriday)."`
	Ingest      IngestFlags      `embed:"" prefix:"ingest-"`
	Send        SendFlags        `embed:"" prefix:"send-"`
	Lag         LagFlags         `embed:"" prefix:"lag-"`
	Footprint   FootprintFlags   `embed:"" prefix:"footprint-"`
	Blackfriday BlackfridayFlags `embed:"" prefix:"blackfriday-"`
}

// Run runs the scenarios.
func (c *AllCmd) Run(ctx context.Context) error {
	names := []string{"ingest", "send", "lag", "footprint", "blackfriday"}
	for _, o := range c.Only {
		if !slices.Contains(names, o) {
			return fmt.Errorf("--only: unknown scenario %q (want %s)", o, strings.Join(names, ", "))
		}
	}
	want := func(name string) bool { return len(c.Only) == 0 || slices.Contains(c.Only, name) }
	s := func(n int) int {
		if n == 0 {
			return 0
		}
		return max(1, int(float64(n)*c.Scale))
	}
	c.Send.Messages = max(2, s(c.Send.Messages))
	c.Lag.Pending, c.Lag.Samples = s(c.Lag.Pending), s(c.Lag.Samples)
	c.Footprint.Customers, c.Footprint.Pending = s(c.Footprint.Customers), s(c.Footprint.Pending)
	c.Footprint.LoadOrders = s(c.Footprint.LoadOrders)
	c.Blackfriday.Orders, c.Blackfriday.Due, c.Blackfriday.Pending = s(c.Blackfriday.Orders), s(c.Blackfriday.Due), s(c.Blackfriday.Pending)
	return run(ctx, &c.Common, "all", func(ctx context.Context, b *bench) ([]*Result, error) {
		var results []*Result
		steps := []struct {
			name string
			fn   func() (*Result, error)
		}{
			{"ingest", func() (*Result, error) { return b.ingest(ctx, c.Ingest) }},
			{"send", func() (*Result, error) { return b.send(ctx, c.Send) }},
			{"lag", func() (*Result, error) { return b.lag(ctx, c.Lag) }},
			{"footprint", func() (*Result, error) { return b.footprint(ctx, c.Footprint) }},
			{"blackfriday", func() (*Result, error) { return b.blackfriday(ctx, c.Blackfriday) }},
		}
		for _, st := range steps {
			if !want(st.name) {
				continue
			}
			r, err := st.fn()
			if r != nil {
				results = append(results, r)
			}
			if err != nil {
				return results, fmt.Errorf("%s: %w", st.name, err)
			}
		}
		return results, nil
	})
}
