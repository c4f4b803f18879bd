package features

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

// testPrivacy runs the conformance tests of these store methods as subtests.
func testPrivacy(t *testing.T, s aftersale.Store) {
	t.Run("SetConsent", func(t *testing.T) { testCustomerSetConsent(t, s) })
	t.Run("Erase", func(t *testing.T) { testCustomerErase(t, s) })
	t.Run("EraseInUpdate", func(t *testing.T) { testCustomerEraseInUpdate(t, s) })
	t.Run("Scrub", func(t *testing.T) { testScrub(t, s) })
	t.Run("EraseSimilarAddress", func(t *testing.T) { testCustomerEraseSimilarAddress(t, s) })
}

func testCustomerSetConsent(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	c := fixture.NewCustomer(t, s, "consent@example.com")
	if c.MarketingConsent {
		t.Fatal("a new contact has marketing consent")
	}
	get := func() *aftersale.Customer {
		t.Helper()
		got, err := s.CustomerGet(ctx, c.ID)
		fixture.Ok(t, err)
		return got
	}

	fixture.Ok(t, s.CustomerSetConsent(ctx, c.ID, true, fixture.At(time.Hour)))
	want := *c
	want.MarketingConsent, want.UpdatedAt = true, fixture.At(time.Hour)
	fixture.Same(t, "after CustomerSetConsent(true)", get(), &want)
	fixture.Ok(t, s.CustomerSetConsent(ctx, c.ID, true, fixture.At(2*time.Hour)))
	want.UpdatedAt = fixture.At(2 * time.Hour)
	fixture.Same(t, "after CustomerSetConsent(true) again", get(), &want)

	// An upsert without a consent keeps it.
	_, err := s.CustomerUpsert(ctx, &aftersale.Contact{Email: c.Email, Name: "Consent"}, fixture.At(3*time.Hour))
	fixture.Ok(t, err)
	want.Name, want.UpdatedAt = "Consent", fixture.At(3*time.Hour)
	fixture.Same(t, "after an upsert without consent", get(), &want)
	// An order's "not subscribed" does not withdraw a consent the customer
	// confirmed themselves.
	_, err = s.CustomerUpsert(ctx, &aftersale.Contact{Email: c.Email, MarketingConsent: fixture.Ptr(false)}, fixture.At(3*time.Hour))
	fixture.Ok(t, err)
	fixture.Same(t, "after an upsert with consent false", get(), &want)

	// Withdrawn; an earlier time does not move UpdatedAt back.
	fixture.Ok(t, s.CustomerSetConsent(ctx, c.ID, false, fixture.At(time.Hour)))
	want.MarketingConsent = false
	fixture.Same(t, "after CustomerSetConsent(false)", get(), &want)

	// In a transaction, seeing its own write.
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		if err := tx.CustomerSetConsent(ctx, c.ID, true, fixture.At(4*time.Hour)); err != nil {
			return err
		}
		got, err := tx.CustomerGet(ctx, c.ID)
		if err != nil {
			return err
		}
		if !got.MarketingConsent {
			t.Error("CustomerSetConsent in a transaction: no consent read back")
		}
		return nil
	}))
	want.MarketingConsent, want.UpdatedAt = true, fixture.At(4*time.Hour)
	fixture.Same(t, "after CustomerSetConsent in a transaction", get(), &want)

	err = s.CustomerSetConsent(ctx, c.ID+100, true, fixture.T0)
	fixture.WantCode(t, "CustomerSetConsent of a missing customer", err, aftersale.ENOTFOUND)
}

// erasable is a customer with personal data in every table that can hold
// it, next to another customer whose data must stay as it is.
type erasable struct {
	ann, bob       fixture.Fixture
	annEmail       string
	bobOrderForAnn *aftersale.Order // bob bought it, ann uses it
	events         []string         // about ann or mentioning her
	bobEvent       string           // about bob, naming ann in its payload
	inboxAnn       []string         // still in the inbox, mentioning ann
	inboxOther     string
	tasks          []int64
	returnID       int64
	broadcastID    int64
	messageIDs     []string // RFC 5322 Message-IDs of ann's messages
}

// secrets are the spellings of ann's personal data that must be gone after
// the erase (compared lower-case).
var annSecrets = []string{"ann.smith", "ann smith", "+49 30 1234567", "europe/berlin", "ann-7k2q"}

