package admin

// Broadcasts in the admin UI: the list with status and counts, and the
// page of one broadcast: compose it (title, subject, Markdown body,
// segment, rate), preview its audience and its body, send a test to
// yourself, schedule it or send it now, cancel it; once it goes, its
// progress.

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/broadcast"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/team"
	"github.com/aftersale/aftersale/web"
)

// Form formats of the broadcast page: purchase dates and the scheduled
// time, both in UTC like every time in the admin UI.
const (
	formDate     = "2006-01-02"
	formDateTime = "2006-01-02T15:04"
)

// broadcastsPage is the data of the list of broadcasts.
type broadcastsPage struct {
	Rows []broadcastRow
}

// broadcastRow is a broadcast in the list.
type broadcastRow struct {
	*aftersale.Broadcast
	Audience string // the segment in words
}

// broadcastPage is the data of a broadcast's page.
type broadcastPage struct {
	ID       int64  // 0 for a new one
	Status   string // "" for a new one
	B        *aftersale.Broadcast
	Form     broadcastForm
	Audience string // the segment in words
	Editable bool
	Alert    alert
	Field    string // the field an error is about
	// Count is the audience previewed ("Preview audience"), when HasCount;
	// AudienceError says why it could not be counted.
	Count         int
	HasCount      bool
	AudienceError string
	// Preview is the body rendered for PreviewFor.
	Preview    *email.BroadcastPreview
	PreviewFor string
	Kinds      []string
	Stages     []string
	MaxRate    int
	MinTime    string // the earliest time to schedule, for the input
}

// broadcastForm is what the compose form holds.
type broadcastForm struct {
	Title, Subject, Body string
	SKUs                 string
	Kinds, Stages        []string
	From, To             string // purchase dates, "2006-01-02"; To is the last day
	FirstLook            bool
	CustomersOnly        bool
	Rate                 int
	ScheduleAt           string // "2006-01-02T15:04" (UTC)
}

