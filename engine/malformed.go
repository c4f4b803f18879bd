package engine

import (
	"context"

	"github.com/aftersale/aftersale"
)

// noteMalformed logs loudly, and counts in aftersale_emails_malformed_total,
// an email that failed because the message itself was at fault
// (aftersale.IsMalformed: it could not be built, or the server refused its
// syntax): that is a bug in aftersale, not a lost customer. ids are slog
// attributes naming the email (step, message, task ids; no address). It
// does nothing for any other error.
func (s *Service) noteMalformed(ctx context.Context, err error, ids ...any) {
	if !aftersale.IsMalformed(err) {
		return
	}
	s.log.ErrorContext(ctx, "message rejected as malformed; this is a bug in aftersale", append(ids, "err", aftersale.Redact(err))...)
	if m := s.cfg.Metrics; m != nil {
		m.EmailsMalformed.Inc()
	}
}
