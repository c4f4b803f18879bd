package engine

// The engine's end of privacy (package privacy exports and erases a
// customer): what only the pipeline can do for an erase — process the
// inbox, and run the erase's transaction with the event processing lock
// and the erase gate held. The Service satisfies privacy.Pipeline.

import (
	"context"
	"errors"
	"sync"

	"github.com/aftersale/aftersale"
)

// eraseGate keeps the work that reads a customer and then writes what it
// read — an email step (an .eml file in the outbox, a message record), a
// task's text, a personal email, a broadcast message — from overlapping an
// erase on this node: such work enters the gate (shared), and Exclusive
// holds it (exclusive) while an erase runs, so work that began before has
// finished (and its traces are erased with the rest) and work that begins
// after reads the erased customer. Work on other nodes (PostgreSQL) and in
// other processes (the CLI next to a running service) is not held back.
type eraseGate struct{ mu sync.RWMutex }

// enter enters the gate and returns the function that leaves it:
// defer s.gate.enter()().
func (g *eraseGate) enter() func() {
	g.mu.RLock()
	return g.mu.RUnlock
}

// ProcessPending processes the events waiting in the inbox, as the
// processor does, until it is empty or another node holds the processing
// lock. Without a job runner attached (NewRunner) it does nothing: events
// cannot be applied then.
func (s *Service) ProcessPending(ctx context.Context) error {
	if s.enqueuer == nil {
		return nil
	}
	_, err := s.ProcessInbox(ctx, nil)
	return err
}

// Exclusive runs fn in one store transaction that holds the event
// processing lock (no event is applied meanwhile, on any node) while the
// erase gate is held (no send on this node reads a customer meanwhile: the
// sends in flight finish first, new ones wait). ran is false, at once and
// with fn not run, when another node holds the processing lock; the
// caller tries again later. fn must use only tx.
func (s *Service) Exclusive(ctx context.Context, fn func(ctx context.Context, tx aftersale.Tx) error) (ran bool, err error) {
	s.gate.mu.Lock()
	defer s.gate.mu.Unlock()
	err = s.updateLockedOnce(ctx, fn)
	if errors.Is(err, errNotOurTurn) {
		return false, nil
	}
	return true, err
}
