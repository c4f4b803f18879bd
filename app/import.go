package app

import (
	"context"

	"github.com/aftersale/aftersale"
)

// ImportReport is what ImportOrders did.
type ImportReport struct {
	Added int // events new to this install
	Known int // events imported (or received) before: nothing changed
	// Changed were imported (or received) before with other content: a
	// row edited since. The first import is kept; ChangedIDs names the
	// first few event IDs.
	Changed    int
	ChangedIDs []string
	Processed  int // events processed by this run
}

// ImportOrders stores events read from a file (package csvimport) in the
// inbox, in transactions of a thousand, and processes them: the install's
// own service, if running, takes part, and what is left when this returns
// is processed at its next start. Events seen before are passed over, so
// an import can be repeated. stored and processed, when not nil, report
// progress.
func (a *App) ImportOrders(ctx context.Context, evs []*aftersale.Event, stored, processed func(n int)) (*ImportReport, error) {
	rep := &ImportReport{}
	count, err := a.service.Import(ctx, evs, stored)
	rep.Added, rep.Known, rep.Changed, rep.ChangedIDs = count.Added, count.Known, count.Changed, count.ChangedIDs
	if err != nil {
		return rep, err
	}
	rep.Processed, err = a.service.ProcessInbox(ctx, processed)
	return rep, err
}