func newErasable(t *testing.T, s aftersale.Store, prefix string) *erasable {
	t.Helper()
	ctx := t.Context()
	e := &erasable{annEmail: prefix + "Ann.Smith@Example.com"}
	// Not newFixture: its order would carry the address in its ID.
	var err error
	e.ann.Cust, err = s.CustomerUpsert(ctx, &aftersale.Contact{Email: e.annEmail, Name: "Ann Smith", Phone: "+49 30 1234567",
		Timezone: "Europe/Berlin", MarketingConsent: fixture.Ptr(true)}, fixture.T0)
	fixture.Ok(t, err)
	e.ann.Order = fixture.NewOrder(t, s, e.ann.Cust.ID, prefix+"A-1001", fixture.T0)
	e.ann.Run = fixture.NewRun(t, s, "onboarding", e.ann.Order.ID, e.ann.Cust.ID)
	e.ann.Step = fixture.NewSteps(t, s, fixture.Step(e.ann.Run, "welcome", fixture.T0))[0]
	e.bob = fixture.NewFixture(t, s, prefix+"bob@example.com")

	// An order bob bought for ann, with a plan and a session naming her.
	e.bobOrderForAnn = fixture.NewOrder(t, s, e.bob.Cust.ID, prefix+"gift-for-ann", fixture.At(time.Hour))
	fixture.Ok(t, s.OrderSetUser(ctx, e.bobOrderForAnn.ID, e.ann.Cust.ID))

	// Events: about ann (any case), one about bob that names ann, one about
	// bob alone.
	lower := strings.ToLower(e.annEmail)
	for i, ev := range []struct{ id, email, payload string }{
		{prefix + "evt_ann_1", e.annEmail, `{"customer":{"email":"` + e.annEmail + `","name":"Ann Smith","phone":"+49 30 1234567"}}`},
		{prefix + "evt_ann_2", lower, `{"customer":{"email":"` + lower + `"}}`},
		{prefix + "evt_bob_user", e.bob.Cust.Email, `{"customer":{"email":"` + e.bob.Cust.Email + `"},"user":{"email":"` +
			strings.ToUpper(e.annEmail) + `","name":"Ann Smith"}}`},
		{prefix + "evt_bob", e.bob.Cust.Email, `{"customer":{"email":"` + e.bob.Cust.Email + `"}}`},
	} {
		_, err := s.EventInsert(ctx, &aftersale.StoredEvent{ID: ev.id, Type: aftersale.EventOrderPlaced, Source: "api",
			OccurredAt: fixture.At(time.Duration(i) * time.Minute), ReceivedAt: fixture.At(time.Duration(i) * time.Minute),
			CustomerEmail: ev.email, OrderRef: e.ann.Order.ExternalID, Payload: []byte(ev.payload)})
		fixture.Ok(t, err)
	}
	e.events = []string{prefix + "evt_ann_1", prefix + "evt_ann_2"}
	e.bobEvent = prefix + "evt_bob_user"

	// The inbox: two events naming ann, one not.
	e.inboxAnn = []string{prefix + "inbox_ann_1", prefix + "inbox_ann_2"}
	e.inboxOther = prefix + "inbox_other"
	_, err = s.InboxAppend(ctx, []*aftersale.StoredEvent{
		{ID: e.inboxAnn[0], Type: aftersale.EventOrderPlaced, OccurredAt: fixture.T0, ReceivedAt: fixture.T0,
			Payload: []byte(`{"customer":{"email":"` + e.annEmail + `"}}`)},
		{ID: e.inboxOther, Type: aftersale.EventOrderPlaced, OccurredAt: fixture.T0, ReceivedAt: fixture.At(time.Second),
			Payload: []byte(`{"customer":{"email":"` + e.bob.Cust.Email + `"}}`)},
		{ID: e.inboxAnn[1], Type: aftersale.EventOrderPlaced, OccurredAt: fixture.T0, ReceivedAt: fixture.At(2 * time.Second),
			Payload: []byte(`{"user":{"email":"` + lower + `"}}`)},
	})
	fixture.Ok(t, err)

	// Messages: a step's mail that bounced quoting the address, a mail
	// without a step; and bob's.
	m, _, err := s.MessageBegin(ctx, &aftersale.Message{StepID: e.ann.Step.ID, CustomerID: e.ann.Cust.ID,
		Recipient: e.annEmail, MessageID: "<" + prefix + "m1@mail.example>", Template: "welcome",
		Subject: "Welcome, Ann Smith!", Category: aftersale.CategoryFollowUp, CreatedAt: fixture.T0})
	fixture.Ok(t, err)
	fixture.Ok(t, s.MessageFinish(ctx, m.ID, aftersale.MessageFailed, "550 5.1.1 <"+lower+">: no such user", fixture.At(time.Minute)))
	_, _, err = s.MessageBegin(ctx, &aftersale.Message{CustomerID: e.ann.Cust.ID, Recipient: e.annEmail,
		MessageID: "<" + prefix + "m2@mail.example>", Template: "personal", Subject: "Hi Ann Smith",
		Category: aftersale.CategoryPersonal, CreatedAt: fixture.At(time.Minute)})
	fixture.Ok(t, err)
	e.messageIDs = []string{"<" + prefix + "m1@mail.example>", "<" + prefix + "m2@mail.example>"}
	_, _, err = s.MessageBegin(ctx, fixture.Message(e.bob, e.bob.Cust.Email))
	fixture.Ok(t, err)

	// Tasks: ann's, one on ann's order without a customer, and bob's.
	for _, tk := range []*aftersale.Task{
		{CustomerID: e.ann.Cust.ID, OrderID: e.ann.Order.ID, Kind: aftersale.TaskCall, Title: "Call Ann Smith",
			Script: "Ask Ann Smith (+49 30 1234567) how it goes.", Draft: "Dear Ann Smith", Assignee: "owner",
			Status: aftersale.TaskOpen, DueAt: fixture.At(time.Hour), CreatedAt: fixture.T0},
		{OrderID: e.ann.Order.ID, Kind: aftersale.TaskCall, Title: "Order of Ann Smith", Assignee: "owner",
			Status: aftersale.TaskOpen, DueAt: fixture.At(time.Hour), CreatedAt: fixture.T0},
	} {
		got, err := s.TaskCreate(ctx, tk)
		fixture.Ok(t, err)
		e.tasks = append(e.tasks, got.ID)
	}
	_, err = s.TaskComplete(ctx, e.tasks[0], "reached", "Ann Smith wants a call back", "eve@team.example", fixture.At(2*time.Hour))
	fixture.Ok(t, err)
	_, err = s.TaskCreate(ctx, fixture.Task(e.bob, 0, "Call Bob", fixture.At(time.Hour)))
	fixture.Ok(t, err)

	// Survey answers, a plan and check-ins, a return, sessions.
	saveAnswer(t, s, answer(e.ann.Order, aftersale.AnswerComment, "", "", 0, fixture.T0))
	a := answer(e.ann.Order, aftersale.AnswerNPS, "", "", 9, fixture.T0)
	a.Comment = "Ann Smith loves it"
	saveAnswer(t, s, a)
	saveAnswer(t, s, answer(e.bob.Order, aftersale.AnswerNPS, "", "", 7, fixture.T0))
	for _, o := range []*aftersale.Order{e.ann.Order, e.bobOrderForAnn} {
		fixture.Ok(t, s.PlanSave(ctx, &aftersale.SuccessPlan{OrderID: o.ID, CustomerID: e.ann.Cust.ID,
			Objectives: []string{"Ann Smith launches her course"}, Metrics: []string{"10 students"},
			UpdatedBy: "client", UpdatedAt: fixture.T0}))
		_, err = s.CheckInAdd(ctx, &aftersale.CheckIn{OrderID: o.ID, Progress: 40, Note: "Ann Smith is on track",
			By: "client", CreatedAt: fixture.T0})
		fixture.Ok(t, err)
		fixture.Ok(t, s.BookingUpsert(ctx, &aftersale.BookingRecord{OrderID: o.ID, StartsAt: fixture.At(48 * time.Hour),
			Title: "Coaching: Ann Smith", JoinURL: "https://meet.example/ann-smith"}))
	}
	fixture.Ok(t, s.PlanSave(ctx, &aftersale.SuccessPlan{OrderID: e.bob.Order.ID, CustomerID: e.bob.Cust.ID,
		Objectives: []string{"Bob's goal"}, UpdatedBy: "client", UpdatedAt: fixture.T0}))
	r := newReturn(e.ann, prefix+"evt_return", fixture.At(time.Hour))
	r.Comment = "Please call Ann Smith on +49 30 1234567"
	ret, _, err := s.ReturnCreate(ctx, r)
	fixture.Ok(t, err)
	e.returnID = ret.ID

	// A broadcast message that failed quoting the address.
	b := newBroadcast(t, s, broadcast(prefix+"News", fixture.T0))
	e.broadcastID = b.ID
	fixture.Ok(t, s.BroadcastRecipientFinish(ctx, b.ID, e.ann.Cust.ID, "failed", "", "550 <"+lower+"> unknown", fixture.At(time.Minute)))

	// A referral code that spells her name, credited for bob's order,
	// which named it.
	_, err = s.ReferralCodeEnsure(ctx, e.ann.Cust.ID, prefix+"ANN-7K2Q", fixture.T0)
	fixture.Ok(t, err)
	coupon := *e.bob.Order
	coupon.ID, coupon.Coupon = 0, prefix+"ann-7k2q"
	_, err = s.OrderUpsert(ctx, &coupon)
	fixture.Ok(t, err)
	_, _, err = s.ReferralRecord(ctx, &aftersale.Referral{ReferrerID: e.ann.Cust.ID, CustomerID: e.bob.Cust.ID,
		OrderID: e.bob.Order.ID, Code: prefix + "ANN-7K2Q", CreatedAt: fixture.T0})
	fixture.Ok(t, err)
	return e
}

