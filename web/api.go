package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/aftersale/aftersale"
)

// handleEvent stores one generic event: 202 the first time, 200 with
// duplicate=true for an ID already stored with the same content, 409 for
// an ID stored with other content, 400 naming the field for bad input
// (text that is not valid UTF-8 or holds control characters included),
// 413 over 1 MiB. Nothing is stored unless the answer is 202.
func (s *Server) handleEvent(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, "event")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ev, err := aftersale.DecodeEvent(body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	dup, err := s.cfg.Service.Ingest(r.Context(), ev)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if dup {
		writeJSON(w, http.StatusOK, map[string]any{"id": ev.ID, "duplicate": true})
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"id": ev.ID, "duplicate": false})
}

func (s *Server) handleCustomer(w http.ResponseWriter, r *http.Request) {
	v, err := s.customerView(r.Context(), r.PathValue("email"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleTasks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tasks, err := s.cfg.Team.Tasks(r.Context(), q.Get("status"), q.Get("customer"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, tasks)
}

func (s *Server) handleTaskComplete(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.writeError(w, r, aftersale.FieldError("id", "must be a positive task id"))
		return
	}
	var in struct {
		Outcome string `json:"outcome"`
		Note    string `json:"note"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	if err := dec.Decode(&in); err != nil {
		s.writeError(w, r, aftersale.Errorf(aftersale.EINVALID, "malformed JSON: want {\"outcome\": \"...\"}"))
		return
	}
	t, err := s.cfg.Team.CompleteTask(r.Context(), id, in.Outcome, in.Note, "")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// readBody reads a request body of at most aftersale.MaxEventSize bytes;
// its errors are ETOOLARGE and EINVALID *aftersale.Error values naming
// what the body is ("event", "payload").
func readBody(w http.ResponseWriter, r *http.Request, what string) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, aftersale.MaxEventSize))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, aftersale.Errorf(aftersale.ETOOLARGE, "the %s is larger than %d bytes", what, aftersale.MaxEventSize)
		}
		return nil, aftersale.Errorf(aftersale.EINVALID, "could not read the body")
	}
	return body, nil
}
