// Package journey reads journey definitions (YAML files a user can read and
// edit), validates them with errors that name the file, line and field,
// checks step conditions against an order's facts, computes when a step falls
// due (time zones, quiet hours, business days, the virtual clock), and
// previews a journey as a timeline for a sample purchase.
//
// The format is described in FORMAT.md next to this file. The built-in
// journeys are in default/ and embedded in the binary.
package journey

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aftersale/aftersale"
)

// The triggers: the events that start a journey run.
const (
	TriggerPurchase = "purchase"
	TriggerRefund   = "refund"
	TriggerCancel   = "cancel"
	TriggerReturn   = "return"
)

// The anchors a step can wait after, besides the triggers. A shipment
// anchor is "shipment." followed by an aftersale.ShipmentStatus.
const (
	AnchorAccess   = "access"   // the first product access (download, first login)
	AnchorDelivery = "delivery" // the order first counts as delivered
	AnchorBooking  = "booking"  // the start of a booked session
	// AnchorDeliveryDue is when a package should have arrived: its
	// carrier's usual transit time plus a margin after it was first seen
	// on its way (one per package).
	AnchorDeliveryDue = "delivery_due"
	// AnchorPartialRefund is a refund that leaves the order not fully
	// refunded (one per refund). It is a trigger too: the partial-refund
	// care journey starts on it.
	AnchorPartialRefund = "refund.partial"
)

// ReturnAnchor returns the anchor of a return's new status, e.g.
// "return.received" (one per return).
func ReturnAnchor(s aftersale.ReturnStatus) string { return "return." + string(s) }

// The assignee roles of task steps; a member's email address works too.
const (
	RoleOwner          = "owner"
	RoleAssistant      = "assistant"
	RoleProgramManager = "program_manager"
)

// Assignment modes of task steps, besides a role or an email: round_robin
// gives each task to the member of a role (round_robin:ROLE, assistant by
// default) with the fewest open tasks; served gives it to the member who
// last completed a task for the order (the owner's queue when nobody has).
const (
	AssignRoundRobin = "round_robin"
	AssignServed     = "served"
)

// The recipients of email, survey and offer steps.
const (
	RecipientBuyer = "buyer"
	RecipientUser  = "user" // only when the order names a separate user
)

// The surveys of survey steps.
const (
	SurveyImportance  = "importance"
	SurveyPerformance = "performance"
)

// Triggers lists every trigger.
func Triggers() []string {
	return []string{TriggerPurchase, TriggerRefund, AnchorPartialRefund, TriggerCancel, TriggerReturn}
}

// Anchors lists every anchor a step can name in `after`.
func Anchors() []string {
	a := []string{TriggerPurchase, AnchorAccess, AnchorDelivery, AnchorDeliveryDue, AnchorBooking}
	for _, s := range aftersale.ShipmentStatuses {
		a = append(a, ShipmentAnchor(s))
	}
	a = append(a, TriggerRefund, AnchorPartialRefund, TriggerCancel, TriggerReturn)
	for _, s := range aftersale.ReturnStatuses[1:] {
		a = append(a, ReturnAnchor(s))
	}
	return a
}

// ShipmentAnchor returns the anchor of a shipment status, e.g.
// "shipment.delivered".
func ShipmentAnchor(s aftersale.ShipmentStatus) string { return "shipment." + string(s) }

// EventTrigger returns the trigger an event type starts journeys with, or ""
// when it starts none.
func EventTrigger(t aftersale.EventType) string {
	switch t {
	case aftersale.EventOrderPlaced:
		return TriggerPurchase
	case aftersale.EventOrderRefunded:
		return TriggerRefund
	case aftersale.EventOrderCancelled:
		return TriggerCancel
	case aftersale.EventReturnRequested:
		return TriggerReturn
	}
	return ""
}

// EventAnchors returns the anchors an event can fire. A delivered shipment
// fires both its shipment anchor and "delivery"; the caller should fire
// "delivery" (and "access") only the first time the fact becomes true for
// the order.
func EventAnchors(ev *aftersale.Event) []string {
	if ev == nil {
		return nil
	}
	switch ev.Type {
	case aftersale.EventShipmentUpdated:
		if ev.Shipment == nil || ev.Shipment.Status == "" {
			return nil
		}
		a := []string{ShipmentAnchor(ev.Shipment.Status)}
		if ev.Shipment.Status == aftersale.ShipmentDelivered {
			a = append(a, AnchorDelivery)
		}
		return a
	case aftersale.EventProductAccessed:
		return []string{AnchorAccess}
	case aftersale.EventBookingScheduled:
		return []string{AnchorBooking}
	}
	if t := EventTrigger(ev.Type); t != "" {
		return []string{t}
	}
	return nil
}

