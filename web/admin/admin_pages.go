package admin

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/journey"
	"github.com/aftersale/aftersale/team"
	"github.com/aftersale/aftersale/web"
)

// customersPage is the data of the customer search.
type customersPage struct {
	Query string
	Alert alert
	// WithTasks are the customers who have open tasks, as a shortcut.
	WithTasks []team.TaskView
}

// adminCustomers finds a customer by email; a match goes to the
// customer's page.
func (s *UI) adminCustomers(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	ctx := r.Context()
	p := customersPage{Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	status := http.StatusOK
	if p.Query != "" {
		c, err := s.cfg.Web.CustomerView(ctx, p.Query)
		switch {
		case err == nil:
			http.Redirect(w, r, "/admin/customers/"+pathEscape(c.Email), http.StatusSeeOther)
			return
		case aftersale.IsNotFound(err):
			status, p.Alert.Error = http.StatusNotFound, "No customer has the email "+p.Query+"."
		default:
			s.adminError(w, r, m, err)
			return
		}
	}
	tasks, err := s.cfg.Team.Tasks(ctx, string(aftersale.TaskOpen), "")
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	seen := map[string]bool{}
	for _, t := range tasks {
		if !seen[t.Customer] {
			seen[t.Customer] = true
			p.WithTasks = append(p.WithTasks, t)
		}
	}
	s.adminPage(w, r, status, m, "customers.html", "Customers", p)
}

// customerPage is the data of a customer's page.
type customerPage struct {
	C     *web.CustomerView
	Phone phoneLink
	// Extra are the orders' returns and arrival answers, by order id.
	Extra map[string]orderExtra
}

func (s *UI) adminCustomer(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	c, err := s.cfg.Web.CustomerView(r.Context(), r.PathValue("email"))
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	extra, err := s.customerOrderExtras(r.Context(), c)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	title := c.Name
	if title == "" {
		title = c.Email
	}
	s.adminPage(w, r, http.StatusOK, m, "customer.html", title, customerPage{C: c, Phone: newPhoneLink(c.Phone, s.cfg.PhoneRegion), Extra: extra})
}

// outboxLimit is how many emails the outbox shows.
const outboxLimit = 200

func (s *UI) adminOutbox(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	msgs, err := s.cfg.Service.RecentMessages(r.Context(), outboxLimit)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	s.adminPage(w, r, http.StatusOK, m, "outbox.html", "Outbox", msgs)
}

// journeysPage is the data of the journeys' read-only view.
type journeysPage struct {
	Journeys []journeyView
	Preview  previewView
}

type journeyView struct {
	ID, Name, Description, Trigger, When, File string
	ExitOn                                     []string
	Steps                                      []stepView
}

type stepView struct {
	ID, When, Type, What, Assignee, If string
}

// previewView is the preview form and its timeline.
type previewView struct {
	Kind                    string
	Phone, Consent, HasUser bool
	Shown                   bool // a kind was chosen
	Entries                 []previewEntry
	Alert                   alert
}

type previewEntry struct {
	journey.Entry
	Day int
}

// adminJourneys shows every journey with its steps, and the preview of a
// sample purchase of the chosen item kind (?kind=...; phone, consent and
// user add a phone number, marketing consent and a separate user).
func (s *UI) adminJourneys(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	set := s.cfg.Service.Journeys()
	var p journeysPage
	for _, j := range set.Journeys {
		jv := journeyView{ID: j.ID, Name: j.Name, Description: j.Description, Trigger: j.Trigger, When: j.When.String(),
			ExitOn: j.ExitOn, File: j.File}
		for _, st := range j.Steps {
			jv.Steps = append(jv.Steps, stepView{ID: st.ID, When: stepWhen(j, st), Type: string(st.Type),
				What: stepWhat(st), Assignee: st.Assignee, If: st.If.String()})
		}
		p.Journeys = append(p.Journeys, jv)
	}
	q := r.URL.Query()
	pv := &p.Preview
	pv.Kind = q.Get("kind")
	if pv.Kind == "" {
		pv.Kind, pv.Phone, pv.Consent = string(aftersale.ItemKinds[0]), true, true
	} else {
		pv.Shown, pv.Phone, pv.Consent, pv.HasUser = true, q.Get("phone") != "", q.Get("consent") != "", q.Get("user") != ""
		entries, err := set.Preview(aftersale.ItemKind(pv.Kind), journey.PreviewOptions{HasPhone: pv.Phone, Consent: pv.Consent, HasUser: pv.HasUser})
		if err != nil {
			pv.Alert.Error = aftersale.ErrorMessage(err)
		}
		for _, e := range entries {
			pv.Entries = append(pv.Entries, previewEntry{Entry: e, Day: calendarDay(e.At.Add(-e.Offset), e.At)})
		}
	}
	if isHTMX(r) && r.Header.Get("HX-Target") == "preview" {
		s.adminFragment(w, r, http.StatusOK, "journeys.html", "preview", p)
		return
	}
	s.adminPage(w, r, http.StatusOK, m, "journeys.html", "Journeys", p)
}

// stepWhen says when a step falls due, e.g. "1bd after purchase at 09:00".
func stepWhen(j *journey.Journey, st *journey.Step) string {
	anchor := st.Anchor(j)
	var w string
	switch {
	case st.Wait.IsZero():
		w = "at " + anchor
	case st.Wait.Negative:
		w = strings.TrimPrefix(st.Wait.String(), "-") + " before " + anchor
	default:
		w = st.Wait.String() + " after " + anchor
	}
	if st.At != "" {
		w += ", at " + st.At
	}
	return w
}

// stepWhat says what a step does: its template, task or survey.
func stepWhat(st *journey.Step) string {
	switch st.Type {
	case aftersale.StepEmail:
		return st.Template + " (" + string(st.Category) + ")"
	case aftersale.StepTask:
		return label(st.Task) + ": " + st.Title
	case aftersale.StepSurvey:
		return st.Survey + " survey"
	case aftersale.StepOffer:
		keys := make([]string, 0, len(st.Params))
		for k := range st.Params {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			keys[i] = fmt.Sprintf("%s=%v", k, st.Params[k])
		}
		return strings.TrimSpace("offer " + strings.Join(keys, ", "))
	}
	return string(st.Type)
}

// calendarDay counts the local calendar days from a to b.
func calendarDay(a, b time.Time) int {
	b = b.In(a.Location())
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}