// readAll reads back, through the Queries, everything stored about the
// two customers of e, as JSON.
func (e *erasable) readAll(t *testing.T, s aftersale.Store) string {
	t.Helper()
	ctx := t.Context()
	var out []any
	add := func(v any, err error) {
		t.Helper()
		if err != nil && !aftersale.IsNotFound(err) {
			t.Fatalf("reading back: %v", err)
		}
		out = append(out, v)
	}
	for _, f := range []fixture.Fixture{e.ann, e.bob} {
		add(s.CustomerGet(ctx, f.Cust.ID))
		add(s.OrderListByCustomer(ctx, f.Cust.ID))
		add(s.StepListByCustomer(ctx, f.Cust.ID))
		add(s.MessageListByCustomer(ctx, f.Cust.ID))
		add(s.TaskList(ctx, aftersale.TaskFilter{CustomerID: f.Cust.ID}))
		add(s.SurveyAnswerList(ctx, aftersale.AnswerFilter{CustomerID: f.Cust.ID}))
		add(s.BroadcastRecipientList(ctx, f.Cust.ID))
		add(s.ReferralCodeOf(ctx, f.Cust.ID))
		add(s.EventListByCustomer(ctx, f.Cust.Email))
	}
	for _, o := range []*aftersale.Order{e.ann.Order, e.bob.Order, e.bobOrderForAnn} {
		add(s.PlanGet(ctx, o.ID))
		add(s.CheckInList(ctx, o.ID))
		add(s.BookingListByOrder(ctx, o.ID))
		add(s.ShipmentListByOrder(ctx, o.ID))
		add(s.RunListByOrder(ctx, o.ID))
	}
	for _, id := range append(e.events, e.bobEvent) {
		ev, err := s.EventGet(ctx, id)
		add(ev, err)
		if ev != nil {
			out = append(out, string(ev.Payload))
		}
	}
	for _, id := range e.messageIDs {
		add(s.MessageGetByMessageID(ctx, id))
	}
	add(s.MessageListRecent(ctx, 0))
	add(s.TaskList(ctx, aftersale.TaskFilter{}))
	add(s.SurveyAnswerList(ctx, aftersale.AnswerFilter{}))
	add(s.ReturnList(ctx, aftersale.ReturnFilter{}))
	add(s.ReferralList(ctx, aftersale.ReferralFilter{}))
	add(s.BroadcastList(ctx, 0))
	inbox, err := s.InboxList(ctx, 1000)
	add(inbox, err)
	for _, ev := range inbox {
		out = append(out, string(ev.Payload))
	}
	b, err := json.Marshal(out)
	fixture.Ok(t, err)
	return strings.ToLower(string(b))
}

