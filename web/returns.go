package web

// The public returns pages: find an order by email and order number (no
// receipt, no login), choose what to send back and why, and see how the
// return stands with the instructions. And the one-click answer to "did it
// arrive in good shape?".

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/returns"
)

// maxReturnComment bounds the customer's comment (the event allows 4000
// bytes).
const maxReturnComment = 2000

// returnChoose is the data of the page where a customer chooses what to
// send back.
type returnChoose struct {
	OrderID   string // the order number the buyer knows (Order.Ref)
	FirstName string
	Items     []returnItemRow
	Reasons   []string
	// What was chosen (shown again after an error).
	Reason, Comment, Resolution string
	// Key is the form's random key: a resubmitted form is one return.
	Key string
	// Returns are the returns started for the order already.
	Returns []returnLink
	// Closed says why no return can be started ("" when one can).
	Closed string
	// WindowDays is the policy's return window (0: none).
	WindowDays int
}

// returnItemRow is one line of the order on the returns page.
type returnItemRow struct {
	SKU, Name, Kind string
	Max, Qty        int
}

// returnLink is a return already started, linked to its status page.
type returnLink struct {
	Path, Status, Summary string
	CreatedAt             time.Time
}

// returnStatusView is the data of a return's status page.
type returnStatusView struct {
	OrderID, FirstName string
	Status             string
	Steps              []returnStep
	Items              []aftersale.ReturnItem
	Reason, Comment    string
	Exchange           bool
	CreatedAt          time.Time
	Address, LabelURL  string
	RefundDays         int
}

// returnStep is one step of a return's progress.
type returnStep struct {
	Name  string
	State string // "done", "current" or "todo"
}

// handleReturnsFind shows the form that finds an order.
func (s *Server) handleReturnsFind(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, tmplReturnsFind, pageView{Title: "Return or exchange an item"})
}

