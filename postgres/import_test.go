package postgres_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/sqlite"
)

// openSQLite opens a new SQLite store in a temporary directory.
func openSQLite(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "aftersale.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// catalog names every record that fill stored, so that dump can read them
// all back through the Store interface.
type catalog struct {
	customers []int64
	emails    []string
	events    []string
	orders    []int64
	runs      []int64
	steps     []int64
	messageID []string // RFC 5322 Message-IDs
	tasks     []int64
	members   []int64
	answers   []int64
	checkIns  []int64
	returns   []int64
	returnEvs []string // the event IDs of the returns
	coupons   []string // codes
	couponIDs []int64
	referrals []int64
	stories   []int64
	bcasts    []int64
	secrets   []string
}

// fill stores a bit of everything in s, including nullable columns both
// set and unset, and times with microseconds.
func fill(t *testing.T, s aftersale.Store) *catalog {
	t.Helper()
	ctx := t.Context()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Date(2025, 3, 1, 9, 30, 0, 123456000, time.UTC)
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	var cat catalog

	for i, c := range []aftersale.Contact{
		{Email: "Ann@Example.com", Name: "Ann", Phone: "+49 30 1234", Timezone: "Europe/Berlin", MarketingConsent: new(true)},
		{Email: "bob@example.com", Name: "Bob", MarketingConsent: new(false)},
		{Email: "carl@example.com"},
		{Email: "dora@example.com", Name: "Dora"},
	} {
		cust, err := s.CustomerUpsert(ctx, &c, at(i))
		must(err)
		cat.customers, cat.emails = append(cat.customers, cust.ID), append(cat.emails, c.Email)
	}
	ann, bob, carl, dora := cat.customers[0], cat.customers[1], cat.customers[2], cat.customers[3]
	must(s.CustomerSetUnsubscribed(ctx, "bob@example.com", true, at(5)))
	must(s.CustomerSetSuppressed(ctx, "carl@example.com", "bounce 5.1.1", at(6)))
	must(s.CustomerSetSuppressed(ctx, "dora@example.com", aftersale.SuppressComplaint, at(7)))
	must(s.CustomerSetUnsubscribed(ctx, "dora@example.com", true, at(7)))

	for i, e := range []struct{ id, email, ref string }{
		{"evt_1", "Ann@Example.com", "1001"}, {"evt_2", "bob@example.com", "1002"}, {"evt_3", "", ""},
		{"evt_4", "ann@example.com", "1001"},
	} {
		_, err := s.EventInsert(ctx, &aftersale.StoredEvent{ID: e.id, Type: aftersale.EventOrderPlaced, Source: "api",
			OccurredAt: at(i), ReceivedAt: at(i).Add(time.Microsecond), CustomerEmail: e.email, OrderRef: e.ref,
			Payload: []byte(`{"id":"` + e.id + `","bytes":"\u00e9\u0000"}`)})
		must(err)
		cat.events = append(cat.events, e.id)
	}

	items := []aftersale.Item{
		{SKU: "C-1", Name: "Course", Kind: aftersale.KindCourse, Quantity: 1, Price: "99.00", AccessURL: "https://x.example/c"},
		{SKU: "B-1", Name: "Book", Kind: aftersale.KindPhysical, Quantity: 3, Price: "25.00"},
	}
	for _, o := range []aftersale.Order{
		{ExternalID: "1001", CustomerID: ann, Source: "shopify", Currency: "EUR", Total: "174.00", Coupon: "SPRING", PlacedAt: at(0), Items: items},
		{ExternalID: "1002", CustomerID: bob, Source: "api", Currency: "USD", Total: "10", PlacedAt: at(1), Items: items[1:]},
		{ExternalID: "1003", CustomerID: dora, PlacedAt: at(2)},
	} {
		stored, err := s.OrderUpsert(ctx, &o)
		must(err)
		cat.orders = append(cat.orders, stored.ID)
	}
	o1, o2, o3 := cat.orders[0], cat.orders[1], cat.orders[2]
	must(s.OrderSetUser(ctx, o2, carl))
	_, err := s.OrderMarkAccessed(ctx, o1, at(2))
	must(err)
	_, err = s.OrderMarkDelivered(ctx, o2, at(3))
	must(err)
	must(s.OrderSetStatus(ctx, o2, aftersale.OrderRefunded, at(4)))
	for _, a := range []struct {
		order  int64
		answer string
		h      int
	}{{o1, aftersale.ArrivalNo, 3}, {o1, aftersale.ArrivalYes, 4}, {o2, aftersale.ArrivalNo, 5}} {
		_, err := s.OrderSetArrival(ctx, a.order, a.answer, at(a.h))
		must(err)
	}
	_, err = s.ShipmentUpsert(ctx, &aftersale.ShipmentRecord{OrderID: o2, Carrier: "dhl", TrackingNumber: "A",
		TrackingURL: "https://dhl.example/A", Status: aftersale.ShipmentDelivered, UpdatedAt: at(3)})
	must(err)
	_, err = s.ShipmentUpsert(ctx, &aftersale.ShipmentRecord{OrderID: o2, TrackingNumber: "B",
		Status: aftersale.ShipmentInTransit, UpdatedAt: at(2)})
	must(err)
	must(s.BookingUpsert(ctx, &aftersale.BookingRecord{OrderID: o1, StartsAt: at(48), Title: "Kickoff", JoinURL: "https://meet.example/1"}))
	must(s.BookingUpsert(ctx, &aftersale.BookingRecord{OrderID: o1, StartsAt: at(24)}))

	for _, r := range []aftersale.JourneyRun{
		{JourneyID: "onboarding", OrderID: o1, CustomerID: ann, EventID: "evt_1", StartedAt: at(0)},
		{JourneyID: "onboarding", OrderID: o2, CustomerID: bob, EventID: "evt_2", StartedAt: at(1)},
		{JourneyID: "onboarding", OrderID: o2, CustomerID: carl, EventID: "evt_2", StartedAt: at(1)},
		{JourneyID: "winback", CustomerID: dora, StartedAt: at(2)},
		{JourneyID: "review", OrderID: o3, CustomerID: dora, StartedAt: at(2)},
	} {
		run, _, err := s.RunCreate(ctx, &r)
		must(err)
		cat.runs = append(cat.runs, run.ID)
	}
	step := func(run int, key string, due time.Time) *aftersale.Step {
		r, err := s.RunGet(ctx, cat.runs[run])
		must(err)
		return &aftersale.Step{RunID: r.ID, OrderID: r.OrderID, CustomerID: r.CustomerID, JourneyID: r.JourneyID,
			StepID: key, Key: key + "/purchase", Type: aftersale.StepEmail, Anchor: "purchase", DueAt: due, CreatedAt: at(0)}
	}
	steps, err := s.StepInsert(ctx, []*aftersale.Step{
		step(0, "welcome", at(0)), step(0, "checkin", at(24)), step(0, "call", at(48)), step(0, "survey", at(72)),
		step(0, "offer", at(96)), step(1, "welcome", at(1)), step(1, "checkin", at(25)), step(2, "welcome", at(1)),
		step(3, "winback", at(200)),
	})
	must(err)
	for _, st := range steps {
		cat.steps = append(cat.steps, st.ID)
	}
	must(s.StepFinish(ctx, steps[0].ID, aftersale.StepDone, "sent", at(0)))
	must(s.StepFinish(ctx, steps[3].ID, aftersale.StepSkipped, "no consent", at(72)))
	must(s.StepFinish(ctx, steps[4].ID, aftersale.StepFailed, "550", at(96)))
	must(s.StepFinish(ctx, steps[5].ID, aftersale.StepDone, "", at(1)))
	_, err = s.RunExit(ctx, cat.runs[1], "refunded", at(4)) // exits "checkin" of run 1
	must(err)
	r0, err := s.RunGet(ctx, cat.runs[0])
	must(err)
	must(s.StepPlanInsert(ctx, &aftersale.StepPlan{RunID: r0.ID, OrderID: r0.OrderID, CustomerID: r0.CustomerID,
		JourneyID: r0.JourneyID, Anchor: "purchase", CreatedAt: at(0), Steps: []aftersale.PlannedStep{
			{StepID: "day30", Key: "day30", Type: aftersale.StepEmail, DueAt: at(720)},
			{StepID: "day45", Key: "day45", Type: aftersale.StepTask, DueAt: at(1080)}}}))

	for i, m := range []struct {
		step      int
		cust      int64
		to        string
		status    aftersale.MessageStatus
		errText   string
		attempts  int
		messageID string
	}{
		{0, ann, "Ann@Example.com", aftersale.MessageSent, "", 1, "<1@mail.example>"},
		{5, bob, "bob@example.com", aftersale.MessageFailed, "550 5.1.1", 2, "<2@mail.example>"},
		{7, carl, "carl@example.com", aftersale.MessageSuppressed, "suppressed", 1, "<3@mail.example>"},
		{1, ann, "ann@example.com", "", "", 3, "<4@mail.example>"}, // still sending
		{-1, 0, "someone@example.com", aftersale.MessageSent, "", 1, "<5@mail.example>"},
	} {
		in := &aftersale.Message{CustomerID: m.cust, Recipient: m.to, MessageID: m.messageID, Template: "t" + fmt.Sprint(i),
			Subject: "Subject " + fmt.Sprint(i), Category: aftersale.CategoryFollowUp, CreatedAt: at(i)}
		if m.step >= 0 {
			in.StepID = steps[m.step].ID
		}
		var msg *aftersale.Message
		for range m.attempts {
			msg, _, err = s.MessageBegin(ctx, in)
			must(err)
		}
		if m.status != "" {
			must(s.MessageFinish(ctx, msg.ID, m.status, m.errText, at(i).Add(time.Minute)))
		}
		cat.messageID = append(cat.messageID, m.messageID)
	}

	for i, tk := range []aftersale.Task{
		{StepID: steps[2].ID, CustomerID: ann, OrderID: o1, Kind: aftersale.TaskCall, Title: "Call Ann",
			Script: "# Script", Draft: "Hi", Assignee: "owner", DueAt: at(48), CreatedAt: at(0)},
		{CustomerID: bob, Kind: aftersale.TaskPersonalEmail, Title: "Write Bob", DueAt: at(10), CreatedAt: at(1)},
		{Kind: aftersale.TaskHandwrittenNote, Title: "Note", Status: aftersale.TaskCancelled, DueAt: at(11), CreatedAt: at(2)},
	} {
		task, err := s.TaskCreate(ctx, &tk)
		must(err)
		cat.tasks = append(cat.tasks, task.ID)
		if i == 1 {
			_, err := s.TaskComplete(ctx, task.ID, "reached", "happy", "Eve@Team.example", at(12))
			must(err)
		}
	}

	for _, m := range []aftersale.Member{
		{Email: "Eve@Team.example", Name: "Eve", Role: aftersale.RoleOwner, PasswordHash: "$argon2id$v=19$x",
			SMTPURL: "smtp://eve:pw@mail.example:587", CreatedAt: at(0)},
		{Email: "fay@team.example", Role: aftersale.RoleAssistant, CreatedAt: at(1), SessionEpoch: 3, DeactivatedAt: at(2)},
	} {
		member, err := s.MemberCreate(ctx, &m)
		must(err)
		cat.members = append(cat.members, member.ID)
	}
	for _, a := range []aftersale.SurveyAnswer{
		{CustomerID: ann, OrderID: o1, Kind: aftersale.AnswerImportance, Quality: "expertise", Value: 1, CreatedAt: at(50)},
		{CustomerID: ann, OrderID: o1, Kind: aftersale.AnswerPerformance, Quality: "expertise", Subject: "Eve@Team.example",
			Value: 4, Comment: "Knew her stuff \u00e9", CreatedAt: at(51)},
		{CustomerID: ann, OrderID: o1, Kind: aftersale.AnswerNPS, Value: 9, CreatedAt: at(51)},
		{CustomerID: dora, OrderID: o3, Kind: aftersale.AnswerComment, Comment: "Slow", CreatedAt: at(52)},
	} {
		answer, err := s.SurveyAnswerSave(ctx, &a)
		must(err)
		cat.answers = append(cat.answers, answer.ID)
	}
	must(s.PlanSave(ctx, &aftersale.SuccessPlan{OrderID: o1, CustomerID: ann, Objectives: []string{"Launch \u00e9", "Ten students"},
		Metrics: []string{"course live"}, UpdatedBy: "client", UpdatedAt: at(53)}))
	for _, c := range []aftersale.CheckIn{
		{OrderID: o1, Progress: 30, Note: "started", By: "eve@team.example", CreatedAt: at(54)},
		{OrderID: o1, Progress: 60, By: "client", CreatedAt: at(55)},
	} {
		ci, err := s.CheckInAdd(ctx, &c)
		must(err)
		cat.checkIns = append(cat.checkIns, ci.ID)
	}

	for i, r := range []aftersale.Return{
		{OrderID: o1, CustomerID: ann, EventID: "evt_r1", Resolution: aftersale.ResolutionExchange, Reason: "It doesn't fit",
			Comment: "Larger \u00e9", Source: "page", CreatedAt: at(60),
			Items: []aftersale.ReturnItem{{SKU: "B-1", Name: "Book", Quantity: 2}, {SKU: "C-1", Name: "Course", Quantity: 1}}},
		{OrderID: o2, CustomerID: carl, EventID: "evt_r2", Reason: "Something else", Source: "api", CreatedAt: at(61)},
		{OrderID: o3, CustomerID: dora, EventID: "evt_r3", Source: "shopify", CreatedAt: at(62),
			Items: []aftersale.ReturnItem{{Name: "No SKU"}}},
	} {
		ret, _, err := s.ReturnCreate(ctx, &r)
		must(err)
		switch i {
		case 0:
			_, err = s.ReturnSetStatus(ctx, ret.ID, aftersale.ReturnRequested, aftersale.ReturnReceived, "Eve@Team.example", at(63))
		case 2:
			_, err = s.ReturnSetStatus(ctx, ret.ID, aftersale.ReturnRequested, aftersale.ReturnCancelled, "fay@team.example", at(64))
		}
		must(err)
		cat.returns, cat.returnEvs = append(cat.returns, ret.ID), append(cat.returnEvs, r.EventID)
	}

	// Consent given on the preferences page, with its time (consent_at).
	must(s.CustomerSetConsent(ctx, dora, true, at(65)))
	must(s.CustomerSetConsent(ctx, bob, true, at(65)))
	must(s.CustomerSetConsent(ctx, bob, false, at(66)))

	// Insiders: a generated code, redeemed; a pool with a code given out
	// and one unused; a referral code, followed, and a referral with its
	// reward; stories, one sent.
	offer, _, err := s.CouponIssue(ctx, &aftersale.Coupon{Code: "ann-offer-1", CustomerID: ann, Purpose: aftersale.CouponOffer,
		StepID: steps[4].ID, PercentOff: 10, ExpiresAt: at(800), CreatedAt: at(66)})
	must(err)
	_, _, err = s.CouponRedeem(ctx, offer.Code, o1, at(67))
	must(err)
	_, err = s.CouponImport(ctx, "spring", []string{"POOL-1", "pool-2"}, 15, at(900), at(67))
	must(err)
	pooled, err := s.CouponTakeFromPool(ctx, "spring", &aftersale.Coupon{CustomerID: bob, Purpose: aftersale.CouponOffer,
		StepID: steps[5].ID, CreatedAt: at(68)})
	must(err)
	rc, err := s.ReferralCodeEnsure(ctx, ann, "ANN-7K2Q", at(69))
	must(err)
	must(s.ReferralClick(ctx, "ann-7k2q"))
	ref, _, err := s.ReferralRecord(ctx, &aftersale.Referral{ReferrerID: ann, CustomerID: dora, OrderID: o3, Code: rc.Code, CreatedAt: at(70)})
	must(err)
	reward, _, err := s.CouponIssue(ctx, &aftersale.Coupon{Code: "THANKS-ANN", CustomerID: ann, Purpose: aftersale.CouponReferralReward,
		PercentOff: 20, CreatedAt: at(71)})
	must(err)
	must(s.ReferralSetReward(ctx, ref.ID, reward.ID))
	cat.coupons = []string{offer.Code, pooled.Code, "POOL-1", "POOL-2", reward.Code}
	cat.couponIDs = []int64{offer.ID, pooled.ID, reward.ID}
	cat.referrals = []int64{ref.ID}
	for i, st := range []aftersale.Story{
		{Title: "How Ann launched", Body: "# Ann\n\nShe did \u00e9", Match: "kind:course", Permission: true, CreatedAt: at(72), UpdatedAt: at(73)},
		{Title: "Draft story", Match: "C-1", CreatedAt: at(74), UpdatedAt: at(74)},
	} {
		story, err := s.StorySave(ctx, &st)
		must(err)
		cat.stories = append(cat.stories, story.ID)
		if i == 0 {
			must(s.StoryMarkSent(ctx, ann, story.ID, at(75)))
		}
	}

	// Broadcasts: one sent, with a message sent and one skipped; one
	// scheduled, with a segment.
	sent, err := s.BroadcastCreate(ctx, &aftersale.Broadcast{Title: "Spring", Subject: "Spring \u00e9", Body: "Hi {{.FirstName}}",
		Segment: aftersale.Segment{Kinds: []string{"course"}, CustomersOnly: true}, FirstLook: true, Rate: 5,
		CreatedBy: "eve@team.example", CreatedAt: at(76)})
	must(err)
	must(s.BroadcastSetStatus(ctx, sent.ID, aftersale.BroadcastDraft, aftersale.BroadcastSending, at(77)))
	_, _, err = s.BroadcastRecipientBegin(ctx, &aftersale.BroadcastRecipient{BroadcastID: sent.ID, CustomerID: ann, At: at(77)})
	must(err)
	must(s.BroadcastRecipientFinish(ctx, sent.ID, ann, "sent", "<b1@mail.example>", "", at(78)))
	must(s.BroadcastRecipientFinish(ctx, sent.ID, dora, "skipped", "", "not a customer", at(78)))
	must(s.BroadcastSetStatus(ctx, sent.ID, aftersale.BroadcastSending, aftersale.BroadcastSent, at(79)))
	seg := aftersale.Segment{SKUs: []string{"C-1"}, PurchasedFrom: at(0), PurchasedTo: at(100)}
	scheduled, err := s.BroadcastCreate(ctx, &aftersale.Broadcast{Title: "Summer", Subject: "Summer", Body: "Soon",
		Segment: seg, Status: aftersale.BroadcastScheduled, ScheduledAt: at(500), CreatedAt: at(80)})
	must(err)
	cat.bcasts = []int64{sent.ID, scheduled.ID}

	must(s.SettingSet(ctx, aftersale.SettingAllowPrivateSMTP, "1"))
	// Sessions are not copied.
	must(s.SessionCommit(ctx, &aftersale.Session{Token: "tok", Data: []byte("data"), Expiry: at(1000000)}))

	for _, name := range []string{"link-key", "other-key"} {
		_, err := s.SecretGet(ctx, name, func() []byte { return []byte("value of " + name + "\x00\xff") })
		must(err)
		cat.secrets = append(cat.secrets, name)
	}
	return &cat
}

// dump reads every record of the catalog through the Store interface, by
// every method that returns them, keyed by the call.
func dump(t *testing.T, s aftersale.Store, cat *catalog) map[string]any {
	t.Helper()
	ctx := t.Context()
	out := map[string]any{}
	put := func(key string, v any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		out[key] = v
	}
	for _, id := range cat.customers {
		v, err := s.CustomerGet(ctx, id)
		put(fmt.Sprint("CustomerGet ", id), v, err)
		orders, err := s.OrderListByCustomer(ctx, id)
		put(fmt.Sprint("OrderListByCustomer ", id), orders, err)
		steps, err := s.StepListByCustomer(ctx, id)
		put(fmt.Sprint("StepListByCustomer ", id), steps, err)
		plans, err := s.StepPlanListByCustomer(ctx, id)
		put(fmt.Sprint("StepPlanListByCustomer ", id), plans, err)
		msgs, err := s.MessageListByCustomer(ctx, id)
		put(fmt.Sprint("MessageListByCustomer ", id), msgs, err)
		tasks, err := s.TaskList(ctx, aftersale.TaskFilter{CustomerID: id})
		put(fmt.Sprint("TaskList ", id), tasks, err)
		answers, err := s.SurveyAnswerList(ctx, aftersale.AnswerFilter{CustomerID: id})
		put(fmt.Sprint("SurveyAnswerList customer ", id), answers, err)
	}
	for _, email := range cat.emails {
		v, err := s.CustomerGetByEmail(ctx, email)
		put("CustomerGetByEmail "+email, v, err)
		evs, err := s.EventListByCustomer(ctx, email)
		put("EventListByCustomer "+email, evs, err)
	}
	for _, id := range cat.events {
		v, err := s.EventGet(ctx, id)
		put("EventGet "+id, v, err)
	}
	for _, id := range cat.orders {
		o, err := s.OrderGet(ctx, id)
		put(fmt.Sprint("OrderGet ", id), o, err)
		v, err := s.OrderGetByExternalID(ctx, o.ExternalID)
		put("OrderGetByExternalID "+o.ExternalID, v, err)
		ships, err := s.ShipmentListByOrder(ctx, id)
		put(fmt.Sprint("ShipmentListByOrder ", id), ships, err)
		books, err := s.BookingListByOrder(ctx, id)
		put(fmt.Sprint("BookingListByOrder ", id), books, err)
		runs, err := s.RunListByOrder(ctx, id)
		put(fmt.Sprint("RunListByOrder ", id), runs, err)
		answers, err := s.SurveyAnswerList(ctx, aftersale.AnswerFilter{OrderID: id})
		put(fmt.Sprint("SurveyAnswerList order ", id), answers, err)
	}
	for _, id := range cat.runs {
		v, err := s.RunGet(ctx, id)
		put(fmt.Sprint("RunGet ", id), v, err)
	}
	for _, id := range cat.steps {
		v, err := s.StepGet(ctx, id)
		put(fmt.Sprint("StepGet ", id), v, err)
	}
	pending, err := s.StepListPending(ctx, 0, 0)
	put("StepListPending", pending, err)
	due, err := s.StepListDue(ctx, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), 0)
	put("StepListDue", due, err)
	np, nd, err := s.StepCountPending(ctx, time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC))
	put("StepCountPending", [2]int{np, nd}, err)
	for _, id := range cat.messageID {
		v, err := s.MessageGetByMessageID(ctx, id)
		put("MessageGetByMessageID "+id, v, err)
	}
	counts, err := s.MessageCountByStatus(ctx)
	put("MessageCountByStatus", counts, err)
	for _, id := range cat.tasks {
		v, err := s.TaskGet(ctx, id)
		put(fmt.Sprint("TaskGet ", id), v, err)
	}
	tasks, err := s.TaskList(ctx, aftersale.TaskFilter{})
	put("TaskList", tasks, err)
	recent, err := s.MessageListRecent(ctx, 0)
	put("MessageListRecent", recent, err)
	for _, id := range cat.members {
		m, err := s.MemberGet(ctx, id)
		put(fmt.Sprint("MemberGet ", id), m, err)
		v, err := s.MemberGetByEmail(ctx, m.Email)
		put("MemberGetByEmail "+m.Email, v, err)
	}
	members, err := s.MemberList(ctx)
	put("MemberList", members, err)
	answers, err := s.SurveyAnswerList(ctx, aftersale.AnswerFilter{})
	put("SurveyAnswerList", answers, err)
	for _, id := range cat.orders {
		p, err := s.PlanGet(ctx, id)
		if aftersale.IsNotFound(err) {
			p, err = nil, nil
		}
		put(fmt.Sprint("PlanGet ", id), p, err)
		c, err := s.CheckInList(ctx, id)
		put(fmt.Sprint("CheckInList ", id), c, err)
		r, err := s.ReturnList(ctx, aftersale.ReturnFilter{OrderID: id})
		put(fmt.Sprint("ReturnList order ", id), r, err)
	}
	for i, id := range cat.returns {
		r, err := s.ReturnGet(ctx, id)
		put(fmt.Sprint("ReturnGet ", id), r, err)
		r, err = s.ReturnGetByEventID(ctx, cat.returnEvs[i])
		put("ReturnGetByEventID "+cat.returnEvs[i], r, err)
	}
	returns, err := s.ReturnList(ctx, aftersale.ReturnFilter{})
	put("ReturnList", returns, err)
	for _, code := range cat.coupons {
		c, err := s.CouponGetByCode(ctx, code)
		put("CouponGetByCode "+code, c, err)
	}
	coupons, err := s.CouponList(ctx, aftersale.CouponFilter{})
	put("CouponList", coupons, err)
	n, err := s.CouponPoolAvailable(ctx, "spring")
	put("CouponPoolAvailable", n, err)
	referrals, err := s.ReferralList(ctx, aftersale.ReferralFilter{})
	put("ReferralList", referrals, err)
	for _, id := range cat.customers {
		rc, err := s.ReferralCodeOf(ctx, id)
		if aftersale.IsNotFound(err) {
			rc, err = nil, nil
		}
		put(fmt.Sprint("ReferralCodeOf ", id), rc, err)
		sent, err := s.StorySentTo(ctx, id)
		put(fmt.Sprint("StorySentTo ", id), sent, err)
		recs, err := s.BroadcastRecipientList(ctx, id)
		put(fmt.Sprint("BroadcastRecipientList ", id), recs, err)
	}
	for _, id := range cat.stories {
		st, err := s.StoryGet(ctx, id)
		put(fmt.Sprint("StoryGet ", id), st, err)
	}
	stories, err := s.StoryList(ctx)
	put("StoryList", stories, err)
	for _, id := range cat.bcasts {
		b, err := s.BroadcastGet(ctx, id)
		put(fmt.Sprint("BroadcastGet ", id), b, err)
	}
	bcasts, err := s.BroadcastList(ctx, 0)
	put("BroadcastList", bcasts, err)
	bdue, err := s.BroadcastListDue(ctx, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	put("BroadcastListDue", bdue, err)
	audience, err := s.BroadcastAudience(ctx, aftersale.Segment{}, 0, 0)
	put("BroadcastAudience", audience, err)
	setting, err := s.SettingGet(ctx, aftersale.SettingAllowPrivateSMTP)
	put("SettingGet", setting, err)
	for _, name := range cat.secrets {
		v, err := s.SecretGet(ctx, name, func() []byte {
			t.Errorf("secret %s is missing", name)
			return []byte("x")
		})
		put("SecretGet "+name, v, err)
	}
	return out
}