func testCustomerErase(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	e := newErasable(t, s, "")
	before := e.readAll(t, s)
	for _, secret := range annSecrets {
		if !strings.Contains(before, secret) {
			t.Fatalf("the fixture does not store %q anywhere", secret)
		}
	}
	bobBefore, err := s.CustomerGet(ctx, e.bob.Cust.ID)
	fixture.Ok(t, err)
	bobMessages, err := s.MessageListByCustomer(ctx, e.bob.Cust.ID)
	fixture.Ok(t, err)
	bobTasks, err := s.TaskList(ctx, aftersale.TaskFilter{CustomerID: e.bob.Cust.ID})
	fixture.Ok(t, err)
	bobPlan, err := s.PlanGet(ctx, e.bob.Order.ID)
	fixture.Ok(t, err)
	bobEvent, err := s.EventGet(ctx, "evt_bob")
	fixture.Ok(t, err)

	erasedAt := fixture.At(10 * time.Hour)
	// While events naming ann wait in the inbox, the erase is refused and
	// changes nothing: the caller processes them first.
	fixture.WantCode(t, "CustomerErase with ann's events in the inbox", s.CustomerErase(ctx, e.ann.Cust.ID, erasedAt), aftersale.ECONFLICT)
	if c, err := s.CustomerGetByEmail(ctx, e.annEmail); err != nil || c.Name != "Ann Smith" {
		t.Fatalf("a refused erase changed the customer: %v %v", c, err)
	}
	fixture.Ok(t, s.InboxDelete(ctx, e.inboxAnn))
	fixture.Ok(t, s.CustomerErase(ctx, e.ann.Cust.ID, erasedAt))

	// Nothing stored anywhere spells ann's address, name, phone or code.
	after := e.readAll(t, s)
	for _, secret := range annSecrets {
		if i := strings.Index(after, secret); i >= 0 {
			t.Errorf("%q is still stored after the erase: …%s…", secret, after[max(0, i-120):min(len(after), i+80)])
		}
	}

	// The customer: an erased address, no consent, unsubscribed and
	// suppressed, created as before.
	_, err = s.CustomerGetByEmail(ctx, e.annEmail)
	fixture.WantCode(t, "CustomerGetByEmail of the erased address", err, aftersale.ENOTFOUND)
	erasedEmail := fmt.Sprintf("erased-%d@erased.invalid", e.ann.Cust.ID)
	got, err := s.CustomerGet(ctx, e.ann.Cust.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "the erased customer", got, &aftersale.Customer{ID: e.ann.Cust.ID, Email: erasedEmail,
		Unsubscribed: true, UnsubscribedAt: erasedAt, Suppressed: "erased", SuppressedAt: erasedAt,
		CreatedAt: e.ann.Cust.CreatedAt, UpdatedAt: erasedAt})
	got, err = s.CustomerGetByEmail(ctx, erasedEmail)
	fixture.Ok(t, err)
	if got.ID != e.ann.Cust.ID {
		t.Errorf("CustomerGetByEmail(%s) = customer %d", erasedEmail, got.ID)
	}
	list, err := s.BroadcastAudience(ctx, aftersale.Segment{}, 0, 1000)
	fixture.Ok(t, err)
	for _, c := range list {
		if c.ID == e.ann.Cust.ID {
			t.Error("the erased customer is in the audience of broadcasts")
		}
	}

	// Events: the rows stay (a redelivery is still a duplicate), their
	// payloads do not.
	for _, id := range append(e.events, e.bobEvent) {
		ev, err := s.EventGet(ctx, id)
		fixture.Ok(t, err)
		if string(ev.Payload) != `{"erased":true}` {
			t.Errorf("event %s has the payload %s after the erase", id, ev.Payload)
		}
		if ev.Type != aftersale.EventOrderPlaced || ev.OrderRef != e.ann.Order.ExternalID {
			t.Errorf("event %s lost its type or order: %s", id, fixture.Show(ev))
		}
		inserted, err := s.EventInsert(ctx, &aftersale.StoredEvent{ID: id, Type: aftersale.EventOrderPlaced,
			CustomerEmail: e.annEmail, Payload: []byte(`{}`)})
		fixture.Ok(t, err)
		if inserted {
			t.Errorf("event %s delivered again after the erase was inserted", id)
		}
	}
	evs, err := s.EventListByCustomer(ctx, e.annEmail)
	fixture.Ok(t, err)
	if len(evs) != 0 {
		t.Errorf("EventListByCustomer of the erased address: %s", fixture.Show(evs))
	}
	ev, err := s.EventGet(ctx, "evt_bob")
	fixture.Ok(t, err)
	fixture.Same(t, "bob's own event", ev, bobEvent)
	ev, err = s.EventGet(ctx, e.bobEvent)
	fixture.Ok(t, err)
	if ev.CustomerEmail != e.bob.Cust.Email {
		t.Errorf("bob's event that named ann is about %q now", ev.CustomerEmail)
	}

	// The inbox keeps the events that do not name ann.
	inbox, err := s.InboxList(ctx, 100)
	fixture.Ok(t, err)
	fixture.Same(t, "the inbox after the erase", fixture.InboxIDs(inbox), []string{e.inboxOther})

	// Messages: the erased address, no subject or error; the rest stays.
	msgs, err := s.MessageListByCustomer(ctx, e.ann.Cust.ID)
	fixture.Ok(t, err)
	if len(msgs) != 2 {
		t.Fatalf("%d messages of the erased customer, want 2", len(msgs))
	}
	for i, m := range msgs {
		if m.Recipient != erasedEmail || m.Subject != "" || m.Error != "" {
			t.Errorf("message %d after the erase: %s", m.ID, fixture.Show(m))
		}
		if m.MessageID != e.messageIDs[i] || m.Template == "" {
			t.Errorf("message %d lost its Message-ID or template: %s", m.ID, fixture.Show(m))
		}
	}
	if msgs[0].Status != aftersale.MessageFailed || !msgs[0].SentAt.Equal(fixture.At(time.Minute)) {
		t.Errorf("the bounced message lost its status or time: %s", fixture.Show(msgs[0]))
	}
	m, err := s.MessageGetByMessageID(ctx, e.messageIDs[0])
	fixture.Ok(t, err)
	fixture.Same(t, "MessageGetByMessageID after the erase", m, msgs[0])

	// Tasks: no text, but the facts.
	for _, id := range e.tasks {
		tk, err := s.TaskGet(ctx, id)
		fixture.Ok(t, err)
		if tk.Title != "(erased)" || tk.Script != "" || tk.Draft != "" || tk.Note != "" {
			t.Errorf("task %d after the erase: %s", id, fixture.Show(tk))
		}
	}
	tk, err := s.TaskGet(ctx, e.tasks[0])
	fixture.Ok(t, err)
	if tk.Status != aftersale.TaskDone || tk.Outcome != "reached" || tk.DoneBy != "eve@team.example" {
		t.Errorf("the done task lost its outcome: %s", fixture.Show(tk))
	}

	// Survey answers keep their values, not their comments.
	answers, err := s.SurveyAnswerList(ctx, aftersale.AnswerFilter{CustomerID: e.ann.Cust.ID})
	fixture.Ok(t, err)
	if len(answers) != 2 || answers[1].Value != 9 {
		t.Fatalf("answers after the erase: %s", fixture.Show(answers))
	}
	for _, a := range answers {
		if a.Comment != "" {
			t.Errorf("answer %d keeps the comment %q", a.ID, a.Comment)
		}
	}

	// Plans, check-ins and sessions of her orders, as buyer or user.
	for _, o := range []*aftersale.Order{e.ann.Order, e.bobOrderForAnn} {
		p, err := s.PlanGet(ctx, o.ID)
		fixture.Ok(t, err)
		if len(p.Objectives) != 0 || len(p.Metrics) != 0 || !p.UpdatedAt.Equal(fixture.T0) {
			t.Errorf("plan of order %d after the erase: %s", o.ID, fixture.Show(p))
		}
		cis, err := s.CheckInList(ctx, o.ID)
		fixture.Ok(t, err)
		if len(cis) != 1 || cis[0].Note != "" || cis[0].Progress != 40 {
			t.Errorf("check-ins of order %d after the erase: %s", o.ID, fixture.Show(cis))
		}
		bks, err := s.BookingListByOrder(ctx, o.ID)
		fixture.Ok(t, err)
		if len(bks) != 1 || bks[0].Title != "" || bks[0].JoinURL != "" || !bks[0].StartsAt.Equal(fixture.At(48*time.Hour)) {
			t.Errorf("sessions of order %d after the erase: %s", o.ID, fixture.Show(bks))
		}
	}

	// The return keeps its facts, not the comment.
	ret, err := s.ReturnGet(ctx, e.returnID)
	fixture.Ok(t, err)
	if ret.Comment != "" || ret.Status != aftersale.ReturnRequested || len(ret.Items) != 1 {
		t.Errorf("return after the erase: %s", fixture.Show(ret))
	}

	// The broadcast message keeps its status, not the error.
	recs, err := s.BroadcastRecipientList(ctx, e.ann.Cust.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "broadcast messages after the erase", recs, []*aftersale.BroadcastRecipient{
		{BroadcastID: e.broadcastID, CustomerID: e.ann.Cust.ID, Status: "failed", At: fixture.At(time.Minute)}})
	if b := getBroadcast(t, s, e.broadcastID); b.Failed != 1 {
		t.Errorf("the broadcast's count changed: %s", fixture.Show(b))
	}

	// The referral code no longer spells her name; the referral stays.
	rc, err := s.ReferralCodeOf(ctx, e.ann.Cust.ID)
	fixture.Ok(t, err)
	refs, err := s.ReferralList(ctx, aftersale.ReferralFilter{ReferrerID: e.ann.Cust.ID})
	fixture.Ok(t, err)
	if len(refs) != 1 || refs[0].Code != rc.Code || refs[0].OrderID != e.bob.Order.ID {
		t.Errorf("referrals after the erase (code %s): %s", rc.Code, fixture.Show(refs))
	}

	// Orders, runs and steps stay.
	orders, err := s.OrderListByCustomer(ctx, e.ann.Cust.ID)
	fixture.Ok(t, err)
	if len(orders) != 2 {
		t.Errorf("%d orders of the erased customer, want 2 (bought and used)", len(orders))
	}
	steps, err := s.StepListByCustomer(ctx, e.ann.Cust.ID)
	fixture.Ok(t, err)
	if len(steps) != 1 {
		t.Errorf("%d steps of the erased customer, want 1", len(steps))
	}

	// Bob's data is as it was.
	bobAfter, err := s.CustomerGet(ctx, e.bob.Cust.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "bob", bobAfter, bobBefore)
	gotMsgs, err := s.MessageListByCustomer(ctx, e.bob.Cust.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "bob's messages", gotMsgs, bobMessages)
	gotTasks, err := s.TaskList(ctx, aftersale.TaskFilter{CustomerID: e.bob.Cust.ID})
	fixture.Ok(t, err)
	fixture.Same(t, "bob's tasks", gotTasks, bobTasks)
	gotPlan, err := s.PlanGet(ctx, e.bob.Order.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "bob's plan", gotPlan, bobPlan)

	// Erasing again changes nothing; an unknown customer is not found.
	fixture.Ok(t, s.CustomerErase(ctx, e.ann.Cust.ID, fixture.At(20*time.Hour)))
	if again := e.readAll(t, s); again != after {
		t.Error("a second erase changed the stored data")
	}
	fixture.WantCode(t, "CustomerErase of a missing customer", s.CustomerErase(ctx, e.bob.Cust.ID+1000, erasedAt), aftersale.ENOTFOUND)

	// A new contact with her old address is a new customer.
	fresh, err := s.CustomerUpsert(ctx, &aftersale.Contact{Email: e.annEmail}, fixture.At(30*time.Hour))
	fixture.Ok(t, err)
	if fresh.ID == e.ann.Cust.ID || fresh.Name != "" {
		t.Errorf("a new contact with the erased address: %s", fixture.Show(fresh))
	}
}

