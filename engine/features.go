package engine

// What the feature packages beside the pipeline (package broadcast, say)
// use of it beyond the step handlers: their own River jobs (Jobs, and
// InsertJobTx to enqueue one in a store transaction), the erase gate
// (HoldErase), the hand-off slots (TakeHandOff, handover.go), a
// customer's lifecycle stage and the consent rules.

import (
	"context"
	"fmt"
	"strings"

	"github.com/riverqueue/river"

	"github.com/aftersale/aftersale"
)

// Jobs is what a feature package adds to the job runner
// (RunnerConfig.Jobs). Every field may be nil.
type Jobs struct {
	// Register adds the feature's workers (river.AddWorkerSafely).
	Register func(w *river.Workers) error
	// Periodic are the feature's periodic jobs.
	Periodic []*river.PeriodicJob
	// OnAdvance runs on each Advance of a manual clock, after the
	// dispatcher and before Advance returns, as the feature's periodic
	// jobs would in real time.
	OnAdvance func(ctx context.Context)
	// Stop runs as the runner stops, before its workers are stopped: it
	// tells long jobs to stop after the work in hand.
	Stop func()
}

// jobInserter inserts a feature's job in a store transaction; the River
// runner implements it per database driver.
type jobInserter interface {
	insertJobTx(ctx context.Context, tx aftersale.Tx, args river.JobArgs, opts *river.InsertOpts) error
}

// InsertJobTx inserts a feature's job (its worker registered through
// RunnerConfig.Jobs) in the store transaction tx, so that the job exists
// exactly when tx commits, on either database.
func (s *Service) InsertJobTx(ctx context.Context, tx aftersale.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	ji, ok := s.enqueuer.(jobInserter)
	if !ok {
		return fmt.Errorf("engine: no job runner attached")
	}
	return ji.insertJobTx(ctx, tx, args, opts)
}

// insertJobTx inserts the job in tx, whose driver transaction must be the
// runner's.
func (r *riverRunner[TTx]) insertJobTx(ctx context.Context, tx aftersale.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	driverTx, err := r.driverTx(tx)
	if err != nil {
		return fmt.Errorf("engine: job transaction: %w", err)
	}
	_, err = r.client.InsertTx(ctx, driverTx, args, opts)
	return err
}

// HoldErase keeps an erase on this node (Exclusive) from running until
// release is called, as the journey steps' sends do: hold it from reading
// a customer to recording what was sent them, so that an erase either
// finds the record (and erases it with the rest) or comes before the read.
func (s *Service) HoldErase() (release func()) { return s.gate.enter() }

// Stages are the lifecycle stages of a customer (see CustomerStage), in
// the order of the way from contact to loyal customer; a broadcast's
// segment may choose any.
var Stages = []string{"contact", "purchased", "onboarded", "engaged", "satisfied", "loyal", "refunded"}

// CustomerStage is the customer's lifecycle stage, by the rule of the
// customer view (one of Stages).
func (s *Service) CustomerStage(ctx context.Context, c *aftersale.Customer) (string, error) {
	st := s.cfg.Store
	orders, err := st.OrderListByCustomer(ctx, c.ID)
	if err != nil || len(orders) == 0 {
		return "contact", err
	}
	tasks, err := st.TaskList(ctx, aftersale.TaskFilter{CustomerID: c.ID})
	if err != nil {
		return "", err
	}
	answers, err := st.SurveyAnswerList(ctx, aftersale.AnswerFilter{CustomerID: c.ID})
	if err != nil {
		return "", err
	}
	return aftersale.CustomerStage(orders, tasks, answers, c.ID), nil
}

// Suppressed says why a message of the category must not go to c, or ""
// (erased, bounced, complained, unsubscribed, no marketing consent), by
// the rule the journey steps' emails follow.
func Suppressed(cat aftersale.Category, c *aftersale.Customer) string { return suppressed(cat, c) }

// mailDomain is the domain of the sender, for Message-IDs.
func (s *Service) mailDomain() string {
	if at := strings.LastIndexByte(s.cfg.From.Email, '@'); at >= 0 {
		return s.cfg.From.Email[at+1:]
	}
	return "aftersale.local"
}
