package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/journey"
)

// A Cohort is a group of past purchases seeded straight into the database
// with bulk SQL: per buyer a customer, an order of one digital item, its
// order.placed event, a run of the built-in "default" journey, and pending
// steps of that journey. It is what the service would have stored had the
// orders come in through the API, minus the steps already done and their
// messages.
//
// Buyer x (1-based) placed the order at
//
//	PlacedBase + (x-1)·PlacedStride − ((id·7919) mod Spread) seconds
//
// and each of its steps is due Offset after that.
type Cohort struct {
	Name         string
	Buyers       int
	Steps        []SeedStep
	StepsTotal   int // 0: every buyer gets every step; else the first StepsTotal in step-major order
	PlacedBase   time.Time
	PlacedStride time.Duration
	Spread       int64 // seconds of pseudo-random spread; 0 for none
	// Schedule, when set, is called just before the cohort is seeded and
	// sets PlacedBase: for steps that must fall due a set time after the
	// seeding.
	Schedule func(c *Cohort)
}

// SeedStep is one step of the default journey planned for every buyer.
type SeedStep struct {
	ID     string // the journey step id
	Offset time.Duration
}

// stepCount is how many steps the cohort seeds.
func (c *Cohort) stepCount() int {
	if c.StepsTotal > 0 {
		return c.StepsTotal
	}
	return c.Buyers * len(c.Steps)
}

// Backlog steps: five follow-ups of the default journey, the days after a
// purchase, as a real backlog of pending steps is made of.
var backlogSteps = []SeedStep{
	{"day1-welcome", 24 * time.Hour},
	{"day3-answers", 3 * 24 * time.Hour},
	{"day7-checkin", 7 * 24 * time.Hour},
	{"performance-survey", 14 * 24 * time.Hour},
	{"day30-checkin", 30 * 24 * time.Hour},
}

// dueStep is the step that falls due in send, lag and blackfriday: the
// day-30 check-in email of last month's buyers.
const dueStep = "day30-checkin"

// backlogCohort is steps pending steps of buyers who bought between 23
// hours and 1 hour ago, due from an hour from now to a month from now (none
// falls due during a run). buyers 0 means steps/5.
func backlogCohort(buyers, steps int) Cohort {
	if buyers <= 0 {
		buyers = max(1, (steps+len(backlogSteps)-1)/len(backlogSteps))
	}
	per := (steps + buyers - 1) / buyers
	var list []SeedStep
	for j := range per {
		s := backlogSteps[j%len(backlogSteps)]
		if j >= len(backlogSteps) {
			s.Offset += time.Duration(j/len(backlogSteps)) * time.Minute
		}
		list = append(list, s)
	}
	return Cohort{
		Name: "backlog", Buyers: buyers, Steps: list, StepsTotal: steps,
		PlacedBase: time.Now().Add(-time.Hour), Spread: 22 * 3600,
	}
}

// dueCohort is n buyers of a month ago whose day-30 email is due at
// first, first+every, first+2·every, ...
func dueCohort(name string, n int, first time.Time, every time.Duration) Cohort {
	off := 30 * 24 * time.Hour
	return Cohort{
		Name: name, Buyers: n, Steps: []SeedStep{{dueStep, off}},
		PlacedBase: first.Add(-off), PlacedStride: every,
	}
}

// seedChunk is how many buyers go in one transaction.
const seedChunk = 50_000