// handleReturnsFindPost looks the order up and opens its returns page.
// Every POST counts against the client's limit, found or not, and every
// mismatch gets the same answer, so the page tells nobody whether an
// email address or an order number exists.
func (s *Server) handleReturnsFindPost(w http.ResponseWriter, r *http.Request) {
	if wait, ok := s.returnsLimiter.Allow([]string{"ip:" + clientIP(r)}); !ok {
		s.tooManyLookups(w, r, wait, "You have tried to find an order many times in a short while.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := parseForm(r); err != nil {
		s.render(w, r, http.StatusBadRequest, tmplReturnsFind, pageView{Title: "Return or exchange an item", Error: "We could not read the form. Please try again."})
		return
	}
	// Counted per order number and email too, before the lookup (so that
	// concurrent guesses cannot pass together) and given back when it
	// finds the order (returns_limit.go).
	email, number := r.PostForm.Get("email"), r.PostForm.Get("order")
	targets := returnsTargetKeys(email, number)
	at, wait, ok := s.returnsMisses.Reserve(targets)
	if !ok {
		s.tooManyLookups(w, r, wait, "There have been many tries to find this order in a short while.")
		return
	}
	token, err := s.cfg.Returns.FindOrder(r.Context(), email, number)
	if aftersale.ErrorCode(err) != aftersale.ENOTFOUND {
		s.returnsMisses.Refund(targets, at) // found, or not a guess
	}
	switch code := aftersale.ErrorCode(err); {
	case err == nil:
		http.Redirect(w, r, "/returns/"+url.PathEscape(token), http.StatusSeeOther)
	case code == aftersale.ENOTFOUND:
		s.render(w, r, http.StatusOK, tmplReturnsFind, pageView{Title: "Return or exchange an item", Error: aftersale.ErrorMessage(err)})
	case code == aftersale.EINVALID:
		s.render(w, r, http.StatusBadRequest, tmplReturnsFind, pageView{Title: "Return or exchange an item", Error: aftersale.ErrorMessage(err)})
	default:
		s.returnsError(w, r, err)
	}
}

// returnsError shows an engine error with a way back to the returns page
// (for an expired link, say).
func (s *Server) returnsError(w http.ResponseWriter, r *http.Request, err error) {
	code := aftersale.ErrorCode(err)
	if code == aftersale.EINTERNAL {
		s.log.ErrorContext(r.Context(), "page failed", "route", r.Pattern, "err", err)
	}
	s.noteUnavailable(w, r, err)
	msg := aftersale.ErrorMessage(err)
	if code == aftersale.EUNAUTHORIZED {
		msg = sentence(msg) + " Look up your order again to start a return."
	}
	s.render(w, r, statusOf(code), tmplMessage, pageView{Title: "Something is not right", Error: msg,
		Link: "/returns", LinkText: "Find your order again"})
}

// handleReturnChoose shows the order's items, the reasons and the choice
// of refund or exchange.
func (s *Server) handleReturnChoose(w http.ResponseWriter, r *http.Request) {
	st, err := s.cfg.Returns.StartPage(r.Context(), r.PathValue("token"))
	if err != nil {
		s.returnsError(w, r, err)
		return
	}
	c := newReturnChoose(st)
	if len(c.Items) == 1 {
		c.Items[0].Qty = c.Items[0].Max // the only thing there is to send back
	}
	s.render(w, r, http.StatusOK, tmplReturnStart, pageView{Title: "What would you like to send back?", Choose: c})
}

func newReturnChoose(st *returns.Start) *returnChoose {
	c := &returnChoose{OrderID: st.Order.Ref(), FirstName: firstName(st.Customer.Name), Reasons: st.Policy.Reasons,
		Resolution: aftersale.ResolutionRefund, Key: formKey(), WindowDays: st.Policy.WindowDays}
	earlier := make([]*aftersale.Return, len(st.Returns))
	for i, rv := range st.Returns {
		earlier[i] = rv.Return
	}
	// What was refunded, or is in a return already, cannot be sent back again.
	left := st.Order.ReturnableUnits(earlier)
	for i, it := range st.Order.Items {
		if left[i] > 0 {
			c.Items = append(c.Items, returnItemRow{SKU: it.SKU, Name: it.Name, Kind: string(it.Kind), Max: left[i]})
		}
	}
	for _, rv := range st.Returns {
		c.Returns = append(c.Returns, returnLink{Path: urlPath(rv.StatusURL), Status: string(rv.Return.Status),
			Summary: itemsSummary(rv.Return.Items), CreatedAt: rv.Return.CreatedAt})
	}
	switch st.Order.Status {
	case aftersale.OrderRefunded:
		c.Closed = "This order has been refunded already, so there is nothing to send back."
	case aftersale.OrderCancelled:
		c.Closed = "This order was cancelled, so there is nothing to send back."
	default:
		if len(c.Items) == 0 {
			c.Closed = "Everything on this order is already being returned."
		}
	}
	return c
}

// handleReturnChoosePost starts the return the customer chose.
func (s *Server) handleReturnChoosePost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := parseForm(r); err != nil {
		s.returnsError(w, r, aftersale.Errorf(aftersale.EINVALID, "We could not read the form. Go back, reload the page and try again."))
		return
	}
	token := r.PathValue("token")
	st, err := s.cfg.Returns.StartPage(r.Context(), token)
	if err != nil {
		s.returnsError(w, r, err)
		return
	}
	c := newReturnChoose(st)
	in, msg := readReturnForm(c, r.PostForm)
	if msg != "" {
		s.render(w, r, http.StatusBadRequest, tmplReturnStart, pageView{Title: "What would you like to send back?", Choose: c, Error: msg})
		return
	}
	bad := func(msg string) {
		s.render(w, r, http.StatusBadRequest, tmplReturnStart, pageView{Title: "What would you like to send back?", Choose: c, Error: msg})
	}
	rv, err := s.cfg.Returns.StartReturn(r.Context(), token, in)
	if err != nil {
		if aftersale.ErrorCode(err) == aftersale.EINVALID {
			bad(sentence(aftersale.ErrorMessage(err)))
			return
		}
		s.returnsError(w, r, err)
		return
	}
	http.Redirect(w, r, urlPath(rv.StatusURL), http.StatusSeeOther)
}