// Set is a validated collection of journeys with unique ids.
type Set struct {
	Journeys []*Journey
}

// Journey is one plan of steps, started by its trigger event.
type Journey struct {
	ID          string
	Name        string // defaults to ID
	Description string
	// Trigger is the event that starts a run: purchase, refund, cancel or return.
	Trigger string
	// When is checked once, when a run would start; nil means always.
	When *Condition
	// ExitOn lists the events (refund, cancel, return) that exit a run of
	// the same order: its pending steps stop.
	ExitOn []string
	Steps  []*Step
	// File and Line say where the journey is defined.
	File string
	Line int
}

// Step is one step of a journey. Fields that do not apply to the Type are
// zero.
type Step struct {
	ID   string // unique within the journey; part of stable keys, never renamed lightly
	Type aftersale.StepType
	// After is the anchor the wait counts from; "" means the journey's trigger.
	After string
	Wait  Delay
	// At is a local time of day "HH:MM" in the customer's time zone; "" for none.
	At string
	// If is checked when the step falls due; nil means always.
	If *Condition
	// Template is the email template (email steps; optional for survey and offer).
	Template string
	// Category is the consent an email needs (email, survey and offer steps).
	Category aftersale.Category
	// To lists the recipients: "buyer" and/or "user".
	To []string
	// Story asks for a client story in the email (email steps): one with
	// the client's permission that suits the purchase and was not sent to
	// the recipient before; the email goes without one when none suits.
	Story bool
	// Task is the kind of human touch (task steps).
	Task aftersale.TaskKind
	// Title, Script and Draft are task texts that may hold placeholders such
	// as {{.Buyer.FirstName}}; render them with TaskText. Assignee is a role
	// (owner, assistant, program_manager) or a member's email address.
	Title, Assignee, Script, Draft string
	// Due is how long the team has for a task once it is created (task
	// steps; zero means one business day).
	Due Delay
	// Survey is importance or performance (survey steps).
	Survey string
	// Params are the offer's free-form parameters (offer steps), as YAML
	// gives them; whole numbers are int, others float64.
	Params map[string]any
	// Line is where the step starts in the journey's file.
	Line int

	templateLine int // where its template is named, for TemplateRef
	afterLine    int // where its anchor is named, for messages
}

// anchorOf returns the event the step's wait counts from.
func (j *Journey) anchorOf(st *Step) string {
	if st.After != "" {
		return st.After
	}
	return j.Trigger
}

// Anchor returns the anchor the step counts from within journey j: its
// `after`, or the journey's trigger.
func (st *Step) Anchor(j *Journey) string { return j.anchorOf(st) }

// StepsAfter returns the steps whose anchor is anchor, in file order.
func (j *Journey) StepsAfter(anchor string) []*Step {
	var out []*Step
	for _, st := range j.Steps {
		if j.anchorOf(st) == anchor {
			out = append(out, st)
		}
	}
	return out
}

// Step returns the step with the id, or nil.
func (j *Journey) Step(id string) *Step {
	for _, st := range j.Steps {
		if st.ID == id {
			return st
		}
	}
	return nil
}

// ExitsOn reports whether a run of the journey exits when event arrives.
func (j *Journey) ExitsOn(event string) bool {
	for _, e := range j.ExitOn {
		if e == event {
			return true
		}
	}
	return false
}