// Seed inserts the cohorts with bulk SQL and shows progress on stderr.
// The steps get no River job: like steps planned days ahead, or copied in
// by migrate-to-postgres, they are enqueued by the nodes' dispatcher when
// they are nearly due.
func (b *bench) Seed(ctx context.Context, d *Database, cohorts ...Cohort) error {
	set, err := journey.Default()
	if err != nil {
		return err
	}
	def := set.ByID("default")
	if def == nil {
		return fmt.Errorf("the built-in journeys have no journey \"default\"")
	}
	types := map[string]aftersale.StepType{}
	for _, c := range cohorts {
		for _, s := range c.Steps {
			st := def.Step(s.ID)
			if st == nil {
				return fmt.Errorf("the built-in journey \"default\" has no step %q", s.ID)
			}
			types[s.ID] = st.Type
		}
	}
	started := time.Now()
	db, err := d.openSQL(true)
	if err != nil {
		return err
	}
	defer db.Close()
	if d.Dialect == "postgres" {
		if _, err := db.ExecContext(ctx, "SET synchronous_commit = off"); err != nil {
			return err
		}
	}
	payload, err := eventTemplate()
	if err != nil {
		return err
	}
	now := time.Now().UnixMicro()
	var totalSteps int
	for _, c := range cohorts {
		if c.Schedule != nil {
			c.Schedule(&c)
		}
		totalSteps += c.stepCount()
		bar := newBar(int64(c.Buyers+c.stepCount()), fmt.Sprintf("seeding %s (%d buyers, %d steps)", c.Name, c.Buyers, c.stepCount()))
		base := d.nextID
		for lo := 1; lo <= c.Buyers; lo += seedChunk {
			hi := min(lo+seedChunk-1, c.Buyers)
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			q := seedSQL{pg: d.Dialect == "postgres", lo: lo, hi: hi, base: base, now: now,
				placedBase: c.PlacedBase.UnixMicro(), stride: c.PlacedStride.Microseconds(), spread: max(c.Spread, 1)}
			for _, stmt := range q.parents(payload) {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					tx.Rollback()
					return fmt.Errorf("seed %s: %w", firstWords(stmt), err)
				}
			}
			added := hi - lo + 1
			for j, s := range c.Steps {
				// Step j goes to buyers 1..limit (step-major order).
				limit := c.Buyers
				if c.StepsTotal > 0 {
					limit = min(c.Buyers, max(0, c.StepsTotal-j*c.Buyers))
				}
				sq := q
				sq.hi = min(hi, limit)
				if sq.hi < lo {
					continue
				}
				key := s.ID
				if j >= len(backlogSteps) {
					key = fmt.Sprintf("%s/%d", s.ID, j)
				}
				if _, err := tx.ExecContext(ctx, sq.steps(s.ID, key, string(types[s.ID]), s.Offset)); err != nil {
					tx.Rollback()
					return fmt.Errorf("seed steps: %w", err)
				}
				added += sq.hi - lo + 1
			}
			if err := tx.Commit(); err != nil {
				return err
			}
			bar.Add(added)
		}
		bar.Finish()
		d.nextID += int64(c.Buyers)
	}
	if err := finishLoad(ctx, db, d.Dialect); err != nil {
		return err
	}
	db.Close()
	b.logf("seeded %d steps with bulk SQL in %s", totalSteps, time.Since(started).Round(100*time.Millisecond))

	// Jobs: the seeded steps have none, as after a copy into an empty
	// queue (migrate-to-postgres). The nodes' dispatcher enqueues each one
	// when it is nearly due, as it does for steps planned days ahead.
	store, err := d.OpenStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.StepResetEnqueued(ctx); err != nil {
		return fmt.Errorf("StepResetEnqueued: %w", err)
	}
	return nil
}

// finishLoad moves PostgreSQL's id sequences past the seeded ids and
// analyzes (as autovacuum would soon), or checkpoints SQLite's WAL.
func finishLoad(ctx context.Context, db *sql.DB, dialect string) error {
	if dialect == "postgres" {
		for _, t := range []string{"customers", "orders", "journey_runs"} {
			if _, err := db.ExecContext(ctx, fmt.Sprintf(
				`SELECT setval(pg_get_serial_sequence('%[1]s', 'id'), coalesce((SELECT max(id) FROM %[1]s), 0) + 1, false)`, t)); err != nil {
				return fmt.Errorf("setval %s: %w", t, err)
			}
		}
		_, err := db.ExecContext(ctx, "ANALYZE")
		return err
	}
	_, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

func newBar(total int64, desc string) *progressbar.ProgressBar {
	return progressbar.NewOptions64(total,
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(os.Stderr) }),
	)
}

func firstWords(s string) string {
	f := strings.Fields(s)
	for i, w := range f {
		if strings.EqualFold(w, "INSERT") && i+2 < len(f) {
			return f[i+2]
		}
	}
	return "rows"
}

// eventTemplate is the stored payload of a seeded order.placed event, with
// @ID@ and @DOM@ standing for the buyer's id and mail domain number.
func eventTemplate() (string, error) {
	// Seeded buyers gave no marketing consent: their day-30 step is then
	// the plain check-in email (consenting buyers get the insider offer,
	// which also issues a coupon code).
	no := false
	ev := aftersale.Event{
		ID: "seed-evt-@ID@", Type: aftersale.EventOrderPlaced, Source: "api",
		OccurredAt: time.Now().UTC(),
		Customer: &aftersale.Contact{Email: "buyer@ID@@shop@DOM@.example", Name: "Ana Lima", Phone: "+1555@ID@",
			Timezone: "America/New_York", MarketingConsent: &no},
		Order: &aftersale.OrderFacts{ID: "seed-@ID@", Currency: "USD", Total: "49.00", Items: []aftersale.Item{{
			SKU: "course-101", Name: "Launch Course", Kind: aftersale.KindDigital, Quantity: 1, Price: "49.00",
			AccessURL: "https://shop.example/access/seed-@ID@",
		}}},
	}
	b, err := json.Marshal(ev)
	return string(b), err
}