func TestImportSQLite(t *testing.T) {
	ctx := t.Context()
	src := openSQLite(t)
	cat := fill(t, src)
	// The job queue's tables are not aftersale's: not copied.
	if _, err := src.SQL().ExecContext(ctx, `CREATE TABLE river_job (id INTEGER PRIMARY KEY, kind TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := src.SQL().ExecContext(ctx, `INSERT INTO river_job (kind) VALUES ('aftersale_steps')`); err != nil {
		t.Fatal(err)
	}

	dst := open(t, newSchema(t))
	// A first start of the target made its own link key; the source's wins.
	if _, err := dst.SecretGet(ctx, "link-key", func() []byte { return []byte("made by postgres") }); err != nil {
		t.Fatal(err)
	}
	reported := map[string]int{}
	var order []string
	err := dst.ImportSQLite(ctx, src.SQL(), func(table string, rows int) {
		if !slices.Contains(order, table) {
			order = append(order, table)
		}
		reported[table] = rows
	})
	if err != nil {
		t.Fatal(err)
	}
	wantOrder := []string{"customers", "events", "orders", "order_items", "shipments", "bookings",
		"journey_runs", "steps", "step_plans", "messages", "tasks", "members", "survey_answers", "success_plans", "check_ins", "returns",
		"coupons", "referral_codes", "referrals", "stories", "story_sends", "broadcasts", "broadcast_recipients", "settings", "secrets"}
	if !slices.Equal(order, wantOrder) {
		t.Errorf("progress reported tables %v, want %v", order, wantOrder)
	}
	wantRows := map[string]int{"customers": 4, "events": 4, "orders": 3, "order_items": 3, "shipments": 2,
		"bookings": 2, "journey_runs": 5, "steps": 9, "step_plans": 1, "messages": 5, "tasks": 3, "members": 2,
		"survey_answers": 4, "success_plans": 1, "check_ins": 2, "returns": 3, "coupons": 4, "referral_codes": 1,
		"referrals": 1, "stories": 2, "story_sends": 1, "broadcasts": 2, "broadcast_recipients": 2, "settings": 1, "secrets": 2}
	if !reflect.DeepEqual(reported, wantRows) {
		t.Errorf("progress reported rows %v, want %v", reported, wantRows)
	}

	want, got := dump(t, src, cat), dump(t, dst, cat)
	if len(want) < 50 {
		t.Fatalf("the dump has only %d entries", len(want))
	}
	for key, w := range want {
		if !reflect.DeepEqual(got[key], w) {
			t.Errorf("%s:\nsqlite   %s\npostgres %s", key, show(w), show(got[key]))
		}
	}

	// The time of a consent, which no Store method returns, is copied too.
	consentAt := map[int64]int64{} // microseconds; 0 for NULL
	rows, err := src.SQL().QueryContext(ctx, `SELECT id, coalesce(consent_at, 0) FROM customers`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, micros int64
		if err := rows.Scan(&id, &micros); err != nil {
			t.Fatal(err)
		}
		consentAt[id] = micros
	}
	rows.Close()
	if consentAt[cat.customers[3]] == 0 || consentAt[cat.customers[1]] != 0 {
		t.Fatalf("consent_at in SQLite: %v, want it set for dora only", consentAt)
	}
	for id, want := range consentAt {
		var got *time.Time
		if err := dst.Pool().QueryRow(ctx, `SELECT consent_at FROM customers WHERE id = $1`, id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if (got == nil) != (want == 0) || got != nil && got.UnixMicro() != want {
			t.Errorf("consent_at of customer %d: %v in PostgreSQL, %d in SQLite", id, got, want)
		}
	}

	// Sessions stay behind: people log in again.
	if _, found, err := src.SessionFind(ctx, "tok", time.Time{}); err != nil || !found {
		t.Fatalf("the source's session: found %v (err %v)", found, err)
	}
	if _, found, err := dst.SessionFind(ctx, "tok", time.Time{}); err != nil || found {
		t.Errorf("the import copied a session: found %v (err %v)", found, err)
	}

	var riverTables int
	if err := dst.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'river%'`).
		Scan(&riverTables); err != nil {
		t.Fatal(err)
	}
	if riverTables != 0 {
		t.Errorf("the import created %d river tables", riverTables)
	}

	// New rows get ids after the copied ones.
	c, err := dst.CustomerUpsert(ctx, &aftersale.Contact{Email: "new@example.com"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	o, err := dst.OrderUpsert(ctx, &aftersale.Order{ExternalID: "new", CustomerID: c.ID, PlacedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := dst.RunCreate(ctx, &aftersale.JourneyRun{JourneyID: "new", OrderID: o.ID, CustomerID: c.ID, StartedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	steps, err := dst.StepInsert(ctx, []*aftersale.Step{{RunID: r.ID, CustomerID: c.ID, JourneyID: "new", StepID: "s", Key: "s",
		Type: aftersale.StepTask, DueAt: time.Now(), CreatedAt: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := dst.MessageBegin(ctx, &aftersale.Message{StepID: steps[0].ID, Recipient: "new@example.com", CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	task, err := dst.TaskCreate(ctx, &aftersale.Task{Kind: aftersale.TaskCall, DueAt: time.Now(), CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	member, err := dst.MemberCreate(ctx, &aftersale.Member{Email: "new@team.example", Role: aftersale.RoleAssistant, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	answer, err := dst.SurveyAnswerSave(ctx, &aftersale.SurveyAnswer{CustomerID: c.ID, OrderID: o.ID,
		Kind: aftersale.AnswerNPS, Value: 10, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	ci, err := dst.CheckInAdd(ctx, &aftersale.CheckIn{OrderID: o.ID, Progress: 1, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	ret, _, err := dst.ReturnCreate(ctx, &aftersale.Return{OrderID: o.ID, CustomerID: c.ID, EventID: "new", CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	coupon, _, err := dst.CouponIssue(ctx, &aftersale.Coupon{Code: "NEW-1", CustomerID: c.ID, Purpose: aftersale.CouponOffer, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	ref, _, err := dst.ReferralRecord(ctx, &aftersale.Referral{ReferrerID: cat.customers[0], CustomerID: c.ID, OrderID: o.ID,
		Code: "ANN-7K2Q", CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	story, err := dst.StorySave(ctx, &aftersale.Story{Title: "New", CreatedAt: time.Now(), UpdatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	bc, err := dst.BroadcastCreate(ctx, &aftersale.Broadcast{Title: "New", CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []struct {
		what      string
		new, last int64
	}{
		{"coupon", coupon.ID, slices.Max(cat.couponIDs)},
		{"referral", ref.ID, slices.Max(cat.referrals)}, {"story", story.ID, slices.Max(cat.stories)},
		{"broadcast", bc.ID, slices.Max(cat.bcasts)},
		{"customer", c.ID, slices.Max(cat.customers)}, {"order", o.ID, slices.Max(cat.orders)},
		{"run", r.ID, slices.Max(cat.runs)}, {"step", steps[0].ID, slices.Max(cat.steps)},
		{"message", m.ID, 5}, {"task", task.ID, slices.Max(cat.tasks)},
		{"member", member.ID, slices.Max(cat.members)}, {"survey answer", answer.ID, slices.Max(cat.answers)},
		{"check-in", ci.ID, slices.Max(cat.checkIns)}, {"return", ret.ID, slices.Max(cat.returns)},
	} {
		if id.new != id.last+1 {
			t.Errorf("new %s got ID %d, want %d", id.what, id.new, id.last+1)
		}
	}

	// A second import meets the copied data.
	err = dst.ImportSQLite(ctx, src.SQL(), nil)
	if aftersale.ErrorCode(err) != aftersale.ECONFLICT {
		t.Errorf("second import: %v, want ECONFLICT", err)
	}
}

func TestImportSQLiteAllOrNothing(t *testing.T) {
	ctx := t.Context()
	src := openSQLite(t)
	fill(t, src)
	// Text that PostgreSQL refuses (not UTF-8), in a table copied late.
	if _, err := src.TaskCreate(ctx, &aftersale.Task{Kind: aftersale.TaskCall, Title: "bad \xff\xfe",
		DueAt: time.Now(), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	dst := open(t, newSchema(t))
	var tables []string
	err := dst.ImportSQLite(ctx, src.SQL(), func(table string, _ int) { tables = append(tables, table) })
	if err == nil {
		t.Fatal("import of a task PostgreSQL refuses succeeded")
	}
	if !slices.Contains(tables, "messages") || slices.Contains(tables, "secrets") {
		t.Errorf("progress reported %v before the failure", tables)
	}
	if _, err := dst.CustomerGetByEmail(ctx, "ann@example.com"); !aftersale.IsNotFound(err) {
		t.Fatalf("a customer is left after the failed import (err %v)", err)
	}
	if list, err := dst.StepListPending(ctx, 0, 0); err != nil || len(list) != 0 {
		t.Fatalf("%d steps are left after the failed import (err %v)", len(list), err)
	}
}

func TestImportSQLiteRefuses(t *testing.T) {
	ctx := t.Context()
	src := openSQLite(t)
	if _, err := src.CustomerUpsert(ctx, &aftersale.Contact{Email: "ann@example.com"}, time.Now()); err != nil {
		t.Fatal(err)
	}

	// A target with customers.
	dst := open(t, newSchema(t))
	if _, err := dst.CustomerUpsert(ctx, &aftersale.Contact{Email: "bob@example.com"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	err := dst.ImportSQLite(ctx, src.SQL(), nil)
	if aftersale.ErrorCode(err) != aftersale.ECONFLICT {
		t.Errorf("import into a store with customers: %v, want ECONFLICT", err)
	}
	if _, err := dst.CustomerGetByEmail(ctx, "ann@example.com"); !aftersale.IsNotFound(err) {
		t.Errorf("the refused import copied a customer (err %v)", err)
	}

	// A target with other data.
	dst = open(t, newSchema(t))
	if _, err := dst.EventInsert(ctx, &aftersale.StoredEvent{ID: "e", Type: aftersale.EventOrderPlaced}); err != nil {
		t.Fatal(err)
	}
	if err := dst.ImportSQLite(ctx, src.SQL(), nil); aftersale.ErrorCode(err) != aftersale.ECONFLICT {
		t.Errorf("import into a store with events: %v, want ECONFLICT", err)
	}

	// A source with a newer schema than this version knows.
	if _, err := src.SQL().ExecContext(ctx,
		`INSERT INTO `+sqlite.MigrationTable+` (version_id, is_applied) VALUES (99, 1)`); err != nil {
		t.Fatal(err)
	}
	dst = open(t, newSchema(t))
	if err := dst.ImportSQLite(ctx, src.SQL(), nil); aftersale.ErrorCode(err) != aftersale.EINVALID {
		t.Errorf("import of a newer schema: %v, want EINVALID", err)
	}

	// Not an aftersale database at all.
	other := openSQLite(t)
	if _, err := other.SQL().ExecContext(ctx, `DROP TABLE `+sqlite.MigrationTable); err != nil {
		t.Fatal(err)
	}
	if err := dst.ImportSQLite(ctx, other.SQL(), nil); aftersale.ErrorCode(err) != aftersale.EINVALID {
		t.Errorf("import of a database without aftersale's version table: %v, want EINVALID", err)
	}
}

// show formats a value for a failure message.
func show(v any) string { return fmt.Sprintf("%+v", deref(v)) }

// deref shows the values behind pointers, one level into slices.
func deref(v any) any {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return nil
		}
		return rv.Elem().Interface()
	case reflect.Slice:
		if rv.Type().Elem().Kind() != reflect.Pointer {
			return v
		}
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = deref(rv.Index(i).Interface())
		}
		return out
	}
	return v
}