// readReturnForm reads the choose page's form into the engine's input and
// back into c (so that a page shown again keeps the choices); msg says
// what is wrong with it, "" when nothing is.
func readReturnForm(c *returnChoose, f url.Values) (in returns.Input, msg string) {
	c.Reason, c.Comment, c.Resolution = f.Get("reason"), strings.TrimSpace(f.Get("comment")), f.Get("resolution")
	if k := strings.TrimSpace(f.Get("key")); len(k) >= 16 && len(k) <= 64 {
		c.Key = k // the same form again is the same return
	}
	in = returns.Input{Key: c.Key, Reason: c.Reason, Comment: c.Comment, Resolution: c.Resolution}
	for i := range c.Items {
		it := &c.Items[i]
		raw := strings.TrimSpace(f.Get("qty-" + it.SKU))
		if raw == "" && f.Get("item-"+it.SKU) != "" {
			raw = "1" // a ticked box without a quantity
		}
		if raw == "" {
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 {
			return in, "The number of " + it.Name + " to send back must be a whole number."
		}
		it.Qty = n
		if n > it.Max {
			return in, "You can send back at most " + strconv.Itoa(it.Max) + " of " + it.Name + "."
		}
		if n > 0 {
			in.Items = append(in.Items, aftersale.ReturnItem{SKU: it.SKU, Quantity: n})
		}
	}
	switch c.Resolution {
	case "":
		in.Resolution, c.Resolution = aftersale.ResolutionRefund, aftersale.ResolutionRefund
	case aftersale.ResolutionRefund, aftersale.ResolutionExchange:
	default:
		return in, "Choose whether you would like your money back or an exchange."
	}
	if len(c.Comment) > maxReturnComment {
		return in, "Please keep the note under " + strconv.Itoa(maxReturnComment) + " characters."
	}
	return in, ""
}

// handleReturnStatus shows how a return stands, with what to do now.
func (s *Server) handleReturnStatus(w http.ResponseWriter, r *http.Request) {
	rv, err := s.cfg.Returns.StatusPage(r.Context(), r.PathValue("token"))
	if err != nil {
		s.returnsError(w, r, err)
		return
	}
	ret := rv.Return
	p := s.cfg.Returns.Policy()
	v := &returnStatusView{OrderID: rv.Order.Ref(), Status: string(ret.Status), Items: ret.Items, Reason: ret.Reason,
		Comment: ret.Comment, Exchange: ret.Resolution == aftersale.ResolutionExchange, CreatedAt: ret.CreatedAt,
		Address: strings.TrimSpace(p.Address), LabelURL: p.LabelURL, RefundDays: p.RefundDays, Steps: returnSteps(ret)}
	if rv.Customer != nil {
		v.FirstName = firstName(rv.Customer.Name)
	}
	s.render(w, r, http.StatusOK, tmplReturnView, pageView{Title: "Your return of order " + rv.Order.Ref(), Return: v})
}

// returnSteps is the progress of a return: requested, received, then
// refunded or exchanged; or requested, then cancelled.
func returnSteps(ret *aftersale.Return) []returnStep {
	last := aftersale.ReturnRefunded
	if ret.Resolution == aftersale.ResolutionExchange {
		last = aftersale.ReturnExchanged
	}
	flow := []aftersale.ReturnStatus{aftersale.ReturnRequested, aftersale.ReturnReceived, last}
	switch ret.Status {
	case aftersale.ReturnCancelled:
		flow = []aftersale.ReturnStatus{aftersale.ReturnRequested, aftersale.ReturnCancelled}
	case aftersale.ReturnRefunded, aftersale.ReturnExchanged:
		flow[2] = ret.Status
	}
	at := slices.Index(flow, ret.Status)
	out := make([]returnStep, len(flow))
	for i, st := range flow {
		out[i] = returnStep{Name: string(st), State: "todo"}
		switch {
		case i < at || (i == at && ret.Status.Final()):
			out[i].State = "done"
		case i == at:
			out[i].State = "current"
		}
	}
	return out
}

// handleArrival records the one-click answer to "did it arrive in good
// shape?" and thanks the customer.
func (s *Server) handleArrival(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		// A link checker's HEAD is not the customer's click.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		return
	}
	answer := r.URL.Query().Get("answer")
	if answer != aftersale.ArrivalYes && answer != aftersale.ArrivalNo {
		s.render(w, r, http.StatusBadRequest, tmplMessage, pageView{Title: "Something is not right",
			Error: "This link is incomplete: it should end with answer=yes or answer=no. Use the buttons in our email, or just reply to it."})
		return
	}
	if _, err := s.cfg.Service.ArrivalAnswer(r.Context(), r.PathValue("token"), answer); err != nil {
		s.pageError(w, r, err)
		return
	}
	if answer == aftersale.ArrivalNo {
		s.render(w, r, http.StatusOK, tmplMessage, pageView{Title: "We're sorry",
			Message: "Sorry! Someone from our team will contact you within one business day to put it right.",
			Link:    "/returns", LinkText: "Or start a return or an exchange now"})
		return
	}
	s.render(w, r, http.StatusOK, tmplMessage, pageView{Title: "Thank you",
		Message: "Thank you! We're glad it arrived well. Enjoy it, and reply to any of our emails if you need anything."})
}

// formKey returns a random key for a form, 22 URL-safe characters.
func formKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// urlPath returns the path (and query) of an absolute URL, so that links
// to this site work whatever host the request came in on.
func urlPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.RequestURI()
}

// firstName returns the first word of a name.
func firstName(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return ""
}

// itemsSummary lists the items of a return: "2 × Shoes, Hat".
func itemsSummary(items []aftersale.ReturnItem) string {
	parts := make([]string, 0, len(items))
	for _, it := range items {
		name := it.Name
		if name == "" {
			name = it.SKU
		}
		if it.Quantity > 1 {
			name = strconv.Itoa(it.Quantity) + " × " + name
		}
		parts = append(parts, name)
	}
	return strings.Join(parts, ", ")
}

// sentence starts a message with a capital and ends it with a full stop.
func sentence(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return msg
	}
	msg = sentenceCase(msg)
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "!") && !strings.HasSuffix(msg, "?") {
		msg += "."
	}
	return msg
}

// sentenceCase starts s with a capital: "requested" is "Requested".
func sentenceCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// plural says "1 minute" or "3 minutes".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
