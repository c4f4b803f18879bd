package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/journey"
)

// UnsubscribeTTL is how long the unsubscribe link in an email keeps working.
const UnsubscribeTTL = 365 * 24 * time.Hour

// errRetry marks a step that must be tried again later.
var errRetry = errors.New("temporary failure")

// ExecuteSteps runs the due steps with the IDs, one after another. Steps
// that are not pending any more are passed over, so a job that runs twice
// does nothing twice. A temporary failure of one step does not hold up the
// others; ExecuteSteps then returns an error so the job is retried, and on
// the final attempt (final=true) the failing steps are recorded as failed.
func (s *Service) ExecuteSteps(ctx context.Context, ids []int64, final bool) error {
	var failed []string
	for _, id := range ids {
		if err := s.executeStep(ctx, id, final); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failed = append(failed, fmt.Sprintf("step %d: %s", id, redact(err)))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d steps will be retried: %s", len(failed), len(ids), strings.Join(failed, "; "))
	}
	return nil
}

func (s *Service) executeStep(ctx context.Context, id int64, final bool) error {
	st := s.cfg.Store
	step, err := st.StepGet(ctx, id)
	if aftersale.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if step.Status != aftersale.StepPending {
		return nil
	}
	now := s.cfg.Clock.RealNow()
	finish := func(status aftersale.StepStatus, note string) error {
		err := st.StepFinish(ctx, step.ID, status, note, s.cfg.Clock.RealNow())
		if aftersale.ErrorCode(err) == aftersale.ECONFLICT {
			return nil // finished by someone else meanwhile
		}
		if m := s.cfg.Metrics; m != nil && err == nil {
			m.StepsFinished.WithLabelValues(string(step.Type), string(status)).Inc()
			if status == aftersale.StepDone {
				m.StepLag.Observe(now.Sub(step.DueAt).Seconds())
			}
		}
		return err
	}
	j := s.cfg.Journeys.ByID(step.JourneyID)
	var js *journey.Step
	if j != nil {
		for _, c := range j.Steps {
			if c.ID == step.StepID {
				js = c
			}
		}
	}
	if js == nil {
		return finish(aftersale.StepSkipped, "the journey or step is no longer configured")
	}
	run, err := st.RunGet(ctx, step.RunID)
	if err != nil {
		return err
	}
	if run.Status != aftersale.RunActive {
		return finish(aftersale.StepExited, "journey exited: "+run.ExitReason)
	}
	order, err := st.OrderGet(ctx, step.OrderID)
	if err != nil {
		return err
	}
	buyer, err := st.CustomerGet(ctx, order.CustomerID)
	if err != nil {
		return err
	}
	facts, err := loadFacts(ctx, st, s.cfg.Clock, order, buyer)
	if err != nil {
		return err
	}
	if js.If != nil {
		ok, err := js.If.Eval(facts)
		if err != nil {
			return finish(aftersale.StepFailed, "condition failed: "+err.Error())
		}
		if !ok {
			return finish(aftersale.StepSkipped, "condition is false: "+js.If.String())
		}
	}

	switch step.Type {
	case aftersale.StepEmail:
		note, err := s.sendStepEmail(ctx, step, js, facts, final)
		if errors.Is(err, errRetry) && !final {
			return err
		}
		if err != nil {
			return finish(aftersale.StepFailed, err.Error())
		}
		return finish(aftersale.StepDone, note)
	case aftersale.StepTask:
		task, err := s.taskFor(step, js, facts)
		if err != nil {
			return finish(aftersale.StepFailed, "task text: "+err.Error())
		}
		t, err := st.TaskCreate(ctx, task)
		if err != nil {
			return err
		}
		if m := s.cfg.Metrics; m != nil {
			m.TasksCreated.WithLabelValues(string(t.Kind)).Inc()
		}
		return finish(aftersale.StepDone, fmt.Sprintf("task %d created (%s)", t.ID, t.Kind))
	default:
		// Survey and offer steps are planned and shown in timelines, but
		// this version does not execute them yet; say so rather than drop them.
		return finish(aftersale.StepSkipped, fmt.Sprintf("%s steps are not executed by this version", step.Type))
	}
}

// recipient is one address an email step goes to.
type recipient struct {
	c      *aftersale.Customer
	isUser bool
}

// sendStepEmail sends the step's email to each of its recipients and returns
// a note of what happened. Recipients already sent to are passed over.
func (s *Service) sendStepEmail(ctx context.Context, step *aftersale.Step, js *journey.Step, f *journey.Facts, final bool) (string, error) {
	to := js.To
	if len(to) == 0 {
		to = []string{"buyer", "user"}
	}
	var rcpts []recipient
	for _, r := range to {
		switch {
		case r == "buyer":
			rcpts = append(rcpts, recipient{c: f.Buyer})
		case r == "user" && f.User != nil:
			rcpts = append(rcpts, recipient{c: f.User, isUser: true})
		}
	}
	category := js.Category
	if category == "" {
		category = aftersale.CategoryFollowUp
	}
	var notes []string
	var retry error
	for _, r := range rcpts {
		status, err := s.sendOne(ctx, step, js.Template, category, r, f, final)
		if err != nil {
			if errors.Is(err, errRetry) {
				retry = err
				notes = append(notes, r.role()+": will retry")
				continue
			}
			return "", err
		}
		notes = append(notes, r.role()+": "+string(status))
	}
	if retry != nil {
		return strings.Join(notes, ", "), retry
	}
	if len(notes) == 0 {
		return "nobody to send to", nil
	}
	return strings.Join(notes, ", "), nil
}

