// Package broadcast sends updates to the list. The team writes one in the
// admin UI (a subject and a Markdown body), chooses its segment, previews
// the audience, sends itself a test, and sends it now or at a set time.
// The sending is a durable River job (job.go) that checks every recipient
// again at send time: only people who gave marketing consent, have not
// unsubscribed and are not suppressed get it, each message with RFC 8058
// one-click unsubscribe. It sits beside the pipeline (package engine) and
// uses it only through Pipeline: the hand-off slots it shares with the
// journey emails, the erase gate, the job runner; its data it reads and
// writes through Store.
package broadcast

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/engine"
)

// Pipeline is what only the pipeline can do for a broadcast;
// *engine.Service satisfies it.
type Pipeline interface {
	// UnsubscribeURL is the customer's signed one-click unsubscribe link.
	UnsubscribeURL(c *aftersale.Customer) string
	// CustomerStage is the customer's lifecycle stage (one of
	// engine.Stages).
	CustomerStage(ctx context.Context, c *aftersale.Customer) (string, error)
	// InsertJobTx inserts a job (the broadcast's, registered through
	// Jobs) in the store transaction tx.
	InsertJobTx(ctx context.Context, tx aftersale.Tx, args river.JobArgs, opts *river.InsertOpts) error
	// HoldErase keeps an erase on this node from running until release
	// is called.
	HoldErase() (release func())
	// TakeHandOff waits for a hand-off slot, shared with the journey
	// steps' emails, while ctx allows.
	TakeHandOff(ctx context.Context) (*engine.HandOff, error)
}

// Tx is what a broadcast writes in its transactions (aftersale.Tx has it
// all): its status, and its recipients.
type Tx interface {
	BroadcastSetStatus(ctx context.Context, id int64, from, to string, at time.Time) error
	BroadcastRecipientBegin(ctx context.Context, r *aftersale.BroadcastRecipient) (rec *aftersale.BroadcastRecipient, created bool, err error)
	BroadcastRecipientFinish(ctx context.Context, broadcastID, customerID int64, status, messageID, errText string, at time.Time) error
}

// Store is what broadcasts read and write (aftersale.Store has it all).
// Update's transactions use only what Tx lists.
type Store interface {
	BroadcastCreate(ctx context.Context, b *aftersale.Broadcast) (*aftersale.Broadcast, error)
	BroadcastUpdate(ctx context.Context, b *aftersale.Broadcast) error
	BroadcastGet(ctx context.Context, id int64) (*aftersale.Broadcast, error)
	BroadcastList(ctx context.Context, limit int) ([]*aftersale.Broadcast, error)
	BroadcastSetStatus(ctx context.Context, id int64, from, to string, at time.Time) error
	BroadcastListDue(ctx context.Context, now time.Time) ([]*aftersale.Broadcast, error)
	BroadcastAudience(ctx context.Context, seg aftersale.Segment, afterID int64, limit int) ([]*aftersale.Customer, error)
	CustomerGet(ctx context.Context, id int64) (*aftersale.Customer, error)
	Update(ctx context.Context, fn func(ctx context.Context, tx aftersale.Tx) error) error
}

// Config is what a Service needs. Store, Pipeline, Renderer and Mailer
// are required; Store and Pipeline must work on the same database.
type Config struct {
	Store    Store
	Pipeline Pipeline
	Renderer *email.Renderer
	// Mailer sends the test copies, and the broadcasts' messages, those
	// holding the pipeline's hand-off slots: the pipeline's Mailer.
	Mailer aftersale.Mailer
	// Clock stamps broadcasts and their messages; nil is the real clock.
	Clock *aftersale.Clock
	// From is the sender; its domain is that of the Message-IDs.
	From aftersale.Address
	// ReturnPath is the envelope sender, where bounces go; "" uses From.
	ReturnPath string
	// BaseURL is the public URL of this install, for the preview's links.
	BaseURL string
	// Business is the shop as the messages name it (From's name when it
	// has none).
	Business email.Business
	// Metrics counts the messages (aftersale_emails_total, marketing);
	// nil counts nothing.
	Metrics *engine.Metrics
	// Logger defaults to slog.Default(). Nothing logged names a customer
	// but by their ID.
	Logger *slog.Logger
}

// Service writes, schedules and sends broadcasts.
type Service struct {
	cfg Config
	log *slog.Logger
}

