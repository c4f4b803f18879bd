package team

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
)

// PersonalEmail is a personal email a member writes from a task.
type PersonalEmail struct {
	TaskID  int64
	Subject string
	Body    string // plain text
}

// SendPersonalEmail sends a member's personal email for an open task and
// completes the task with outcome "sent". The email is plain text only,
// From the member (through the member's own SMTP server when set, made by
// Config.MemberMailer), with no unsubscribe headers, no tracking and no
// footer, and threaded as a reply to the last email the customer got from
// us, so that the answer comes back to the member. Its Message-ID is
// stable for the task, so a retry after a failure carries the same one.
// An erase of the customer waits for it (Pipeline.HoldErase) from the
// read of the customer to the record of the email.
func (s *Service) SendPersonalEmail(ctx context.Context, memberID int64, pe PersonalEmail) (*TaskView, error) {
	if s.cfg.Pipeline == nil || s.cfg.Mailer == nil {
		return nil, errors.New("team: personal emails need Config.Pipeline and Config.Mailer")
	}
	defer s.cfg.Pipeline.HoldErase()()
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
	if pe.Subject, pe.Body, err = checkPersonal(pe.Subject, pe.Body); err != nil {
		return nil, err
	}
	c, err := st.CustomerGet(ctx, t.CustomerID)
	if err != nil {
		return nil, err
	}
	if why := engine.Suppressed(aftersale.CategoryPersonal, c); why != "" {
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
	if err := s.sendAs(ctx, m, email); err != nil {
		s.log.WarnContext(ctx, "personal email not sent", "task_id", t.ID, "member_id", m.ID, "err", aftersale.Redact(err))
		s.noteMalformed(ctx, err, "task_id", t.ID, "message_id", msgID)
		return nil, aftersale.Errorf(aftersale.ECONFLICT, "the email was not sent: %s", aftersale.Redact(err))
	}
	now := s.cfg.Clock.RealNow()
	var done *aftersale.Task
	// The email is out: record it even if ctx ends now, or a retry would
	// send it again.
	err = st.Update(context.WithoutCancel(ctx), func(ctx context.Context, tx aftersale.Tx) error {
		if _, err := tx.MessageRecord(ctx, &aftersale.Message{
			CustomerID: c.ID, Recipient: c.Email, MessageID: msgID, Template: "personal_email",
			Subject: pe.Subject, Category: aftersale.CategoryPersonal, Status: aftersale.MessageSent,
			CreatedAt: now, SentAt: now,
		}); err != nil {
			return err
		}
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

// checkPersonal trims and checks a personal email's subject and body.
func checkPersonal(subject, body string) (string, string, error) {
	subject, body = strings.TrimSpace(subject), strings.TrimSpace(body)
	switch {
	case subject == "":
		return "", "", aftersale.FieldError("subject", "is required")
	case len(subject) > 300 || strings.ContainsAny(subject, "\r\n"):
		return "", "", aftersale.FieldError("subject", "must be one line of at most 300 characters")
	case body == "":
		return "", "", aftersale.FieldError("body", "is required")
	case len(body) > 100_000:
		return "", "", aftersale.FieldError("body", "must be at most 100,000 characters")
	}
	if err := (aftersale.TextRule{Max: 300}).Check("subject", subject); err != nil {
		return "", "", err
	}
	if err := (aftersale.TextRule{Multiline: true}).Check("body", body); err != nil {
		return "", "", err
	}
	return subject, body, nil
}

// sendAs sends e through the member's own SMTP server when the member has
// one and Config.MemberMailer is set, else through Config.Mailer.
func (s *Service) sendAs(ctx context.Context, m *aftersale.Member, e *aftersale.Email) error {
	mailer := s.cfg.Mailer
	if m.SMTPURL != "" && s.cfg.MemberMailer != nil {
		allow, err := s.AllowPrivateSMTP(ctx)
		if err != nil {
			return err
		}
		if mailer, err = s.cfg.MemberMailer(m.SMTPURL, allow); err != nil {
			return fmt.Errorf("the member's SMTP settings: %w", err)
		}
		if cl, ok := mailer.(interface{ Close() error }); ok {
			defer cl.Close()
		}
	}
	return mailer.Send(ctx, e)
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

// noteMalformed logs loudly, and counts in aftersale_emails_malformed_total,
// a message that failed because the message itself was at fault
// (aftersale.IsMalformed), as the pipeline does for its own: that is a bug
// in aftersale, not the member's. It does nothing for any other error.
func (s *Service) noteMalformed(ctx context.Context, err error, ids ...any) {
	if !aftersale.IsMalformed(err) {
		return
	}
	s.log.ErrorContext(ctx, "message rejected as malformed; this is a bug in aftersale", append(ids, "err", aftersale.Redact(err))...)
	if m := s.cfg.Metrics; m != nil {
		m.EmailsMalformed.Inc()
	}
}