// testCustomerEraseSimilarAddress: erasing ana@example.com leaves
// diana@example.com's events, inbox and messages alone.
func testCustomerEraseSimilarAddress(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ana, err := s.CustomerUpsert(ctx, &aftersale.Contact{Email: "ana@example.com", Name: "Ana"}, fixture.T0)
	fixture.Ok(t, err)
	_, err = s.CustomerUpsert(ctx, &aftersale.Contact{Email: "diana@example.com", Name: "Diana"}, fixture.T0)
	fixture.Ok(t, err)
	diana := `{"customer":{"email":"diana@example.com","name":"Diana"}}`
	for _, ev := range []struct{ id, email, payload string }{
		{"sim-ana", "ana@example.com", `{"customer":{"email":"ana@example.com"}}`},
		{"sim-diana", "diana@example.com", diana},
		{"sim-au", "ana@example.com.au", `{"customer":{"email":"ana@example.com.au"}}`},
	} {
		_, err := s.EventInsert(ctx, &aftersale.StoredEvent{ID: ev.id, Type: aftersale.EventOrderPlaced, Source: "api",
			OccurredAt: fixture.T0, ReceivedAt: fixture.T0, CustomerEmail: ev.email, Payload: []byte(ev.payload)})
		fixture.Ok(t, err)
	}
	_, err = s.InboxAppend(ctx, []*aftersale.StoredEvent{{ID: "sim-inbox-diana", Type: aftersale.EventOrderPlaced,
		OccurredAt: fixture.T0, ReceivedAt: fixture.T0, Payload: []byte(diana)}})
	fixture.Ok(t, err)
	fixture.Ok(t, s.CustomerErase(ctx, ana.ID, fixture.At(time.Hour))) // diana's waiting event is not ana's
	for id, want := range map[string]string{"sim-ana": `{"erased":true}`, "sim-diana": diana, "sim-au": `{"customer":{"email":"ana@example.com.au"}}`} {
		ev, err := s.EventGet(ctx, id)
		fixture.Ok(t, err)
		if string(ev.Payload) != want {
			t.Errorf("event %s after erasing ana: %s, want %s", id, ev.Payload, want)
		}
	}
	inbox, err := s.InboxList(ctx, 100)
	fixture.Ok(t, err)
	var left []string
	for _, id := range fixture.InboxIDs(inbox) {
		if strings.HasPrefix(id, "sim-") {
			left = append(left, id)
		}
	}
	fixture.Same(t, "the inbox after erasing ana", left, []string{"sim-inbox-diana"})
	if c, err := s.CustomerGetByEmail(ctx, "diana@example.com"); err != nil || c.Name != "Diana" {
		t.Errorf("diana after erasing ana: %v %v", c, err)
	}
}

