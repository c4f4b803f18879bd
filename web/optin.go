package web

import (
	"net/http"

	"github.com/aftersale/aftersale"
)

const tmplOptIn = "optin.html"

// handleOptIn shows the double opt-in page of a signed link: "would you
// like our updates?" with a button. Opening the link changes nothing (mail
// scanners open links); only the button's POST gives consent.
func (s *Server) handleOptIn(w http.ResponseWriter, r *http.Request) {
	c, err := s.cfg.Contact.OptInCustomer(r.Context(), r.PathValue("token"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if c.MarketingConsent && !c.Unsubscribed {
		s.render(w, r, http.StatusOK, tmplMessage, pageView{Title: "You're on our list",
			Message: "You get our updates already (" + c.Email + "). Every update has a link to unsubscribe in one click."})
		return
	}
	s.render(w, r, http.StatusOK, tmplOptIn, pageView{Title: "Would you like our updates?", Email: c.Email})
}

// handleOptInPost records the consent of the link's customer.
func (s *Server) handleOptInPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := parseForm(r); err != nil {
		s.pageError(w, r, aftersale.Errorf(aftersale.EINVALID, "could not read the form"))
		return
	}
	c, err := s.cfg.Contact.ConfirmOptIn(r.Context(), r.PathValue("token"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, tmplMessage, pageView{Title: "Thank you!",
		Message: "You're on our list: " + c.Email + " will get our updates. Every one has a link to unsubscribe in one click."})
}
