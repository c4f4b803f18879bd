package web

import (
	"net/http"
)

// handleCustomerExport answers GET /api/v1/customers/{email}/export with
// everything held on the customer; 404 for an unknown address.
func (s *Server) handleCustomerExport(w http.ResponseWriter, r *http.Request) {
	x, err := s.cfg.Privacy.Export(r.Context(), r.PathValue("email"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, x)
}

// handleCustomerErase answers DELETE /api/v1/customers/{email}: the
// customer's personal data is erased, and the answer says what was done;
// 404 for an unknown address (an erased customer is unknown by their old
// address).
func (s *Server) handleCustomerErase(w http.ResponseWriter, r *http.Request) {
	rep, err := s.cfg.Privacy.Erase(r.Context(), r.PathValue("email"), "api")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"erased": true, "customer_id": rep.CustomerID, "runs_exited": rep.RunsExited,
		"steps_stopped": rep.StepsStopped, "outbox_files_removed": rep.OutboxFiles,
	})
}
