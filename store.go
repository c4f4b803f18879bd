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
	InboxStore
	DeadEventStore
	// Update runs fn in one write transaction, committed when fn returns nil
	// and rolled back otherwise. fn must not use the Store itself, only tx.
	Update(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
	// UpdateLazy is Update whose commit does not wait for the disk: it
	// survives the process's crash (kill -9), but a crash of the machine
	// or of the database server may undo it (SQLite commits it with
	// synchronous=NORMAL, PostgreSQL with synchronous_commit off). It is
	// for records whose loss costs a repeat, not data: an email recorded
	// as handed over, which would otherwise be sent twice.
	UpdateLazy(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
	// Scrub rewrites the database files so that deleted and overwritten
	// data is gone from them, not only unreachable (after CustomerErase):
	// VACUUM and a truncating WAL checkpoint on SQLite, VACUUM on
	// PostgreSQL.
	Scrub(ctx context.Context) error
	// Dialect names the database: "sqlite" or "postgres".
	Dialect() string
	// Close releases the database.
	Close() error
}

// InboxStore is the durable inbox: events received and not yet applied
// (on SQLite a database file of its own).
type InboxStore interface {
	// InboxAppend stores events as they are received, to be processed
	// later, in one durable transaction, and reports for each whether it
	// is new. An event is not new when an event with its ID is in the inbox,
	// among the processed events (EventInsert) or among the events set
	// aside (DeadEventPut); it is then not stored again. The inbox takes writes while Update transactions run (on
	// SQLite it is a file of its own), so receiving never waits for
	// processing.
	InboxAppend(ctx context.Context, evs []*StoredEvent) (isNew []bool, err error)

	// InboxAppendReturn is the door of returns (returns_pending.go in
	// sqlite and postgres): it stores ev, a return.requested event about
	// the order with the external ID orderRef, in the inbox as InboxAppend
	// stores one event, if check allows it, holding a lock that every
	// InboxAppendReturn of the same orderRef takes, on every node: two
	// checks of one order never overlap, and each sees the events the
	// others stored. isNew is false, check is not called and nothing is
	// stored when the event is known (as InboxAppend says it). check gets
	// q, which reads the committed data (on PostgreSQL in the lock's
	// transaction, so that it needs no other connection), and pending: the
	// return.requested events of every order waiting in the inbox and not
	// among the processed events, in the order InboxList gives them. An
	// error of check is returned as it is and nothing is stored. check may
	// change ev, all but its ID (a later ReceivedAt puts it behind the
	// pending events).
	InboxAppendReturn(ctx context.Context, orderRef string, ev *StoredEvent, check func(ctx context.Context, q Queries, pending []*StoredEvent) error) (isNew bool, err error)

	// InboxList returns up to limit events of the inbox, in the order they
	// were received. CustomerEmail and OrderRef are not kept there.
	InboxList(ctx context.Context, limit int) ([]*StoredEvent, error)

	// InboxDelete removes processed events from the inbox; unknown IDs are
	// no error. The processor calls it after the Update that recorded them
	// with EventInsert has committed.
	InboxDelete(ctx context.Context, ids []string) error

	// EventPayload returns the payload stored for the event ID wherever
	// the event is: in the inbox, among the events set aside, or among the
	// processed events (with {"erased":true} once a customer it named was
	// erased); found is false when there is none. Ingest compares it with
	// a new event of the same ID.
	EventPayload(ctx context.Context, id string) (payload []byte, found bool, err error)
}

// DeadEventStore holds the events set aside: received, but they could not
// be applied (see engine/deadletter.go).
type DeadEventStore interface {
	// DeadEventPut sets an event of the inbox aside: it stores ev (an event
	// set aside already, by a put repeated, takes the new error and time
	// and its Attempts are added up) and
	// removes the event from the inbox, in one transaction of the database
	// that holds both (on SQLite the inbox file). The event is not recorded
	// among the processed events, so that it can be retried.
	DeadEventPut(ctx context.Context, ev *DeadEvent) error

	// DeadEventList returns up to limit events set aside, the latest
	// failure first.
	DeadEventList(ctx context.Context, limit int) ([]*DeadEvent, error)

	// DeadEventCount counts the events set aside.
	DeadEventCount(ctx context.Context) (int, error)

	// DeadEventRetry moves the event set aside with the ID back into the
	// inbox (unless an event with its ID waits there already), in one
	// transaction; ENOTFOUND if there is none.
	DeadEventRetry(ctx context.Context, id string) error

	// DeadEventDiscard deletes the event set aside with the ID; ENOTFOUND
	// if there is none.
	DeadEventDiscard(ctx context.Context, id string) error
}

// Tx is a Store transaction. The driver transaction underneath (*sql.Tx
// for SQLite, pgx.Tx for PostgreSQL), in which durable jobs are inserted
// so that they commit with it, is reached through the dialect package's
// typed DriverTx (sqlite.DriverTx, postgres.DriverTx), not through Tx.
type Tx interface {
	Queries
	// EventLockProcessing makes this transaction the only one processing
	// events until it ends, across every node on the database; it reports
	// false, at once, when another holds it. (SQLite has one writer at a
	// time, so there it always holds.)
	EventLockProcessing(ctx context.Context) (bool, error)
	// MemberLockOwners returns the active owners, oldest first, locked
	// until the transaction ends: no other transaction changes or locks
	// them meanwhile, so that a check that another active owner remains
	// and the change it allows are one step. PostgreSQL locks the rows
	// FOR UPDATE (a transaction that waited gets them as the other left
	// them); SQLite runs one write transaction at a time.
	MemberLockOwners(ctx context.Context) ([]*Member, error)
}

// Queries are the data operations, shaped by what the service needs: the
// per-concern interfaces below, so that a package can ask for only the
// ones it uses. Times are stored with at least microsecond precision and
// returned in UTC.
type Queries interface {
	EventQueries
	CustomerQueries
	OrderQueries
	JourneyQueries
	MessageQueries
	SurveyQueries
	TeamQueries
	TaskQueries
	ReturnQueries
	InsiderQueries
	BroadcastQueries
}

// EventQueries read and write the applied events.
type EventQueries interface {
	// EventInsert stores ev unless an event with the same ID is stored
	// already; inserted reports which. ReceivedAt is set by the caller.
	EventInsert(ctx context.Context, ev *StoredEvent) (inserted bool, err error)

	// EventGet returns the stored event with the ID.
	EventGet(ctx context.Context, id string) (*StoredEvent, error)

	// EventListByCustomer returns the events about the email, oldest first.
	EventListByCustomer(ctx context.Context, email string) ([]*StoredEvent, error)
}

// CustomerQueries read and write customers: contact, consent, suppression, erasure.
type CustomerQueries interface {
	// CustomerUpsert creates the contact or merges it into the stored one:
	// non-empty fields overwrite, a non-nil MarketingConsent sets consent —
	// except that false does not withdraw consent the customer confirmed
	// themselves (CustomerSetConsent; a shop's "not subscribed" at checkout
	// is no withdrawal).
	// The email is the key (compared lower-case).
	CustomerUpsert(ctx context.Context, c *Contact, now time.Time) (*Customer, error)

	// CustomerGet returns the customer with the ID.
	CustomerGet(ctx context.Context, id int64) (*Customer, error)

	// CustomerGetMany returns the customers with the IDs, in no particular
	// order; IDs without a customer are left out (no error).
	CustomerGetMany(ctx context.Context, ids []int64) ([]*Customer, error)

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

	// CustomerSetConsent sets or withdraws the marketing consent of the
	// customer (double opt-in, the preferences page); ENOTFOUND if none.
	CustomerSetConsent(ctx context.Context, id int64, consent bool, at time.Time) error

	// CustomerErase removes the personal data of the customer everywhere
	// it is kept: the customer's email becomes "erased-ID@erased.invalid",
	// name, phone and time zone are cleared; the payloads of the events
	// about them, the addresses, subjects and bodies of their messages, the
	// texts of their tasks, survey comments, plans, check-ins, returns'
	// comments and broadcast messages are cleared or replaced; the events
	// set aside that mention the address are discarded. Anonymous
	// facts stay (orders, items, statuses, times, counts). ENOTFOUND if
	// there is no such customer.
	CustomerErase(ctx context.Context, id int64, at time.Time) error
}

// OrderQueries read and write orders, their packages and bookings.
type OrderQueries interface {
	// OrderUpsert creates the order or updates the stored one with the same
	// ExternalID (replacing its items) and returns it with its ID. Status and
	// the fact times are left as stored on update.
	OrderUpsert(ctx context.Context, o *Order) (*Order, error)

	// OrderGet returns the order with the ID, with its items.
	OrderGet(ctx context.Context, id int64) (*Order, error)

	// OrderGetMany returns the orders with the IDs, each with its items as
	// OrderGet gives them, in no particular order; IDs without an order are
	// left out (no error).
	OrderGetMany(ctx context.Context, ids []int64) ([]*Order, error)

	// OrderGetByExternalID returns the order with the shop's id, with its items.
	OrderGetByExternalID(ctx context.Context, externalID string) (*Order, error)

	// OrderGetByNumber returns the newest order with the number the buyer
	// knows (Order.Number, "#1001"), with its items; ENOTFOUND for none.
	OrderGetByNumber(ctx context.Context, number string) (*Order, error)

	// OrderSetRefunded records what has been refunded on the order so far
	// (it replaces what was recorded); the status is OrderSetStatus's.
	OrderSetRefunded(ctx context.Context, id int64, r Refunded) error

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

	// ShipmentListByOrders returns the packages of the orders: per order
	// as ShipmentListByOrder gives them, the orders one after another.
	ShipmentListByOrders(ctx context.Context, orderIDs []int64) ([]*ShipmentRecord, error)

	// BookingUpsert stores a session keyed by (OrderID, StartsAt).
	BookingUpsert(ctx context.Context, b *BookingRecord) error

	// BookingListByOrder returns the sessions of an order, earliest first.
	BookingListByOrder(ctx context.Context, orderID int64) ([]*BookingRecord, error)

	// BookingListByOrders returns the sessions of the orders: per order as
	// BookingListByOrder gives them, the orders one after another.
	BookingListByOrders(ctx context.Context, orderIDs []int64) ([]*BookingRecord, error)

	// OrderList returns the orders placed in [from, to) (zero times: no
	// bound), with their items, oldest first; for reports.
	OrderList(ctx context.Context, from, to time.Time) ([]*Order, error)
}

// JourneyQueries read and write the pipeline's runs, steps and step plans.
type JourneyQueries interface {
	// RunCreate starts a journey run unless one for (JourneyID, OrderID,
	// CustomerID) exists; it returns the run either way and whether it was
	// created.
	RunCreate(ctx context.Context, r *JourneyRun) (run *JourneyRun, created bool, err error)

	// RunGet returns the run with the ID.
	RunGet(ctx context.Context, id int64) (*JourneyRun, error)

	// RunGetMany returns the runs with the IDs, in no particular order; IDs
	// without a run are left out (no error).
	RunGetMany(ctx context.Context, ids []int64) ([]*JourneyRun, error)

	// RunListByOrder returns the runs of an order, oldest first.
	RunListByOrder(ctx context.Context, orderID int64) ([]*JourneyRun, error)

	// RunStartsSince maps each order whose first journey run started at or
	// after since to when that run started; orders whose first run started
	// before since, and runs without an order, are left out. One query: the
	// refund-risk check reads it instead of each order's runs.
	RunStartsSince(ctx context.Context, since time.Time) (map[int64]time.Time, error)

	// RunExit marks an active run exited, its pending steps exited (the
	// steps of its plans too: they become rows with status exited, and the
	// plans are deleted) and the open tasks its steps created cancelled
	// (outcome "journey exited: REASON"); it returns how many steps it
	// stopped. Exiting an exited run does nothing.
	RunExit(ctx context.Context, id int64, reason string, at time.Time) (stopped int, err error)

	// StepInsert stores new steps, skipping any whose (RunID, Key) exists,
	// and returns the inserted ones with their IDs set.
	StepInsert(ctx context.Context, steps []*Step) ([]*Step, error)

	// StepPlanInsert stores a new step plan (its Steps not empty, earliest
	// due first) and sets its ID.
	StepPlanInsert(ctx context.Context, plan *StepPlan) error

	// StepPlanListDue returns up to limit plans of active runs whose next
	// step is due at or before before, earliest first. On a server
	// database the plans listed inside a transaction are locked against
	// other transactions listing them (SKIP LOCKED).
	StepPlanListDue(ctx context.Context, before time.Time, limit int) ([]*StepPlan, error)

	// StepPlanAdvance keeps only rest in the plan, or deletes the plan when
	// rest is empty.
	StepPlanAdvance(ctx context.Context, id int64, rest []PlannedStep) error

	// StepPlanListByCustomer returns the plans of the customer, oldest
	// first.
	StepPlanListByCustomer(ctx context.Context, customerID int64) ([]*StepPlan, error)

	// StepGet returns the step with the ID.
	StepGet(ctx context.Context, id int64) (*Step, error)

	// StepGetMany returns the steps with the IDs, in no particular order;
	// IDs without a step are left out (no error).
	StepGetMany(ctx context.Context, ids []int64) ([]*Step, error)

	// StepListByCustomer returns the steps of the customer, by due time.
	StepListByCustomer(ctx context.Context, customerID int64) ([]*Step, error)

	// StepFinish moves a pending step to a final status with a note. It
	// returns EConflict if the step is not pending any more.
	StepFinish(ctx context.Context, id int64, status StepStatus, note string, at time.Time) error

	// StepCountPending counts pending steps, those of plans included, and
	// how many of those are due at or before now (the backlog; a plan whose
	// next step is due counts as one, as the dispatcher makes rows of its
	// steps an hour ahead).
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
}

// MessageQueries read and write the emails sent.
type MessageQueries interface {
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

	// MessageListByMessageIDs returns the messages with any of the RFC
	// 5322 Message-IDs, in no particular order (none for an ID not found).
	MessageListByMessageIDs(ctx context.Context, messageIDs []string) ([]*Message, error)

	// MessageRecord records a send attempt that has ended, in one go: what
	// MessageBegin followed by MessageFinish(m.Status, m.Error, m.SentAt)
	// does. m.Status must be final. For a step's message (StepID set) whose
	// (StepID, Recipient) already has a final record, nothing changes and
	// recorded is false; a record in status sending is finished (Attempts
	// increased). Otherwise the message is created with Attempts 1.
	MessageRecord(ctx context.Context, m *Message) (recorded bool, err error)

	// MessageMarkOpened records that the message with the RFC 5322
	// Message-ID (angle brackets included) was opened at at. The first open
	// is kept: first reports whether this was it. ENOTFOUND if there is no
	// such message.
	MessageMarkOpened(ctx context.Context, messageID string, at time.Time) (first bool, err error)

	// MessageListByCustomer returns the messages to the customer, oldest first.
	MessageListByCustomer(ctx context.Context, customerID int64) ([]*Message, error)

	// MessageCountByStatus counts all messages per status.
	MessageCountByStatus(ctx context.Context) (map[MessageStatus]int, error)

	// MessageListRecent returns the latest messages of every customer,
	// newest first (the admin UI's outbox).
	MessageListRecent(ctx context.Context, limit int) ([]*Message, error)
}

// SurveyQueries read and write survey answers, success plans and check-ins.
type SurveyQueries interface {
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
}

// TeamQueries read and write the team: members, settings and login sessions.
type TeamQueries interface {
	SessionQueries

	// MemberCreate stores a new team member; ECONFLICT when the email (any
	// case) is a member's already.
	MemberCreate(ctx context.Context, m *Member) (*Member, error)

	// MemberGet returns the member with the ID.
	MemberGet(ctx context.Context, id int64) (*Member, error)

	// MemberGetByEmail returns the member with the email (any case).
	MemberGetByEmail(ctx context.Context, email string) (*Member, error)

	// MemberList returns every member, oldest first.
	MemberList(ctx context.Context) ([]*Member, error)

	// MemberUpdate stores the member's name, role, password hash, SMTP
	// URL and deactivation time, and raises the session epoch to
	// m.SessionEpoch (it never lowers it); ENOTFOUND when there is no such
	// member.
	MemberUpdate(ctx context.Context, m *Member) error

	// SettingGet returns the value of an install-wide setting (see
	// SettingAllowPrivateSMTP); "" when it was never set.
	SettingGet(ctx context.Context, name string) (string, error)

	// SettingSet stores the value of a setting, replacing the old one.
	SettingSet(ctx context.Context, name, value string) error

	// SecretGet returns the named secret, creating it with gen the first time
	// (the signing key of customer links, say). Concurrent first calls agree.
	SecretGet(ctx context.Context, name string, gen func() []byte) ([]byte, error)
}

// SessionQueries keep the admin UI's login sessions.
type SessionQueries interface {
	// SessionFind returns the data of an unexpired session; found is false
	// for an unknown or expired token.
	SessionFind(ctx context.Context, token string, now time.Time) (data []byte, found bool, err error)

	// SessionCommit stores (or replaces) a session.
	SessionCommit(ctx context.Context, s *Session) error

	// SessionDelete removes a session; an unknown token is no error.
	SessionDelete(ctx context.Context, token string) error

	// SessionPurge removes the sessions expired before now and says how many.
	SessionPurge(ctx context.Context, now time.Time) (int, error)
}

// TaskQueries read and write the team's tasks.
type TaskQueries interface {
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
}

// ReturnQueries read and write returns.
type ReturnQueries interface {
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
}

// InsiderQueries read and write the insiders' coupons, referrals and stories.
type InsiderQueries interface {
	// CouponIssue stores a generated code for a customer. A code for the
	// same (StepID, CustomerID) when StepID is set is returned instead of a
	// new one (created false). ECONFLICT when the code exists (the caller
	// generates another).
	CouponIssue(ctx context.Context, c *Coupon) (coupon *Coupon, created bool, err error)

	// CouponImport adds codes created in the shop to the named pool,
	// skipping codes that exist; it says how many it added.
	CouponImport(ctx context.Context, pool string, codes []string, percentOff int, expiresAt, at time.Time) (added int, err error)

	// CouponTakeFromPool gives an unused code of the pool to c.CustomerID
	// for c.Purpose and c.StepID, atomically (two takers never get the same
	// code); a code given for the same (StepID, CustomerID) is returned
	// again. ENOTFOUND when the pool has no unused code.
	CouponTakeFromPool(ctx context.Context, pool string, c *Coupon) (*Coupon, error)

	// CouponPoolAvailable counts the unused codes of a pool.
	CouponPoolAvailable(ctx context.Context, pool string) (int, error)

	// CouponGetByCode returns the coupon with the code (any case).
	CouponGetByCode(ctx context.Context, code string) (*Coupon, error)

	// CouponRedeem records that the order named the code: the first time
	// sets RedeemedAt and RedeemedOrderID (first true); every time counts a
	// redemption, except the same order again. ENOTFOUND for an unknown
	// code.
	CouponRedeem(ctx context.Context, code string, orderID int64, at time.Time) (c *Coupon, first bool, err error)

	// CouponList returns the coupons matching the filter, oldest first.
	CouponList(ctx context.Context, f CouponFilter) ([]*Coupon, error)

	// ReferralCodeEnsure gives the customer the code unless they have one
	// already, and returns the customer's code; ECONFLICT when another
	// customer has the code (the caller generates another).
	ReferralCodeEnsure(ctx context.Context, customerID int64, code string, at time.Time) (*ReferralCode, error)

	// ReferralCodeGet returns the referral code (any case).
	ReferralCodeGet(ctx context.Context, code string) (*ReferralCode, error)

	// ReferralCodeOf returns the customer's referral code; ENOTFOUND if none.
	ReferralCodeOf(ctx context.Context, customerID int64) (*ReferralCode, error)

	// ReferralClick counts a follow of the code's link; ENOTFOUND if none.
	ReferralClick(ctx context.Context, code string) error

	// ReferralRecord stores a credited purchase unless its order is credited
	// already; it returns the stored one and whether it was created.
	ReferralRecord(ctx context.Context, r *Referral) (ref *Referral, created bool, err error)

	// ReferralSetReward records the code given to the referrer for it.
	ReferralSetReward(ctx context.Context, id, couponID int64) error

	// ReferralList returns the referrals matching the filter, oldest first.
	ReferralList(ctx context.Context, f ReferralFilter) ([]*Referral, error)

	// StorySave stores a new story (ID 0) or replaces the one with its ID
	// (ENOTFOUND when none) and returns it.
	StorySave(ctx context.Context, s *Story) (*Story, error)

	// StoryGet returns the story with the ID.
	StoryGet(ctx context.Context, id int64) (*Story, error)

	// StoryList returns every story, newest first.
	StoryList(ctx context.Context) ([]*Story, error)

	// StoryDelete removes a story; an unknown ID is ENOTFOUND.
	StoryDelete(ctx context.Context, id int64) error

	// StoryMarkSent records that the story went to the customer (again is
	// no error).
	StoryMarkSent(ctx context.Context, customerID, storyID int64, at time.Time) error

	// StorySentTo returns the IDs of the stories sent to the customer.
	StorySentTo(ctx context.Context, customerID int64) ([]int64, error)
}

// BroadcastQueries read and write broadcasts and their recipients.
type BroadcastQueries interface {
	// BroadcastCreate stores a new broadcast and returns it with its ID.
	BroadcastCreate(ctx context.Context, b *Broadcast) (*Broadcast, error)

	// BroadcastUpdate replaces the editable fields (title, subject, body,
	// segment, first look, scheduled time, rate, status) of a draft or
	// scheduled broadcast; ECONFLICT once it is sending or done.
	BroadcastUpdate(ctx context.Context, b *Broadcast) error

	// BroadcastGet returns the broadcast with the ID, with its counts.
	BroadcastGet(ctx context.Context, id int64) (*Broadcast, error)

	// BroadcastList returns the latest broadcasts, newest first.
	BroadcastList(ctx context.Context, limit int) ([]*Broadcast, error)

	// BroadcastSetStatus moves the broadcast from status from to to
	// (StartedAt is set on "sending", FinishedAt on "sent" and "cancelled");
	// ECONFLICT when it is not in from.
	BroadcastSetStatus(ctx context.Context, id int64, from, to string, at time.Time) error

	// BroadcastListDue returns the scheduled broadcasts due at or before now.
	BroadcastListDue(ctx context.Context, now time.Time) ([]*Broadcast, error)

	// BroadcastAudience returns up to limit customers with an ID above
	// afterID, by ID, in the segment: marketing consent, not unsubscribed,
	// not suppressed, and the segment's SKUs, kinds, purchase dates and
	// customers-only rule (not its stages, which the caller checks).
	BroadcastAudience(ctx context.Context, seg Segment, afterID int64, limit int) ([]*Customer, error)

	// BroadcastRecipientBegin records an attempt to send the broadcast to
	// the customer, like MessageBegin: a final record is returned as it is.
	BroadcastRecipientBegin(ctx context.Context, r *BroadcastRecipient) (rec *BroadcastRecipient, created bool, err error)

	// BroadcastRecipientFinish sets the final status (sent, skipped or
	// failed) and counts it on the broadcast.
	BroadcastRecipientFinish(ctx context.Context, broadcastID, customerID int64, status, messageID, errText string, at time.Time) error

	// BroadcastRecipientList returns the broadcast messages of a customer.
	BroadcastRecipientList(ctx context.Context, customerID int64) ([]*BroadcastRecipient, error)
}