func (r recipient) role() string {
	if r.isUser {
		return "user"
	}
	return "buyer"
}

// sendOne sends one step email to one recipient, at most once: the message
// row for (step, recipient) records the outcome, and a message already
// sent, failed or suppressed is not sent again.
func (s *Service) sendOne(ctx context.Context, step *aftersale.Step, tmpl string, cat aftersale.Category, r recipient, f *journey.Facts, final bool) (aftersale.MessageStatus, error) {
	st := s.cfg.Store
	messageID := s.messageID(step, f.Order, r.c.Email)
	m, renderErr := s.compose(step, tmpl, cat, r, f, messageID)
	subject := ""
	if m != nil {
		subject = m.Subject
	}
	msg, _, err := st.MessageBegin(ctx, &aftersale.Message{
		StepID: step.ID, CustomerID: r.c.ID, Recipient: r.c.Email, MessageID: messageID,
		Template: tmpl, Subject: subject, Category: cat, Status: aftersale.MessageSending,
		CreatedAt: s.cfg.Clock.RealNow(),
	})
	if err != nil {
		return "", err
	}
	if msg.Status != aftersale.MessageSending {
		return msg.Status, nil
	}
	done := func(status aftersale.MessageStatus, errText string) (aftersale.MessageStatus, error) {
		if err := st.MessageFinish(ctx, msg.ID, status, errText, s.cfg.Clock.RealNow()); err != nil {
			return "", err
		}
		if m := s.cfg.Metrics; m != nil {
			m.Emails.WithLabelValues(string(status), string(cat)).Inc()
		}
		return status, nil
	}
	// Consent is checked here, at send time, so an unsubscribe honours mail
	// that was already queued.
	if why := suppressed(cat, r.c); why != "" {
		return done(aftersale.MessageSuppressed, why)
	}
	if renderErr != nil {
		s.log.ErrorContext(ctx, "email render failed", "step_id", step.ID, "template", tmpl, "err", redact(renderErr))
		return done(aftersale.MessageFailed, "render: "+renderErr.Error())
	}
	if err := s.cfg.Mailer.Send(ctx, m); err != nil {
		if aftersale.IsTemporary(err) && !final {
			s.log.WarnContext(ctx, "email delivery deferred", "step_id", step.ID, "message_id", messageID, "err", redact(err))
			if m := s.cfg.Metrics; m != nil {
				m.Emails.WithLabelValues("deferred", string(cat)).Inc()
			}
			return "", fmt.Errorf("%w: %v", errRetry, err)
		}
		s.log.ErrorContext(ctx, "email delivery failed", "step_id", step.ID, "message_id", messageID, "err", redact(err))
		return done(aftersale.MessageFailed, err.Error())
	}
	s.log.InfoContext(ctx, "email sent", "step_id", step.ID, "template", tmpl, "message_id", messageID)
	return done(aftersale.MessageSent, "")
}

// suppressed says why a message of the category must not go to c, or "".
// A hard bounce stops all mail (the address does not take it); a spam
// complaint stops all but transactional mail, like an unsubscribe.
func suppressed(cat aftersale.Category, c *aftersale.Customer) string {
	switch {
	case strings.HasPrefix(c.Suppressed, aftersale.SuppressBounce):
		return c.Suppressed
	case cat == aftersale.CategoryTransactional:
		return ""
	case c.Suppressed != "":
		return c.Suppressed
	case c.Unsubscribed:
		return "unsubscribed"
	case cat == aftersale.CategoryMarketing && !c.MarketingConsent:
		return "no marketing consent"
	}
	return ""
}

// messageID is stable for (recipient, order, journey step), so a resend
// after a crash carries the same Message-ID and a receiver can drop it.
func (s *Service) messageID(step *aftersale.Step, o *aftersale.Order, to string) string {
	h := sha256.Sum256([]byte(strings.Join([]string{to, o.ExternalID, step.JourneyID, step.Key}, "\x00")))
	domain := "aftersale.local"
	if at := strings.LastIndexByte(s.cfg.From.Email, '@'); at >= 0 {
		domain = s.cfg.From.Email[at+1:]
	}
	return "<" + hex.EncodeToString(h[:16]) + "@" + domain + ">"
}

