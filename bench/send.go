package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/journey"
)

// SendFlags size the send scenario.
type SendFlags struct {
	Messages int `name:"messages" default:"20000" help:"Due email steps (one email each) drained from the queue; the baseline sends as many."`
}

// SendCmd measures sending.
type SendCmd struct {
	Common    `embed:""`
	SendFlags `embed:""`
}

// Run runs the scenario.
func (c *SendCmd) Run(ctx context.Context) error {
	return run(ctx, &c.Common, "send", func(ctx context.Context, b *bench) ([]*Result, error) {
		return one(b.send(ctx, c.SendFlags))
	})
}

// send measures how fast due email steps leave for the sink: --messages
// buyers of a month ago whose day-30 email (one step, one email, one job
// each) is overdue when the nodes start. The baseline is a go-mail loop
// sending a message rendered once from the same template over one
// connection to the same sink. Both rates are taken at the sink, from the
// first message to the last.
func (b *bench) send(ctx context.Context, f SendFlags) (*Result, error) {
	n := f.Messages
	if n < 2 {
		return nil, fmt.Errorf("--messages must be at least 2")
	}
	res := &Result{Scenario: "send", DB: b.c.DB, Nodes: b.c.Nodes, Params: map[string]any{"messages": n, "step": dueStep}}
	sink, err := startSink()
	if err != nil {
		return nil, err
	}
	defer sink.Close()

	b.logf("send baseline: plain go-mail loop, one connection, %d messages", n)
	msg, tmpl, err := prerendered()
	if err != nil {
		return nil, err
	}
	loopTime, err := goMailLoop(ctx, sink.Addr(), msg, n)
	if err != nil {
		return nil, fmt.Errorf("go-mail baseline: %w", err)
	}
	base := sink.Arrivals()
	baseRate := rateOf(base)
	b.logf("  %d messages in %s (%.0f/s at the sink)", len(base), loopTime.Round(time.Millisecond), baseRate)
	sink.Reset()

	b.logf("send: %d overdue %s steps in the queue of a %s database", n, dueStep, b.c.DB)
	d, err := b.newDatabase(ctx, "send")
	if err != nil {
		return nil, err
	}
	defer d.Drop()
	// Overdue by 10s and more, one millisecond apart (one job each).
	if err := b.Seed(ctx, d, dueCohort("send", n, time.Now().Add(-time.Duration(n)*time.Millisecond-10*time.Second), time.Millisecond)); err != nil {
		return nil, err
	}
	started := time.Now()
	cl, err := b.startCluster(ctx, d, sink.URL(), false)
	if err != nil {
		return nil, err
	}
	waitErr := sink.WaitFor(cl.Ctx, n, 2*time.Minute)
	took := time.Since(started)
	if err := cl.Err(); err != nil {
		cl.Stop()
		return nil, err
	}
	waitRecorded(cl.Ctx, d, sink, 10*time.Second)
	if err := cl.Stop(); err != nil {
		res.Notes = append(res.Notes, "stopping the nodes: "+err.Error())
	}
	got := sink.Arrivals()
	rate := rateOf(got)
	b.logf("  %d messages, %.0f/s at the sink (%s from start to the last)", len(got), rate, took.Round(time.Millisecond))
	if waitErr != nil {
		res.Notes = append(res.Notes, "not every message arrived: "+waitErr.Error())
	}
	wrong, dups := 0, 0
	seen := map[string]bool{}
	for _, a := range got {
		if a.Template != tmpl {
			wrong++
		}
		if seen[a.MessageID] {
			dups++
		}
		seen[a.MessageID] = true
	}
	if dups > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d messages were handed off more than once (same Message-ID)", dups))
	}
	if wrong > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d messages had another X-Aftersale-Template than %s", wrong, tmpl))
	}
	res.Figures = append(res.Figures,
		fig("due email steps/s (render + SMTP)", "/s", rate).vs(baseRate, "go-mail loop").ratioAtLeast(0.7, "≥ 70% of go-mail"),
		fig("messages at the sink", "", float64(len(got))).vs(float64(len(base)), "go-mail loop"),
	)
	if counts, err := d.StepCounts(ctx); err == nil {
		res.Notes = append(res.Notes, "steps at the end: "+summary(counts))
	}
	return res, nil
}

// rateOf is messages per second from the first arrival to the last.
func rateOf(a []Arrival) float64 {
	if len(a) < 2 {
		return 0
	}
	return float64(len(a)-1) / a[len(a)-1].At.Sub(a[0].At).Seconds()
}

// prerendered renders the day-30 email once, as aftersale would for a
// seeded buyer, into a go-mail message.
func prerendered() (*mail.Msg, string, error) {
	set, err := journey.Default()
	if err != nil {
		return nil, "", err
	}
	st := set.ByID("default").Step(dueStep)
	r, err := email.NewRenderer(nil)
	if err != nil {
		return nil, "", err
	}
	unsub := "http://127.0.0.1:8080/u/" + strings.Repeat("x", 120)
	out, err := r.Render(st.Template, &email.Data{
		Business:  email.Business{Name: "Shop", SupportEmail: "hello@shop.example"},
		Recipient: email.NewPerson("Ana Lima", "buyer1@shop1.example"),
		Buyer:     email.NewPerson("Ana Lima", "buyer1@shop1.example"),
		Order: email.OrderData{ID: "seed-1", Currency: "USD", Total: "49.00", HasDigital: true, PlacedAt: time.Now().Add(-30 * 24 * time.Hour),
			Items: []email.ItemData{{Name: "Launch Course", SKU: "course-101", Kind: "digital", Quantity: 1, Price: "49.00", AccessURL: "https://shop.example/access/seed-1"}}},
		Links: email.Links{Unsubscribe: unsub, Preferences: unsub},
	})
	if err != nil {
		return nil, "", err
	}
	m := mail.NewMsg()
	if err := m.From(from); err != nil {
		return nil, "", err
	}
	if err := m.To(`"Ana Lima" <buyer1@shop1.example>`); err != nil {
		return nil, "", err
	}
	m.Subject(out.Subject)
	m.SetDate()
	m.SetGenHeader("X-Aftersale-Template", st.Template)
	m.SetGenHeader("List-Unsubscribe", "<"+unsub+">")
	m.SetGenHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	m.SetBodyString(mail.TypeTextPlain, out.Text)
	m.AddAlternativeString(mail.TypeTextHTML, out.HTML)
	return m, st.Template, nil
}

// goMailLoop sends msg n times over one go-mail connection, each with its
// own Message-ID, and returns the time it took.
func goMailLoop(ctx context.Context, addr string, msg *mail.Msg, n int) (time.Duration, error) {
	host, portStr, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portStr)
	c, err := mail.NewClient(host, mail.WithPort(port), mail.WithTLSPolicy(mail.TLSOpportunistic),
		mail.WithTimeout(30*time.Second), mail.WithHELO("bench.localhost"))
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := c.DialWithContext(ctx); err != nil {
		return 0, err
	}
	defer c.Close()
	for i := range n {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		msg.SetMessageIDWithValue(fmt.Sprintf("bench-%d@shop.example", i))
		if err := c.Send(msg); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}
