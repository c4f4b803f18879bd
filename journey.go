package aftersale

import (
	"encoding/json"
	"fmt"
	"time"
)

// StepType is what a journey step does.
type StepType string

// The step types. Email steps send mail; task steps put a human touch in the
// team's queue; survey and offer steps are planned and recorded.
const (
	StepEmail  StepType = "email"
	StepTask   StepType = "task"
	StepSurvey StepType = "survey"
	StepOffer  StepType = "offer"
)

// Category says which consent an email needs.
type Category string

// The email categories.
const (
	// Transactional mail (receipt, access, shipping) goes to every buyer and
	// user, even after an unsubscribe, and carries no unsubscribe headers.
	CategoryTransactional Category = "transactional"
	// Follow-up mail (onboarding, check-ins, surveys) is part of the service
	// bought: it goes to buyers who have not unsubscribed and carries the
	// RFC 8058 one-click unsubscribe.
	CategoryFollowUp Category = "followup"
	// Marketing mail (offers, stories, updates) needs marketing consent as well.
	CategoryMarketing Category = "marketing"
	// Personal mail is written and sent by a team member to one customer:
	// plain text, from the member, no unsubscribe headers; like a reply to
	// the customer, it goes even after an unsubscribe (not after a hard
	// bounce or a complaint).
	CategoryPersonal Category = "personal"
)

// RunStatus is the state of a journey run.
type RunStatus string

// The run statuses.
const (
	RunActive RunStatus = "active"
	RunExited RunStatus = "exited"
)

// JourneyRun is one journey started for one order (or, for journeys that are
// not about an order, for one customer: OrderID 0).
type JourneyRun struct {
	ID         int64
	JourneyID  string
	OrderID    int64
	CustomerID int64
	EventID    string // the event that started it
	Status     RunStatus
	StartedAt  time.Time
	ExitedAt   time.Time
	ExitReason string
}

// StepStatus is the state of a planned step.
type StepStatus string

// The step statuses.
const (
	StepPending StepStatus = "pending" // waiting for its due time or running
	StepDone    StepStatus = "done"    // executed
	StepSkipped StepStatus = "skipped" // its condition was false, or nobody to send to
	StepExited  StepStatus = "exited"  // its run exited (refund, cancel) first
	StepFailed  StepStatus = "failed"  // gave up after a permanent error or all retries
)

// Step is one planned journey step for one run: a row that a job executes
// when it falls due. Key is unique within the run, so planning the same
// step twice (a repeated delivery event, say) adds nothing.
type Step struct {
	ID         int64
	RunID      int64
	OrderID    int64
	CustomerID int64
	JourneyID  string
	StepID     string   // the step's id in the journey file
	Key        string   // unique within the run: StepID, or StepID/anchor-ref
	Type       StepType //
	Anchor     string   // the event it is relative to: purchase, delivery, access, booking, ...
	DueAt      time.Time
	// Enqueued says a job for the step is in the queue. Steps due soon
	// get their job when they are planned; later ones when the dispatcher
	// finds them nearly due.
	Enqueued   bool
	Status     StepStatus
	Note       string // why skipped or failed, or what it produced
	CreatedAt  time.Time
	FinishedAt time.Time
}

// A StepPlan holds the later steps of one run for one anchor: those not
// due within the planning horizon when they were planned. They become step
// rows (Materialize) when they come within it, so a purchase writes a row
// for each step due soon and one plan for the weeks after, and the steps
// table holds the work of the next hour rather than of the next months.
// A plan's steps are fixed when it is made, as a row's would be.
type StepPlan struct {
	ID         int64
	RunID      int64
	OrderID    int64
	CustomerID int64
	JourneyID  string
	Anchor     string
	// Steps are the steps not yet made rows, earliest due first.
	Steps     []PlannedStep
	CreatedAt time.Time
	// Broken says why the stored steps could not be read (a damaged
	// row); such a plan has no Steps, and is listed so that it can be
	// reported, not made rows of.
	Broken string
}

// NextDueAt is when the earliest of the plan's steps falls due.
func (p *StepPlan) NextDueAt() time.Time {
	if len(p.Steps) == 0 {
		return time.Time{}
	}
	return p.Steps[0].DueAt
}

// Materialize splits the plan's steps at before: those due at or before
// it become pending steps (without a job), and the rest stays in the
// plan.
func (p *StepPlan) Materialize(before time.Time) (steps []*Step, rest []PlannedStep) {
	i := 0
	for i < len(p.Steps) && !p.Steps[i].DueAt.After(before) {
		steps = append(steps, p.Step(p.Steps[i], StepPending, time.Time{}))
		i++
	}
	return steps, p.Steps[i:]
}

// Step returns ps as a step row of the plan with the status and finish
// time.
func (p *StepPlan) Step(ps PlannedStep, status StepStatus, finished time.Time) *Step {
	return &Step{
		RunID: p.RunID, OrderID: p.OrderID, CustomerID: p.CustomerID, JourneyID: p.JourneyID,
		StepID: ps.StepID, Key: ps.Key, Type: ps.Type, Anchor: p.Anchor, DueAt: ps.DueAt,
		Status: status, CreatedAt: p.CreatedAt, FinishedAt: finished,
	}
}

