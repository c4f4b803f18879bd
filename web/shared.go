package web

// What the admin UI (package web/admin) shares with the server: the
// mapping of error codes to statuses, the customer view, the reports as
// CSV, the returns lists and their filter, the wording of messages, and
// the mux its routes are registered on. web does not import web/admin.

import (
	"context"
	"net/http"
	"slices"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/report"
	"github.com/aftersale/aftersale/returns"
)

// The names of the reports (ReportNames), as in /api/v1/reports/{name}.
const (
	ReportFunnel   = reportFunnel
	ReportIPA      = reportIPA
	ReportScores   = reportScores
	ReportReturns  = reportReturns
	ReportInsiders = reportInsiders
)

// ReturnsOpen is the status filter of the returns not yet done with:
// requested and received.
const ReturnsOpen = returnsOpen

// Handle registers a handler on the Server's mux, for a pattern that none
// of the Server's own routes has (the admin UI's under /admin).
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// StatusOf maps a domain error code to its HTTP status.
func StatusOf(code string) int { return statusOf(code) }

// NoteUnavailable, for an EUNAVAILABLE error (the store refused a write
// for want of room), logs it, sets Retry-After and marks the store down
// for /healthz; other errors are left alone.
func (s *Server) NoteUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	s.noteUnavailable(w, r, err)
}

// CustomerView returns the view of the customer with the email, as the
// API shows it: their orders with refunds, refund risk, packages and
// returns, their stage, codes and referral link, and their timeline.
func (s *Server) CustomerView(ctx context.Context, email string) (*CustomerView, error) {
	return s.customerView(ctx, email)
}

// ReportNames are every report, in the order the dashboard shows them.
func ReportNames() []string { return slices.Clone(reportNames) }

// ReportCSV computes the named report as CSV, as /api/v1/reports/{name}.csv
// answers it.
func (s *Server) ReportCSV(ctx context.Context, name string, f report.Filter) ([]byte, error) {
	return s.reportCSV(ctx, name, f)
}

// WriteCSV sends a report's CSV download, named after the report and the
// dates of the request's filter.
func WriteCSV(w http.ResponseWriter, r *http.Request, name string, body []byte) {
	writeCSV(w, r, name, body)
}

// ParseReturnStatusFilter reads a status filter of returns: "" or "all"
// (every return), ReturnsOpen or one status.
func ParseReturnStatusFilter(raw string) (string, error) { return parseReturnStatusFilter(raw) }

// ListReturns returns the returns of a status filter
// (ParseReturnStatusFilter) and an order (0: every order), newest first.
func (s *Server) ListReturns(ctx context.Context, status string, orderID int64) ([]*returns.View, error) {
	return s.listReturns(ctx, status, orderID)
}

// Sentence starts a message with a capital and ends it with a full stop.
func Sentence(msg string) string { return sentence(msg) }

// ItemsSummary lists the items of a return: "2 × Shoes, Hat".
func ItemsSummary(items []aftersale.ReturnItem) string { return itemsSummary(items) }
