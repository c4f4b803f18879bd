package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/feedback"
)

const planTitle = "Your success plan"

// lines splits a textarea into its lines.
func lines(s string) []string {
	return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}

// handlePlanPage shows the success plan of an order from a signed link:
// the objectives form when none are agreed yet (or with ?edit=1), else the
// objectives, metrics and a form to record progress.
func (s *Server) handlePlanPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.cfg.Feedback.PlanPage(r.Context(), r.PathValue("token"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, tmplPlan, pageView{Title: planTitle, Plan: p, Edit: r.URL.Query().Get("edit") != ""})
}

// handlePlanPagePost stores the objectives (action=plan) or a check-in
// (action=checkin) sent from the plan page.
func (s *Server) handlePlanPagePost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := parseForm(r); err != nil {
		s.pageError(w, r, aftersale.Errorf(aftersale.EINVALID, "could not read the form"))
		return
	}
	token := r.PathValue("token")
	p, err := s.cfg.Feedback.PlanPage(r.Context(), token)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var msg string
	edit := false
	switch r.PostForm.Get("action") {
	case "plan":
		in := feedback.PlanInput{Objectives: lines(r.PostForm.Get("objectives")), Metrics: lines(r.PostForm.Get("metrics"))}
		_, err = s.cfg.Feedback.SavePlanByLink(r.Context(), token, in)
		msg, edit = "Thank you, your plan is saved. We will check in with you on it.", err != nil
		if err != nil {
			// Show the form again with what was sent.
			p.Objectives, p.Metrics = in.Objectives, in.Metrics
		}
	case "checkin":
		n, aerr := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("progress")))
		if aerr != nil {
			err = aftersale.FieldError("progress", "must be a number from 0 to 100")
		} else {
			_, err = s.cfg.Feedback.RecordCheckInByLink(r.Context(), token, n, r.PostForm.Get("note"))
		}
		msg = "Thank you, your progress is recorded."
	default:
		err = aftersale.FieldError("action", "must be plan or checkin")
	}
	if err != nil {
		if aftersale.ErrorCode(err) == aftersale.EINVALID {
			s.render(w, r, http.StatusBadRequest, tmplPlan, pageView{Title: planTitle, Plan: p, Edit: edit, Error: aftersale.ErrorMessage(err)})
			return
		}
		s.pageError(w, r, err)
		return
	}
	if p, err = s.cfg.Feedback.PlanPage(r.Context(), token); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, tmplPlan, pageView{Title: planTitle, Plan: p, Message: msg})
}

// handlePlanGet answers the success plan of an order (by the shop's id)
// with its check-ins and the client's link.
func (s *Server) handlePlanGet(w http.ResponseWriter, r *http.Request) {
	p, err := s.cfg.Feedback.Plan(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// handlePlanPut stores the success plan of an order:
// {"objectives": [...], "metrics": [...]}.
func (s *Server) handlePlanPut(w http.ResponseWriter, r *http.Request) {
	var in feedback.PlanInput
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&in); err != nil {
		s.writeError(w, r, aftersale.Errorf(aftersale.EINVALID, `malformed JSON: want {"objectives": ["..."], "metrics": ["..."]}`))
		return
	}
	p, err := s.cfg.Feedback.SavePlan(r.Context(), r.PathValue("id"), in, "api")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// handleCheckInPost records a check-in: {"progress": 0..100, "note": "..."}.
func (s *Server) handleCheckInPost(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Progress *int   `json:"progress"`
		Note     string `json:"note"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&in); err != nil {
		s.writeError(w, r, aftersale.Errorf(aftersale.EINVALID, `malformed JSON: want {"progress": 0..100, "note": "..."}`))
		return
	}
	if in.Progress == nil {
		s.writeError(w, r, aftersale.FieldError("progress", "is required (0 to 100)"))
		return
	}
	c, err := s.cfg.Feedback.RecordCheckIn(r.Context(), r.PathValue("id"), *in.Progress, in.Note, "api")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}
