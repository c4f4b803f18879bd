package engine

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/journey"
)

// UnsubscribeTTL is how long the unsubscribe link in an email keeps working.
const UnsubscribeTTL = 365 * 24 * time.Hour

// OpenTTL is how long the open pixel of an email records opens.
const OpenTTL = 180 * 24 * time.Hour

// errRetry marks a step that must be tried again later.
var errRetry = errors.New("temporary failure")

// ExecuteSteps runs the due steps with the IDs, one after another. Steps
// that are not pending any more are passed over, so a job that runs twice
// does nothing twice. A temporary failure of one step does not hold up the
// others; ExecuteSteps then returns an error so the job is retried, and on
// the final attempt (final=true) the failing steps are recorded as failed.
func (s *Service) ExecuteSteps(ctx context.Context, ids []int64, final bool) error {
	// The job's data is read once for many steps (see jobData), so the
	// erase gate is held from each read of it until the steps run on it
	// are recorded: an erase never falls between a read and a send, and
	// waits for at most about jobDataMaxAge of a job's work (including the
	// waits for steps' due times within the job's window).
	var d *jobData
	stepCtx := ctx
	var failed []string
	// Each step's outcome is committed while the next step runs (see
	// recordLater); they are all waited for before the gate is left.
	var pending []pendingRecord
	// settle waits for the oldest records until at most keep are left.
	settle := func(keep int) {
		for len(pending) > keep {
			if err := pending[0].wait(); err != nil {
				failed = append(failed, fmt.Sprintf("step %d: %s", pending[0].step, aftersale.Redact(err)))
			}
			pending = pending[1:]
		}
	}
	leave := func() {}
	defer func() { leave() }()
	for i, id := range ids {
		if ctx.Err() != nil {
			break
		}
		if d == nil || time.Since(d.readAt) > jobDataMaxAge {
			settle(0)
			leave()
			leave = s.gate.enter()
			var err error
			if d, err = s.prefetch(ctx, ids[i:]); err != nil {
				failed = append(failed, aftersale.Redact(err))
				break
			}
			stepCtx = context.WithValue(ctx, jobDataKey{}, d)
		}
		// A job holds the steps of a due-time window (see jobBucket): each
		// runs at its own due time, at most jobBucket after the job's
		// first. (The erase gate is held through these short waits.) A
		// step due later than that, which jobsFor never makes, runs with
		// the job, as every step of a job did before the windows.
		if st := d.steps[id]; st != nil {
			if wait := st.DueAt.Sub(s.cfg.Clock.RealNow()); wait > 0 && wait <= jobBucket && !s.cfg.Clock.Sleep(ctx, wait) {
				break
			}
		}
		// At most one step's outcome is still on its way while the next
		// runs. (Its emails were recorded as they were handed over, so
		// what a crash resends is bounded by the hand-off slots, not by
		// the jobs running: see handOver.)
		settle(1)
		if err := s.executeStep(stepCtx, id, d, final, &pending); err != nil && ctx.Err() == nil {
			failed = append(failed, fmt.Sprintf("step %d: %s", id, aftersale.Redact(err)))
		}
	}
	settle(0)
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d steps will be retried: %s", len(failed), len(ids), strings.Join(failed, "; "))
	}
	return nil
}

// pendingRecord is a step's outcome on its way to the database.
type pendingRecord struct {
	step int64
	wait func() error
}