// Has says whether list holds v, for the checkboxes.
func (broadcastForm) Has(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func formOf(b *aftersale.Broadcast) broadcastForm {
	f := broadcastForm{
		Title: b.Title, Subject: b.Subject, Body: b.Body, SKUs: strings.Join(b.Segment.SKUs, ", "),
		Kinds: b.Segment.Kinds, Stages: b.Segment.Stages, FirstLook: b.FirstLook,
		CustomersOnly: b.Segment.CustomersOnly, Rate: b.Rate,
	}
	if !b.Segment.PurchasedFrom.IsZero() {
		f.From = b.Segment.PurchasedFrom.UTC().Format(formDate)
	}
	if !b.Segment.PurchasedTo.IsZero() {
		f.To = b.Segment.PurchasedTo.UTC().AddDate(0, 0, -1).Format(formDate)
	}
	if !b.ScheduledAt.IsZero() {
		f.ScheduleAt = b.ScheduledAt.UTC().Format(formDateTime)
	}
	return f
}

// readBroadcastForm reads the compose form into a form (to show again) and
// a broadcast (to save); a value that does not parse is an EINVALID error.
func readBroadcastForm(r *http.Request) (broadcastForm, *aftersale.Broadcast, error) {
	pf := r.PostForm
	f := broadcastForm{
		Title: pf.Get("title"), Subject: pf.Get("subject"), Body: pf.Get("body"), SKUs: pf.Get("skus"),
		Kinds: pf["kinds"], Stages: pf["stages"], From: strings.TrimSpace(pf.Get("purchased_from")),
		To: strings.TrimSpace(pf.Get("purchased_to")), FirstLook: pf.Get("first_look") != "",
		CustomersOnly: pf.Get("customers_only") != "",
	}
	b := &aftersale.Broadcast{
		Title: f.Title, Subject: f.Subject, Body: f.Body, FirstLook: f.FirstLook,
		Segment: aftersale.Segment{
			SKUs:  strings.FieldsFunc(f.SKUs, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' || r == '\t' }),
			Kinds: f.Kinds, Stages: f.Stages, CustomersOnly: f.CustomersOnly || f.FirstLook,
		},
	}
	if v := strings.TrimSpace(pf.Get("rate")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return f, b, aftersale.FieldError("rate", "the rate is a whole number of messages a second")
		}
		f.Rate, b.Rate = n, n
	}
	if f.From != "" {
		t, err := time.Parse(formDate, f.From)
		if err != nil {
			return f, b, aftersale.FieldError("purchased_from", "the first purchase date is not a date")
		}
		b.Segment.PurchasedFrom = t
	}
	if f.To != "" {
		t, err := time.Parse(formDate, f.To)
		if err != nil {
			return f, b, aftersale.FieldError("purchased_to", "the last purchase date is not a date")
		}
		b.Segment.PurchasedTo = t.AddDate(0, 0, 1) // through the whole last day
	}
	return f, b, nil
}

// broadcastAudience says in words whom a broadcast goes to.
func broadcastAudience(b *aftersale.Broadcast) string {
	seg := b.Segment
	var parts []string
	if b.FirstLook || seg.CustomersOnly {
		parts = append(parts, "customers")
	} else {
		parts = append(parts, "everyone")
	}
	parts[0] += " who agreed to updates"
	if len(seg.SKUs) > 0 {
		parts = append(parts, "bought "+strings.Join(seg.SKUs, " or "))
	}
	if len(seg.Kinds) > 0 {
		parts = append(parts, "bought a "+strings.Join(seg.Kinds, " or ")+" item")
	}
	if len(seg.Stages) > 0 {
		parts = append(parts, "now "+strings.Join(seg.Stages, " or "))
	}
	switch from, to := seg.PurchasedFrom, seg.PurchasedTo; {
	case !from.IsZero() && !to.IsZero():
		parts = append(parts, "ordered "+from.UTC().Format("2 Jan 2006")+" to "+to.UTC().AddDate(0, 0, -1).Format("2 Jan 2006"))
	case !from.IsZero():
		parts = append(parts, "ordered since "+from.UTC().Format("2 Jan 2006"))
	case !to.IsZero():
		parts = append(parts, "ordered by "+to.UTC().AddDate(0, 0, -1).Format("2 Jan 2006"))
	}
	s := strings.Join(parts, ", ")
	if b.FirstLook {
		s += " (a first look)"
	}
	return s
}

// broadcastID reads the {id} of the path.
func broadcastID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, aftersale.Errorf(aftersale.ENOTFOUND, "There is no broadcast %s.", r.PathValue("id"))
	}
	return id, nil
}

// errText is the message of an error without the field name in front.
func errText(err error) string {
	var e *aftersale.Error
	if errors.As(err, &e) {
		return web.Sentence(e.Message)
	}
	return web.Sentence(aftersale.ErrorMessage(err))
}

// adminBroadcasts lists the broadcasts, newest first.
func (s *UI) adminBroadcasts(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	list, err := s.cfg.Broadcasts.List(r.Context(), 200)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	p := broadcastsPage{}
	for _, b := range list {
		p.Rows = append(p.Rows, broadcastRow{Broadcast: b, Audience: broadcastAudience(b)})
	}
	s.adminPage(w, r, http.StatusOK, m, "broadcasts.html", "Broadcasts", p)
}

// newBroadcastPage is the page data with the choices filled in.
func (s *UI) newBroadcastPage(b *aftersale.Broadcast) broadcastPage {
	p := broadcastPage{Editable: true, MaxRate: broadcast.MaxRate, Stages: engine.Stages,
		MinTime: time.Now().UTC().Add(time.Minute).Format(formDateTime)}
	for _, k := range aftersale.ItemKinds {
		p.Kinds = append(p.Kinds, string(k))
	}
	if b != nil {
		p.ID, p.Status, p.B, p.Form, p.Audience = b.ID, b.Status, b, formOf(b), broadcastAudience(b)
		p.Editable = b.Status == aftersale.BroadcastDraft || b.Status == aftersale.BroadcastScheduled
	}
	return p
}

