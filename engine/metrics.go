package engine

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftersale/aftersale"
)

// Metrics are the Prometheus metrics of the engine.
type Metrics struct {
	EventsReceived  *prometheus.CounterVec
	EventsDuplicate prometheus.Counter
	EventsProcessed prometheus.Counter
	EventsFailed    prometheus.Counter
	StepsPlanned    prometheus.Counter
	StepsFinished   *prometheus.CounterVec
	StepLag         prometheus.Histogram
	Emails          *prometheus.CounterVec
	// EmailsMalformed counts emails that failed because the message
	// itself was at fault (aftersale.IsMalformed): each is a bug.
	EmailsMalformed prometheus.Counter
	TasksCreated    *prometheus.CounterVec
	Reports         *prometheus.CounterVec
	// BounceReasons counts failed and delayed recipients and complaints
	// by kind and category (bounce.Category).
	BounceReasons *prometheus.CounterVec
}

// QueueCounts is what the metrics read from the store at scrape time.
type QueueCounts interface {
	StepCountPending(ctx context.Context, now time.Time) (pending, due int, err error)
	DeadEventCount(ctx context.Context) (int, error)
}

// NewMetrics creates the metrics and registers them, with a collector for
// the queue depth read from the store, on reg.
func NewMetrics(reg prometheus.Registerer, store QueueCounts, clock *aftersale.Clock) *Metrics {
	m := &Metrics{
		EventsReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aftersale_events_received_total", Help: "Events stored, by type and source (duplicates not counted).",
		}, []string{"type", "source"}),
		EventsDuplicate: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aftersale_events_duplicate_total", Help: "Events received again with an ID already stored.",
		}),
		EventsProcessed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aftersale_events_processed_total", Help: "Stored events applied by the processor (journeys started, steps planned).",
		}),
		EventsFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aftersale_events_failed_total", Help: "Stored events set aside because they could not be applied (see aftersale_events_dead and the admin's events set aside).",
		}),
		StepsPlanned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aftersale_steps_planned_total", Help: "Journey steps planned as rows: at once for those due within the planning horizon (an hour), when they come within it for the later ones.",
		}),
		StepsFinished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aftersale_steps_finished_total", Help: "Journey steps finished, by type and final status.",
		}, []string{"type", "status"}),
		StepLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "aftersale_step_lag_seconds",
			Help:    "Time from a step's due time to its execution.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300},
		}),
		Emails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aftersale_emails_total", Help: "Emails by outcome (sent, failed, suppressed, deferred) and category.",
		}, []string{"status", "category"}),
		EmailsMalformed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aftersale_emails_malformed_total", Help: "Emails that failed because the message could not be built or the server refused its syntax: a bug in aftersale (see the error log).",
		}),
		TasksCreated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aftersale_tasks_created_total", Help: "Human-touch tasks created, by kind.",
		}, []string{"kind"}),
		Reports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aftersale_delivery_reports_total", Help: "Bounce and complaint reports received, by kind and whether the address was suppressed.",
		}, []string{"kind", "suppressed"}),
		BounceReasons: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aftersale_bounce_reasons_total", Help: "Recipients of bounce, delay and complaint reports, by kind and reason category (user_unknown, blocked, spam_policy, ...).",
		}, []string{"kind", "category"}),
	}
	reg.MustRegister(m.Reports, m.BounceReasons, m.EventsReceived, m.EventsDuplicate, m.EventsProcessed, m.EventsFailed, m.StepsPlanned, m.StepsFinished, m.StepLag, m.Emails, m.EmailsMalformed, m.TasksCreated,
		&queueCollector{store: store, clock: clock,
			pending: prometheus.NewDesc("aftersale_steps_pending", "Journey steps waiting for their due time or running.", nil, nil),
			due:     prometheus.NewDesc("aftersale_steps_due", "Pending steps whose due time has passed (the backlog).", nil, nil),
			dead:    prometheus.NewDesc("aftersale_events_dead", "Events set aside now because they could not be applied, waiting to be retried or discarded in the admin.", nil, nil),
		})
	return m
}

// queueCollector reads the queue depth and the count of events set aside
// from the store at scrape time.
type queueCollector struct {
	store              QueueCounts
	clock              *aftersale.Clock
	pending, due, dead *prometheus.Desc
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.due
	ch <- c.dead
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pending, due, err := c.store.StepCountPending(ctx, c.clock.RealNow())
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.pending, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(pending))
	ch <- prometheus.MustNewConstMetric(c.due, prometheus.GaugeValue, float64(due))
	if dead, err := c.store.DeadEventCount(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(c.dead, err)
	} else {
		ch <- prometheus.MustNewConstMetric(c.dead, prometheus.GaugeValue, float64(dead))
	}
}
