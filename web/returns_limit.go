package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// returnsMaxMisses bounds the failed order lookups of the public returns
// page per order number and per email address, from any client address,
// within returnsWindow: a guess of one order spread over many addresses
// (each under the per-address limit) is bounded too. Only lookups that
// find nothing count, so the buyer who types both right is not held back
// by their own earlier typos beyond it.
const returnsMaxMisses = 20

// returnsTargetKeys are the keys a returns lookup is counted under besides
// the client address: the order number (without "#", any case) and the
// email address.
func returnsTargetKeys(email, order string) []string {
	var keys []string
	if o := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(order), "#")); o != "" {
		keys = append(keys, "order:"+o)
	}
	if e := strings.ToLower(strings.TrimSpace(email)); e != "" {
		keys = append(keys, "email:"+e)
	}
	return keys
}

// tooManyLookups answers 429 with Retry-After and a page saying how long
// to wait.
func (s *Server) tooManyLookups(w http.ResponseWriter, r *http.Request, wait time.Duration, msg string) {
	mins := int(math.Ceil(wait.Minutes()))
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	s.render(w, r, http.StatusTooManyRequests, tmplMessage, pageView{Title: "Please wait a moment",
		Error: msg + " Please wait " + plural(mins, "minute") + " and try again."})
}