// seedSQL writes the bulk inserts of one chunk of a cohort for a dialect.
// Every value is made by the bench (numbers, fixed words, the journey's
// step ids, the JSON payload), so they are written as literals.
type seedSQL struct {
	pg bool
	// chunk
	lo, hi                        int
	base, now, placedBase, stride int64
	spread                        int64
}

func (q seedSQL) lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (q seedSQL) ts(expr string) string {
	if q.pg {
		return "to_timestamp((" + expr + ")::float8 / 1000000)"
	}
	return "(" + expr + ")"
}

func (q seedSQL) ins(table, cols, sel string) string {
	if q.pg {
		return fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM generate_series(%d::bigint, %d::bigint) AS s(x)", table, cols, sel, q.lo, q.hi)
	}
	return fmt.Sprintf("WITH RECURSIVE s(x) AS (SELECT %d UNION ALL SELECT x + 1 FROM s WHERE x < %d) INSERT INTO %s (%s) SELECT %s FROM s",
		q.lo, q.hi, table, cols, sel)
}

func (q seedSQL) id() string { return fmt.Sprintf("(%d + x)", q.base) }

func (q seedSQL) text(expr string) string {
	if q.pg {
		return "(" + expr + ")::text"
	}
	return "(" + expr + ")" // || binds tighter than % in SQLite
}

func (q seedSQL) placed() string {
	return fmt.Sprintf("(%d + (x - 1) * %d - ((%s * 7919) %% %d) * 1000000)", q.placedBase, q.stride, q.id(), q.spread)
}

func (q seedSQL) email() string {
	return "'buyer' || " + q.text(q.id()) + " || '@shop' || " + q.text(q.id()+" % 50") + " || '.example'"
}

// parents returns the inserts of customers, orders, items, events and runs.
func (q seedSQL) parents(payload string) []string {
	id, idt, placed, email := q.id(), q.text(q.id()), q.placed(), q.email()
	consent := "0" // see eventTemplate
	body := "CAST(replace(replace(" + q.lit(payload) + ", '@ID@', " + idt + "), '@DOM@', " + q.text(id+" % 50") + ") AS BLOB)"
	if q.pg {
		consent = "false"
		body = "convert_to(replace(replace(" + q.lit(payload) + ", '@ID@', " + idt + "), '@DOM@', " + q.text(id+" % 50") + "), 'UTF8')"
	}
	now := q.ts(fmt.Sprint(q.now))
	return []string{
		q.ins("customers", "id, email, email_key, name, phone, timezone, marketing_consent, created_at, updated_at",
			id+", "+email+", "+email+", 'Ana Lima', '+1555' || "+idt+", 'America/New_York', "+consent+", "+now+", "+now),
		q.ins("orders", "id, external_id, customer_id, source, currency, total, status, placed_at",
			id+", 'seed-' || "+idt+", "+id+", 'api', 'USD', '49.00', 'placed', "+q.ts(placed)),
		q.ins("order_items", "order_id, line_no, sku, name, kind, quantity, price, access_url",
			id+", 0, 'course-101', 'Launch Course', 'digital', 1, '49.00', 'https://shop.example/access/seed-' || "+idt),
		q.ins("events", "id, type, source, occurred_at, received_at, customer_email, customer_email_key, order_ref, payload",
			"'seed-evt-' || "+idt+", 'order.placed', 'api', "+q.ts(placed)+", "+q.ts(placed)+", "+email+", "+email+", 'seed-' || "+idt+", "+body),
		q.ins("journey_runs", "id, journey_id, order_id, customer_id, event_id, status, started_at",
			id+", 'default', "+id+", "+id+", 'seed-evt-' || "+idt+", 'active', "+q.ts(placed)),
	}
}

// steps returns the insert of one pending step per buyer of the chunk.
func (q seedSQL) steps(stepID, key, typ string, offset time.Duration) string {
	id := q.id()
	return q.ins("steps", "run_id, order_id, customer_id, journey_id, step_id, step_key, type, anchor, due_at, status, note, created_at",
		id+", "+id+", "+id+", 'default', "+q.lit(stepID)+", "+q.lit(key)+", "+q.lit(typ)+", 'purchase', "+
			q.ts(fmt.Sprintf("%s + %d", q.placed(), offset.Microseconds()))+", 'pending', '', "+q.ts(q.placed()))
}