// New returns a Service. Its jobs (Jobs) must be given to the pipeline's
// job runner (engine.RunnerConfig.Jobs) for broadcasts to go.
func New(cfg Config) (*Service, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("broadcast: Store is required")
	case cfg.Pipeline == nil:
		return nil, errors.New("broadcast: Pipeline is required")
	case cfg.Renderer == nil:
		return nil, errors.New("broadcast: Renderer is required")
	case cfg.Mailer == nil:
		return nil, errors.New("broadcast: Mailer is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = &aftersale.Clock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{cfg: cfg, log: cfg.Logger}, nil
}

// Broadcast limits.
const (
	// DefaultRate is the rate of a broadcast saved without one.
	DefaultRate = 10
	// MaxRate is the most messages a second a broadcast may send.
	MaxRate        = 1000
	maxTitle       = 200
	maxSubject     = 200
	maxBody        = 100_000
	maxSegmentSKUs = 100
	// audienceCountPage is how many customers a count reads at a time.
	audienceCountPage = 1000
)

// Save stores a new broadcast as a draft (ID 0) or changes a
// draft or scheduled one (keeping its status and time), after checking it:
// a title (the subject when empty), a subject and a body that parse and
// render ({{.FirstName}}, {{.Name}}, {{.Email}}), a rate of 1 to
// MaxRate messages a second (0: DefaultRate), and a
// segment of known stages and item kinds. A first-look broadcast goes to
// customers only. by is the member's email.
func (s *Service) Save(ctx context.Context, in *aftersale.Broadcast, by string) (*aftersale.Broadcast, error) {
	b := *in
	if err := normalizeBroadcast(&b); err != nil {
		return nil, err
	}
	st := s.cfg.Store
	if b.ID == 0 {
		b.Status, b.ScheduledAt = aftersale.BroadcastDraft, time.Time{}
		b.CreatedBy, b.CreatedAt = by, s.cfg.Clock.RealNow()
		b.StartedAt, b.FinishedAt, b.Sent, b.Skipped, b.Failed = time.Time{}, time.Time{}, 0, 0, 0
		out, err := st.BroadcastCreate(ctx, &b)
		if err != nil {
			return nil, err
		}
		s.log.InfoContext(ctx, "broadcast created", "broadcast_id", out.ID)
		return out, nil
	}
	cur, err := st.BroadcastGet(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	if !broadcastEditable(cur.Status) {
		return nil, aftersale.Errorf(aftersale.ECONFLICT, "the broadcast is %s: it can no longer be changed", cur.Status)
	}
	b.Status, b.ScheduledAt, b.CreatedBy, b.CreatedAt = cur.Status, cur.ScheduledAt, cur.CreatedBy, cur.CreatedAt
	if err := st.BroadcastUpdate(ctx, &b); err != nil {
		return nil, err
	}
	return st.BroadcastGet(ctx, b.ID)
}

func broadcastEditable(status string) bool {
	return status == aftersale.BroadcastDraft || status == aftersale.BroadcastScheduled
}

// normalizeBroadcast tidies and checks what the team typed.
func normalizeBroadcast(b *aftersale.Broadcast) error {
	b.Title, b.Subject = strings.TrimSpace(b.Title), strings.TrimSpace(b.Subject)
	b.Body = strings.ReplaceAll(b.Body, "\r\n", "\n")
	if b.Title == "" {
		b.Title = b.Subject
	}
	switch {
	case strings.ContainsAny(b.Title, "\r\n"):
		return aftersale.FieldError("title", "the title must be one line")
	case utf8.RuneCountInString(b.Title) > maxTitle:
		return aftersale.FieldError("title", "the title is longer than %d characters", maxTitle)
	case utf8.RuneCountInString(b.Subject) > maxSubject:
		return aftersale.FieldError("subject", "the subject is longer than %d characters", maxSubject)
	case len(b.Body) > maxBody:
		return aftersale.FieldError("body", "the message is longer than %d characters", maxBody)
	}
	for _, t := range []struct {
		field, v string
		rule     aftersale.TextRule
	}{{"title", b.Title, aftersale.TextRule{}}, {"subject", b.Subject, aftersale.TextRule{}}, {"body", b.Body, aftersale.TextRule{Multiline: true}}} {
		if err := t.rule.Check(t.field, t.v); err != nil {
			return err
		}
	}
	if _, err := email.ParseBroadcast(b.Subject, b.Body); err != nil {
		var be *email.BroadcastError
		if errors.As(err, &be) {
			return aftersale.FieldError(be.Field, "%s", be.Error())
		}
		return aftersale.FieldError("body", "%s", err.Error())
	}
	if b.Rate == 0 {
		b.Rate = DefaultRate
	}
	if b.Rate < 1 || b.Rate > MaxRate {
		return aftersale.FieldError("rate", "send 1 to %d messages a second", MaxRate)
	}
	if b.FirstLook {
		b.Segment.CustomersOnly = true
	}
	return normalizeSegment(&b.Segment)
}

// normalizeSegment trims and de-duplicates the segment's lists and checks
// its stages, kinds and dates.
func normalizeSegment(seg *aftersale.Segment) error {
	var skus []string
	for _, sku := range seg.SKUs {
		if sku = strings.TrimSpace(sku); sku != "" && !slices.Contains(skus, sku) {
			skus = append(skus, sku)
		}
	}
	if len(skus) > maxSegmentSKUs {
		return aftersale.FieldError("skus", "at most %d SKUs", maxSegmentSKUs)
	}
	seg.SKUs = skus
	var kinds []string
	for _, k := range seg.Kinds {
		k = strings.ToLower(strings.TrimSpace(k))
		if !slices.Contains(aftersale.ItemKinds, aftersale.ItemKind(k)) {
			return aftersale.FieldError("kinds", "unknown item kind %q; want one of %v", k, aftersale.ItemKinds)
		}
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	seg.Kinds = kinds
	var stages []string
	for _, st := range seg.Stages {
		st = strings.ToLower(strings.TrimSpace(st))
		if !slices.Contains(engine.Stages, st) {
			return aftersale.FieldError("stages", "unknown stage %q; want one of %v", st, engine.Stages)
		}
		if !slices.Contains(stages, st) {
			stages = append(stages, st)
		}
	}
	seg.Stages = stages
	if !seg.PurchasedFrom.IsZero() {
		seg.PurchasedFrom = seg.PurchasedFrom.UTC()
	}
	if !seg.PurchasedTo.IsZero() {
		seg.PurchasedTo = seg.PurchasedTo.UTC()
	}
	if !seg.PurchasedFrom.IsZero() && !seg.PurchasedTo.IsZero() && !seg.PurchasedFrom.Before(seg.PurchasedTo) {
		return aftersale.FieldError("purchased_to", "the end of the purchase dates must come after their start")
	}
	return nil
}

// Get returns the broadcast with its counts.
func (s *Service) Get(ctx context.Context, id int64) (*aftersale.Broadcast, error) {
	return s.cfg.Store.BroadcastGet(ctx, id)
}

// List returns the latest broadcasts, newest first, with their
// counts.
func (s *Service) List(ctx context.Context, limit int) ([]*aftersale.Broadcast, error) {
	if limit <= 0 {
		limit = 200
	}
	return s.cfg.Store.BroadcastList(ctx, limit)
}

// AudienceCount says how many people the segment reaches now:
// those with marketing consent, not unsubscribed and not suppressed, in
// the segment (a first look: customers only). The count is what a send
// would start from; each recipient is checked again when their message
// goes.
func (s *Service) AudienceCount(ctx context.Context, seg aftersale.Segment, firstLook bool) (int, error) {
	if err := normalizeSegment(&seg); err != nil {
		return 0, err
	}
	if firstLook {
		seg.CustomersOnly = true
	}
	n := 0
	var after int64
	for {
		page, next, more, err := s.audiencePage(ctx, seg, after, audienceCountPage)
		if err != nil {
			return 0, err
		}
		n += len(page)
		if !more {
			return n, nil
		}
		after = next
	}
}

// audiencePage reads up to limit customers of the segment after the ID
// after and keeps those at the segment's stages. next is the cursor of the
// following page and more says whether there may be one.
func (s *Service) audiencePage(ctx context.Context, seg aftersale.Segment, after int64, limit int) (page []*aftersale.Customer, next int64, more bool, err error) {
	cs, err := s.cfg.Store.BroadcastAudience(ctx, seg, after, limit)
	if err != nil {
		return nil, after, false, err
	}
	if len(cs) == 0 {
		return nil, after, false, nil
	}
	next, more = cs[len(cs)-1].ID, len(cs) >= limit
	if len(seg.Stages) == 0 {
		return cs, next, more, nil
	}
	for _, c := range cs {
		st, err := s.cfg.Pipeline.CustomerStage(ctx, c)
		if err != nil {
			return nil, after, false, err
		}
		if slices.Contains(seg.Stages, st) {
			page = append(page, c)
		}
	}
	return page, next, more, nil
}

// Preview renders the broadcast for a sample recipient, the first
// person of its audience (or a made-up one when none is found), and says
// whom. Its links lead nowhere: the admin who clicks them changes nobody's
// subscription.
func (s *Service) Preview(ctx context.Context, b *aftersale.Broadcast) (*email.BroadcastPreview, string, error) {
	t, err := email.ParseBroadcast(b.Subject, b.Body)
	if err != nil {
		var be *email.BroadcastError
		if errors.As(err, &be) {
			return nil, "", aftersale.FieldError(be.Field, "%s", be.Error())
		}
		return nil, "", err
	}
	to := email.NewPerson("Ana Lima", "ana@example.com")
	seg := b.Segment
	if b.FirstLook {
		seg.CustomersOnly = true
	}
	if normalizeSegment(&seg) == nil {
		if cs, _, _, err := s.audiencePage(ctx, seg, 0, 20); err == nil && len(cs) > 0 {
			to = email.NewPerson(cs[0].Name, cs[0].Email)
		}
	}
	link := s.cfg.BaseURL + "/u/preview"
	out, err := s.cfg.Renderer.PreviewBroadcast(t, s.business(), to, email.Links{Unsubscribe: link, Preferences: link})
	if err != nil {
		return nil, "", err
	}
	return out, to.Email, nil
}

// TestSend sends one copy of the stored broadcast, its subject
// marked "[Test]", to a team member, personalised for them. It is not
// recorded as a recipient and its unsubscribe link leads nowhere.
func (s *Service) TestSend(ctx context.Context, id int64, to aftersale.Address) error {
	b, err := s.cfg.Store.BroadcastGet(ctx, id)
	if err != nil {
		return err
	}
	t, err := email.ParseBroadcast(b.Subject, b.Body)
	if err != nil {
		return aftersale.FieldError("body", "%s", err.Error())
	}
	link := s.cfg.BaseURL + "/u/test"
	out, err := s.cfg.Renderer.RenderBroadcast(t, s.business(), email.NewPerson(to.Name, to.Email), email.Links{Unsubscribe: link, Preferences: link})
	if err != nil {
		return err
	}
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	m := &aftersale.Email{
		MessageID: "<test-" + hex.EncodeToString(nonce) + "@" + s.mailDomain() + ">",
		Date:      s.cfg.Clock.RealNow(), From: s.cfg.From, ReturnPath: s.cfg.ReturnPath, To: to,
		Subject: "[Test] " + out.Subject, Text: out.Text, HTML: out.HTML,
		Headers: []aftersale.Header{
			{Name: "X-Aftersale-Template", Value: "broadcast_test"},
			{Name: "X-Aftersale-Broadcast", Value: strconv.FormatInt(b.ID, 10)},
		},
	}
	if err := s.cfg.Mailer.Send(ctx, m); err != nil {
		s.log.WarnContext(ctx, "broadcast test not sent", "broadcast_id", id, "err", aftersale.Redact(err))
		return aftersale.Errorf(aftersale.EINVALID, "the test could not be sent: %s", aftersale.Redact(err))
	}
	s.log.InfoContext(ctx, "broadcast test sent", "broadcast_id", id)
	return nil
}

// Schedule sets a draft or scheduled broadcast to start at at,
// which must be in the future.
func (s *Service) Schedule(ctx context.Context, id int64, at time.Time) (*aftersale.Broadcast, error) {
	if at.IsZero() || !at.After(s.cfg.Clock.RealNow()) {
		return nil, aftersale.FieldError("scheduled_at", "choose a time in the future")
	}
	b, err := s.cfg.Store.BroadcastGet(ctx, id)
	if err != nil {
		return nil, err
	}
	if !broadcastEditable(b.Status) {
		return nil, aftersale.Errorf(aftersale.ECONFLICT, "the broadcast is %s: it can no longer be scheduled", b.Status)
	}
	b.Status, b.ScheduledAt = aftersale.BroadcastScheduled, at.UTC()
	if err := s.cfg.Store.BroadcastUpdate(ctx, b); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "broadcast scheduled", "broadcast_id", id, "at", b.ScheduledAt)
	return s.cfg.Store.BroadcastGet(ctx, id)
}

// SendNow starts sending a draft or scheduled broadcast.
func (s *Service) SendNow(ctx context.Context, id int64) (*aftersale.Broadcast, error) {
	b, err := s.cfg.Store.BroadcastGet(ctx, id)
	if err != nil {
		return nil, err
	}
	if !broadcastEditable(b.Status) {
		return nil, aftersale.Errorf(aftersale.ECONFLICT, "the broadcast is %s already", b.Status)
	}
	if err := s.startBroadcast(ctx, id, b.Status); err != nil {
		return nil, err
	}
	return s.cfg.Store.BroadcastGet(ctx, id)
}

// Cancel stops a broadcast: a draft or scheduled one never goes,
// a sending one stops after the messages in hand.
func (s *Service) Cancel(ctx context.Context, id int64) (*aftersale.Broadcast, error) {
	b, err := s.cfg.Store.BroadcastGet(ctx, id)
	if err != nil {
		return nil, err
	}
	if b.Status == aftersale.BroadcastSent || b.Status == aftersale.BroadcastCancelled {
		return nil, aftersale.Errorf(aftersale.ECONFLICT, "the broadcast is %s already", b.Status)
	}
	if err := s.cfg.Store.BroadcastSetStatus(ctx, id, b.Status, aftersale.BroadcastCancelled, s.cfg.Clock.RealNow()); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "broadcast cancelled", "broadcast_id", id, "was", b.Status)
	return s.cfg.Store.BroadcastGet(ctx, id)
}

// startBroadcast moves the broadcast from status from to sending and
// enqueues its job, in one transaction. The move is a compare-and-set:
// when several nodes find a scheduled broadcast due, only the one whose
// move succeeds sends it; the others get ECONFLICT.
func (s *Service) startBroadcast(ctx context.Context, id int64, from string) error {
	err := s.cfg.Store.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		if err := tx.BroadcastSetStatus(ctx, id, from, aftersale.BroadcastSending, s.cfg.Clock.RealNow()); err != nil {
			return err
		}
		return s.cfg.Pipeline.InsertJobTx(ctx, tx, Args{BroadcastID: id}, nil)
	})
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "broadcast started", "broadcast_id", id)
	return nil
}

