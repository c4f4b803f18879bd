// Package team administers the people who use the admin UI and their
// work: team members, their roles, passwords and own SMTP servers, who may
// log in, the owners' team settings, and the task queue (tasks.go: the
// tasks the journeys' task steps create, completing them with an outcome
// and the calls tried again; personal.go: the personal email a member
// sends from a task; digest.go: the daily overdue digest job). It stands
// beside the engine (the pipeline that runs journeys), which creates the
// tasks and assigns them (round robin, the member who served) in the
// transaction of their step, and does not import it; the team uses the
// pipeline only through Pipeline, and the store through Store.
package team

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/auth"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/journey"
)

// Store is what the team needs of aftersale.Store: members and settings
// read and written outside a transaction; the tasks, with their customers
// and orders, and the customer's messages (to thread a personal email);
// the purge of expired sessions; and Update for the changes written in one
// transaction (see Tx). Every aftersale.Store is one.
type Store interface {
	MemberCreate(ctx context.Context, m *aftersale.Member) (*aftersale.Member, error)
	MemberGet(ctx context.Context, id int64) (*aftersale.Member, error)
	MemberGetByEmail(ctx context.Context, email string) (*aftersale.Member, error)
	MemberList(ctx context.Context) ([]*aftersale.Member, error)
	SettingGet(ctx context.Context, name string) (string, error)
	SettingSet(ctx context.Context, name, value string) error
	TaskGet(ctx context.Context, id int64) (*aftersale.Task, error)
	TaskList(ctx context.Context, f aftersale.TaskFilter) ([]*aftersale.Task, error)
	CustomerGet(ctx context.Context, id int64) (*aftersale.Customer, error)
	CustomerGetByEmail(ctx context.Context, email string) (*aftersale.Customer, error)
	OrderGet(ctx context.Context, id int64) (*aftersale.Order, error)
	MessageListByCustomer(ctx context.Context, customerID int64) ([]*aftersale.Message, error)
	SessionPurge(ctx context.Context, now time.Time) (int, error)
	// Update runs fn in one write transaction (aftersale.Store.Update); fn
	// uses the transaction only through Tx.
	Update(ctx context.Context, fn func(ctx context.Context, tx aftersale.Tx) error) error
}

// Tx is what the team uses of an aftersale.Tx: read a member, lock the
// active owners (aftersale.Tx.MemberLockOwners) and write the member;
// complete a task and create the next one (a call tried again) or read
// its customer; record a personal email sent.
type Tx interface {
	MemberGet(ctx context.Context, id int64) (*aftersale.Member, error)
	MemberLockOwners(ctx context.Context) ([]*aftersale.Member, error)
	MemberUpdate(ctx context.Context, m *aftersale.Member) error
	TaskComplete(ctx context.Context, id int64, outcome, note, doneBy string, at time.Time) (*aftersale.Task, error)
	TaskCreate(ctx context.Context, t *aftersale.Task) (*aftersale.Task, error)
	CustomerGet(ctx context.Context, id int64) (*aftersale.Customer, error)
	MessageRecord(ctx context.Context, m *aftersale.Message) (recorded bool, err error)
}

// Pipeline is what only the pipeline does for the team; *engine.Service
// satisfies it.
type Pipeline interface {
	// HoldErase keeps an erase on this node from running until release
	// is called: a personal email holds it from reading the customer to
	// recording the email.
	HoldErase() (release func())
}

var (
	_ Store    = aftersale.Store(nil)
	_ Tx       = aftersale.Tx(nil)
	_ Pipeline = (*engine.Service)(nil)
)

// Config is what a Service needs; Store is required.
type Config struct {
	Store Store
	// Clock gives the time of new members and deactivations; nil means
	// the real time.
	Clock *aftersale.Clock
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// PasswordParams are the argon2id costs of new passwords; nil means
	// auth.DefaultParams (tests lower them). Ignored when Passwords is set.
	PasswordParams *auth.Params
	// Passwords runs every argon2id hash (logins, new and changed
	// passwords) with a bound on how many run at once; nil means
	// auth.NewPool with its defaults and PasswordParams. One per process.
	Passwords *auth.Pool
	// MemberMailer makes the mailer of a member's own SMTP server: the
	// team checks an own SMTP URL with it (an error refuses the URL), and
	// sends the member's personal emails through it. Nil refuses every
	// own SMTP URL: the install cannot send through them. Unless
	// allowPrivate (the owners' setting aftersale.SettingAllowPrivateSMTP),
	// the mailer must refuse to connect to loopback, private, link-local
	// and other internal addresses; with it, still to link-local and
	// metadata addresses; and must not tell why a connection failed (see
	// smtp.WithPublicOnly, smtp.WithPrivateAllowed).
	MemberMailer func(smtpURL string, allowPrivate bool) (aftersale.Mailer, error)

	// Pipeline holds an erase off a personal email; Mailer sends the
	// digests, and the personal emails of members without their own
	// SMTP server. Both are needed for those; the members alone need
	// neither.
	Pipeline Pipeline
	Mailer   aftersale.Mailer
	// From and ReturnPath are the sender and envelope sender of the
	// digests ("" ReturnPath uses From), as of the journey email.
	From       aftersale.Address
	ReturnPath string
	// BaseURL is the public URL of this install, for the digests' links.
	BaseURL string
	// TaskSLA is how long after its due time an open task counts as
	// overdue (the badge, the daily digest); 0 means at once.
	TaskSLA time.Duration
	// Schedule places a call tried again in the customer's day, one
	// business day on; nil means the engine's default (quiet from 21:00
	// to 08:00, UTC).
	Schedule *journey.Schedule
	// Metrics counts the personal emails refused as malformed
	// (aftersale_emails_malformed_total); nil counts nothing.
	Metrics *engine.Metrics
}

// Service administers the team.
type Service struct {
	cfg Config
	log *slog.Logger
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, fmt.Errorf("team: Store is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = &aftersale.Clock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ReturnPath == "" {
		cfg.ReturnPath = cfg.From.Email
	}
	if cfg.Schedule == nil {
		cfg.Schedule = &journey.Schedule{QuietStart: "21:00", QuietEnd: "08:00"}
	}
	if cfg.Schedule.Clock == nil {
		cfg.Schedule.Clock = cfg.Clock
	}
	if cfg.Passwords == nil {
		var pc auth.PoolConfig
		if cfg.PasswordParams != nil {
			pc.Params = *cfg.PasswordParams
		}
		cfg.Passwords = auth.NewPool(pc)
	}
	return &Service{cfg: cfg, log: cfg.Logger}, nil
}

// MemberView is a team member as the admin UI shows it (never the hash).
type MemberView struct {
	ID      int64  `json:"id"`
	Email   string `json:"email"`
	Name    string `json:"name"`
	Role    string `json:"role"`
	OwnSMTP bool   `json:"own_smtp"`
	// Active is false once an owner deactivated the member.
	Active bool `json:"active"`
	// SessionEpoch is the member's session epoch: a session begun under
	// another one is over (see aftersale.Member.SessionEpoch).
	SessionEpoch int64 `json:"-"`
}

// memberView returns what may be shown of m.
func memberView(m *aftersale.Member) MemberView {
	return MemberView{ID: m.ID, Email: m.Email, Name: m.Name, Role: string(m.Role), OwnSMTP: m.SMTPURL != "",
		Active: m.Active(), SessionEpoch: m.SessionEpoch}
}

// NewMember is what AddMember needs.
type NewMember struct {
	Email, Name string
	Role        aftersale.Role
	Password    string
	SMTPURL     string // optional: the member's own mailbox for personal emails
}