// adminBroadcastNew shows an empty compose form.
func (s *UI) adminBroadcastNew(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	p := s.newBroadcastPage(nil)
	p.Form = broadcastForm{Rate: broadcast.DefaultRate,
		Body: "Hi {{.FirstName}},\n\n…\n"}
	s.adminPage(w, r, http.StatusOK, m, "broadcast.html", "New broadcast", p)
}

// adminBroadcast shows a broadcast: the compose form while it can change,
// its progress and counts once it goes; and its body rendered for a
// sample recipient.
func (s *UI) adminBroadcast(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	id, err := broadcastID(r)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	s.adminBroadcastPage(w, r, m, http.StatusOK, id, alert{}, "")
}

// adminBroadcastPage shows the stored broadcast with an alert.
func (s *UI) adminBroadcastPage(w http.ResponseWriter, r *http.Request, m *team.MemberView, status int, id int64, a alert, field string) {
	b, err := s.cfg.Broadcasts.Get(r.Context(), id)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	p := s.newBroadcastPage(b)
	p.Alert, p.Field = a, field
	s.withPreview(r, &p, b)
	s.adminPage(w, r, status, m, "broadcast.html", broadcastTitle(b), p)
}

func broadcastTitle(b *aftersale.Broadcast) string {
	if b.Title != "" {
		return b.Title
	}
	return "Broadcast #" + strconv.FormatInt(b.ID, 10)
}

// withPreview renders the body of b for the page; a broadcast that does
// not render shows no preview.
func (s *UI) withPreview(r *http.Request, p *broadcastPage, b *aftersale.Broadcast) {
	pv, who, err := s.cfg.Broadcasts.Preview(r.Context(), b)
	if err != nil {
		s.log.WarnContext(r.Context(), "admin: broadcast preview", "broadcast_id", b.ID, "err", err)
		return
	}
	p.Preview, p.PreviewFor = pv, who
}

// adminBroadcastCreate saves a new broadcast as a draft.
func (s *UI) adminBroadcastCreate(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	s.saveBroadcast(w, r, m, 0)
}

// adminBroadcastSave saves the compose form of a draft or scheduled
// broadcast.
func (s *UI) adminBroadcastSave(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	id, err := broadcastID(r)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	s.saveBroadcast(w, r, m, id)
}

func (s *UI) saveBroadcast(w http.ResponseWriter, r *http.Request, m *team.MemberView, id int64) {
	f, in, err := readBroadcastForm(r)
	if err == nil {
		in.ID = id
		var b *aftersale.Broadcast
		if b, err = s.cfg.Broadcasts.Save(r.Context(), in, m.Email); err == nil {
			msg := "Saved."
			if id == 0 {
				msg = "The draft is saved. Preview the audience, send yourself a test, then schedule it or send it now."
			}
			s.flash(r.Context(), msg)
			http.Redirect(w, r, "/admin/broadcasts/"+strconv.FormatInt(b.ID, 10), http.StatusSeeOther)
			return
		}
	}
	code := aftersale.ErrorCode(err)
	if code != aftersale.EINVALID && code != aftersale.ECONFLICT {
		s.adminError(w, r, m, err)
		return
	}
	s.showBroadcastForm(w, r, m, web.StatusOf(code), id, f, alert{Error: errText(err)}, errField(err), -1)
}

// showBroadcastForm shows the compose form as typed (not as stored), with
// an alert or an audience count.
func (s *UI) showBroadcastForm(w http.ResponseWriter, r *http.Request, m *team.MemberView, status int, id int64,
	f broadcastForm, a alert, field string, count int) {
	var stored *aftersale.Broadcast
	if id != 0 {
		b, err := s.cfg.Broadcasts.Get(r.Context(), id)
		if err != nil {
			s.adminError(w, r, m, err)
			return
		}
		stored = b
	}
	p := s.newBroadcastPage(stored)
	p.Form, p.Alert, p.Field = f, a, field
	p.Count, p.HasCount = count, count >= 0
	title := "New broadcast"
	if stored != nil {
		title = broadcastTitle(stored)
	}
	s.adminPage(w, r, status, m, "broadcast.html", title, p)
}

