package app

import (
	"context"

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
	var err error
	if rep.Added, rep.Known, err = a.service.Import(ctx, evs, stored); err != nil {
		return rep, err
	}
	rep.Processed, err = a.service.ProcessInbox(ctx, processed)
	return rep, err
}
