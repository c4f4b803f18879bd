// Package team administers the people who use the admin UI: team members,
// their roles, passwords and own SMTP servers, who may log in, and the
// owners' team settings. It stands beside the engine (the pipeline that
// runs journeys) and needs only the member and setting methods of the
// store (Store); the engine does not import it, and reads member data,
// for task assignment and digests, from the store itself.
package team

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/auth"
)

// Store is what the team needs of aftersale.Store: members and settings
// read and written outside a transaction, and Update for the changes that
// read a member and write it back in one transaction (see Tx). Every
// aftersale.Store is one.
type Store interface {
	MemberCreate(ctx context.Context, m *aftersale.Member) (*aftersale.Member, error)
	MemberGet(ctx context.Context, id int64) (*aftersale.Member, error)
	MemberGetByEmail(ctx context.Context, email string) (*aftersale.Member, error)
	MemberList(ctx context.Context) ([]*aftersale.Member, error)
	SettingGet(ctx context.Context, name string) (string, error)
	SettingSet(ctx context.Context, name, value string) error
	// Update runs fn in one write transaction (aftersale.Store.Update); fn
	// uses the transaction only through Tx.
	Update(ctx context.Context, fn func(ctx context.Context, tx aftersale.Tx) error) error
}

// Tx is what the team uses of an aftersale.Tx: read a member, lock the
// active owners (aftersale.Tx.MemberLockOwners) and write the member.
type Tx interface {
	MemberGet(ctx context.Context, id int64) (*aftersale.Member, error)
	MemberLockOwners(ctx context.Context) ([]*aftersale.Member, error)
	MemberUpdate(ctx context.Context, m *aftersale.Member) error
}

var (
	_ Store = aftersale.Store(nil)
	_ Tx    = aftersale.Tx(nil)
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
	// MemberMailer checks a member's own SMTP URL: it makes the mailer of
	// the URL (engine.Config.MemberMailer, which sends personal emails
	// through it), and an error refuses the URL. Nil refuses every own
	// SMTP URL: the install cannot send through them.
	MemberMailer func(smtpURL string, allowPrivate bool) (aftersale.Mailer, error)
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
