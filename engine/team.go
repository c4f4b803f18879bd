package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/auth"
	"github.com/aftersale/aftersale/journey"
)

// MemberView is a team member as the admin UI shows it (never the hash).
type MemberView struct {
	ID      int64  `json:"id"`
	Email   string `json:"email"`
	Name    string `json:"name"`
	Role    string `json:"role"`
	OwnSMTP bool   `json:"own_smtp"`
	// Active is false once an owner deactivated the member.
	Active bool `json:"active"`
	// SessionEpoch is the member's session epoch: a session begun under
	// another one is over (see aftersale.Member.SessionEpoch).
	SessionEpoch int64 `json:"-"`
}

// View returns what may be shown of m.
func memberView(m *aftersale.Member) MemberView {
	return MemberView{ID: m.ID, Email: m.Email, Name: m.Name, Role: string(m.Role), OwnSMTP: m.SMTPURL != "",
		Active: m.Active(), SessionEpoch: m.SessionEpoch}
}

// NewMember is what AddMember needs.
type NewMember struct {
	Email, Name string
	Role        aftersale.Role
	Password    string
	SMTPURL     string // optional: the member's own mailbox for personal emails
}

// AddMember creates a team member with an argon2id-hashed password.
func (s *Service) AddMember(ctx context.Context, n NewMember) (*MemberView, error) {
	n.Email, n.Name = strings.TrimSpace(n.Email), strings.TrimSpace(n.Name)
	if err := aftersale.ValidateEmail(n.Email); err != nil {
		return nil, aftersale.FieldError("email", "%s", aftersale.ErrorMessage(err))
	}
	if !slices.Contains(aftersale.Roles, n.Role) {
		return nil, aftersale.FieldError("role", "unknown role %q; want owner, assistant or program_manager", n.Role)
	}
	if err := aftersale.NameText.Check("name", n.Name); err != nil {
		return nil, err
	}
	if err := s.checkSMTPURL(n.SMTPURL); err != nil {
		return nil, err
	}
	if err := auth.CheckPassword(n.Password); err != nil {
		return nil, aftersale.FieldError("password", "%s", err.Error())
	}
	hash, err := s.cfg.Passwords.Hash(ctx, n.Password)
	if err != nil {
		return nil, passwordErr(err)
	}
	if n.Name == "" {
		n.Name = strings.SplitN(n.Email, "@", 2)[0]
	}
	m, err := s.cfg.Store.MemberCreate(ctx, &aftersale.Member{
		Email: n.Email, Name: n.Name, Role: n.Role, PasswordHash: hash, SMTPURL: n.SMTPURL,
		CreatedAt: s.cfg.Clock.RealNow(),
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "team member added", "member_id", m.ID, "role", m.Role)
	v := memberView(m)
	return &v, nil
}

// EnsureFirstAdmin creates the owner from AFTERSALE_ADMIN_EMAIL and
// AFTERSALE_ADMIN_PASSWORD when no member has that email yet; an existing
// member is left as it is (change the password in the UI or with
// `aftersale user add`).
func (s *Service) EnsureFirstAdmin(ctx context.Context, email, password string) error {
	if email == "" && password == "" {
		return nil
	}
	if email == "" || password == "" {
		return errors.New("set both AFTERSALE_ADMIN_EMAIL and AFTERSALE_ADMIN_PASSWORD, or neither")
	}
	_, err := s.cfg.Store.MemberGetByEmail(ctx, email)
	if err == nil {
		return nil
	}
	if !aftersale.IsNotFound(err) {
		return err
	}
	_, err = s.AddMember(ctx, NewMember{Email: email, Role: aftersale.RoleOwner, Password: password})
	if aftersale.ErrorCode(err) == aftersale.ECONFLICT {
		return nil // another node made it meanwhile
	}
	if err != nil {
		return fmt.Errorf("the first admin (AFTERSALE_ADMIN_*): %w", err)
	}
	return nil
}

// SetPassword replaces a member's password and ends the member's sessions
// (the caller renews the one it keeps, see MemberView.SessionEpoch). An
// ETOOMANY error says that too many passwords are being hashed at once.
//
// The member is read again after the hash, in the transaction that writes
// it: a deactivation (or another change) made while the password was
// being hashed is kept, not undone by an older read.
func (s *Service) SetPassword(ctx context.Context, memberID int64, password string) error {
	if _, err := s.cfg.Store.MemberGet(ctx, memberID); err != nil {
		return err
	}
	if err := auth.CheckPassword(password); err != nil {
		return aftersale.FieldError("password", "%s", err.Error())
	}
	hash, err := s.cfg.Passwords.Hash(ctx, password)
	if err != nil {
		return passwordErr(err)
	}
	return s.cfg.Store.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		m, err := tx.MemberGet(ctx, memberID)
		if err != nil {
			return err
		}
		m.PasswordHash = hash
		m.SessionEpoch++
		return tx.MemberUpdate(ctx, m)
	})
}

