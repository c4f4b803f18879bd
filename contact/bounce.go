package contact

import (
	"context"
	"sync"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/bounce"
)

// HandleReport records a delivery report that came back: a hard bounce of a
// bad address or a spam complaint suppresses the address, so no later step
// mails it (a complaint still lets transactional mail through); a delay
// needs nothing, the sending server retries. A recipient the report does not
// name (a complaint whose provider hides the address) is found through the
// original Message-ID. Every recipient is counted by its reason category in
// the metrics; blocks and spam-policy refusals feed the owner's warning
// (DeliverabilityWarning).
func (s *Service) HandleReport(ctx context.Context, r *bounce.Report) error {
	for _, rc := range r.Recipients {
		if m := s.cfg.Metrics; m != nil {
			m.Reports.WithLabelValues(string(r.Kind), boolLabel(rc.Suppress != "")).Inc()
			m.BounceReasons.WithLabelValues(string(r.Kind), string(rc.Category)).Inc()
		}
		if rc.Category.AboutSender() {
			s.window.Add(s.cfg.Clock.RealNow(), rc.Category)
		}
		if rc.Suppress == "" {
			s.log.InfoContext(ctx, "delivery report", "kind", r.Kind, "status", rc.Status, "category", rc.Category, "permanent", rc.Permanent)
			continue
		}
		addr := rc.Email
		if addr == "" && r.OriginalMessageID != "" {
			m, err := s.cfg.Store.MessageGetByMessageID(ctx, r.OriginalMessageID)
			if aftersale.IsNotFound(err) {
				continue
			} else if err != nil {
				return err
			}
			addr = m.Recipient
		}
		if addr == "" {
			continue
		}
		err := s.cfg.Store.CustomerSetSuppressed(ctx, addr, rc.Suppress, s.cfg.Clock.RealNow())
		if aftersale.IsNotFound(err) {
			continue // not an address we know
		} else if err != nil {
			return err
		}
		s.log.InfoContext(ctx, "address suppressed", "kind", r.Kind, "status", rc.Status, "category", rc.Category, "reason", rc.Suppress)
	}
	return nil
}

func boolLabel(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// BounceWindowDays is how many days a BounceWindow remembers.
const BounceWindowDays = 7

// BounceWindow counts, per day, the bounces that are about the sender
// (blocks, spam policy) over the last BounceWindowDays days, in process:
// it starts empty when the service starts. It is safe for concurrent use.
type BounceWindow struct {
	mu   sync.Mutex
	days [BounceWindowDays]bounceDay
}

type bounceDay struct {
	day    int64 // days since the Unix epoch, UTC
	counts map[bounce.Category]int
}

// NewBounceWindow returns an empty window.
func NewBounceWindow() *BounceWindow { return &BounceWindow{} }

func dayOf(t time.Time) int64 { return t.UTC().Unix() / 86400 }

// Add counts one bounce of category c at now.
func (w *BounceWindow) Add(now time.Time, c bounce.Category) {
	if w == nil {
		return
	}
	d := dayOf(now)
	w.mu.Lock()
	defer w.mu.Unlock()
	slot := &w.days[d%BounceWindowDays]
	if slot.day != d || slot.counts == nil {
		*slot = bounceDay{day: d, counts: map[bounce.Category]int{}}
	}
	slot.counts[c]++
}

// Counts returns the bounces of each category in the BounceWindowDays days
// up to now (today included).
func (w *BounceWindow) Counts(now time.Time) map[bounce.Category]int {
	out := map[bounce.Category]int{}
	if w == nil {
		return out
	}
	d := dayOf(now)
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, slot := range w.days {
		if slot.counts == nil || slot.day > d || d-slot.day >= BounceWindowDays {
			continue
		}
		for c, n := range slot.counts {
			out[c] += n
		}
	}
	return out
}

// DeliverabilityWarnAt is the number of blocks and spam-policy refusals in
// the window from which the owner is warned.
const DeliverabilityWarnAt = 3

// DeliverabilityWarning is what the dashboard shows when receivers refuse
// the sender: Blocked and SpamPolicy are the counts of the last
// BounceWindowDays days.
type DeliverabilityWarning struct {
	Blocked, SpamPolicy int
}

// DeliverabilityWarning returns the warning to show the owner, or nil when
// blocks and spam-policy refusals stayed below DeliverabilityWarnAt in the
// last BounceWindowDays days (since the service started).
func (s *Service) DeliverabilityWarning() *DeliverabilityWarning {
	c := s.window.Counts(s.cfg.Clock.RealNow())
	w := &DeliverabilityWarning{Blocked: c[bounce.Blocked], SpamPolicy: c[bounce.SpamPolicy]}
	if w.Blocked+w.SpamPolicy < DeliverabilityWarnAt {
		return nil
	}
	return w
}
