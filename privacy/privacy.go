// Package privacy exports everything held on a customer (as JSON) and
// erases a customer's personal data everywhere it is kept, keeping the
// anonymous facts and counts. It sits beside the pipeline (package
// engine) and uses it only through Pipeline; the data it reads and
// erases through Store. Nothing here sends customer data anywhere: the
// export goes to whoever asked for it through the CLI, the admin UI or
// the API.
package privacy

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

// Pipeline is what only the pipeline can do for an erase; *engine.Service
// satisfies it.
type Pipeline interface {
	// ProcessPending processes the events waiting in the inbox, as the
	// running service's processor would, until it is empty or another
	// node holds the processing lock.
	ProcessPending(ctx context.Context) error
	// Exclusive runs fn in one store transaction that holds the event
	// processing lock (no event is applied meanwhile, on any node) while
	// no send on this node reads a customer; ran is false, at once and
	// with fn not run, when another node holds the processing lock.
	Exclusive(ctx context.Context, fn func(ctx context.Context, tx aftersale.Tx) error) (ran bool, err error)
}

// Steps reads what is planned for a customer: the step rows, and the
// plans whose steps have no row yet. Store and Tx have it.
type Steps interface {
	StepListByCustomer(ctx context.Context, customerID int64) ([]*aftersale.Step, error)
	StepPlanListByCustomer(ctx context.Context, customerID int64) ([]*aftersale.StepPlan, error)
}

// Tx is what an erase does in its transaction (aftersale.Tx has it all).
type Tx interface {
	Steps
	MessageListByCustomer(ctx context.Context, customerID int64) ([]*aftersale.Message, error)
	OrderListByCustomer(ctx context.Context, customerID int64) ([]*aftersale.Order, error)
	RunListByOrder(ctx context.Context, orderID int64) ([]*aftersale.JourneyRun, error)
	RunExit(ctx context.Context, id int64, reason string, at time.Time) (stopped int, err error)
	CustomerErase(ctx context.Context, id int64, at time.Time) error
}

// Store is what the export reads and the erase needs outside its
// transaction (aftersale.Store has it all).
type Store interface {
	Steps
	CustomerGetByEmail(ctx context.Context, email string) (*aftersale.Customer, error)
	OrderGet(ctx context.Context, id int64) (*aftersale.Order, error)
	OrderListByCustomer(ctx context.Context, customerID int64) ([]*aftersale.Order, error)
	ShipmentListByOrder(ctx context.Context, orderID int64) ([]*aftersale.ShipmentRecord, error)
	BookingListByOrder(ctx context.Context, orderID int64) ([]*aftersale.BookingRecord, error)
	ReturnList(ctx context.Context, f aftersale.ReturnFilter) ([]*aftersale.Return, error)
	PlanGet(ctx context.Context, orderID int64) (*aftersale.SuccessPlan, error)
	CheckInList(ctx context.Context, orderID int64) ([]*aftersale.CheckIn, error)
	RunListByOrder(ctx context.Context, orderID int64) ([]*aftersale.JourneyRun, error)
	StepGet(ctx context.Context, id int64) (*aftersale.Step, error)
	EventListByCustomer(ctx context.Context, email string) ([]*aftersale.StoredEvent, error)
	MessageListByCustomer(ctx context.Context, customerID int64) ([]*aftersale.Message, error)
	TaskList(ctx context.Context, f aftersale.TaskFilter) ([]*aftersale.Task, error)
	SurveyAnswerList(ctx context.Context, f aftersale.AnswerFilter) ([]*aftersale.SurveyAnswer, error)
	CouponList(ctx context.Context, f aftersale.CouponFilter) ([]*aftersale.Coupon, error)
	ReferralCodeOf(ctx context.Context, customerID int64) (*aftersale.ReferralCode, error)
	ReferralList(ctx context.Context, f aftersale.ReferralFilter) ([]*aftersale.Referral, error)
	StorySentTo(ctx context.Context, customerID int64) ([]int64, error)
	StoryGet(ctx context.Context, id int64) (*aftersale.Story, error)
	BroadcastRecipientList(ctx context.Context, customerID int64) ([]*aftersale.BroadcastRecipient, error)
	BroadcastGet(ctx context.Context, id int64) (*aftersale.Broadcast, error)
	// InboxList shows the erase the events still waiting to be processed.
	InboxList(ctx context.Context, limit int) ([]*aftersale.StoredEvent, error)
	// Scrub rewrites the database files after an erase.
	Scrub(ctx context.Context) error
}

// Config is what a Service needs. Store and Pipeline are required, and
// must work on the same database.
type Config struct {
	Store    Store
	Pipeline Pipeline
	// Clock stamps exports and erases; nil is the real clock.
	Clock *aftersale.Clock
	// OutboxDir is the folder of the local outbox (mail kept as .eml
	// files when no SMTP server is set), whose messages to or about a
	// customer Erase removes; "" when there is none.
	OutboxDir string
	// Logger defaults to slog.Default(). Nothing logged names a customer
	// but by their ID.
	Logger *slog.Logger
}

// Service exports and erases customers.
type Service struct {
	cfg Config
	log *slog.Logger
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("privacy: Store is required")
	case cfg.Pipeline == nil:
		return nil, errors.New("privacy: Pipeline is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = &aftersale.Clock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{cfg: cfg, log: cfg.Logger}, nil
}

// customerByEmail returns the customer with the address, or ENOTFOUND
// naming it.
func (s *Service) customerByEmail(ctx context.Context, addr string) (*aftersale.Customer, error) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	if addr == "" {
		return nil, aftersale.FieldError("email", "is required")
	}
	c, err := s.cfg.Store.CustomerGetByEmail(ctx, addr)
	if aftersale.IsNotFound(err) {
		return nil, aftersale.Errorf(aftersale.ENOTFOUND, "no customer has the email %s", addr)
	}
	return c, err
}

// sleep pauses the machinery for d of real time (no journey clock moves
// it), or until ctx ends (then false).
func sleep(ctx context.Context, d time.Duration) bool {
	var real *aftersale.Clock // a nil Clock is the real one
	return real.Sleep(ctx, d)
}

// timePtr is t, or nil for the zero time.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// The store's interfaces have what Store and Tx list.
var (
	_ Store = aftersale.Store(nil)
	_ Tx    = aftersale.Tx(nil)
)
