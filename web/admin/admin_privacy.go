package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/aftersale/aftersale/team"
)

// adminCustomerExport downloads everything held on the customer as a JSON
// file (GET /admin/customers/{email}/export).
func (s *UI) adminCustomerExport(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	x, err := s.cfg.Privacy.Export(r.Context(), r.PathValue("email"))
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	s.log.InfoContext(r.Context(), "admin: customer data downloaded", "customer_id", x.Customer.ID, "member_id", m.ID)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="customer-%d.json"`, x.Customer.ID))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(b, '\n'))
}

// adminCustomerErase erases the customer's personal data (POST
// /admin/customers/{email}/erase, owners only): the form's "confirm" field
// must repeat the address. The flash names the customer by id only, since
// the session is kept in the database.
func (s *UI) adminCustomerErase(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	addr := strings.ToLower(strings.TrimSpace(r.PathValue("email")))
	if typed := strings.ToLower(strings.TrimSpace(r.PostForm.Get("confirm"))); typed == "" || typed != addr {
		s.adminPage(w, r, http.StatusBadRequest, m, "message.html", "Not erased",
			alert{Error: "To erase, type the customer's email address exactly as shown. Nothing was erased."})
		return
	}
	rep, err := s.cfg.Privacy.Erase(r.Context(), addr, fmt.Sprintf("member %d", m.ID))
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	s.flash(r.Context(), fmt.Sprintf("Customer #%d is erased: their personal data is gone; orders and counts stay, without them.", rep.CustomerID))
	http.Redirect(w, r, "/admin/customers", http.StatusSeeOther)
}
