package web

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/returns"
)

// returnsOpen is the status filter of the returns not yet done with:
// requested and received.
const returnsOpen = "open"

// parseReturnStatusFilter reads a status filter: "" or "all" (every
// return), "open" (requested and received) or one status.
func parseReturnStatusFilter(raw string) (string, error) {
	raw = strings.ToLower(strings.TrimSpace(raw))
	if raw == "" || raw == "all" || raw == returnsOpen || slices.Contains(aftersale.ReturnStatuses, aftersale.ReturnStatus(raw)) {
		return raw, nil
	}
	return "", aftersale.FieldError("status", "unknown return status %q; want all, open, %s", raw, returnStatusList())
}

func returnStatusList() string {
	names := make([]string, len(aftersale.ReturnStatuses))
	for i, st := range aftersale.ReturnStatuses {
		names[i] = string(st)
	}
	return strings.Join(names, ", ")
}

// listReturns returns the returns of a status filter (see
// parseReturnStatusFilter) and an order (0: every order), newest first.
func (s *Server) listReturns(ctx context.Context, status string, orderID int64) ([]*returns.View, error) {
	statuses := []aftersale.ReturnStatus{aftersale.ReturnStatus(status)}
	switch status {
	case "", "all":
		statuses = []aftersale.ReturnStatus{""}
	case returnsOpen:
		statuses = []aftersale.ReturnStatus{aftersale.ReturnRequested, aftersale.ReturnReceived}
	}
	var out []*returns.View
	for _, st := range statuses {
		list, err := s.cfg.Returns.List(ctx, aftersale.ReturnFilter{Status: st, OrderID: orderID})
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
	}
	if len(statuses) > 1 {
		slices.SortStableFunc(out, func(a, b *returns.View) int {
			if c := b.Return.CreatedAt.Compare(a.Return.CreatedAt); c != 0 {
				return c
			}
			return int(b.Return.ID - a.Return.ID)
		})
	}
	return out, nil
}

// handleReturnsAPI answers GET /api/v1/returns?status=&order= with the
// returns, newest first.
func (s *Server) handleReturnsAPI(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	status, err := parseReturnStatusFilter(q.Get("status"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var orderID int64
	if ref := strings.TrimSpace(q.Get("order")); ref != "" {
		found, err := s.cfg.Returns.OrdersByRef(ctx, ref)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if len(found) == 0 {
			s.writeError(w, r, aftersale.Errorf(aftersale.ENOTFOUND, "no order %q (give the shop's order id or the order number)", ref))
			return
		}
		o := found[0]
		orderID = o.ID
	}
	list, err := s.listReturns(ctx, status, orderID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]ReturnJSON, len(list))
	for i, v := range list {
		out[i] = newReturnJSON(v)
	}
	writeJSON(w, http.StatusOK, out)
}

// handleReturnStatusAPI answers POST /api/v1/returns/{id}/status with
// {"status": "received"}: the return moved, as JSON.
func (s *Server) handleReturnStatusAPI(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.writeError(w, r, aftersale.FieldError("id", "must be a positive return id"))
		return
	}
	var in struct {
		Status string `json:"status"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	if err := dec.Decode(&in); err != nil {
		s.writeError(w, r, aftersale.Errorf(aftersale.EINVALID, "malformed JSON: want {\"status\": \"received\"}"))
		return
	}
	to := aftersale.ReturnStatus(strings.ToLower(strings.TrimSpace(in.Status)))
	if to == "" {
		s.writeError(w, r, aftersale.FieldError("status", "is required; want one of %s", returnStatusList()))
		return
	}
	if !slices.Contains(aftersale.ReturnStatuses, to) {
		s.writeError(w, r, aftersale.FieldError("status", "unknown return status %q; want one of %s", in.Status, returnStatusList()))
		return
	}
	v, err := s.cfg.Returns.Advance(r.Context(), id, to, "")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newReturnJSON(v))
}
