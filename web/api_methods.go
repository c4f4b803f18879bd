package web

import (
	"net/http"
	"strings"

	"github.com/aftersale/aftersale"
)

// apiMethods are the methods tried for the Allow header of a 405.
var apiMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// handleAPINoRoute answers an API request that no route takes: 405 with
// the Allow header when the path has routes for other methods (PATCH on
// /api/v1/tasks/1/complete), else 404. The "/api/" pattern that brings
// requests here matches every method, so the ServeMux's own 405 never
// happens below it.
func (s *Server) handleAPINoRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range apiMethods {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != apiCatchAll {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{
			"error": "method " + r.Method + " is not allowed on " + r.URL.Path + "; use " + strings.Join(allow, ", ")})
		return
	}
	s.writeError(w, r, aftersale.Errorf(aftersale.ENOTFOUND, "no API route %s %s", r.Method, r.URL.Path))
}

// apiCatchAll is the pattern of the API's unmatched requests.
const apiCatchAll = "/api/"