// NewSet returns a set of the journeys, or an EINVALID error naming both
// places when two share an id.
func NewSet(journeys ...*Journey) (*Set, error) {
	var probs problems
	seen := map[string]*Journey{}
	for _, j := range journeys {
		if first, ok := seen[j.ID]; ok {
			probs.add(j.File, j.Line, "id", "journey %q is defined twice (first at %s:%d)", j.ID, first.File, first.Line)
			continue
		}
		seen[j.ID] = j
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	return &Set{Journeys: journeys}, nil
}

// ByID returns the journey with the id, or nil.
func (s *Set) ByID(id string) *Journey {
	for _, j := range s.Journeys {
		if j.ID == id {
			return j
		}
	}
	return nil
}

// Triggered returns the journeys that the trigger starts, in set order.
func (s *Set) Triggered(trigger string) []*Journey {
	var out []*Journey
	for _, j := range s.Journeys {
		if j.Trigger == trigger {
			out = append(out, j)
		}
	}
	return out
}

// TemplateRef is a use of an email template by a step.
type TemplateRef struct {
	Name    string // the template name
	Journey string // the journey id
	Step    string // the step id
	File    string
	Line    int // the line of the step's template field
}

// String returns "file:line".
func (r TemplateRef) String() string { return fmt.Sprintf("%s:%d", r.File, r.Line) }

// Templates returns every email template the journeys name, in set and step
// order, so that the caller can check that each one exists.
func (s *Set) Templates() []TemplateRef {
	var out []TemplateRef
	for _, j := range s.Journeys {
		for _, st := range j.Steps {
			if st.Template != "" {
				out = append(out, TemplateRef{Name: st.Template, Journey: j.ID, Step: st.ID, File: j.File, Line: st.templateLine})
			}
		}
	}
	return out
}

//go:embed default/*.yaml
var defaultFS embed.FS

// Default returns the built-in journeys, embedded from default/*.yaml.
func Default() (*Set, error) {
	names, err := fs.Glob(defaultFS, "default/*.yaml")
	if err != nil {
		return nil, aftersale.Errorf(aftersale.EINTERNAL, "journey: built-in journeys: %v", err)
	}
	sort.Strings(names)
	files := make([]namedData, 0, len(names))
	for _, n := range names {
		data, err := defaultFS.ReadFile(n)
		if err != nil {
			return nil, aftersale.Errorf(aftersale.EINTERNAL, "journey: built-in journeys: %v", err)
		}
		files = append(files, namedData{name: path.Join("builtin", n), data: data})
	}
	return parseFiles(files)
}

// Load reads the journeys in path: one YAML file, or every *.yaml and *.yml
// file of a folder in name order (subfolders such as templates/ are
// ignored). All problems found are reported together in one EINVALID error.
func Load(path string) (*Set, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, aftersale.Errorf(aftersale.EINVALID, "journeys: %v", err)
	}
	var names []string
	if !fi.IsDir() {
		names = []string{path}
	} else {
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, aftersale.Errorf(aftersale.EINVALID, "journeys: %v", err)
		}
		for _, e := range entries {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if e.IsDir() || (ext != ".yaml" && ext != ".yml") || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			names = append(names, filepath.Join(path, e.Name()))
		}
		if len(names) == 0 {
			return nil, aftersale.Errorf(aftersale.EINVALID, "journeys: no journey files (*.yaml, *.yml) in %s", path)
		}
	}
	sort.Strings(names)
	files := make([]namedData, 0, len(names))
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			return nil, aftersale.Errorf(aftersale.EINVALID, "journeys: %v", err)
		}
		files = append(files, namedData{name: n, data: data})
	}
	return parseFiles(files)
}

type namedData struct {
	name string
	data []byte
}

// parseFiles parses every file and builds a set, reporting the problems of
// all files together.
func parseFiles(files []namedData) (*Set, error) {
	var all []*Journey
	var msgs []string
	for _, f := range files {
		js, err := Parse(f.name, f.data)
		if err != nil {
			msgs = append(msgs, aftersale.ErrorMessage(err))
			continue
		}
		all = append(all, js...)
	}
	if len(msgs) > 0 {
		return nil, &aftersale.Error{Code: aftersale.EINVALID, Message: strings.Join(msgs, "\n")}
	}
	return NewSet(all...)
}

// problems collects validation errors, each "file:line: field: message".
type problems struct {
	list []problem
}

type problem struct {
	line int
	text string
}

// maxProblems caps how many problems one error lists.
const maxProblems = 50

func (p *problems) add(file string, line int, field, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	loc := file
	if line > 0 {
		loc = fmt.Sprintf("%s:%d", file, line)
	}
	if field != "" {
		msg = field + ": " + msg
	}
	p.list = append(p.list, problem{line: line, text: loc + ": " + msg})
}

func (p *problems) empty() bool { return len(p.list) == 0 }

func (p *problems) count() int { return len(p.list) }

// sortByLine orders the problems of one file by line.
func (p *problems) sortByLine() {
	sort.SliceStable(p.list, func(a, b int) bool { return p.list[a].line < p.list[b].line })
}

// err returns nil or one EINVALID error listing the problems, one a line.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	var lines []string
	for i, pr := range p.list {
		if i == maxProblems {
			lines = append(lines, fmt.Sprintf("... and %d more", len(p.list)-maxProblems))
			break
		}
		lines = append(lines, pr.text)
	}
	return &aftersale.Error{Code: aftersale.EINVALID, Message: strings.Join(lines, "\n")}
}
