package sqlstore

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

const messageColumns = `id, step_id, customer_id, recipient, message_id, template, subject, category, status,
	attempts, error, created_at, sent_at, opened_at`

func (q *Queries) scanMessage(s Row) (*aftersale.Message, error) {
	var m aftersale.Message
	err := s.Scan(&m.ID, optID(&m.StepID), optID(&m.CustomerID), &m.Recipient, &m.MessageID, &m.Template,
		&m.Subject, &m.Category, &m.Status, &m.Attempts, &m.Error, q.ts(&m.CreatedAt), q.ts(&m.SentAt), q.ts(&m.OpenedAt))
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// MessageBegin records an attempt to send m. It creates the message for
// (StepID, Recipient) in status sending with one attempt, or returns the
// stored one: with one more attempt while it is sending, unchanged once it
// is final. The recipient is compared lower-case. Mail without a step
// (StepID 0) is a new message every time.
//
// When a concurrent call creates the message first (PostgreSQL; SQLite
// runs one write transaction at a time), this one counts as the next
// attempt, as if the two had run one after the other: every statement of
// READ COMMITTED sees what was committed before it began, so whatever the
// race, a message found sending goes back to the UPDATE, and an insert
// that meets a concurrent one waits for it and then starts over.
func (q *Queries) MessageBegin(ctx context.Context, m *aftersale.Message) (*aftersale.Message, bool, error) {
	key := emailKey(m.Recipient)
	if key == "" {
		return nil, false, aftersale.FieldError("recipient", "is required")
	}
	var msg *aftersale.Message
	created := false
	err := q.atomic(ctx, false, func(q *Queries) error {
		for range 3 {
			var err error
			if m.StepID != 0 {
				msg, err = q.scanMessage(q.row(ctx, `
					UPDATE messages SET attempts = attempts + 1
					WHERE step_id = ? AND recipient_key = ? AND status = ?
					RETURNING `+messageColumns, m.StepID, key, string(aftersale.MessageSending)))
				if !q.noRows(err) {
					return err
				}
				msg, err = q.scanMessage(q.row(ctx, `
					SELECT `+messageColumns+` FROM messages WHERE step_id = ? AND recipient_key = ?`, m.StepID, key))
				if err == nil && msg.Status == aftersale.MessageSending {
					// Committed by a concurrent call since the UPDATE
					// looked: count this attempt on it.
					continue
				}
				if !q.noRows(err) {
					return err
				}
			}
			msg, err = q.scanMessage(q.row(ctx, `
				INSERT INTO messages (step_id, customer_id, recipient, recipient_key, message_id, template, subject,
					category, status, attempts, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
				ON CONFLICT (step_id, recipient_key) DO NOTHING
				RETURNING `+messageColumns,
				nullID(m.StepID), nullID(m.CustomerID), m.Recipient, key, m.MessageID, m.Template, m.Subject,
				string(m.Category), string(aftersale.MessageSending), q.t(m.CreatedAt)))
			if !q.noRows(err) {
				created = err == nil
				return err
			}
		}
		return errors.New("the message was neither found nor inserted")
	})
	if err != nil {
		return nil, false, q.wrap("message begin", err)
	}
	return msg, created, nil
}

// MessageFinish sets the final status, error text and sent time (the time
// the attempt ended, whatever the status).
func (q *Queries) MessageFinish(ctx context.Context, id int64, status aftersale.MessageStatus, errText string, at time.Time) error {
	switch status {
	case aftersale.MessageSent, aftersale.MessageFailed, aftersale.MessageSuppressed:
	default:
		return aftersale.FieldError("status", "%q is not a final message status", status)
	}
	n, err := q.exec(ctx, `UPDATE messages SET status = ?, error = ?, sent_at = ? WHERE id = ?`,
		string(status), errText, q.nt(at), id)
	if err != nil {
		return q.wrap("message finish", err)
	}
	if n == 0 {
		return notFound("message", id)
	}
	return nil
}

// MessageGetByMessageID returns the (first) message with the Message-ID.
func (q *Queries) MessageGetByMessageID(ctx context.Context, messageID string) (*aftersale.Message, error) {
	m, err := q.scanMessage(q.row(ctx,
		`SELECT `+messageColumns+` FROM messages WHERE message_id = ? ORDER BY id LIMIT 1`, messageID))
	if q.noRows(err) {
		return nil, notFound("message", messageID)
	}
	return m, q.wrap("message get by message id", err)
}

// MessageListByMessageIDs returns the messages with any of the
// Message-IDs, in no particular order. The empty string is no Message-ID:
// it finds nothing (mail stored without one).
func (q *Queries) MessageListByMessageIDs(ctx context.Context, messageIDs []string) ([]*aftersale.Message, error) {
	ids := make([]string, 0, len(messageIDs))
	for _, id := range messageIDs {
		if id != "" {
			ids = append(ids, id)
		}
	}
	list, err := selectIn(ctx, q, q.scanMessage, `SELECT `+messageColumns+` FROM messages WHERE `, "message_id", ``, ids)
	return list, q.wrap("message list by message ids", err)
}

// MessageRecord records a send attempt that has ended, with one statement:
// it creates the message in m.Status (which must be final) with one
// attempt, or finishes the stored one for (StepID, Recipient) while it is
// sending, counting the attempt; the stored Message-ID, subject and other
// facts are kept, as MessageBegin keeps them. A final record is left as it
// is, and recorded is false. Mail without a step (StepID 0) is a new
// message every time. m is not changed. On PostgreSQL an insert that meets
// a concurrent one for the same (StepID, Recipient) waits for it and then
// goes on as the update of its row (or does nothing once it is final).
func (q *Queries) MessageRecord(ctx context.Context, m *aftersale.Message) (bool, error) {
	key := emailKey(m.Recipient)
	if key == "" {
		return false, aftersale.FieldError("recipient", "is required")
	}
	switch m.Status {
	case aftersale.MessageSent, aftersale.MessageFailed, aftersale.MessageSuppressed:
	default:
		return false, aftersale.FieldError("status", "%q is not a final message status", m.Status)
	}
	var id int64
	err := q.row(ctx, `
		INSERT INTO messages (step_id, customer_id, recipient, recipient_key, message_id, template, subject,
			category, status, attempts, error, created_at, sent_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
		ON CONFLICT (step_id, recipient_key) DO UPDATE SET
			status = excluded.status,
			error = excluded.error,
			sent_at = excluded.sent_at,
			attempts = messages.attempts + 1
		WHERE messages.status = 'sending'
		RETURNING id`,
		nullID(m.StepID), nullID(m.CustomerID), m.Recipient, key, m.MessageID, m.Template, m.Subject,
		string(m.Category), string(m.Status), m.Error, q.t(m.CreatedAt), q.nt(m.SentAt)).Scan(&id)
	if q.noRows(err) {
		return false, nil
	}
	if err != nil {
		return false, q.wrap("message record", err)
	}
	return true, nil
}

// MessageMarkOpened sets the open time of the messages with the Message-ID
// unless they have one, and reports whether it did.
func (q *Queries) MessageMarkOpened(ctx context.Context, messageID string, at time.Time) (bool, error) {
	if messageID == "" {
		return false, notFound("message", messageID)
	}
	n, err := q.exec(ctx, `UPDATE messages SET opened_at = ? WHERE message_id = ? AND opened_at IS NULL`,
		q.t(at), messageID)
	if err != nil {
		return false, q.wrap("message mark opened", err)
	}
	if n > 0 {
		return true, nil
	}
	var one int
	err = q.row(ctx, `SELECT 1 FROM messages WHERE message_id = ? LIMIT 1`, messageID).Scan(&one)
	if q.noRows(err) {
		return false, notFound("message", messageID)
	}
	return false, q.wrap("message mark opened", err)
}

// MessageListByCustomer returns the messages to the customer, oldest first.
func (q *Queries) MessageListByCustomer(ctx context.Context, customerID int64) ([]*aftersale.Message, error) {
	list, err := listRows(ctx, q, q.scanMessage,
		`SELECT `+messageColumns+` FROM messages WHERE customer_id = ? ORDER BY created_at, id`, customerID)
	return list, q.wrap("message list by customer", err)
}

// MessageListRecent returns up to limit (DefaultLimit when 0) messages of
// every customer, newest first.
func (q *Queries) MessageListRecent(ctx context.Context, limit int) ([]*aftersale.Message, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	list, err := listRows(ctx, q, q.scanMessage,
		`SELECT `+messageColumns+` FROM messages ORDER BY created_at DESC, id DESC LIMIT ?`, limit)
	return list, q.wrap("message list recent", err)
}

// MessageCountByStatus counts all messages per status; statuses without
// messages are absent.
func (q *Queries) MessageCountByStatus(ctx context.Context) (map[aftersale.MessageStatus]int, error) {
	type count struct {
		status aftersale.MessageStatus
		n      int
	}
	list, err := listRows(ctx, q, func(s Row) (*count, error) {
		var c count
		return &c, s.Scan(&c.status, &c.n)
	}, `SELECT status, count(*) FROM messages GROUP BY status`)
	if err != nil {
		return nil, q.wrap("message count by status", err)
	}
	counts := make(map[aftersale.MessageStatus]int, len(list))
	for _, c := range list {
		counts[c.status] = c.n
	}
	return counts, nil
}

const taskColumns = `id, step_id, customer_id, order_id, kind, title, script, draft, assignee, status,
	outcome, note, due_at, created_at, done_at, done_by, retry_of`

func (q *Queries) scanTask(s Row) (*aftersale.Task, error) {
	var t aftersale.Task
	err := s.Scan(&t.ID, optID(&t.StepID), optID(&t.CustomerID), optID(&t.OrderID), &t.Kind, &t.Title,
		&t.Script, &t.Draft, &t.Assignee, &t.Status, &t.Outcome, &t.Note, q.ts(&t.DueAt), q.ts(&t.CreatedAt),
		q.ts(&t.DoneAt), &t.DoneBy, optID(&t.RetryOf))
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// TaskCreate stores a new task, open unless t says otherwise. A task for a
// StepID that has one already is not stored: the first is returned (also
// when it was stored by a concurrent call, which the insert waits for on
// PostgreSQL).
func (q *Queries) TaskCreate(ctx context.Context, t *aftersale.Task) (*aftersale.Task, error) {
	status := t.Status
	if status == "" {
		status = aftersale.TaskOpen
	}
	var task *aftersale.Task
	err := q.atomic(ctx, false, func(q *Queries) error {
		var err error
		task, err = q.scanTask(q.row(ctx, `
			INSERT INTO tasks (step_id, customer_id, order_id, kind, title, script, draft, assignee, status,
				outcome, note, due_at, created_at, done_at, done_by, retry_of)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (step_id) DO NOTHING
			RETURNING `+taskColumns,
			nullID(t.StepID), nullID(t.CustomerID), nullID(t.OrderID), string(t.Kind), t.Title, t.Script, t.Draft,
			t.Assignee, string(status), t.Outcome, t.Note, q.t(t.DueAt), q.t(t.CreatedAt), q.nt(t.DoneAt),
			t.DoneBy, nullID(t.RetryOf)))
		if !q.noRows(err) {
			return err
		}
		task, err = q.scanTask(q.row(ctx, `SELECT `+taskColumns+` FROM tasks WHERE step_id = ?`, t.StepID))
		return err
	})
	if err != nil {
		return nil, q.wrap("task create", err)
	}
	return task, nil
}

// TaskGet returns the task with the ID.
func (q *Queries) TaskGet(ctx context.Context, id int64) (*aftersale.Task, error) {
	t, err := q.scanTask(q.row(ctx, `SELECT `+taskColumns+` FROM tasks WHERE id = ?`, id))
	if q.noRows(err) {
		return nil, notFound("task", id)
	}
	return t, q.wrap("task get", err)
}

// TaskList returns up to f.Limit (DefaultLimit when 0) tasks matching the
// filter, by due time.
func (q *Queries) TaskList(ctx context.Context, f aftersale.TaskFilter) ([]*aftersale.Task, error) {
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.CustomerID != 0 {
		where, args = append(where, "customer_id = ?"), append(args, f.CustomerID)
	}
	query := `SELECT ` + taskColumns + ` FROM tasks`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	query += ` ORDER BY due_at, id LIMIT ?`
	args = append(args, limit)
	list, err := listRows(ctx, q, q.scanTask, query, args...)
	return list, q.wrap("task list", err)
}

// TaskComplete closes an open task as done with an outcome and note, by
// the member with the email doneBy; ECONFLICT if it is not open.
func (q *Queries) TaskComplete(ctx context.Context, id int64, outcome, note, doneBy string, at time.Time) (*aftersale.Task, error) {
	var task *aftersale.Task
	err := q.atomic(ctx, false, func(q *Queries) error {
		var err error
		task, err = q.scanTask(q.row(ctx, `
			UPDATE tasks SET status = ?, outcome = ?, note = ?, done_at = ?, done_by = ?
			WHERE id = ? AND status = ?
			RETURNING `+taskColumns,
			string(aftersale.TaskDone), outcome, note, q.nt(at), doneBy, id, string(aftersale.TaskOpen)))
		if !q.noRows(err) {
			return err
		}
		var cur string
		err = q.row(ctx, `SELECT status FROM tasks WHERE id = ?`, id).Scan(&cur)
		if q.noRows(err) {
			return notFound("task", id)
		}
		if err != nil {
			return err
		}
		return aftersale.Errorf(aftersale.ECONFLICT, "task %d is %s, not open", id, cur)
	})
	if err != nil {
		return nil, q.wrap("task complete", err)
	}
	return task, nil
}
