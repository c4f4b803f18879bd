package web

import "net/http"

// handleReferral answers GET /r/{code}, a customer's referral link: it
// counts the click and sends the visitor on to the shop with ?ref=CODE
// (302), so that the shop can pass the code on with the order. An unknown
// code is a 404 page.
func (s *Server) handleReferral(w http.ResponseWriter, r *http.Request) {
	to, err := s.cfg.Insiders.FollowReferral(r.Context(), r.PathValue("code"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusFound)
}
