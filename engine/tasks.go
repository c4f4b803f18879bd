package engine

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/journey"
)

// oneBusinessDay is how long a retried call waits.
var oneBusinessDay = mustDelay("1bd")

func mustDelay(s string) journey.Delay {
	d, err := journey.ParseDelay(s)
	if err != nil {
		panic(err)
	}
	return d
}

// TaskView is a task in the API, with its customer's email.
type TaskView struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	Customer    string     `json:"customer"`
	Name        string     `json:"customer_name,omitempty"`
	Phone       string     `json:"phone,omitempty"`
	Order       string     `json:"order,omitempty"`        // the shop's order id
	OrderNumber string     `json:"order_number,omitempty"` // the number the buyer knows ("#1001"), when the shop has one
	Title       string     `json:"title"`
	Script      string     `json:"script,omitempty"`
	Draft       string     `json:"draft,omitempty"`
	Assignee    string     `json:"assignee"`
	Status      string     `json:"status"`
	Outcome     string     `json:"outcome,omitempty"`
	Note        string     `json:"note,omitempty"`
	DueAt       time.Time  `json:"due_at"`
	CreatedAt   time.Time  `json:"created_at"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
}

// Outcomes lists the outcomes a task can be completed with. A call that
// found nobody (no_answer, voicemail), or a customer who asked to be called
// back (call_back; the time goes in the note), is tried again a business
// day later;
// a wrong number becomes a personal email task. A personal email sent from
// the admin UI completes its task with "sent".
var Outcomes = map[aftersale.TaskKind][]string{
	aftersale.TaskCall:          {"reached", "voicemail", "no_answer", "call_back", "wrong_number"},
	aftersale.TaskPersonalEmail: {"sent"},
}

// genericOutcomes are accepted for every task kind.
var genericOutcomes = []string{"done", "skipped"}

// Tasks lists tasks; status and customerEmail may be empty.
func (s *Service) Tasks(ctx context.Context, status, customerEmail string) ([]TaskView, error) {
	f := aftersale.TaskFilter{Status: aftersale.TaskStatus(status)}
	switch f.Status {
	case "", aftersale.TaskOpen, aftersale.TaskDone, aftersale.TaskCancelled:
	default:
		return nil, aftersale.FieldError("status", "unknown status %q; want open, done or cancelled", status)
	}
	if customerEmail != "" {
		c, err := s.cfg.Store.CustomerGetByEmail(ctx, strings.ToLower(customerEmail))
		if aftersale.IsNotFound(err) {
			return []TaskView{}, nil
		} else if err != nil {
			return nil, err
		}
		f.CustomerID = c.ID
	}
	tasks, err := s.cfg.Store.TaskList(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]TaskView, 0, len(tasks))
	customers := map[int64]*aftersale.Customer{}
	orders := map[int64]*aftersale.Order{}
	for _, t := range tasks {
		c, ok := customers[t.CustomerID]
		if !ok {
			if c, err = s.cfg.Store.CustomerGet(ctx, t.CustomerID); err != nil {
				return nil, err
			}
			customers[t.CustomerID] = c
		}
		if _, ok := orders[t.OrderID]; !ok && t.OrderID != 0 {
			if o, err := s.cfg.Store.OrderGet(ctx, t.OrderID); err == nil {
				orders[t.OrderID] = o
			}
		}
		out = append(out, taskView(t, c, orders[t.OrderID]))
	}
	return out, nil
}

func taskView(t *aftersale.Task, c *aftersale.Customer, o *aftersale.Order) TaskView {
	v := TaskView{
		ID: t.ID, Kind: string(t.Kind), Customer: c.Email, Name: c.Name, Phone: c.Phone,
		Title: t.Title, Script: t.Script, Draft: t.Draft, Assignee: t.Assignee, Status: string(t.Status),
		Outcome: t.Outcome, Note: t.Note, DueAt: t.DueAt, CreatedAt: t.CreatedAt, CompletedAt: timePtr(t.DoneAt),
	}
	if o != nil {
		v.Order, v.OrderNumber = o.ExternalID, o.Number
	}
	return v
}

// CompleteTask closes an open task with an outcome; doneBy is the email of
// the member who did it ("" from the API). A call with no answer or a
// voicemail creates the next call attempt, due one business day later; a
// wrong number creates a personal email task, due at once.
func (s *Service) CompleteTask(ctx context.Context, id int64, outcome, note, doneBy string) (*TaskView, error) {
	t, err := s.cfg.Store.TaskGet(ctx, id)
	if err != nil {
		return nil, err
	}
	outcome = strings.TrimSpace(outcome)
	allowed := append(slices.Clone(Outcomes[t.Kind]), genericOutcomes...)
	if outcome == "" {
		return nil, aftersale.FieldError("outcome", "is required; want one of %s", strings.Join(allowed, ", "))
	}
	if !slices.Contains(allowed, outcome) {
		return nil, aftersale.FieldError("outcome", "unknown outcome %q for a %s task; want one of %s", outcome, t.Kind, strings.Join(allowed, ", "))
	}
	if err := (aftersale.TextRule{Max: 10000, Multiline: true}).Check("note", note); err != nil {
		return nil, err
	}
	var done *aftersale.Task
	err = s.cfg.Store.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		now := s.cfg.Clock.RealNow()
		if done, err = tx.TaskComplete(ctx, id, outcome, note, doneBy, now); err != nil {
			return err
		}
		if t.Kind != aftersale.TaskCall || (outcome != "no_answer" && outcome != "voicemail" && outcome != "call_back" && outcome != "wrong_number") {
			return nil
		}
		c, err := tx.CustomerGet(ctx, t.CustomerID)
		if err != nil {
			return err
		}
		if outcome == "wrong_number" {
			_, err = tx.TaskCreate(ctx, &aftersale.Task{
				CustomerID: t.CustomerID, OrderID: t.OrderID, Kind: aftersale.TaskPersonalEmail,
				Title:    "Email " + firstName(c) + " instead: the phone number is wrong",
				Draft:    wrongNumberDraft(c),
				Assignee: t.Assignee, Status: aftersale.TaskOpen, DueAt: now, CreatedAt: now,
			})
			return err
		}
		retry := *t
		retry.RetryOf = t.ID
		retry.ID, retry.StepID, retry.Status, retry.Outcome, retry.Note, retry.DoneAt = 0, 0, aftersale.TaskOpen, "", "", time.Time{}
		retry.CreatedAt = now
		retry.DueAt = s.cfg.Schedule.Due(now, &journey.Step{Wait: oneBusinessDay}, c.Timezone)
		retry.Title = "Call again: " + strings.TrimPrefix(t.Title, "Call again: ")
		_, err = tx.TaskCreate(ctx, &retry)
		return err
	})
	if err != nil {
		return nil, err
	}
	c, err := s.cfg.Store.CustomerGet(ctx, done.CustomerID)
	if err != nil {
		return nil, err
	}
	v := taskView(done, c, nil)
	return &v, nil
}

func firstName(c *aftersale.Customer) string {
	if f := strings.Fields(c.Name); len(f) > 0 {
		return f[0]
	}
	return c.Email
}

// wrongNumberDraft is the draft of the email that replaces a call to a
// wrong number.
func wrongNumberDraft(c *aftersale.Customer) string {
	return "Hi " + firstName(c) + ",\n\n" +
		"I tried to call you to say thank you and to check that everything is working for you, " +
		"but the number I have does not seem to be yours.\n\n" +
		"How is it going so far? If anything is unclear, just reply to this email: it comes straight to me. " +
		"And if you would like a quick call, send me a number and a good time.\n\n"
}

// assign resolves a task step's assignee (see journey.AssignRoundRobin and
// journey.AssignServed) to a role or a member's email.
func (s *Service) assign(ctx context.Context, assignee string, o *aftersale.Order) (string, error) {
	switch {
	case assignee == "":
		return journey.RoleOwner, nil
	case assignee == journey.AssignServed:
		tasks, err := s.cfg.Store.TaskList(ctx, aftersale.TaskFilter{CustomerID: o.CustomerID, Status: aftersale.TaskDone})
		if err != nil {
			return "", err
		}
		var last *aftersale.Task
		for _, t := range tasks {
			if t.OrderID == o.ID && t.DoneBy != "" && (last == nil || t.DoneAt.After(last.DoneAt)) {
				last = t
			}
		}
		if last != nil {
			return last.DoneBy, nil
		}
		return journey.RoleOwner, nil
	case assignee == journey.AssignRoundRobin || strings.HasPrefix(assignee, journey.AssignRoundRobin+":"):
		role := strings.TrimPrefix(strings.TrimPrefix(assignee, journey.AssignRoundRobin), ":")
		if role == "" {
			role = journey.RoleAssistant
		}
		members, err := s.cfg.Store.MemberList(ctx)
		if err != nil {
			return "", err
		}
		load := map[string]int{}
		var pool []string
		for _, m := range members {
			if string(m.Role) == role && m.Active() { // a deactivated member gets no tasks
				pool = append(pool, strings.ToLower(m.Email))
				load[strings.ToLower(m.Email)] = 0
			}
		}
		if len(pool) == 0 {
			return role, nil // nobody has the role yet: the role's queue
		}
		open, err := s.cfg.Store.TaskList(ctx, aftersale.TaskFilter{Status: aftersale.TaskOpen, Limit: 100_000})
		if err != nil {
			return "", err
		}
		for _, t := range open {
			if _, ok := load[strings.ToLower(t.Assignee)]; ok {
				load[strings.ToLower(t.Assignee)]++
			}
		}
		best := pool[0] // oldest member first on a tie
		for _, e := range pool[1:] {
			if load[e] < load[best] {
				best = e
			}
		}
		return best, nil
	}
	return assignee, nil
}

// ownerCall creates a call task for the owner, due now, about an order,
// unless the order has an open task whose title starts with prefix (so a
// repeated signal makes one call, not many). It reports whether it made one.
func (s *Service) ownerCall(ctx context.Context, q aftersale.Queries, orderID, customerID int64, prefix, title, script string) (bool, error) {
	open, err := q.TaskList(ctx, aftersale.TaskFilter{CustomerID: customerID, Status: aftersale.TaskOpen})
	if err != nil {
		return false, err
	}
	for _, t := range open {
		if t.OrderID == orderID && strings.HasPrefix(t.Title, prefix) {
			return false, nil
		}
	}
	now := s.cfg.Clock.RealNow()
	if _, err := q.TaskCreate(ctx, &aftersale.Task{
		CustomerID: customerID, OrderID: orderID, Kind: aftersale.TaskCall, Title: title, Script: script,
		Assignee: journey.RoleOwner, Status: aftersale.TaskOpen, DueAt: now, CreatedAt: now,
	}); err != nil {
		return false, err
	}
	if m := s.cfg.Metrics; m != nil {
		m.TasksCreated.WithLabelValues(string(aftersale.TaskCall)).Inc()
	}
	return true, nil
}
