package web

import (
	"net/http"

	"github.com/aftersale/aftersale"
)

// Webhook verifies and maps one shop platform's webhooks (packages shopify,
// stripe and woocommerce implement it).
type Webhook interface {
	// Verify checks the request's signature over the raw body; its error is
	// an EUNAUTHORIZED *aftersale.Error.
	Verify(body []byte, h http.Header) error
	// Event maps a verified payload to an event, or returns nil and the
	// reason when the platform sent something aftersale does not use.
	Event(body []byte, h http.Header) (ev *aftersale.Event, ignored string, err error)
}

// handleWebhook answers a platform's webhook: the signature is checked
// before anything is read into the store, the payload is mapped to an
// event, and the event goes through the same durable inbox as the API's
// (idempotent on the platform's delivery id). A bad signature answers 401
// and stores nothing. A payload that is valid but of no use (a topic not
// needed, an order without an email) answers 200 with "ignored", so that
// the platform does not retry it.
func (s *Server) handleWebhook(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		hook := s.cfg.Webhooks[name]
		if hook == nil {
			s.writeError(w, r, aftersale.Errorf(aftersale.ENOTFOUND,
				"%s webhooks are not set up on this install: set its secret (see the README)", name))
			return
		}
		body, err := readBody(w, r, "payload")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := hook.Verify(body, r.Header); err != nil {
			s.log.WarnContext(r.Context(), "webhook signature refused", "platform", name, "err", aftersale.ErrorMessage(err))
			if aftersale.ErrorCode(err) != aftersale.EUNAUTHORIZED {
				err = aftersale.Errorf(aftersale.EUNAUTHORIZED, "the signature does not verify")
			}
			s.writeError(w, r, err)
			return
		}
		ev, ignored, err := hook.Event(body, r.Header)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if ev == nil {
			s.log.InfoContext(r.Context(), "webhook ignored", "platform", name, "reason", ignored)
			writeJSON(w, http.StatusOK, map[string]any{"ignored": ignored})
			return
		}
		dup, err := s.cfg.Service.IngestWebhook(r.Context(), ev)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": ev.ID, "type": ev.Type, "duplicate": dup})
	}
}