func testCustomerEraseInUpdate(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	e := newErasable(t, s, "tx-")
	fixture.Ok(t, s.InboxDelete(ctx, e.inboxAnn)) // processed, as the engine makes sure
	// Rolled back: nothing is erased.
	err := s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		if err := tx.CustomerErase(ctx, e.ann.Cust.ID, fixture.At(10*time.Hour)); err != nil {
			return err
		}
		return aftersale.Errorf(aftersale.ECONFLICT, "roll back")
	})
	fixture.WantCode(t, "Update that erased and failed", err, aftersale.ECONFLICT)
	c, err := s.CustomerGetByEmail(ctx, e.annEmail)
	fixture.Ok(t, err)
	if c.Name != "Ann Smith" {
		t.Fatalf("a rolled-back erase changed the customer: %s", fixture.Show(c))
	}

	// Committed, next to other writes.
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		if _, err := tx.RunExit(ctx, e.ann.Run.ID, "customer erased", fixture.At(10*time.Hour)); err != nil {
			return err
		}
		if err := tx.CustomerErase(ctx, e.ann.Cust.ID, fixture.At(10*time.Hour)); err != nil {
			return err
		}
		got, err := tx.CustomerGet(ctx, e.ann.Cust.ID)
		if err != nil {
			return err
		}
		if got.Name != "" {
			t.Errorf("the erase is not seen in its own transaction: %s", fixture.Show(got))
		}
		return nil
	}))
	after := e.readAll(t, s)
	for _, secret := range annSecrets {
		if i := strings.Index(after, secret); i >= 0 {
			t.Errorf("%q is still stored after the erase in a transaction: …%s…", secret, after[max(0, i-120):min(len(after), i+80)])
		}
	}
	inbox, err := s.InboxList(ctx, 100)
	fixture.Ok(t, err)
	var left []string
	for _, id := range fixture.InboxIDs(inbox) {
		if strings.HasPrefix(id, "tx-") {
			left = append(left, id)
		}
	}
	fixture.Same(t, "the inbox after the erase in a transaction", left, []string{e.inboxOther})
	err = s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		return tx.CustomerErase(ctx, e.bob.Cust.ID+1000, fixture.T0)
	})
	fixture.WantCode(t, "CustomerErase of a missing customer in a transaction", err, aftersale.ENOTFOUND)
}

