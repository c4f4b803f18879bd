package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/aftersale/aftersale"
)

// onAdvance is what a manual clock's Advance runs (see riverRunner.Start):
// the dispatcher, then the features' hooks (Jobs.OnAdvance: the start of
// due broadcasts), as their periodic jobs would in real time. Errors are
// logged; the periodic jobs try again.
func (s *Service) onAdvance(ctx context.Context, jobs []Jobs) {
	if ctx.Err() != nil {
		return
	}
	if _, err := s.Dispatch(ctx); err != nil && ctx.Err() == nil {
		s.log.ErrorContext(ctx, "dispatch after the clock advanced", "err", aftersale.Redact(err))
	}
	for _, j := range jobs {
		if j.OnAdvance != nil && ctx.Err() == nil {
			j.OnAdvance(ctx)
		}
	}
}

// idlePoll is how often WaitIdle looks again.
const idlePoll = 10 * time.Millisecond

// WaitIdle returns when the service has nothing left to do by the clock's
// now: no event waits in the inbox and no step (row or planned) is due and
// unfinished. With a manual clock, that is the moment a test can look at
// what a passing day did, or check that something did not happen. When ctx
// ends first it returns an error that says what was still waiting.
func (s *Service) WaitIdle(ctx context.Context) error {
	for {
		waiting, err := s.busy(ctx)
		if err == nil && waiting == "" {
			return nil
		}
		if !sleepCtx(ctx, idlePoll) {
			if err != nil {
				return fmt.Errorf("engine: not idle: %w", err)
			}
			return fmt.Errorf("engine: not idle: %s", waiting)
		}
	}
}

// busy says what is still to be done by now, or "" when nothing is.
func (s *Service) busy(ctx context.Context) (string, error) {
	evs, err := s.cfg.Store.InboxList(ctx, 1)
	if err != nil {
		return "", err
	}
	if len(evs) > 0 {
		return fmt.Sprintf("event %s waits in the inbox", evs[0].ID), nil
	}
	_, due, err := s.cfg.Store.StepCountPending(ctx, s.cfg.Clock.RealNow())
	if err != nil {
		return "", err
	}
	if due > 0 {
		return fmt.Sprintf("%d steps are due and not finished", due), nil
	}
	return "", nil
}
