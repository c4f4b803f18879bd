package app

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/aftersale/aftersale"
)

// ImportReport is what ImportOrders did.
type ImportReport struct {
	Added     int // events new to this install
	Known     int // events imported (or received) before: nothing changed
	Processed int // events processed by this run
}

// ImportOrders stores events read from a file (package csvimport) in the
// inbox, in transactions of a thousand, and processes them: the install's
// own service, if running, takes part, and what is left when this returns
// is processed at its next start. Events seen before are passed over, so
// an import can be repeated. stored and processed, when not nil, report
// progress.
func (a *App) ImportOrders(ctx context.Context, evs []*aftersale.Event, stored, processed func(n int)) (*ImportReport, error) {
	rep := &ImportReport{}
	now := time.Now().UTC()
	done := 0
	for chunk := range slices.Chunk(evs, 1000) {
		in := make([]*aftersale.StoredEvent, 0, len(chunk))
		for _, ev := range chunk {
			if err := ev.Validate(); err != nil {
				return rep, err
			}
			payload, err := json.Marshal(ev)
			if err != nil {
				return rep, err
			}
			in = append(in, &aftersale.StoredEvent{ID: ev.ID, Type: ev.Type, Source: ev.Source,
				OccurredAt: ev.OccurredAt.UTC(), ReceivedAt: now, Payload: payload})
		}
		isNew, err := a.store.InboxAppend(ctx, in)
		if err != nil {
			return rep, err
		}
		for _, n := range isNew {
			if n {
				rep.Added++
			} else {
				rep.Known++
			}
		}
		done += len(chunk)
		if stored != nil {
			stored(done)
		}
	}
	n, err := a.service.ProcessInbox(ctx, processed)
	rep.Processed = n
	return rep, err
}
