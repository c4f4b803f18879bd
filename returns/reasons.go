package returns

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

// ReasonRow is one reason in the report of why customers send things back.
type ReasonRow struct {
	Reason    string
	Returns   int     // returns started for the reason (not cancelled)
	Refunds   int     // of those, for the money
	Exchanges int     // of those, for an exchange
	Share     float64 // of all returns in the period, 0–1
}

// Reasons counts the returns started in [from, to) (zero times: no bound)
// by reason, most frequent first; cancelled returns do not count.
func (s *Service) Reasons(ctx context.Context, from, to time.Time) ([]ReasonRow, error) {
	rs, err := s.cfg.Store.ReturnList(ctx, aftersale.ReturnFilter{From: from, To: to})
	if err != nil {
		return nil, err
	}
	byReason := map[string]*ReasonRow{}
	var rows []*ReasonRow
	total := 0
	for _, r := range rs {
		if r.Status == aftersale.ReturnCancelled {
			continue
		}
		reason := r.Reason
		if reason == "" {
			reason = "(no reason given)"
		}
		row := byReason[reason]
		if row == nil {
			row = &ReasonRow{Reason: reason}
			byReason[reason] = row
			rows = append(rows, row)
		}
		row.Returns++
		if r.Resolution == aftersale.ResolutionExchange {
			row.Exchanges++
		} else {
			row.Refunds++
		}
		total++
	}
	slices.SortStableFunc(rows, func(a, b *ReasonRow) int {
		if a.Returns != b.Returns {
			return b.Returns - a.Returns
		}
		return strings.Compare(a.Reason, b.Reason)
	})
	out := make([]ReasonRow, len(rows))
	for i, r := range rows {
		r.Share = float64(r.Returns) / float64(total)
		out[i] = *r
	}
	return out, nil
}
