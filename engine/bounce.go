package engine

import (
	"context"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/bounce"
)

// HandleReport records a delivery report that came back: a hard bounce of a
// bad address or a spam complaint suppresses the address, so no later step
// mails it (a complaint still lets transactional mail through); a delay
// needs nothing, the sending server retries. A recipient the report does not
// name is found through the original Message-ID.
func (s *Service) HandleReport(ctx context.Context, r *bounce.Report) error {
	for _, rc := range r.Recipients {
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
		if m := s.cfg.Metrics; m != nil {
			m.Reports.WithLabelValues(string(r.Kind), boolLabel(rc.Suppress != "")).Inc()
		}
		if rc.Suppress == "" {
			s.log.InfoContext(ctx, "delivery report", "kind", r.Kind, "status", rc.Status, "permanent", rc.Permanent)
			continue
		}
		err := s.cfg.Store.CustomerSetSuppressed(ctx, addr, rc.Suppress, s.cfg.Clock.RealNow())
		if aftersale.IsNotFound(err) {
			continue // not an address we know
		} else if err != nil {
			return err
		}
		s.log.InfoContext(ctx, "address suppressed", "kind", r.Kind, "status", rc.Status, "reason", rc.Suppress)
	}
	return nil
}

func boolLabel(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
