package engine

import (
	"context"
	"fmt"
	"sync"

	"github.com/aftersale/aftersale"
)

// DefaultHandOvers is how many emails may be handed to the Mailer and not
// yet recorded when Config.HandOvers is 0: the SMTP pool's default
// connections.
const DefaultHandOvers = 8

// An email handed to the Mailer is recorded as soon as the Mailer returns,
// in a commit of its own (shared with the others waiting, see batcher, but
// without the step outcomes' linger: its slot waits for it), before the
// step it belongs to finishes. The slots bound the emails
// between the two: taken before the hand-off, freed when the record
// commits. A crash (kill -9) loses at most the records of the emails
// holding a slot, so it resends at most Config.HandOvers emails (one per
// SMTP connection when it matches the pool), each with its Message-ID,
// whatever the number of jobs running. The step's own record writes the
// message again, which leaves it as it is (MessageRecord): if the early
// record failed, the step's record still keeps it.

// handOver takes a hand-off slot, waiting for one while ctx allows; the
// function it returns frees it.
func (s *Service) handOver(ctx context.Context) (release func(), err error) {
	select {
	case s.handovers <- struct{}{}:
		return func() { <-s.handovers }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %v", errRetry, ctx.Err())
	}
}

// sendHolding hands m to the Mailer while holding the hand-off slot that
// release frees. If Send panics (a bug; the job runner recovers it), the
// slot is freed before the panic goes on: a slot lost per panic would in
// the end stop all mail.
func (s *Service) sendHolding(ctx context.Context, m *aftersale.Email, release func()) error {
	returned := false
	defer func() {
		if !returned {
			release()
		}
	}()
	err := s.cfg.Mailer.Send(ctx, m)
	returned = true
	return err
}

// recordHandedOver records msg, just handed to the Mailer, at once, and
// frees its slot (release) once the record is committed or has failed. It
// does not wait: the job goes on meanwhile. A failed record is logged; the
// step's record writes the message again.
func (s *Service) recordHandedOver(ctx context.Context, msg *aftersale.Message, release func()) {
	s.commitHandedOver(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		// A customer erased meanwhile (by another node, whose erase
		// gate this send did not hold) is not written again: the
		// erase has removed their address, and their steps are over.
		return writeMessages(ctx, tx, []*aftersale.Message{msg}, true)
	}, release, func(ctx context.Context, err error) {
		if err != nil {
			s.log.WarnContext(ctx, "early record of a sent email failed; the step's record keeps it",
				"step_id", msg.StepID, "message_id", msg.MessageID, "err", aftersale.Redact(err))
		}
	})
}

// commitHandedOver commits fn, the record of an email just handed to the
// Mailer, at once in the lazy committer, and frees the email's slot
// (release) once it is committed or has failed; then it calls done with
// the commit's error. It does not wait. The journey steps' emails
// (recordHandedOver) and the feature packages' (HandOff.Record: the
// broadcasts') share it, and so the slots.
func (s *Service) commitHandedOver(ctx context.Context, fn txFunc, release func(), done func(ctx context.Context, err error)) {
	// Mail already handed over must be recorded even if the job's context
	// ends now (a timeout, a shutdown): otherwise it would be sent again.
	ctx = context.WithoutCancel(ctx)
	enqueue, cancel := context.WithTimeout(ctx, recordWait)
	defer cancel()
	wait := s.handed.submit(enqueue, fn)
	go func() {
		var err error
		defer func() {
			release()
			done(ctx, err)
		}()
		ctx, cancel := context.WithTimeout(ctx, recordWait)
		defer cancel()
		_, err = wait(ctx)
	}()
}

// A HandOff is a hand-off slot held for one email that a feature package
// sends outside the journey steps (a broadcast's message). The slots are
// the steps' emails' too, so that a crash resends at most
// Config.HandOvers emails of all kinds. Take one with TakeHandOff, hand
// the email over with Send, then either Record its outcome (the slot is
// freed once the record is committed) or, when nothing was handed over,
// Release it.
type HandOff struct {
	s       *Service
	release func() // frees the slot, once
}

// TakeHandOff waits for a hand-off slot while ctx allows; when ctx ends
// first, the error wraps ErrRetry and no slot is held.
func (s *Service) TakeHandOff(ctx context.Context) (*HandOff, error) {
	release, err := s.handOver(ctx)
	if err != nil {
		return nil, err
	}
	var once sync.Once
	return &HandOff{s: s, release: func() { once.Do(release) }}, nil
}

// Send hands m to the Mailer. If the Mailer panics, the slot is freed
// before the panic goes on.
func (h *HandOff) Send(ctx context.Context, m *aftersale.Email) error {
	return h.s.sendHolding(ctx, m, h.release)
}

// Release frees the slot of an email that was not handed over (it failed
// for a while and is tried again later). Once the slot is freed, by
// Release or Record, a second Release does nothing.
func (h *HandOff) Release() { h.release() }

// Record commits fn, the record of the email just handed over, at once,
// in the lazy committer shared with the journey steps' early records, even
// when ctx ends (mail handed over must be recorded, or it would be sent
// again). Once the record is committed or has failed, it frees the slot
// and calls done with the commit's error. It does not wait.
func (h *HandOff) Record(ctx context.Context, fn func(ctx context.Context, tx aftersale.Tx) error, done func(ctx context.Context, err error)) {
	h.s.commitHandedOver(ctx, fn, h.release, done)
}