// EncodePlannedSteps is how stores keep a plan's steps: JSON text, the
// due times in UTC to the microsecond, as the stores keep every time.
func EncodePlannedSteps(steps []PlannedStep) (string, error) {
	out := make([]PlannedStep, len(steps))
	for i, ps := range steps {
		ps.DueAt = ps.DueAt.UTC().Truncate(time.Microsecond)
		out[i] = ps
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// DecodePlannedSteps reads what EncodePlannedSteps wrote.
func DecodePlannedSteps(s string) ([]PlannedStep, error) {
	var steps []PlannedStep
	if err := json.Unmarshal([]byte(s), &steps); err != nil {
		return nil, fmt.Errorf("step plan: %w", err)
	}
	return steps, nil
}

// SetSteps reads the plan's steps as a store keeps them (see
// EncodePlannedSteps); a damaged value leaves the plan without steps and
// Broken saying why, so that one damaged row does not hide the others.
func (p *StepPlan) SetSteps(stored string) {
	steps, err := DecodePlannedSteps(stored)
	if err != nil {
		p.Steps, p.Broken = nil, err.Error()
		return
	}
	p.Steps, p.Broken = steps, ""
}

// ExitedSteps returns the steps of the plans as rows with status exited at
// at: what RunExit stores for the plans of a run it exits.
func ExitedSteps(plans []*StepPlan, at time.Time) []*Step {
	var steps []*Step
	for _, p := range plans {
		for _, ps := range p.Steps {
			steps = append(steps, p.Step(ps, StepExited, at))
		}
	}
	return steps
}

// A PlannedStep is one step of a StepPlan: what its row will hold.
type PlannedStep struct {
	StepID string    `json:"s"`
	Key    string    `json:"k"`
	Type   StepType  `json:"t"`
	DueAt  time.Time `json:"d"`
}

// MessageStatus is the state of one email to one recipient.
type MessageStatus string

// The message statuses.
const (
	MessageSending    MessageStatus = "sending"    // handed to the mailer, not yet confirmed
	MessageSent       MessageStatus = "sent"       // accepted by the SMTP server or written to the outbox
	MessageFailed     MessageStatus = "failed"     // permanently refused
	MessageSuppressed MessageStatus = "suppressed" // not sent: unsubscribed, no consent
)

// Message is one email to one recipient for one step. (StepID, Recipient) is
// unique; MessageID is stable for it, so a resend carries the same one.
type Message struct {
	ID         int64
	StepID     int64 // 0 for mail not sent by a journey step
	CustomerID int64 // the recipient
	Recipient  string
	MessageID  string // RFC 5322 Message-ID with angle brackets
	Template   string
	Subject    string
	Category   Category
	Status     MessageStatus
	Attempts   int
	Error      string
	CreatedAt  time.Time
	SentAt     time.Time
	OpenedAt   time.Time // when its open pixel was first fetched; zero if never
	// StoryID is the client story the email shows (0: none), counted as
	// sent to the recipient when the message is recorded as sent. Not
	// stored with the message.
	StoryID int64
}

// TaskKind is the kind of human touch.
type TaskKind string

// The task kinds.
const (
	TaskPersonalEmail   TaskKind = "personal_email"
	TaskCall            TaskKind = "call"
	TaskSocialConnect   TaskKind = "social_connect"
	TaskCommunityInvite TaskKind = "community_invite"
	TaskHandwrittenNote TaskKind = "handwritten_note"
)

// TaskKinds lists every task kind.
var TaskKinds = []TaskKind{TaskPersonalEmail, TaskCall, TaskSocialConnect, TaskCommunityInvite, TaskHandwrittenNote}

// TaskStatus is where a task stands.
type TaskStatus string

// The task statuses.
const (
	TaskOpen      TaskStatus = "open"
	TaskDone      TaskStatus = "done"
	TaskCancelled TaskStatus = "cancelled"
)

// Task is a human touch the team is reminded and helped to do.
type Task struct {
	ID         int64
	StepID     int64 // the journey step that created it; 0 when made by hand
	CustomerID int64
	OrderID    int64
	Kind       TaskKind
	Title      string
	Script     string // call script, or instructions, in Markdown
	Draft      string // prefilled personal email body
	Assignee   string // a role (owner, assistant, program_manager) or a member's email
	Status     TaskStatus
	Outcome    string
	Note       string
	DueAt      time.Time
	CreatedAt  time.Time
	DoneAt     time.Time
	DoneBy     string // email of the member who completed it
	// RetryOf is the ID of the call this call retries: completing a call
	// with no_answer, voicemail or call_back makes a new call task that
	// retries it. 0 for every other task.
	RetryOf int64
}

// Touched reports whether the task was a human touch that reached the
// customer: done, with an outcome other than no_answer, wrong_number or
// skipped. The lifecycle stage "engaged", the funnel and the time to the
// first touch all count these.
func (t *Task) Touched() bool {
	if t.Status != TaskDone {
		return false
	}
	switch t.Outcome {
	case "no_answer", "wrong_number", "skipped":
		return false
	}
	return true
}

// TaskFilter selects tasks; zero fields select everything.
type TaskFilter struct {
	Status     TaskStatus
	CustomerID int64
	Limit      int // 0 means 500
}
