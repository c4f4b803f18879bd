package team

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/journey"
)

// retryWait is how long a retried call waits: one business day.
var retryWait = func() journey.Delay {
	d, err := journey.ParseDelay("1bd")
	if err != nil {
		panic(err)
	}
	return d
}()

// TaskView is a task in the admin UI and the API, with its customer's
// email.
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

// Outcomes lists the outcomes a task can be completed with, besides
// GenericOutcomes. A call that found nobody (no_answer, voicemail), or a
// customer who asked to be called back (call_back; the time goes in the
// note), is tried again a business day later; a wrong number becomes a
// personal email task. A personal email sent from the admin UI completes
// its task with "sent".
var Outcomes = map[aftersale.TaskKind][]string{
	aftersale.TaskCall:          {"reached", "voicemail", "no_answer", "call_back", "wrong_number"},
	aftersale.TaskPersonalEmail: {"sent"},
}

// GenericOutcomes are accepted for every task kind.
var GenericOutcomes = []string{"done", "skipped"}

// OutcomesOf lists every outcome a task of the kind may be completed with.
func OutcomesOf(kind aftersale.TaskKind) []string {
	return append(slices.Clone(Outcomes[kind]), GenericOutcomes...)
}

// Tasks lists tasks; status and customerEmail may be empty.
func (s *Service) Tasks(ctx context.Context, status, customerEmail string) ([]TaskView, error) {
	f := aftersale.TaskFilter{Status: aftersale.TaskStatus(status)}
	switch f.Status {
	case "", aftersale.TaskOpen, aftersale.TaskDone, aftersale.TaskCancelled:
	default:
		return nil, aftersale.FieldError("status", "unknown status %q; want open, done or cancelled", status)
	}
	st := s.cfg.Store
	if customerEmail != "" {
		c, err := st.CustomerGetByEmail(ctx, strings.ToLower(customerEmail))
		if aftersale.IsNotFound(err) {
			return []TaskView{}, nil
		} else if err != nil {
			return nil, err
		}
		f.CustomerID = c.ID
	}
	tasks, err := st.TaskList(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]TaskView, 0, len(tasks))
	customers := map[int64]*aftersale.Customer{}
	orders := map[int64]*aftersale.Order{}
	for _, t := range tasks {
		c, ok := customers[t.CustomerID]
		if !ok {
			if c, err = st.CustomerGet(ctx, t.CustomerID); err != nil {
				return nil, err
			}
			customers[t.CustomerID] = c
		}
		if _, ok := orders[t.OrderID]; !ok && t.OrderID != 0 {
			if o, err := st.OrderGet(ctx, t.OrderID); err == nil {
				orders[t.OrderID] = o
			}
		}
		out = append(out, taskView(t, c, orders[t.OrderID]))
	}
	return out, nil
}

// Task returns one task with its customer and order.
func (s *Service) Task(ctx context.Context, id int64) (*TaskView, error) {
	st := s.cfg.Store
	t, err := st.TaskGet(ctx, id)
	if err != nil {
		return nil, err
	}
	c, err := st.CustomerGet(ctx, t.CustomerID)
	if err != nil {
		return nil, err
	}
	var o *aftersale.Order
	if t.OrderID != 0 {
		if o, err = st.OrderGet(ctx, t.OrderID); err != nil && !aftersale.IsNotFound(err) {
			return nil, err
		}
	}
	v := taskView(t, c, o)
	return &v, nil
}

func taskView(t *aftersale.Task, c *aftersale.Customer, o *aftersale.Order) TaskView {
	v := TaskView{
		ID: t.ID, Kind: string(t.Kind), Customer: c.Email, Name: c.Name, Phone: c.Phone,
		Title: t.Title, Script: t.Script, Draft: t.Draft, Assignee: t.Assignee, Status: string(t.Status),
		Outcome: t.Outcome, Note: t.Note, DueAt: t.DueAt, CreatedAt: t.CreatedAt,
	}
	if !t.DoneAt.IsZero() {
		done := t.DoneAt
		v.CompletedAt = &done
	}
	if o != nil {
		v.Order, v.OrderNumber = o.ExternalID, o.Number
	}
	return v
}

