// Package feedback hears what customers say and shows what it means: the
// two-step satisfaction survey (importance first, then performance on
// exactly what matters to the customer) with its recovery calls, success
// plans and their check-ins, the refund-risk score with its hourly check,
// and the reports (the funnel, IPA, NPS and CSAT).
//
// It stands beside the pipeline (package engine): the survey steps of
// journeys run through HandleSurvey, which app registers in
// engine.Config.StepHandlers for aftersale.StepSurvey; the hourly risk check is
// a job of its own, added through engine.RunnerConfig.Jobs (see Jobs); the
// customer view reads the refund risk through engine.Config.RefundRisk,
// which Service satisfies. What it reads and writes of the store is Store.
// The engine does not import it.
package feedback

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/engine"
)

// Tasks creates the owner's calls (recovery, refund risk) unless one is
// open: Store and Tx have it.
type Tasks = aftersale.TaskWriter

// Tx is what a submitted survey writes in its transaction: the answers and
// the recovery call (aftersale.Tx has it all).
type Tx interface {
	Tasks
	SurveyAnswerSave(ctx context.Context, a *aftersale.SurveyAnswer) (*aftersale.SurveyAnswer, error)
	CustomerGet(ctx context.Context, id int64) (*aftersale.Customer, error)
}

// Store is what feedback reads and writes of aftersale.Store: the orders
// and customers asked, their answers, plans and check-ins, and, for the
// refund risk and the funnel, what happened to each purchase.
type Store interface {
	Tasks
	OrderGet(ctx context.Context, id int64) (*aftersale.Order, error)
	OrderGetByExternalID(ctx context.Context, externalID string) (*aftersale.Order, error)
	OrderList(ctx context.Context, from, to time.Time) ([]*aftersale.Order, error)
	CustomerGet(ctx context.Context, id int64) (*aftersale.Customer, error)
	CustomerGetMany(ctx context.Context, ids []int64) ([]*aftersale.Customer, error)
	MemberGetByEmail(ctx context.Context, email string) (*aftersale.Member, error)
	SurveyAnswerList(ctx context.Context, f aftersale.AnswerFilter) ([]*aftersale.SurveyAnswer, error)
	SurveyAnswerSave(ctx context.Context, a *aftersale.SurveyAnswer) (*aftersale.SurveyAnswer, error)
	PlanGet(ctx context.Context, orderID int64) (*aftersale.SuccessPlan, error)
	PlanSave(ctx context.Context, p *aftersale.SuccessPlan) error
	CheckInList(ctx context.Context, orderID int64) ([]*aftersale.CheckIn, error)
	CheckInAdd(ctx context.Context, c *aftersale.CheckIn) (*aftersale.CheckIn, error)
	RunListByOrder(ctx context.Context, orderID int64) ([]*aftersale.JourneyRun, error)
	RunStartsSince(ctx context.Context, since time.Time) (map[int64]time.Time, error)
	StepListByCustomer(ctx context.Context, customerID int64) ([]*aftersale.Step, error)
	MessageListByCustomer(ctx context.Context, customerID int64) ([]*aftersale.Message, error)
	ShipmentListByOrder(ctx context.Context, orderID int64) ([]*aftersale.ShipmentRecord, error)
	BookingListByOrder(ctx context.Context, orderID int64) ([]*aftersale.BookingRecord, error)
	// Update runs fn in one write transaction (aftersale.Store.Update); fn
	// uses the transaction only through Tx.
	Update(ctx context.Context, fn func(ctx context.Context, tx aftersale.Tx) error) error
}

var (
	_ Store             = aftersale.Store(nil)
	_ Tx                = aftersale.Tx(nil)
	_ engine.RiskScorer = (*Service)(nil)
)

// Config is what a Service needs. Store and Links (with its key) are
// required; Links must be the engine's, whose links the survey emails
// carry.
type Config struct {
	Store Store
	// Links signs and verifies the survey and plan links.
	Links *aftersale.LinkSigner
	// Clock stamps answers, plans and calls and tells the age of a
	// purchase; nil is the real clock.
	Clock *aftersale.Clock
	// BaseURL is the public URL of this install, for the links.
	BaseURL string
	// Business names the company on the survey and plan pages.
	Business email.Business
	// Qualities are the service qualities surveys ask about; nil means
	// aftersale.DefaultQualities.
	Qualities []aftersale.Quality
	// RecoveryBelow is the recommendation score (0–10) below which a
	// recovery call is created; 0 means DefaultRecoveryBelow.
	RecoveryBelow int
	// RiskLimit is the refund-risk score (0–100) at which a call for the
	// owner is created; 0 means DefaultRiskLimit.
	RiskLimit int
	// Metrics counts the calls created; nil counts nothing.
	Metrics *engine.Metrics
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Service runs the surveys, success plans, refund risk and reports.
type Service struct {
	cfg Config
	log *slog.Logger
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("feedback: Store is required")
	case cfg.Links == nil || len(cfg.Links.Key) == 0:
		return nil, errors.New("feedback: Links with a key is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = &aftersale.Clock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{cfg: cfg, log: cfg.Logger}, nil
}

// Jobs is what feedback adds to the job runner, for
// engine.RunnerConfig.Jobs: the hourly refund-risk check (RiskArgs).
func (s *Service) Jobs() engine.Jobs {
	return engine.Jobs{
		Register: func(w *river.Workers) error { return river.AddWorkerSafely(w, &riskWorker{svc: s}) },
		Periodic: []*river.PeriodicJob{river.NewPeriodicJob(
			river.PeriodicInterval(riskEvery),
			func() (river.JobArgs, *river.InsertOpts) { return RiskArgs{}, nil },
			nil,
		)},
	}
}

// ownerCall is aftersale.OwnerCall at the clock's now, counted in the
// metrics when it made a call.
func (s *Service) ownerCall(ctx context.Context, q aftersale.TaskWriter, orderID, customerID int64, prefix, title, script string) (bool, error) {
	made, err := aftersale.OwnerCall(ctx, q, s.cfg.Clock.RealNow(), orderID, customerID, prefix, title, script)
	if m := s.cfg.Metrics; made && m != nil {
		m.TasksCreated.WithLabelValues(string(aftersale.TaskCall)).Inc()
	}
	return made, err
}
