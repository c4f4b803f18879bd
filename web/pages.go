package web

import (
	"embed"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/feedback"
)

//go:embed templates/*.html
var templateFS embed.FS

var pageTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"inc": func(i int) int { return i + 1 },
	"scale": func(from, to int) []int {
		var out []int
		for i := from; i <= to; i++ {
			out = append(out, i)
		}
		return out
	},
	"deref": func(p *int) int { return *p },
	"date":  func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
	"title": func(s string) string { return sentenceCase(s) },
}).ParseFS(templateFS, "templates/*.html"))

// Template names of the customer pages.
const (
	tmplPreferences = "preferences.html"
	tmplWhoUses     = "who_uses.html"
	tmplMessage     = "message.html"
	tmplSurvey      = "survey.html"
	tmplPlan        = "plan.html"
	tmplReturnsFind = "returns_find.html"
	tmplReturnStart = "returns_choose.html"
	tmplReturnView  = "returns_status.html"
)

// pageView is the data of every customer page.
type pageView struct {
	Business     string
	Title        string
	Message      string
	Error        string
	Email        string
	Unsubscribed bool
	OrderID      string
	Form         whoUsesForm
	Survey       *feedback.SurveyForm
	Plan         *feedback.PlanView
	Edit         bool // the plan page shows the objectives form
	// Link is a way on from a message or an error: its path and words.
	Link, LinkText string
	Choose         *returnChoose     // the returns page of an order
	Return         *returnStatusView // the status page of a return
}

type whoUsesForm struct{ Name, Email string }

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v pageView) {
	v.Business = s.cfg.BusinessName
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	w.WriteHeader(status)
	if err := pageTemplates.ExecuteTemplate(w, name, v); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "template", name, "err", err)
	}
}

func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	code := aftersale.ErrorCode(err)
	if code == aftersale.EINTERNAL {
		s.log.ErrorContext(r.Context(), "page failed", "route", r.Pattern, "err", err)
	}
	s.noteUnavailable(w, r, err)
	s.render(w, r, statusOf(code), tmplMessage, pageView{Title: "Something is not right", Error: aftersale.ErrorMessage(err)})
}

// handlePreferences shows whether the address gets follow-up email, with a
// button to unsubscribe or resubscribe.
func (s *Server) handlePreferences(w http.ResponseWriter, r *http.Request) {
	c, err := s.cfg.Contact.Preferences(r.Context(), r.PathValue("token"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, tmplPreferences, pageView{Title: "Your email preferences", Email: c.Email, Unsubscribed: c.Unsubscribed})
}

// handleUnsubscribePost is both the RFC 8058 one-click endpoint (body
// List-Unsubscribe=One-Click, no cookies, answers 200 at once) and the
// preferences page's form (action=unsubscribe or action=resubscribe).
func (s *Server) handleUnsubscribePost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := parseForm(r); err != nil {
		s.pageError(w, r, aftersale.Errorf(aftersale.EINVALID, "could not read the form"))
		return
	}
	token := r.PathValue("token")
	if r.PostForm.Get("List-Unsubscribe") == "One-Click" {
		if _, err := s.cfg.Contact.SetUnsubscribed(r.Context(), token, true); err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"unsubscribed": true})
		return
	}
	unsub := r.PostForm.Get("action") != "resubscribe"
	c, err := s.cfg.Contact.SetUnsubscribed(r.Context(), token, unsub)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	msg := "You will get no more follow-up email from us. Receipts and delivery updates for your orders still reach you."
	if !unsub {
		msg = "Welcome back: you will get our follow-up email again."
	}
	s.render(w, r, http.StatusOK, tmplPreferences, pageView{Title: "Your email preferences", Email: c.Email, Unsubscribed: unsub, Message: msg})
}

// parseForm reads a urlencoded or multipart body (RFC 8058 allows both).
func parseForm(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(64 << 10)
	}
	return r.ParseForm()
}

// handleWhoUses shows the form where a buyer names the person who will use
// the purchase.
func (s *Server) handleWhoUses(w http.ResponseWriter, r *http.Request) {
	o, err := s.cfg.Contact.WhoUsesOrder(r.Context(), r.PathValue("token"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, tmplWhoUses, pageView{Title: "Who will be using this?", OrderID: o.Ref()})
}

func (s *Server) handleWhoUsesPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, aftersale.Errorf(aftersale.EINVALID, "could not read the form"))
		return
	}
	token := r.PathValue("token")
	o, err := s.cfg.Contact.WhoUsesOrder(r.Context(), token)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	form := whoUsesForm{Name: strings.TrimSpace(r.PostForm.Get("name")), Email: strings.TrimSpace(r.PostForm.Get("email"))}
	c := &aftersale.Contact{Name: form.Name, Email: form.Email}
	if err := s.cfg.Contact.SetOrderUser(r.Context(), token, c); err != nil {
		if aftersale.ErrorCode(err) == aftersale.EINVALID {
			s.render(w, r, http.StatusBadRequest, tmplWhoUses, pageView{Title: "Who will be using this?", OrderID: o.Ref(), Form: form, Error: aftersale.ErrorMessage(err)})
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, tmplMessage, pageView{Title: "Thank you", Message: "Thanks! " + c.Email + " will get the access details and our follow-ups from now on."})
}
