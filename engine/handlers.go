package engine

import (
	"context"
	"fmt"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/journey"
)

// A StepHandler executes the steps of one type (email, task, survey,
// offer, ...). The pipeline calls it once it has found the step pending,
// its run active, its condition true and its facts loaded; it records what
// the handler returns, in one transaction with the step's outcome.
//
// An error that wraps ErrRetry asks for another attempt: the messages of
// the outcome (sent to some recipients) are recorded and the step stays
// pending, unless this was its last attempt (StepExec.Final), when it
// fails. Any other error fails the step with the error as its note, the
// outcome's messages recorded.
type StepHandler func(ctx context.Context, x *StepExec) (StepOutcome, error)

// ErrRetry marks a temporary failure: the step is tried again later.
var ErrRetry = errRetry

// StepExec is a step being executed, as its handler sees it.
type StepExec struct {
	Step    *aftersale.Step
	Journey *journey.Step  // the step as configured
	Facts   *journey.Facts // what the step's condition and templates read
	// Final says this is the step's last attempt: a temporary failure
	// fails it.
	Final bool
	svc   *Service
}

// StepOutcome is what a step handler did, for the pipeline to record.
type StepOutcome struct {
	Status   aftersale.StepStatus // done, skipped or failed
	Note     string
	Messages []*aftersale.Message // the emails sent, recorded with the outcome
	// Write, when set, runs in the transaction that records the outcome,
	// before it, and gives the note (Note is then unused). If the step was
	// finished by someone else meanwhile (its journey exited), nothing of
	// it is written.
	Write func(ctx context.Context, tx aftersale.Tx) (note string, err error)
	// Committed, when set, runs once the outcome is committed.
	Committed func()
}

// Done is the outcome of a step that did its work.
func Done(note string, msgs ...*aftersale.Message) StepOutcome {
	return StepOutcome{Status: aftersale.StepDone, Note: note, Messages: msgs}
}

// Skipped is the outcome of a step that had nothing to do.
func Skipped(note string) StepOutcome {
	return StepOutcome{Status: aftersale.StepSkipped, Note: note}
}

// SendEmail sends the step's email (its template) to each of its
// recipients, as an email step does, and returns the messages to record and
// a note. Recipients sent to before are passed over. extra, when not nil,
// adds to each recipient's template data (a survey's links, an offer's
// code). The error wraps ErrRetry when some recipients should be tried
// again.
// js, when not nil, is the step to send as (a copy of the step with
// another template, say); nil means x.Journey.
func (x *StepExec) SendEmail(ctx context.Context, js *journey.Step, extra EmailExtra) ([]*aftersale.Message, string, error) {
	if js == nil {
		js = x.Journey
	}
	var add emailExtra
	if extra != nil {
		add = func(r recipient, d *email.Data) { extra(r.c, r.isUser, d) }
	}
	return x.svc.sendStepEmail(ctx, x.Step, js, x.Facts, x.Final, add)
}

// EmailExtra adds to the template data of a step's email to one
// recipient: the customer it goes to, and whether they are the order's
// user rather than its buyer.
type EmailExtra func(to *aftersale.Customer, isUser bool, d *email.Data)

// Service is the pipeline the step belongs to, for what a handler needs
// of it beyond the step (the store, the clock, links).
func (x *StepExec) Service() *Service { return x.svc }

// builtinHandlers are the step types this version executes.
func (s *Service) builtinHandlers() map[aftersale.StepType]StepHandler {
	return map[aftersale.StepType]StepHandler{
		aftersale.StepEmail: s.handleEmail,
		aftersale.StepTask:  s.handleTask,
	}
}

// handleEmail sends an email step's email.
func (s *Service) handleEmail(ctx context.Context, x *StepExec) (StepOutcome, error) {
	msgs, note, err := x.SendEmail(ctx, nil, nil)
	return Done(note, msgs...), err
}

// handleTask creates a task step's task, in the transaction that finishes
// the step, so that a journey that exits meanwhile leaves no task behind.
func (s *Service) handleTask(ctx context.Context, x *StepExec) (StepOutcome, error) {
	task, err := s.taskFor(ctx, x.Step, x.Journey, x.Facts)
	if err != nil {
		return StepOutcome{Status: aftersale.StepFailed, Note: "task text: " + err.Error()}, nil
	}
	return StepOutcome{
		Status: aftersale.StepDone,
		Write: func(ctx context.Context, tx aftersale.Tx) (string, error) {
			t, err := tx.TaskCreate(ctx, task)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("task %d created (%s)", t.ID, t.Kind), nil
		},
		Committed: func() {
			if m := s.cfg.Metrics; m != nil {
				m.TasksCreated.WithLabelValues(string(task.Kind)).Inc()
			}
		},
	}, nil
}