// StartDue starts the scheduled broadcasts whose time has come
// and says how many it started.
func (s *Service) StartDue(ctx context.Context) (int, error) {
	due, err := s.cfg.Store.BroadcastListDue(ctx, s.cfg.Clock.RealNow())
	if err != nil {
		return 0, err
	}
	n := 0
	for _, b := range due {
		err := s.startBroadcast(ctx, b.ID, aftersale.BroadcastScheduled)
		if aftersale.ErrorCode(err) == aftersale.ECONFLICT {
			continue // another node started it, or it was changed meanwhile
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// messageID is stable for (broadcast, customer), so a message sent
// again after a crash carries the same Message-ID and a receiver can drop it.
func (s *Service) messageID(broadcastID, customerID int64) string {
	h := sha256.Sum256([]byte("broadcast\x00" + strconv.FormatInt(broadcastID, 10) + "\x00" + strconv.FormatInt(customerID, 10)))
	return "<" + hex.EncodeToString(h[:16]) + "@" + s.mailDomain() + ">"
}

// business is the shop as broadcasts name it: the configured business,
// named after the sender when it has no name.
func (s *Service) business() email.Business {
	b := s.cfg.Business
	if strings.TrimSpace(b.Name) == "" {
		b.Name = s.cfg.From.Name
	}
	if strings.TrimSpace(b.Name) == "" {
		b.Name = s.mailDomain()
	}
	return b
}

// mailDomain is the domain of the sender, for Message-IDs.
func (s *Service) mailDomain() string {
	if at := strings.LastIndexByte(s.cfg.From.Email, '@'); at >= 0 {
		return s.cfg.From.Email[at+1:]
	}
	return "aftersale.local"
}

// compose renders the broadcast for one customer and builds the
// message: category marketing, with the customer's one-click unsubscribe
// link in the footer and in the RFC 8058 headers.
func (s *Service) compose(b *aftersale.Broadcast, t *email.Broadcast, c *aftersale.Customer, messageID string) (*aftersale.Email, error) {
	unsub := s.cfg.Pipeline.UnsubscribeURL(c)
	out, err := s.cfg.Renderer.RenderBroadcast(t, s.business(), email.NewPerson(c.Name, c.Email), email.Links{Unsubscribe: unsub, Preferences: unsub})
	if err != nil {
		return nil, err
	}
	return &aftersale.Email{
		MessageID: messageID, Date: s.cfg.Clock.RealNow(), From: s.cfg.From, ReturnPath: s.cfg.ReturnPath,
		To: aftersale.Address{Name: c.Name, Email: c.Email}, Subject: out.Subject, Text: out.Text, HTML: out.HTML,
		Headers: []aftersale.Header{
			{Name: "X-Aftersale-Template", Value: "broadcast"},
			{Name: "X-Aftersale-Broadcast", Value: strconv.FormatInt(b.ID, 10)},
			{Name: "List-Unsubscribe", Value: "<" + unsub + ">"},
			{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"},
		},
	}, nil
}

// The store's interfaces have what Store and Tx list, and the engine is a
// Pipeline.
var (
	_ Store    = aftersale.Store(nil)
	_ Tx       = aftersale.Tx(nil)
	_ Pipeline = (*engine.Service)(nil)
)
