package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/feedback"
)

// surveyTitle is the heading of a survey page.
func surveyTitle(kind string) string {
	if kind == "importance" {
		return "What matters most to you?"
	}
	return "How are we doing?"
}

// handleSurvey shows a survey page from a signed link. A link of the
// importance email carries ?q=QUALITY: that one click is recorded as an
// answer before the page opens, so the customer may stop there.
func (s *Server) handleSurvey(w http.ResponseWriter, r *http.Request) {
	pick := r.URL.Query().Get("q")
	f, err := s.cfg.Feedback.SurveyPage(r.Context(), r.PathValue("token"), pick)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v := pageView{Title: surveyTitle(f.Kind), Survey: f}
	if pick != "" {
		v.Message = "Thank you, we noted that. You can choose more below, or just close this page."
	}
	s.render(w, r, http.StatusOK, tmplSurvey, v)
}

// handleSurveyPost stores a survey page's answers.
func (s *Server) handleSurveyPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := parseForm(r); err != nil {
		s.pageError(w, r, aftersale.Errorf(aftersale.EINVALID, "could not read the form"))
		return
	}
	token := r.PathValue("token")
	f, err := s.cfg.Feedback.SurveyPage(r.Context(), token, "")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	in := feedback.SurveyInput{Ranks: map[string]int{}, Ratings: map[string]map[string]int{}, Comment: r.PostForm.Get("comment")}
	bad := func(msg string) {
		s.render(w, r, http.StatusBadRequest, tmplSurvey, pageView{Title: surveyTitle(f.Kind), Survey: f, Error: msg})
	}
	for key, vals := range r.PostForm {
		n, err := strconv.Atoi(strings.TrimSpace(vals[0]))
		switch {
		case strings.HasPrefix(key, "rank_"):
			if vals[0] == "" {
				continue
			}
			if err != nil {
				bad("A rank is a number.")
				return
			}
			in.Ranks[strings.TrimPrefix(key, "rank_")] = n
		case strings.HasPrefix(key, "r_"):
			idx, quality, ok := strings.Cut(strings.TrimPrefix(key, "r_"), "_")
			i, ierr := strconv.Atoi(idx)
			if !ok || ierr != nil || i < 0 || i >= len(f.Subjects) || err != nil {
				bad("A rating is a number from 1 to 5.")
				return
			}
			sub := f.Subjects[i].Email
			if in.Ratings[sub] == nil {
				in.Ratings[sub] = map[string]int{}
			}
			in.Ratings[sub][quality] = n
		case key == "nps" && vals[0] != "":
			if err != nil {
				bad("The recommendation is a number from 0 to 10.")
				return
			}
			in.NPS = &n
		}
	}
	if err := s.cfg.Feedback.SubmitSurvey(r.Context(), token, in); err != nil {
		if aftersale.ErrorCode(err) == aftersale.EINVALID {
			// Show the page again with what was sent.
			if f2, ferr := s.cfg.Feedback.SurveyPage(r.Context(), token, ""); ferr == nil {
				f = f2
			}
			bad(aftersale.ErrorMessage(err))
			return
		}
		s.pageError(w, r, err)
		return
	}
	msg := "Thank you! That helps us put our effort where it matters to you."
	if f.Kind != "importance" {
		msg = "Thank you for your honest answer. We read every one of them."
	}
	s.render(w, r, http.StatusOK, tmplMessage, pageView{Title: "Thank you", Message: msg})
}