// compose renders the template for one recipient and builds the message
// with its headers.
func (s *Service) compose(step *aftersale.Step, tmpl string, cat aftersale.Category, r recipient, f *journey.Facts, messageID string) (*aftersale.Email, error) {
	d := s.templateData(step, r, f)
	var unsub string
	if cat != aftersale.CategoryTransactional {
		unsub = s.UnsubscribeURL(r.c)
		d.Links.Unsubscribe = unsub
		d.Links.Preferences = unsub
	}
	out, err := s.cfg.Renderer.Render(tmpl, d)
	if err != nil {
		return nil, err
	}
	m := &aftersale.Email{
		MessageID: messageID, Date: s.cfg.Clock.RealNow(), From: s.cfg.From, ReturnPath: s.cfg.ReturnPath,
		To: aftersale.Address{Name: r.c.Name, Email: r.c.Email}, Subject: out.Subject,
		Text: out.Text, HTML: out.HTML,
		Headers: []aftersale.Header{{Name: "X-Aftersale-Template", Value: tmpl}},
	}
	if unsub != "" {
		m.Headers = append(m.Headers,
			aftersale.Header{Name: "List-Unsubscribe", Value: "<" + unsub + ">"},
			aftersale.Header{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"})
	}
	return m, nil
}

// UnsubscribeURL is the signed one-click unsubscribe and preferences link
// of a customer. It names the customer by ID, so no address is in the URL.
func (s *Service) UnsubscribeURL(c *aftersale.Customer) string {
	return s.cfg.BaseURL + "/u/" + s.cfg.Links.Sign(aftersale.LinkUnsubscribe, strconv.FormatInt(c.ID, 10), UnsubscribeTTL)
}

// templateData builds what templates see for one recipient.
func (s *Service) templateData(step *aftersale.Step, r recipient, f *journey.Facts) *email.Data {
	person := func(c *aftersale.Customer) email.Person {
		return email.NewPerson(c.Name, c.Email)
	}
	tz := r.c.Timezone
	if tz == "" {
		tz = f.Buyer.Timezone
	}
	if tz == "" {
		tz = s.cfg.Schedule.DefaultTimezone
	}
	o := f.Order
	d := &email.Data{
		Business:  s.cfg.Business,
		Recipient: person(r.c),
		Buyer:     person(f.Buyer),
		IsUser:    r.isUser,
		Order: email.OrderData{
			ID: o.ExternalID, Currency: o.Currency, Total: o.Total, PlacedAt: o.PlacedAt,
			HasDigital:  o.HasKind(aftersale.KindDigital) || o.HasKind(aftersale.KindCourse) || o.HasKind(aftersale.KindMembership),
			HasPhysical: o.HasKind(aftersale.KindPhysical),
			HasCoaching: o.HasKind(aftersale.KindCoaching) || o.HasKind(aftersale.KindService),
		},
	}
	for _, it := range o.Items {
		d.Order.Items = append(d.Order.Items, email.ItemData{
			Name: it.Name, SKU: it.SKU, Kind: string(it.Kind), Quantity: it.Quantity, Price: it.Price, AccessURL: it.AccessURL,
		})
	}
	if f.User != nil {
		u := person(f.User)
		d.User = &u
	}
	for _, b := range f.Bookings {
		d.Bookings = append(d.Bookings, email.BookingData{
			StartsAt: b.StartsAt, When: email.FormatWhen(b.StartsAt, tz), Title: b.Title, JoinURL: b.JoinURL,
		})
	}
	if n := len(f.Shipments); n > 0 {
		sh := f.Shipments[n-1]
		if _, ref, ok := strings.Cut(step.Key, "/"); ok {
			for _, c := range f.Shipments {
				if c.TrackingNumber == ref {
					sh = c
				}
			}
		}
		d.Shipment = &email.ShipmentData{Carrier: sh.Carrier, TrackingNumber: sh.TrackingNumber, TrackingURL: sh.TrackingURL, Status: string(sh.Status)}
	}
	if !r.isUser {
		d.Links.WhoUses = s.cfg.BaseURL + "/w/" + s.cfg.Links.Sign(aftersale.LinkWhoUses, o.ExternalID, 90*24*time.Hour)
	}
	return d
}

// taskFor builds the task a task step creates: it appears now and is due
// the step's `due` later (one business day unless the journey says).
func (s *Service) taskFor(step *aftersale.Step, js *journey.Step, f *journey.Facts) (*aftersale.Task, error) {
	title, script, draft, err := js.TaskText(f)
	if err != nil {
		return nil, err
	}
	if title == "" {
		title = strings.ReplaceAll(string(js.Task), "_", " ") + " — " + f.Buyer.Email
	}
	assignee := js.Assignee
	if assignee == "" {
		assignee = journey.RoleOwner
	}
	due := js.Due
	if due.IsZero() {
		due = oneBusinessDay
	}
	now := s.cfg.Clock.RealNow()
	return &aftersale.Task{
		StepID: step.ID, CustomerID: f.Buyer.ID, OrderID: f.Order.ID, Kind: js.Task,
		Title: title, Script: script, Draft: draft, Assignee: assignee, Status: aftersale.TaskOpen,
		DueAt: s.cfg.Schedule.Due(now, &journey.Step{Wait: due}, f.Buyer.Timezone), CreatedAt: now,
	}, nil
}
