// Package contact is what the customer does through the links of their
// emails, and what the mail that comes back does to them: the one-click
// unsubscribe and the preferences page, "who will be using this?", the
// open pixel, the double opt-in of marketing consent, and the bounces and
// complaints that suppress an address (with the owner's deliverability
// warning). It sits beside the pipeline (package engine): the links it
// verifies are the ones the engine signs into every email, and what it
// changes (an unsubscribe, a suppression, a consent) the engine reads at
// send time from the store.
package contact

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
)

// Store is what the customer's links and the delivery reports read and
// change (aftersale.Store has it all).
type Store interface {
	CustomerGet(ctx context.Context, id int64) (*aftersale.Customer, error)
	CustomerSetUnsubscribed(ctx context.Context, email string, unsubscribed bool, at time.Time) error
	CustomerSetConsent(ctx context.Context, id int64, consent bool, at time.Time) error
	CustomerSetSuppressed(ctx context.Context, email, reason string, at time.Time) error
	OrderGetByExternalID(ctx context.Context, externalID string) (*aftersale.Order, error)
	MessageGetByMessageID(ctx context.Context, messageID string) (*aftersale.Message, error)
	MessageMarkOpened(ctx context.Context, messageID string, at time.Time) (first bool, err error)
	// Update runs fn in one write transaction: naming an order's user
	// reads the buyer and writes the user and the order (see Tx).
	Update(ctx context.Context, fn func(ctx context.Context, tx aftersale.Tx) error) error
}

// Tx is what naming an order's user does in its transaction
// (aftersale.Tx has it all).
type Tx interface {
	CustomerGet(ctx context.Context, id int64) (*aftersale.Customer, error)
	CustomerUpsert(ctx context.Context, c *aftersale.Contact, now time.Time) (*aftersale.Customer, error)
	OrderSetUser(ctx context.Context, id int64, userID int64) error
}

// Config is what a Service needs. Store and Links are required; Links
// must be the signer the engine signs the emails' links with.
type Config struct {
	Store Store
	Links *aftersale.LinkSigner
	// Clock stamps the changes and the deliverability window; nil is the
	// real clock.
	Clock *aftersale.Clock
	// Metrics counts the delivery reports by kind and reason
	// (engine.Metrics.Reports, BounceReasons); nil counts nothing.
	Metrics *engine.Metrics
	// Logger defaults to slog.Default(). Nothing logged names a customer
	// but by their ID.
	Logger *slog.Logger
}

// Service applies the customer's links and the delivery reports.
type Service struct {
	cfg Config
	log *slog.Logger
	// window keeps the last days of blocks and spam-policy refusals for
	// the owner's warning, in process.
	window *BounceWindow
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("contact: Store is required")
	case cfg.Links == nil:
		return nil, errors.New("contact: Links is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = &aftersale.Clock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{cfg: cfg, log: cfg.Logger, window: NewBounceWindow()}, nil
}

// The store's interfaces have what Store and Tx list.
var (
	_ Store = aftersale.Store(nil)
	_ Tx    = aftersale.Tx(nil)
)