func testScrub(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	fixture.Ok(t, s.Scrub(ctx)) // an empty store
	e := newErasable(t, s, "scrub-")
	fixture.Ok(t, s.InboxDelete(ctx, e.inboxAnn))
	fixture.Ok(t, s.CustomerErase(ctx, e.ann.Cust.ID, fixture.At(10*time.Hour)))

	// Scrub while others write and read, as the job workers do.
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 2 {
		wg.Go(func() {
			for i := range 20 {
				if _, err := s.CustomerUpsert(ctx, &aftersale.Contact{Email: fmt.Sprintf("w%d-%d@example.com", w, i)}, fixture.T0); err != nil {
					errs <- err
					return
				}
				if _, err := s.InboxAppend(ctx, []*aftersale.StoredEvent{fixture.InboxEvent(fmt.Sprintf("scrub-w%d-%d", w, i), 0)}); err != nil {
					errs <- err
					return
				}
				if _, _, err := s.StepCountPending(ctx, fixture.T0); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	fixture.Ok(t, s.Scrub(ctx))
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a write next to Scrub: %v", err)
	}

	// The store works as before.
	after := e.readAll(t, s)
	for _, secret := range annSecrets {
		if strings.Contains(after, secret) {
			t.Errorf("%q is stored after the erase and scrub", secret)
		}
	}
	c, err := s.CustomerGet(ctx, e.bob.Cust.ID)
	fixture.Ok(t, err)
	if c.Email != "scrub-bob@example.com" {
		t.Errorf("bob after Scrub: %s", fixture.Show(c))
	}
	_, err = s.CustomerUpsert(ctx, &aftersale.Contact{Email: "after-scrub@example.com"}, fixture.T0)
	fixture.Ok(t, err)
	fixture.Ok(t, s.Scrub(ctx))
}