// retried are the outcomes of a call that make the next task: another
// call, or a personal email for a wrong number.
var retried = []string{"no_answer", "voicemail", "call_back", "wrong_number"}

// CompleteTask closes an open task with an outcome; doneBy is the email of
// the member who did it ("" from the API). A call with no answer, a
// voicemail or a call back creates the next call attempt (Task.RetryOf
// names the call it retries), due one business day later in the
// customer's day; a wrong number creates a personal email task, due at
// once. The task and the next one are written in one transaction.
func (s *Service) CompleteTask(ctx context.Context, id int64, outcome, note, doneBy string) (*TaskView, error) {
	t, err := s.cfg.Store.TaskGet(ctx, id)
	if err != nil {
		return nil, err
	}
	outcome = strings.TrimSpace(outcome)
	allowed := OutcomesOf(t.Kind)
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
		if t.Kind != aftersale.TaskCall || !slices.Contains(retried, outcome) {
			return nil
		}
		return s.nextTask(ctx, tx, t, outcome, now)
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

// nextTask creates, in tx, the task that follows call t completed with
// outcome (one of retried).
func (s *Service) nextTask(ctx context.Context, tx Tx, t *aftersale.Task, outcome string, now time.Time) error {
	c, err := tx.CustomerGet(ctx, t.CustomerID)
	if err != nil {
		return err
	}
	if outcome == "wrong_number" {
		_, err = tx.TaskCreate(ctx, &aftersale.Task{
			CustomerID: t.CustomerID, OrderID: t.OrderID, Kind: aftersale.TaskPersonalEmail,
			Title:    "Email " + c.FirstName() + " instead: the phone number is wrong",
			Draft:    wrongNumberDraft(c),
			Assignee: t.Assignee, Status: aftersale.TaskOpen, DueAt: now, CreatedAt: now,
		})
		return err
	}
	retry := *t
	retry.RetryOf = t.ID
	retry.ID, retry.StepID, retry.Status, retry.Outcome, retry.Note, retry.DoneAt = 0, 0, aftersale.TaskOpen, "", "", time.Time{}
	retry.CreatedAt = now
	retry.DueAt = s.cfg.Schedule.Due(now, &journey.Step{Wait: retryWait}, c.Timezone)
	retry.Title = "Call again: " + strings.TrimPrefix(t.Title, "Call again: ")
	_, err = tx.TaskCreate(ctx, &retry)
	return err
}

// wrongNumberDraft is the draft of the email that replaces a call to a
// wrong number.
func wrongNumberDraft(c *aftersale.Customer) string {
	return "Hi " + c.FirstName() + ",\n\n" +
		"I tried to call you to say thank you and to check that everything is working for you, " +
		"but the number I have does not seem to be yours.\n\n" +
		"How is it going so far? If anything is unclear, just reply to this email: it comes straight to me. " +
		"And if you would like a quick call, send me a number and a good time.\n\n"
}

// OverdueBefore is the due time before which an open task counts as
// overdue now (the task SLA, Config.TaskSLA).
func (s *Service) OverdueBefore() time.Time { return s.cfg.Clock.RealNow().Add(-s.cfg.TaskSLA) }

// Overdue says whether the task is open past its due time plus the SLA.
func (s *Service) Overdue(t TaskView) bool {
	return t.Status == string(aftersale.TaskOpen) && t.DueAt.Before(s.OverdueBefore())
}

// AssignedTo says whether the task is the member's: assigned to the
// member's email or role.
func AssignedTo(t TaskView, email, role string) bool {
	return strings.EqualFold(t.Assignee, email) || t.Assignee == role
}
