package aftersale

import "time"

// DeadEvent is an event of the inbox that could not be applied while the
// database answered (a poison event: a bug, or input that passed
// validation but not the database), set aside so that the events behind
// it flow on. It waits, unapplied and not recorded among the events, until
// a member retries it (back into the inbox) or discards it.
type DeadEvent struct {
	// Event is the event as the inbox kept it (CustomerEmail and OrderRef
	// are not kept).
	Event StoredEvent
	// Error says why it failed, without personal data.
	Error string
	// Attempts counts the tries of the processing round that set it
	// aside (in its batch, alone, and once more at once); a retry by hand
	// that fails again starts over.
	Attempts int
	// FailedAt is when it was last set aside.
	FailedAt time.Time
}
