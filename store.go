package aftersale

import (
	"context"
	"time"
)

// Store keeps everything aftersale knows. Its methods (the Queries) each run
// in their own transaction; Update runs several in one. Implementations:
// package sqlite (the embedded default) and, later, postgres. Every method is
// covered by the conformance suite in package storetest.
//
// Errors: a missing row is an ENOTFOUND *Error; driver errors are wrapped as
// internal errors and never shown to callers.
type Store interface {
	Queries
	// Update runs fn in one write transaction, committed when fn returns nil
	// and rolled back otherwise. fn must not use the Store itself, only tx.
	Update(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
	// InboxAppend stores events as they are received, to be processed
	// later, in one durable transaction, and reports for each whether it
	// is new. An event is not new when an event with its ID is in the inbox
	// or among the processed events (EventInsert); it is then not stored
	// again. The inbox takes writes while Update transactions run (on
	// SQLite it is a file of its own), so receiving never waits for
	// processing.
	InboxAppend(ctx context.Context, evs []*StoredEvent) (isNew []bool, err error)
	// InboxList returns up to limit events of the inbox, in the order they
	// were received. CustomerEmail and OrderRef are not kept there.
	InboxList(ctx context.Context, limit int) ([]*StoredEvent, error)
	// InboxDelete removes processed events from the inbox; unknown IDs are
	// no error. The processor calls it after the Update that recorded them
	// with EventInsert has committed.
	InboxDelete(ctx context.Context, ids []string) error
	// Dialect names the database: "sqlite" or "postgres".
	Dialect() string
	// Close releases the database.
	Close() error
}

// Tx is a Store transaction. Driver returns the underlying driver
// transaction (*sql.Tx for SQLite, pgx.Tx for PostgreSQL) so that durable
// jobs can be inserted in the same transaction.
type Tx interface {
	Queries
	Driver() any
	// EventLockProcessing makes this transaction the only one processing
	// events until it ends, across every node on the database; it reports
	// false, at once, when another holds it. (SQLite has one writer at a
	// time, so there it always holds.)
	EventLockProcessing(ctx context.Context) (bool, error)
}

// Queries are the data operations, shaped by what the service needs.
// Times are stored with at least microsecond precision and returned in UTC.
type Queries interface {
	// EventInsert stores ev unless an event with the same ID is stored
	// already; inserted reports which. ReceivedAt is set by the caller.
	EventInsert(ctx context.Context, ev *StoredEvent) (inserted bool, err error)
	// EventGet returns the stored event with the ID.
	EventGet(ctx context.Context, id string) (*StoredEvent, error)
	// EventListByCustomer returns the events about the email, oldest first.
	EventListByCustomer(ctx context.Context, email string) ([]*StoredEvent, error)

	// CustomerUpsert creates the contact or merges it into the stored one:
	// non-empty fields overwrite, a non-nil MarketingConsent sets consent.
	// The email is the key (compared lower-case).
	CustomerUpsert(ctx context.Context, c *Contact, now time.Time) (*Customer, error)
	// CustomerGet returns the customer with the ID.
	CustomerGet(ctx context.Context, id int64) (*Customer, error)
	// CustomerGetByEmail returns the customer with the email (any case).
	CustomerGetByEmail(ctx context.Context, email string) (*Customer, error)
	// CustomerSetUnsubscribed sets or clears the unsubscribe of the email;
	// ENOTFOUND if nobody has it.
	CustomerSetUnsubscribed(ctx context.Context, email string, unsubscribed bool, at time.Time) error
	// CustomerSetSuppressed records why the address must get no mail (a
	// hard bounce, a complaint); reason "" lifts it. A new reason replaces
	// the old one but SuppressedAt keeps the first time. ENOTFOUND if nobody
	// has the email.
	CustomerSetSuppressed(ctx context.Context, email, reason string, at time.Time) error

	// OrderUpsert creates the order or updates the stored one with the same
	// ExternalID (replacing its items) and returns it with its ID. Status and
	// the fact times are left as stored on update.
	OrderUpsert(ctx context.Context, o *Order) (*Order, error)
	// OrderGet returns the order with the ID, with its items.
	OrderGet(ctx context.Context, id int64) (*Order, error)
	// OrderGetByExternalID returns the order with the shop's id, with its items.
	OrderGetByExternalID(ctx context.Context, externalID string) (*Order, error)
	// OrderListByCustomer returns the orders bought by or for the customer
	// (as buyer or user), newest first, with their items.
	OrderListByCustomer(ctx context.Context, customerID int64) ([]*Order, error)
	// OrderSetStatus sets the status; for refunded and cancelled it also sets
	// ClosedAt.
	OrderSetStatus(ctx context.Context, id int64, status OrderStatus, at time.Time) error
	// OrderSetUser names the person who uses the order.
	OrderSetUser(ctx context.Context, id int64, userID int64) error
	// OrderMarkAccessed and OrderMarkDelivered record the first time the fact
	// became true; later calls keep the first time. They report whether this
	// call was the first.
	OrderMarkAccessed(ctx context.Context, id int64, at time.Time) (first bool, err error)
	OrderMarkDelivered(ctx context.Context, id int64, at time.Time) (first bool, err error)
	// OrderSetArrival records the customer's answer to "did it arrive in
	// good shape?" (ArrivalYes or ArrivalNo); a later answer replaces it.
	// changed reports whether the stored answer differed.
	OrderSetArrival(ctx context.Context, id int64, answer string, at time.Time) (changed bool, err error)

	// ShipmentUpsert stores the package state keyed by (OrderID,
	// TrackingNumber) and reports whether the status changed (true for a new
	// package).
	ShipmentUpsert(ctx context.Context, s *ShipmentRecord) (changed bool, err error)
	// ShipmentListByOrder returns the packages of an order, oldest first.
	ShipmentListByOrder(ctx context.Context, orderID int64) ([]*ShipmentRecord, error)
	// BookingUpsert stores a session keyed by (OrderID, StartsAt).
	BookingUpsert(ctx context.Context, b *BookingRecord) error
	// BookingListByOrder returns the sessions of an order, earliest first.
	BookingListByOrder(ctx context.Context, orderID int64) ([]*BookingRecord, error)

	// RunCreate starts a journey run unless one for (JourneyID, OrderID,
	// CustomerID) exists; it returns the run either way and whether it was
	// created.
	RunCreate(ctx context.Context, r *JourneyRun) (run *JourneyRun, created bool, err error)
	// RunGet returns the run with the ID.
	RunGet(ctx context.Context, id int64) (*JourneyRun, error)
	// RunListByOrder returns the runs of an order, oldest first.
	RunListByOrder(ctx context.Context, orderID int64) ([]*JourneyRun, error)
	// RunExit marks an active run exited, its pending steps exited and the
	// open tasks its steps created cancelled (outcome "journey exited:
	// REASON"); it returns how many steps it stopped. Exiting an exited run
	// does nothing.
	RunExit(ctx context.Context, id int64, reason string, at time.Time) (stopped int, err error)

	// StepInsert stores new steps, skipping any whose (RunID, Key) exists,
	// and returns the inserted ones with their IDs set.
	StepInsert(ctx context.Context, steps []*Step) ([]*Step, error)
	// StepGet returns the step with the ID.
	StepGet(ctx context.Context, id int64) (*Step, error)
	// StepListByCustomer returns the steps of the customer, by due time.
	StepListByCustomer(ctx context.Context, customerID int64) ([]*Step, error)
	// StepFinish moves a pending step to a final status with a note. It
	// returns EConflict if the step is not pending any more.
	StepFinish(ctx context.Context, id int64, status StepStatus, note string, at time.Time) error
	// StepCountPending counts pending steps, and how many of those are due
	// at or before now (the backlog).
	StepCountPending(ctx context.Context, now time.Time) (pending, due int, err error)
	// StepListDue returns up to limit pending steps due at or before now,
	// earliest first (for the periodic sweep that re-enqueues lost work).
	StepListDue(ctx context.Context, now time.Time, limit int) ([]*Step, error)
	// StepListToEnqueue returns up to limit pending steps that have no
	// job yet and are due at or before before, earliest first. On a server
	// database, rows listed inside a transaction are locked against other
	// transactions listing them (SKIP LOCKED), so dispatchers on several
	// nodes never take the same step.
	StepListToEnqueue(ctx context.Context, before time.Time, limit int) ([]*Step, error)
	// StepMarkEnqueued records that the steps have their jobs.
	StepMarkEnqueued(ctx context.Context, ids []int64) error
	// StepResetEnqueued marks every pending step as having no job (after a
	// copy into a database whose queue is empty) and says how many.
	StepResetEnqueued(ctx context.Context) (int, error)
	// StepListPending returns up to limit pending steps with an ID above
	// afterID, by ID (for paging through all of them, e.g. to enqueue them
	// again after a copy to another database).
	StepListPending(ctx context.Context, afterID int64, limit int) ([]*Step, error)

	// MessageBegin records an attempt to send: it creates the message for
	// (StepID, Recipient) in status sending, or returns the stored one with
	// Attempts increased (unless it is final: sent, failed or suppressed, in
	// which case it is returned unchanged). created reports which.
	MessageBegin(ctx context.Context, m *Message) (msg *Message, created bool, err error)
	// MessageFinish sets the final status, error text and sent time.
	MessageFinish(ctx context.Context, id int64, status MessageStatus, errText string, at time.Time) error
	// MessageGetByMessageID returns the message with the RFC 5322
	// Message-ID (angle brackets included); ENOTFOUND if none.
	MessageGetByMessageID(ctx context.Context, messageID string) (*Message, error)
	// MessageMarkOpened records that the message with the RFC 5322
	// Message-ID (angle brackets included) was opened at at. The first open
	// is kept: first reports whether this was it. ENOTFOUND if there is no
	// such message.
	MessageMarkOpened(ctx context.Context, messageID string, at time.Time) (first bool, err error)
	// MessageListByCustomer returns the messages to the customer, oldest first.
	MessageListByCustomer(ctx context.Context, customerID int64) ([]*Message, error)
	// MessageCountByStatus counts all messages per status.
	MessageCountByStatus(ctx context.Context) (map[MessageStatus]int, error)

	// OrderList returns the orders placed in [from, to) (zero times: no
	// bound), with their items, oldest first; for reports.
	OrderList(ctx context.Context, from, to time.Time) ([]*Order, error)

	// SurveyAnswerSave stores the answer, replacing the one with the same
	// (order, kind, quality, subject); it returns the stored answer.
	SurveyAnswerSave(ctx context.Context, a *SurveyAnswer) (*SurveyAnswer, error)
	// SurveyAnswerList returns the answers matching the filter, oldest
	// first.
	SurveyAnswerList(ctx context.Context, f AnswerFilter) ([]*SurveyAnswer, error)

	// PlanSave stores the success plan of an order, replacing the stored
	// one (one plan per order).
	PlanSave(ctx context.Context, p *SuccessPlan) error
	// PlanGet returns the success plan of the order; ENOTFOUND if none.
	PlanGet(ctx context.Context, orderID int64) (*SuccessPlan, error)
	// CheckInAdd stores a new check-in and returns it with its ID.
	CheckInAdd(ctx context.Context, c *CheckIn) (*CheckIn, error)
	// CheckInList returns the check-ins of the order, oldest first.
	CheckInList(ctx context.Context, orderID int64) ([]*CheckIn, error)

	// MemberCreate stores a new team member; ECONFLICT when the email (any
	// case) is a member's already.
	MemberCreate(ctx context.Context, m *Member) (*Member, error)
	// MemberGet returns the member with the ID.
	MemberGet(ctx context.Context, id int64) (*Member, error)
	// MemberGetByEmail returns the member with the email (any case).
	MemberGetByEmail(ctx context.Context, email string) (*Member, error)
	// MemberList returns every member, oldest first.
	MemberList(ctx context.Context) ([]*Member, error)
	// MemberUpdate stores the member's name, role, password hash and SMTP
	// URL; ENOTFOUND when there is no such member.
	MemberUpdate(ctx context.Context, m *Member) error

	// SessionFind returns the data of an unexpired session; found is false
	// for an unknown or expired token.
	SessionFind(ctx context.Context, token string, now time.Time) (data []byte, found bool, err error)
	// SessionCommit stores (or replaces) a session.
	SessionCommit(ctx context.Context, s *Session) error
	// SessionDelete removes a session; an unknown token is no error.
	SessionDelete(ctx context.Context, token string) error
	// SessionPurge removes the sessions expired before now and says how many.
	SessionPurge(ctx context.Context, now time.Time) (int, error)

	// MessageListRecent returns the latest messages of every customer,
	// newest first (the admin UI's outbox).
	MessageListRecent(ctx context.Context, limit int) ([]*Message, error)

	// TaskCreate stores a new task (at most one per StepID when StepID is
	// set: a second create for the same step returns the first task).
	TaskCreate(ctx context.Context, t *Task) (*Task, error)
	// TaskGet returns the task with the ID.
	TaskGet(ctx context.Context, id int64) (*Task, error)
	// TaskList returns tasks matching the filter, by due time.
	TaskList(ctx context.Context, f TaskFilter) ([]*Task, error)
	// TaskComplete closes an open task with an outcome and note, done by
	// the member with the email doneBy; EConflict if it is not open.
	TaskComplete(ctx context.Context, id int64, outcome, note, doneBy string, at time.Time) (*Task, error)

	// ReturnCreate stores a new return unless one with its EventID exists;
	// it returns the return either way and whether it was created.
	ReturnCreate(ctx context.Context, r *Return) (ret *Return, created bool, err error)
	// ReturnGet returns the return with the ID.
	ReturnGet(ctx context.Context, id int64) (*Return, error)
	// ReturnGetByEventID returns the return opened by the event.
	ReturnGetByEventID(ctx context.Context, eventID string) (*Return, error)
	// ReturnList returns the returns matching the filter, newest first.
	ReturnList(ctx context.Context, f ReturnFilter) ([]*Return, error)
	// ReturnSetStatus moves the return from status from to status to,
	// done by the member with the email by; ECONFLICT when it is not in
	// from any more (somebody else moved it first).
	ReturnSetStatus(ctx context.Context, id int64, from, to ReturnStatus, by string, at time.Time) (*Return, error)

	// SecretGet returns the named secret, creating it with gen the first time
	// (the signing key of customer links, say). Concurrent first calls agree.
	SecretGet(ctx context.Context, name string, gen func() []byte) ([]byte, error)
}