// UpdateMember changes a member's name, role and own SMTP URL ("" keeps
// the install's server). A new role ends the member's sessions.
//
// The member is read and written in one transaction, so that a password
// or deactivation stored meanwhile is not written back to its old value.
func (s *Service) UpdateMember(ctx context.Context, id int64, name string, role aftersale.Role, smtpURL string) error {
	if !slices.Contains(aftersale.Roles, role) {
		return aftersale.FieldError("role", "unknown role %q; want owner, assistant or program_manager", role)
	}
	if err := s.checkSMTPURL(smtpURL); err != nil {
		return err
	}
	if err := aftersale.NameText.Check("name", name); err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		// A new role other than owner may take the last active owner away:
		// the owners are locked before the member is read (team_access.go),
		// so that two owners demoting each other at once cannot both pass.
		var owners lockedOwners
		if role != aftersale.RoleOwner {
			var err error
			if owners, err = lockOwners(ctx, tx); err != nil {
				return err
			}
		}
		m, err := tx.MemberGet(ctx, id)
		if err != nil {
			return err
		}
		if role != aftersale.RoleOwner {
			if err := owners.allow(m, role, m.Active()); err != nil {
				return err
			}
		}
		if name = strings.TrimSpace(name); name != "" {
			m.Name = name
		}
		if m.Role != role {
			m.SessionEpoch++
		}
		m.Role, m.SMTPURL = role, smtpURL
		return tx.MemberUpdate(ctx, m)
	})
}

func (s *Service) checkSMTPURL(u string) error {
	if u == "" {
		return nil
	}
	if s.cfg.MemberMailer == nil {
		return aftersale.FieldError("smtp_url", "this install cannot send through members' own servers")
	}
	if _, err := s.cfg.MemberMailer(u, false); err != nil {
		return aftersale.FieldError("smtp_url", "%s", err.Error())
	}
	return nil
}

// Members lists the team.
func (s *Service) Members(ctx context.Context) ([]MemberView, error) {
	list, err := s.cfg.Store.MemberList(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MemberView, len(list))
	for i, m := range list {
		out[i] = memberView(m)
	}
	return out, nil
}

// Member returns one member.
func (s *Service) Member(ctx context.Context, id int64) (*MemberView, error) {
	m, err := s.cfg.Store.MemberGet(ctx, id)
	if err != nil {
		return nil, err
	}
	v := memberView(m)
	return &v, nil
}

// errLogin is the one answer to a failed login, whatever failed.
var errLogin = aftersale.Errorf(aftersale.EUNAUTHORIZED, "the email or the password is wrong")

// Authenticate returns the member with the email and password, or an
// EUNAUTHORIZED error that does not say which was wrong. The password is
// checked (one argon2id hash, under Config.Passwords' bound) whether or
// not the email is a member's and whether or not the member is active, so
// that the time taken does not tell. An ETOOMANY error says that too many
// passwords are being checked at once; nothing was checked then.
func (s *Service) Authenticate(ctx context.Context, email, password string) (*MemberView, error) {
	m, err := s.cfg.Store.MemberGetByEmail(ctx, strings.TrimSpace(email))
	if aftersale.IsNotFound(err) {
		if err := s.cfg.Passwords.VerifyDummy(ctx, password); !errors.Is(err, auth.ErrMismatch) {
			return nil, passwordErr(err)
		}
		return nil, errLogin
	} else if err != nil {
		return nil, err
	}
	if err := s.cfg.Passwords.Verify(ctx, m.PasswordHash, password); err != nil {
		// A mismatch is a checked attempt even when the request ended
		// meanwhile (a client that hung up once the hash began): only a
		// check that did not run is not one.
		if !errors.Is(err, auth.ErrMismatch) && (errors.Is(err, auth.ErrBusy) || ctx.Err() != nil) {
			return nil, passwordErr(err)
		}
		if !errors.Is(err, auth.ErrMismatch) {
			s.log.ErrorContext(ctx, "a member's password hash does not parse", "member_id", m.ID, "err", err)
		}
		return nil, errLogin
	}
	if !m.Active() {
		return nil, errLogin
	}
	v := memberView(m)
	return &v, nil
}

// errBusy answers a password check or hash that auth.Pool refused.
var errBusy = aftersale.Errorf(aftersale.ETOOMANY,
	"the server is checking many passwords at once; try again in a few seconds")

// passwordErr turns auth.ErrBusy into errBusy and leaves other errors.
func passwordErr(err error) error {
	if errors.Is(err, auth.ErrBusy) {
		return errBusy
	}
	return err
}

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
		allow, err := s.AllowPrivateSMTP(ctx)
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
func AssignedTo(t TaskView, m MemberView) bool {
	return strings.EqualFold(t.Assignee, m.Email) || t.Assignee == m.Role
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
