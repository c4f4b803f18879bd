package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/journey"
)

// PersonalEmail is a personal email a member writes from a task.
type PersonalEmail struct {
	TaskID  int64
	Subject string
	Body    string // plain text
}

// SendPersonalEmail sends a member's personal email for an open task and
// completes the task with outcome "sent". The email is plain text only,
// From the member (through the member's own SMTP server when set), with no
// unsubscribe headers, no tracking and no footer, and threaded as a reply
// to the last email the customer got from us, so that the answer comes
// back to the member. Its Message-ID is stable for the task, so a retry
// after a failure carries the same one.
func (s *Service) SendPersonalEmail(ctx context.Context, memberID int64, pe PersonalEmail) (*TaskView, error) {
	defer s.gate.enter()()
	st := s.cfg.Store
	m, err := st.MemberGet(ctx, memberID)
	if err != nil {
		return nil, err
	}
	t, err := st.TaskGet(ctx, pe.TaskID)
	if err != nil {
		return nil, err
	}
	if t.Status != aftersale.TaskOpen {
		return nil, aftersale.Errorf(aftersale.ECONFLICT, "task %d is %s already", t.ID, t.Status)
	}
	pe.Subject, pe.Body = strings.TrimSpace(pe.Subject), strings.TrimSpace(pe.Body)
	switch {
	case pe.Subject == "":
		return nil, aftersale.FieldError("subject", "is required")
	case len(pe.Subject) > 300 || strings.ContainsAny(pe.Subject, "\r\n"):
		return nil, aftersale.FieldError("subject", "must be one line of at most 300 characters")
	case pe.Body == "":
		return nil, aftersale.FieldError("body", "is required")
	case len(pe.Body) > 100_000:
		return nil, aftersale.FieldError("body", "must be at most 100,000 characters")
	}
	if err := (aftersale.TextRule{Max: 300}).Check("subject", pe.Subject); err != nil {
		return nil, err
	}
	if err := (aftersale.TextRule{Multiline: true}).Check("body", pe.Body); err != nil {
		return nil, err
	}
	c, err := st.CustomerGet(ctx, t.CustomerID)
	if err != nil {
		return nil, err
	}
	if why := suppressed(aftersale.CategoryPersonal, c); why != "" {
		return nil, aftersale.Errorf(aftersale.ECONFLICT, "%s does not take email (%s); call instead", c.Email, why)
	}
	h := sha256.Sum256([]byte(fmt.Sprintf("personal\x00%d\x00%s", t.ID, c.Email)))
	domain := "aftersale.local"
	if at := strings.LastIndexByte(m.Email, '@'); at >= 0 {
		domain = m.Email[at+1:]
	}
	msgID := "<" + hex.EncodeToString(h[:16]) + "@" + domain + ">"
	email := &aftersale.Email{
		MessageID: msgID, Date: s.cfg.Clock.RealNow(),
		From: aftersale.Address{Name: m.Name, Email: m.Email},
		To:   aftersale.Address{Name: c.Name, Email: c.Email},
		// Bounces go to the member, who wrote it.
		ReturnPath: m.Email,
		Subject:    pe.Subject, Text: pe.Body + "\n",
	}
	if prev := s.lastSentTo(ctx, c.ID); prev != "" {
		email.Headers = append(email.Headers,
			aftersale.Header{Name: "In-Reply-To", Value: prev},
			aftersale.Header{Name: "References", Value: prev})
	}
	mailer := s.cfg.Mailer
	if m.SMTPURL != "" && s.cfg.MemberMailer != nil {
		allow, err := s.allowPrivateSMTP(ctx)
		if err != nil {
			return nil, err
		}
		if mailer, err = s.cfg.MemberMailer(m.SMTPURL, allow); err != nil {
			return nil, fmt.Errorf("the member's SMTP settings: %w", err)
		}
		if cl, ok := mailer.(interface{ Close() error }); ok {
			defer cl.Close()
		}
	}
	if err := mailer.Send(ctx, email); err != nil {
		s.log.WarnContext(ctx, "personal email not sent", "task_id", t.ID, "member_id", m.ID, "err", redact(err))
		s.noteMalformed(ctx, err, "task_id", t.ID, "message_id", msgID)
		return nil, aftersale.Errorf(aftersale.ECONFLICT, "the email was not sent: %s", redact(err))
	}
	now := s.cfg.Clock.RealNow()
	var done *aftersale.Task
	err = s.record(ctx, []*aftersale.Message{{
		CustomerID: c.ID, Recipient: c.Email, MessageID: msgID, Template: "personal_email",
		Subject: pe.Subject, Category: aftersale.CategoryPersonal, Status: aftersale.MessageSent,
		CreatedAt: now, SentAt: now,
	}}, func(ctx context.Context, tx aftersale.Tx) error {
		done, err = tx.TaskComplete(ctx, t.ID, "sent", "", m.Email, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "personal email sent", "task_id", t.ID, "member_id", m.ID, "message_id", msgID)
	v := taskView(done, c, nil)
	return &v, nil
}

// allowPrivateSMTP reads the owners' setting aftersale.SettingAllowPrivateSMTP
// (set through team.Service.SetAllowPrivateSMTP): whether a member's own
// SMTP server may be on a private or local address.
func (s *Service) allowPrivateSMTP(ctx context.Context) (bool, error) {
	v, err := s.cfg.Store.SettingGet(ctx, aftersale.SettingAllowPrivateSMTP)
	return v == "1", err
}

// lastSentTo returns the Message-ID of the latest email sent to the
// customer, or "".
func (s *Service) lastSentTo(ctx context.Context, customerID int64) string {
	msgs, err := s.cfg.Store.MessageListByCustomer(ctx, customerID)
	if err != nil {
		return ""
	}
	last := ""
	for _, m := range msgs {
		if m.Status == aftersale.MessageSent && m.MessageID != "" {
			last = m.MessageID // oldest first: the last one wins
		}
	}
	return last
}

// OverdueBefore is the due time before which an open task counts as
// overdue now (the task SLA).
func (s *Service) OverdueBefore() time.Time { return s.cfg.Clock.RealNow().Add(-s.cfg.TaskSLA) }

// Overdue says whether the task is open past its due time plus the SLA.
func (s *Service) Overdue(t TaskView) bool {
	return t.Status == string(aftersale.TaskOpen) && t.DueAt.Before(s.OverdueBefore())
}

// AssignedTo says whether the task is the member's: assigned to the
// member's email or role.
func AssignedTo(t TaskView, email, role string) bool {
	return strings.EqualFold(t.Assignee, email) || t.Assignee == role
}

// MessageView is an email in the admin UI's outbox.
type MessageView struct {
	ID        int64     `json:"id"`
	To        string    `json:"to"`
	Subject   string    `json:"subject"`
	Template  string    `json:"template"`
	Category  string    `json:"category"`
	Status    string    `json:"status"`
	Error     string    `json:"error,omitempty"`
	MessageID string    `json:"message_id"`
	CreatedAt time.Time `json:"created_at"`
	SentAt    time.Time `json:"sent_at"`
}

// RecentMessages returns the latest emails to customers, newest first.
func (s *Service) RecentMessages(ctx context.Context, limit int) ([]MessageView, error) {
	list, err := s.cfg.Store.MessageListRecent(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]MessageView, len(list))
	for i, m := range list {
		out[i] = MessageView{ID: m.ID, To: m.Recipient, Subject: m.Subject, Template: m.Template,
			Category: string(m.Category), Status: string(m.Status), Error: m.Error, MessageID: m.MessageID,
			CreatedAt: m.CreatedAt, SentAt: m.SentAt}
	}
	return out, nil
}

// Journeys returns the journeys in use, for the admin UI's read-only view
// and preview (journey.Set.Preview).
func (s *Service) Journeys() *journey.Set { return s.cfg.Journeys }