// executeStep runs one step of a job, starting from the job's data d.
// A step missing from d is not pending (or gone): it is passed over.
// Its outcome is recorded asynchronously: complete queues it and adds its
// wait to pending, for ExecuteSteps.
func (s *Service) executeStep(ctx context.Context, id int64, d *jobData, final bool, pending *[]pendingRecord) error {
	st := s.cfg.Store
	step := d.steps[id]
	if step == nil {
		return nil
	}
	now := s.cfg.Clock.RealNow()
	var js *journey.Step // the step as configured; found below
	// complete records the step's outcome, with the messages it sent, in
	// one transaction, after what the step writes itself (pre, which also
	// gives the note): if the step was finished by someone else meanwhile
	// (its journey exited, say), none of that is written. done, when not
	// nil, runs once the outcome is committed.
	complete := func(status aftersale.StepStatus, pre func(ctx context.Context, tx aftersale.Tx) (string, error), done func(), msgs ...*aftersale.Message) error {
		wait := s.recordLater(ctx, msgs, false, func(ctx context.Context, tx aftersale.Tx) error {
			note, err := pre(ctx, tx)
			if err != nil {
				return err
			}
			return tx.StepFinish(ctx, step.ID, status, note, s.cfg.Clock.RealNow())
		})
		p := pendingRecord{step: step.ID, wait: func() error {
			err := wait()
			if aftersale.ErrorCode(err) == aftersale.ECONFLICT {
				// Finished by someone else meanwhile (its journey exited
				// while the job ran on data read up to jobDataMaxAge
				// before).
				return s.recordOrphans(ctx, msgs)
			}
			if err != nil {
				return err
			}
			if m := s.cfg.Metrics; m != nil {
				m.StepsFinished.WithLabelValues(string(step.Type), string(status)).Inc()
				if status == aftersale.StepDone {
					m.StepLag.Observe(now.Sub(step.DueAt).Seconds())
				}
			}
			if done != nil {
				done()
			}
			return nil
		}}
		if step.Type == aftersale.StepTask || (js != nil && js.Story) {
			// What these write is read by the next ones of the job: the
			// open tasks (round-robin assignment), the stories told.
			return p.wait()
		}
		*pending = append(*pending, p)
		return nil
	}
	finish := func(status aftersale.StepStatus, note string, msgs ...*aftersale.Message) error {
		return complete(status, func(context.Context, aftersale.Tx) (string, error) { return note, nil }, nil, msgs...)
	}
	j := s.cfg.Journeys.ByID(step.JourneyID)
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
	run := d.runs[step.RunID]
	if run == nil {
		return aftersale.Errorf(aftersale.ENOTFOUND, "run %d of step %d not found", step.RunID, step.ID)
	}
	if run.Status != aftersale.RunActive {
		return finish(aftersale.StepExited, "journey exited: "+run.ExitReason)
	}
	order := d.orders[step.OrderID]
	if order == nil {
		return aftersale.Errorf(aftersale.ENOTFOUND, "order %d of step %d not found", step.OrderID, step.ID)
	}
	if step.Type != aftersale.StepTask {
		// The people an email goes to are read again right before it is
		// sent, as each step did before job data: an erase (from another
		// node or the CLI, which this node's gate does not hold back) or
		// an unsubscribe takes effect at once, not up to jobDataMaxAge
		// later.
		if err := s.refreshCustomers(ctx, d, order); err != nil {
			return err
		}
	}
	buyer := d.customers[order.CustomerID]
	if buyer == nil {
		return aftersale.Errorf(aftersale.ENOTFOUND, "customer %d of order %d not found", order.CustomerID, order.ID)
	}
	// The returns are read for the steps of return journeys (their emails
	// show the return) and for conditions about returns.
	returns := js.If.NeedsReturns() || strings.HasPrefix(step.Anchor, journey.TriggerReturn)
	facts, err := loadFacts(ctx, st, s.cfg.Clock, s.cfg.Business.PhoneRegion, order, buyer, js.If.NeedsProgress(), returns, d)
	if err != nil {
		return err
	}
	if js.If.NeedsOutcomes() {
		if facts.TaskOutcomes, err = s.taskOutcomes(ctx, order); err != nil {
			return err
		}
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

	h := s.handlers[step.Type]
	if h == nil {
		// A step type this version does not know: say so rather than drop it.
		return finish(aftersale.StepSkipped, fmt.Sprintf("%s steps are not executed by this version", step.Type))
	}
	out, err := h(ctx, &StepExec{Step: step, Journey: js, Facts: facts, Final: final, svc: s})
	if err != nil {
		if errors.Is(err, errRetry) && !final {
			// Keep what was sent to the other recipients; retry the rest.
			if rerr := s.record(ctx, out.Messages, nil); rerr != nil {
				return rerr
			}
			return err
		}
		return finish(aftersale.StepFailed, err.Error(), out.Messages...)
	}
	write := out.Write
	if write == nil {
		write = func(context.Context, aftersale.Tx) (string, error) { return out.Note, nil }
	}
	return complete(out.Status, write, out.Committed, out.Messages...)
}

// recipient is one address an email step goes to.
type recipient struct {
	c      *aftersale.Customer
	isUser bool
	// story is the client story the email shows (steps with story: true);
	// nil for none.
	story *aftersale.Story
}

// sendStepEmail sends the step's email to each of its recipients and
// returns the messages to record and a note of what happened. Recipients
// already sent to are passed over.
// extra, when not nil, adds to each recipient's template data (a survey's
// links, an offer's code).
func (s *Service) sendStepEmail(ctx context.Context, step *aftersale.Step, js *journey.Step, f *journey.Facts, final bool,
	extra emailExtra) ([]*aftersale.Message, string, error) {
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
	if err := s.attachStory(ctx, step, js, f, rcpts, final); err != nil {
		return nil, "", err
	}
	category := js.Category
	if category == "" {
		category = aftersale.CategoryFollowUp
	}
	var notes []string
	var msgs []*aftersale.Message
	var retry error
	for _, r := range rcpts {
		msg, status, err := s.sendOne(ctx, step, js.Template, category, r, f, final, extra)
		if err != nil {
			if errors.Is(err, errRetry) {
				retry = err
				notes = append(notes, r.role()+": will retry")
				continue
			}
			return msgs, "", err
		}
		if msg != nil {
			msgs = append(msgs, msg)
		}
		notes = append(notes, r.role()+": "+string(status))
	}
	if retry != nil {
		return msgs, strings.Join(notes, ", "), retry
	}
	if len(notes) == 0 {
		return msgs, "nobody to send to", nil
	}
	return msgs, strings.Join(notes, ", "), nil
}

// emailExtra adds what a kind of step has to say (a survey's links, an
// offer's code) to the template data of one recipient.
type emailExtra func(r recipient, d *email.Data)

func (r recipient) role() string {
	if r.isUser {
		return "user"
	}
	return "buyer"
}

// sendOne sends one step email to one recipient and returns the message to
// record (nil when it was recorded before: sent, failed or suppressed, it
// is not sent again). Nothing is written before the hand-off; the message
// is recorded as soon as the Mailer returns (recordHandedOver), and again,
// unchanged, with the step's outcome. A crash in between resends it with
// the same Message-ID: at most Config.HandOvers emails in all.
func (s *Service) sendOne(ctx context.Context, step *aftersale.Step, tmpl string, cat aftersale.Category, r recipient, f *journey.Facts, final bool,
	extra emailExtra) (*aftersale.Message, aftersale.MessageStatus, error) {
	messageID := s.messageID(step, f.Order, r.c.Email)
	prev, err := s.recordedMessage(ctx, messageID)
	switch {
	case err == nil && prev.Status != aftersale.MessageSending:
		return nil, prev.Status, nil
	case err != nil && !aftersale.IsNotFound(err):
		return nil, "", err
	}
	now := s.cfg.Clock.RealNow()
	m, renderErr := s.compose(step, tmpl, cat, r, f, messageID, extra)
	msg := &aftersale.Message{
		StepID: step.ID, CustomerID: r.c.ID, Recipient: r.c.Email, MessageID: messageID,
		Template: tmpl, Category: cat, CreatedAt: now, SentAt: now,
	}
	if m != nil {
		msg.Subject = m.Subject
	}
	if r.story != nil {
		msg.StoryID = r.story.ID // counted as sent when msg is recorded as sent
	}
	// Consent is checked here, at send time, so an unsubscribe honours mail
	// that was already queued.
	if why := suppressed(cat, r.c); why != "" {
		msg.Status, msg.Error = aftersale.MessageSuppressed, why
		return msg, msg.Status, nil
	}
	if renderErr != nil {
		s.log.ErrorContext(ctx, "email render failed", "step_id", step.ID, "template", tmpl, "err", aftersale.Redact(renderErr))
		msg.Status, msg.Error = aftersale.MessageFailed, "render: "+renderErr.Error()
		return msg, msg.Status, nil
	}
	release, err := s.handOver(ctx)
	if err != nil {
		return nil, "", err
	}
	if err := s.sendHolding(ctx, m, release); err != nil {
		if aftersale.IsTemporary(err) && !final {
			release() // nothing was handed over
			s.log.WarnContext(ctx, "email delivery deferred", "step_id", step.ID, "message_id", messageID, "err", aftersale.Redact(err))
			if m := s.cfg.Metrics; m != nil {
				m.Emails.WithLabelValues("deferred", string(cat)).Inc()
			}
			return nil, "", fmt.Errorf("%w: %v", errRetry, err)
		}
		s.log.ErrorContext(ctx, "email delivery failed", "step_id", step.ID, "message_id", messageID, "err", aftersale.Redact(err))
		s.noteMalformed(ctx, err, "step_id", step.ID, "message_id", messageID)
		msg.Status, msg.Error = aftersale.MessageFailed, err.Error()
		s.recordHandedOver(ctx, msg, release)
		return msg, msg.Status, nil
	}
	s.log.InfoContext(ctx, "email sent", "step_id", step.ID, "template", tmpl, "message_id", messageID)
	msg.Status, msg.SentAt = aftersale.MessageSent, s.cfg.Clock.RealNow()
	s.recordHandedOver(ctx, msg, release)
	return msg, msg.Status, nil
}

// record stores the messages with their final status, and then runs also
// (when not nil), in one transaction shared with other steps' records
// (group commit): one disk flush for many sent emails.
func (s *Service) record(ctx context.Context, msgs []*aftersale.Message, also func(ctx context.Context, tx aftersale.Tx) error) error {
	return s.recordLater(ctx, msgs, false, also)()
}

// recordLater is record that returns at once: the function it returns
// waits for the commit and returns its error. With skipErased, messages to
// a customer erased meanwhile are not written (see writeMessages).
func (s *Service) recordLater(ctx context.Context, msgs []*aftersale.Message, skipErased bool,
	also func(ctx context.Context, tx aftersale.Tx) error) func() error {
	if len(msgs) == 0 && also == nil {
		return func() error { return nil }
	}
	// Mail already handed over must be recorded even if the job's context
	// ends now (a timeout, a shutdown): otherwise it would be sent again.
	ctx = context.WithoutCancel(ctx)
	enqueue, cancel := context.WithTimeout(ctx, recordWait)
	defer cancel()
	wait := s.commit.submit(enqueue, func(ctx context.Context, tx aftersale.Tx) error {
		if err := writeMessages(ctx, tx, msgs, skipErased); err != nil {
			return err
		}
		if also != nil {
			return also(ctx, tx)
		}
		return nil
	})
	return func() error {
		// The time allowed runs from now, when the caller starts waiting.
		ctx, cancel := context.WithTimeout(ctx, recordWait)
		defer cancel()
		_, err := wait(ctx)
		if err == nil {
			s.countEmails(msgs)
		}
		return err
	}
}

// recordWait bounds the wait for a record to be committed.
const recordWait = 30 * time.Second

// countEmails counts recorded messages in the metrics.
func (s *Service) countEmails(msgs []*aftersale.Message) {
	if mt := s.cfg.Metrics; mt != nil {
		for _, m := range msgs {
			mt.Emails.WithLabelValues(string(m.Status), string(m.Category)).Inc()
		}
	}
}

// writeMessages records msgs in tx (a message recorded before is left as
// it is, see MessageRecord). With skipErased, the messages to a customer
// erased meanwhile (on another node, or by the CLI beside the service) are
// not written: nothing of theirs may be stored after their erase.
func writeMessages(ctx context.Context, tx aftersale.Tx, msgs []*aftersale.Message, skipErased bool) error {
	for _, m := range msgs {
		if skipErased && m.CustomerID != 0 {
			c, err := tx.CustomerGet(ctx, m.CustomerID)
			if err != nil && !aftersale.IsNotFound(err) {
				return err
			}
			if err != nil || c.Erased() {
				continue
			}
		}
		recorded, err := tx.MessageRecord(ctx, &aftersale.Message{
			StepID: m.StepID, CustomerID: m.CustomerID, Recipient: m.Recipient, MessageID: m.MessageID,
			Template: m.Template, Subject: m.Subject, Category: m.Category,
			Status: m.Status, Error: m.Error, CreatedAt: m.CreatedAt, SentAt: m.SentAt,
		})
		if err != nil {
			return err
		}
		if !recorded {
			continue // recorded before
		}
		if err := markStory(ctx, tx, m); err != nil {
			return err
		}
	}
	return nil
}

// recordOrphans records the messages of a step that someone else finished
// while it ran (its journey exited: a refund, an erase): they were handed
// over, so they are recorded, to be never sent again — except to a
// customer erased meanwhile.
func (s *Service) recordOrphans(ctx context.Context, msgs []*aftersale.Message) error {
	return s.recordLater(ctx, msgs, true, nil)()
}

// suppressed says why a message of the category must not go to c, or "".
// A hard bounce stops all mail (the address does not take it); a spam
// complaint stops all but transactional mail, like an unsubscribe.
func suppressed(cat aftersale.Category, c *aftersale.Customer) string {
	switch {
	case c.Erased():
		return "erased" // nothing goes to the placeholder of an erased customer
	case strings.HasPrefix(c.Suppressed, aftersale.SuppressBounce):
		return c.Suppressed
	case cat == aftersale.CategoryTransactional:
		return ""
	case c.Suppressed != "":
		return c.Suppressed
	case cat == aftersale.CategoryPersonal:
		return ""
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
	return "<" + hex.EncodeToString(h[:16]) + "@" + s.mailDomain() + ">"
}

// compose renders the template for one recipient and builds the message
// with its headers.
func (s *Service) compose(step *aftersale.Step, tmpl string, cat aftersale.Category, r recipient, f *journey.Facts, messageID string,
	extra emailExtra) (*aftersale.Email, error) {
	d := s.templateData(step, r, f)
	if extra != nil {
		extra(r, d)
	}
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
	if m.HTML != "" && tracked(cat) {
		m.HTML = withPixel(m.HTML, s.OpenPixelURL(messageID))
	}
	if unsub != "" {
		m.Headers = append(m.Headers,
			aftersale.Header{Name: "List-Unsubscribe", Value: "<" + unsub + ">"},
			aftersale.Header{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"})
	}
	return m, nil
}

// tracked says whether email of the category carries the open pixel:
// follow-up and marketing email do; transactional and personal email never.
func tracked(cat aftersale.Category) bool {
	return cat == aftersale.CategoryFollowUp || cat == aftersale.CategoryMarketing
}

// OpenPixelURL is the signed address of the 1×1 open pixel of the email
// with the Message-ID. It names the message, not the recipient.
func (s *Service) OpenPixelURL(messageID string) string {
	return s.cfg.BaseURL + "/o/" + s.cfg.Links.Sign(aftersale.LinkOpen, messageID, OpenTTL) + ".gif"
}

// withPixel adds the open pixel to an HTML document, before </body> (or at
// the end when it has none).
func withPixel(html, src string) string {
	img := `<img src="` + template.HTMLEscapeString(src) + `" width="1" height="1" alt="" style="display:block;border:0">`
	if i := lastBodyEnd(html); i >= 0 {
		return html[:i] + img + html[i:]
	}
	return html + img
}

// lastBodyEnd returns the index of the last "</body>" in html, in any
// case, or -1; without lower-casing a copy of the whole document.
func lastBodyEnd(html string) int {
	const tag = "</body>"
	for i := strings.LastIndex(html, "</"); i >= 0; i = strings.LastIndex(html[:i], "</") {
		if len(html)-i >= len(tag) && strings.EqualFold(html[i:i+len(tag)], tag) {
			return i
		}
	}
	return -1
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
		Story:     storyData(r.story),
		Order:     email.NewOrderData(o),
	}
	if f.User != nil {
		u := person(f.User)
		d.User = &u
	}
	for _, b := range f.Bookings {
		d.Bookings = append(d.Bookings, email.NewBookingData(*b, tz))
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
		d.Shipment = email.NewShipmentData(sh)
	}
	if !r.isUser {
		d.Links.WhoUses = s.cfg.BaseURL + "/w/" + s.cfg.Links.Sign(aftersale.LinkWhoUses, o.ExternalID, 90*24*time.Hour)
	}
	if !r.c.MarketingConsent {
		d.Links.OptIn = s.OptInURL(r.c) // the double opt-in email asks for consent
	}
	if d.Order.HasPhysical {
		d.Links.Returns = s.cfg.BaseURL + "/returns"
		yes, no := s.arrivalLinks(o.ExternalID)
		d.Arrival = &email.ArrivalData{Yes: yes, No: no, Delivered: !o.DeliveredAt.IsZero()}
	}
	if ret := stepReturn(step, f.Returns); ret != nil {
		d.Return = s.returnData(ret)
	}
	return d
}

// stepReturn returns the return a step is about: the one its key names
// (steps after a return's status, or of a second return), else the newest.
// Steps of purchase journeys are about no return.
func stepReturn(step *aftersale.Step, returns []*aftersale.Return) *aftersale.Return {
	if len(returns) == 0 || !strings.HasPrefix(step.Anchor, journey.TriggerReturn) {
		return nil
	}
	if _, ref, ok := strings.Cut(step.Key, "/"); ok {
		for _, r := range returns {
			if strconv.FormatInt(r.ID, 10) == ref {
				return r
			}
		}
	}
	return returns[0]
}

// returnData is what return emails show of a return.
func (s *Service) returnData(r *aftersale.Return) *email.ReturnData {
	p := s.ReturnPolicy()
	d := &email.ReturnData{
		Status: string(r.Status), Resolution: r.Resolution, Reason: r.Reason,
		Address: p.Address, LabelURL: p.LabelURL, RefundDays: p.RefundDays, StatusURL: s.returnStatusURL(r.ID),
	}
	for _, it := range r.Items {
		d.Items = append(d.Items, email.ItemData{Name: it.Name, SKU: it.SKU, Quantity: it.Quantity})
	}
	return d
}

// taskFor builds the task a task step creates: it appears now and is due
// the step's `due` later (one business day unless the journey says).
func (s *Service) taskFor(ctx context.Context, step *aftersale.Step, js *journey.Step, f *journey.Facts) (*aftersale.Task, error) {
	title, script, draft, err := js.TaskText(f)
	if err != nil {
		return nil, err
	}
	if title == "" {
		title = strings.ReplaceAll(string(js.Task), "_", " ") + " — " + f.Buyer.Email
	}
	assignee, err := s.assign(ctx, js.Assignee, f.Order)
	if err != nil {
		return nil, err
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

// taskOutcomes maps the journey step id of each completed task of the
// order to its outcome, for conditions (outcome("welcome-call")). A retried
// call (a task made by CompleteTask, with no step) counts for the step of
// the call it retries (Task.RetryOf, followed back to the first call); the
// latest outcome wins.
func (s *Service) taskOutcomes(ctx context.Context, o *aftersale.Order) (map[string]string, error) {
	tasks, err := s.cfg.Store.TaskList(ctx, aftersale.TaskFilter{CustomerID: o.CustomerID, Status: aftersale.TaskDone})
	if err != nil {
		return nil, err
	}
	// By creation: a retry comes after the call it retries, however their
	// due times fall.
	slices.SortFunc(tasks, func(a, b *aftersale.Task) int { return cmp.Compare(a.ID, b.ID) })
	out := map[string]string{}
	stepOf := map[int64]string{} // task ID: the step id it counts for
	for _, t := range tasks {
		if t.OrderID != o.ID {
			continue
		}
		id := ""
		switch {
		case t.StepID != 0:
			st, err := s.cfg.Store.StepGet(ctx, t.StepID)
			if err != nil {
				return nil, err
			}
			id = st.StepID
		case t.RetryOf != 0:
			id = stepOf[t.RetryOf]
		}
		stepOf[t.ID] = id
		if id != "" {
			out[id] = t.Outcome
		}
	}
	return out, nil
}