// adminBroadcastAudience counts the audience of the form's segment: a
// fragment for htmx, else the form again with the count.
func (s *UI) adminBroadcastAudience(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	id, _ := strconv.ParseInt(r.PostForm.Get("id"), 10, 64)
	f, in, err := readBroadcastForm(r)
	var n int
	if err == nil {
		n, err = s.cfg.Broadcasts.AudienceCount(r.Context(), in.Segment, in.FirstLook)
	}
	code := aftersale.ErrorCode(err)
	if err != nil && code != aftersale.EINVALID {
		s.adminError(w, r, m, err)
		return
	}
	if isHTMX(r) {
		p, status := broadcastPage{Count: n, HasCount: err == nil}, http.StatusOK
		if err != nil {
			p.AudienceError, status = errText(err), web.StatusOf(code)
		}
		s.adminFragment(w, r, status, "broadcast.html", "audience", p)
		return
	}
	if err != nil {
		s.showBroadcastForm(w, r, m, web.StatusOf(code), id, f, alert{Error: errText(err)}, errField(err), -1)
		return
	}
	s.showBroadcastForm(w, r, m, http.StatusOK, id, f, alert{}, "", n)
}

// adminBroadcastTest sends the stored broadcast to the member.
func (s *UI) adminBroadcastTest(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	id, err := broadcastID(r)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	err = s.cfg.Broadcasts.TestSend(r.Context(), id, aftersale.Address{Name: m.Name, Email: m.Email})
	s.broadcastActionDone(w, r, m, id, err, "A test is on its way to "+m.Email+".")
}

// adminBroadcastSchedule sets the time the broadcast goes (UTC).
func (s *UI) adminBroadcastSchedule(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	id, err := broadcastID(r)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	at, perr := time.Parse(formDateTime, strings.TrimSpace(r.PostForm.Get("scheduled_at")))
	if perr != nil {
		err = aftersale.FieldError("scheduled_at", "choose the date and time it goes")
	} else {
		_, err = s.cfg.Broadcasts.Schedule(r.Context(), id, at)
	}
	s.broadcastActionDone(w, r, m, id, err, "Scheduled for "+formatWhen(at)+".")
}

// adminBroadcastSend starts sending the broadcast, once the member has
// ticked the confirmation.
func (s *UI) adminBroadcastSend(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	id, err := broadcastID(r)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	if r.PostForm.Get("confirm") != "yes" {
		err = aftersale.FieldError("confirm", "tick the box to confirm that it goes out now")
	} else {
		_, err = s.cfg.Broadcasts.SendNow(r.Context(), id)
	}
	s.broadcastActionDone(w, r, m, id, err, "It is going out now.")
}

// adminBroadcastCancel cancels the broadcast.
func (s *UI) adminBroadcastCancel(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	id, err := broadcastID(r)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	_, err = s.cfg.Broadcasts.Cancel(r.Context(), id)
	s.broadcastActionDone(w, r, m, id, err, "Cancelled: nothing more goes out.")
}

// broadcastActionDone goes back to the broadcast's page with the message,
// or shows the page with the error.
func (s *UI) broadcastActionDone(w http.ResponseWriter, r *http.Request, m *team.MemberView, id int64, err error, msg string) {
	if err == nil {
		s.flash(r.Context(), msg)
		http.Redirect(w, r, "/admin/broadcasts/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return
	}
	switch code := aftersale.ErrorCode(err); code {
	case aftersale.EINVALID, aftersale.ECONFLICT:
		s.adminBroadcastPage(w, r, m, web.StatusOf(code), id, alert{Error: errText(err)}, errField(err))
	default:
		s.adminError(w, r, m, err)
	}
}
