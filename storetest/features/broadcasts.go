package features

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

// testBroadcasts runs the conformance tests of these store methods as subtests.
func testBroadcasts(t *testing.T, s aftersale.Store) {
	t.Run("CreateGetList", func(t *testing.T) { testBroadcastCreateGetList(t, s) })
	t.Run("Update", func(t *testing.T) { testBroadcastUpdate(t, s) })
	t.Run("SetStatus", func(t *testing.T) { testBroadcastSetStatus(t, s) })
	t.Run("ListDue", func(t *testing.T) { testBroadcastListDue(t, s) })
	t.Run("Audience", func(t *testing.T) { testBroadcastAudience(t, s) })
	t.Run("Recipients", func(t *testing.T) { testBroadcastRecipients(t, s) })
}

// broadcast returns an unsaved draft broadcast created at created.
func broadcast(title string, created time.Time) *aftersale.Broadcast {
	return &aftersale.Broadcast{
		Title: title, Subject: "News: " + title, Body: "Hello {{.FirstName}},\n\n*" + title + "* \u00e9",
		Status: aftersale.BroadcastDraft, Rate: 5, CreatedBy: "eve@team.example", CreatedAt: created,
	}
}

// newBroadcast stores the broadcast and returns it as stored.
func newBroadcast(t *testing.T, s aftersale.Store, b *aftersale.Broadcast) *aftersale.Broadcast {
	t.Helper()
	got, err := s.BroadcastCreate(t.Context(), b)
	fixture.Ok(t, err)
	if got.ID == 0 {
		t.Fatalf("BroadcastCreate(%s) returned ID 0", b.Title)
	}
	return got
}

// getBroadcast calls BroadcastGet and fails the test on an error.
func getBroadcast(t *testing.T, s aftersale.Store, id int64) *aftersale.Broadcast {
	t.Helper()
	b, err := s.BroadcastGet(t.Context(), id)
	fixture.Ok(t, err)
	return b
}

func broadcastIDs(list []*aftersale.Broadcast) []int64 {
	return fixture.IDs(list, func(b *aftersale.Broadcast) int64 { return b.ID })
}

func testBroadcastCreateGetList(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	in := broadcast("Spring course", fixture.At(time.Hour))
	in.Segment = aftersale.Segment{
		SKUs: []string{"C-1", "C-2"}, Kinds: []string{string(aftersale.KindCourse)}, Stages: []string{"loyal"},
		PurchasedFrom: fixture.At(-24 * time.Hour), PurchasedTo: fixture.T0, CustomersOnly: true,
	}
	in.FirstLook, in.ScheduledAt = true, fixture.At(48*time.Hour)
	first := newBroadcast(t, s, in)
	want := *in
	want.ID = first.ID
	fixture.Same(t, "BroadcastCreate", first, &want)
	fixture.Same(t, "BroadcastGet", getBroadcast(t, s, first.ID), &want)

	// An empty status is a draft; an empty segment comes back empty.
	bare := &aftersale.Broadcast{Title: "Bare", CreatedAt: fixture.At(2 * time.Hour)}
	second := newBroadcast(t, s, bare)
	wantBare := *bare
	wantBare.ID, wantBare.Status = second.ID, aftersale.BroadcastDraft
	fixture.Same(t, "BroadcastCreate with no status", second, &wantBare)
	fixture.Same(t, "BroadcastGet of a bare broadcast", getBroadcast(t, s, second.ID), &wantBare)

	// A segment's times in another zone come back in UTC.
	berlin := time.FixedZone("CET", 3600)
	zoned := broadcast("Zoned", fixture.At(-time.Hour))
	zoned.Segment.PurchasedFrom = fixture.T0.In(berlin)
	third := newBroadcast(t, s, zoned)
	if got := third.Segment.PurchasedFrom; got != fixture.T0 {
		t.Errorf("segment time %v given in CET came back as %v (location %v), want %v", fixture.T0.In(berlin), got, got.Location(), fixture.T0)
	}

	// Newest first (by creation time), and a limit.
	list, err := s.BroadcastList(ctx, 0)
	fixture.Ok(t, err)
	fixture.Same(t, "BroadcastList", broadcastIDs(list), []int64{second.ID, first.ID, third.ID})
	fixture.Same(t, "BroadcastList first", list[1], &want)
	list, err = s.BroadcastList(ctx, 2)
	fixture.Ok(t, err)
	fixture.Same(t, "BroadcastList with limit 2", broadcastIDs(list), []int64{second.ID, first.ID})

	_, err = s.BroadcastGet(ctx, third.ID+100)
	fixture.WantCode(t, "BroadcastGet of a missing broadcast", err, aftersale.ENOTFOUND)
	bad := broadcast("Bad", fixture.T0)
	bad.Status = "paused"
	_, err = s.BroadcastCreate(ctx, bad)
	fixture.WantCode(t, "BroadcastCreate with an unknown status", err, aftersale.EINVALID)

	// In a transaction, seeing its own writes.
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		b, err := tx.BroadcastCreate(ctx, broadcast("In a transaction", fixture.At(3*time.Hour)))
		if err != nil {
			return err
		}
		got, err := tx.BroadcastGet(ctx, b.ID)
		if err != nil {
			return err
		}
		fixture.Same(t, "BroadcastGet in a transaction", got, b)
		return nil
	}))
}

func testBroadcastUpdate(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	b := newBroadcast(t, s, broadcast("Draft", fixture.T0))

	// Every editable field changes; the rest stays.
	upd := *b
	upd.Title, upd.Subject, upd.Body = "Final", "Final subject", "New body"
	upd.Segment = aftersale.Segment{Kinds: []string{"coaching"}, PurchasedTo: fixture.At(time.Hour)}
	upd.FirstLook, upd.Rate = true, 20
	upd.Status, upd.ScheduledAt = aftersale.BroadcastScheduled, fixture.At(24*time.Hour)
	upd.CreatedBy, upd.CreatedAt, upd.Sent = "someone@else.example", fixture.At(time.Hour), 7 // not editable
	fixture.Ok(t, s.BroadcastUpdate(ctx, &upd))
	want := upd
	want.CreatedBy, want.CreatedAt, want.Sent = b.CreatedBy, b.CreatedAt, 0
	fixture.Same(t, "BroadcastGet after BroadcastUpdate", getBroadcast(t, s, b.ID), &want)

	// Back to a draft, without a schedule; an empty status keeps the
	// stored one.
	upd = want
	upd.Status, upd.ScheduledAt = aftersale.BroadcastDraft, time.Time{}
	fixture.Ok(t, s.BroadcastUpdate(ctx, &upd))
	fixture.Same(t, "BroadcastGet after an update back to draft", getBroadcast(t, s, b.ID), &upd)
	upd.Status, upd.Title = "", "Keeps its status"
	fixture.Ok(t, s.BroadcastUpdate(ctx, &upd))
	upd.Status = aftersale.BroadcastDraft
	fixture.Same(t, "BroadcastGet after an update with no status", getBroadcast(t, s, b.ID), &upd)

	// An update cannot start sending.
	sending := upd
	sending.Status = aftersale.BroadcastSending
	fixture.WantCode(t, "BroadcastUpdate to sending", s.BroadcastUpdate(ctx, &sending), aftersale.EINVALID)

	// Once it is sending, or done, it cannot change.
	fixture.Ok(t, s.BroadcastSetStatus(ctx, b.ID, aftersale.BroadcastDraft, aftersale.BroadcastSending, fixture.At(time.Hour)))
	late := upd
	late.Title = "Too late"
	fixture.WantCode(t, "BroadcastUpdate while sending", s.BroadcastUpdate(ctx, &late), aftersale.ECONFLICT)
	fixture.Ok(t, s.BroadcastSetStatus(ctx, b.ID, aftersale.BroadcastSending, aftersale.BroadcastSent, fixture.At(2*time.Hour)))
	fixture.WantCode(t, "BroadcastUpdate once sent", s.BroadcastUpdate(ctx, &late), aftersale.ECONFLICT)
	if got := getBroadcast(t, s, b.ID); got.Title != upd.Title {
		t.Errorf("refused update changed the title to %q", got.Title)
	}

	missing := upd
	missing.ID = b.ID + 100
	fixture.WantCode(t, "BroadcastUpdate of a missing broadcast", s.BroadcastUpdate(ctx, &missing), aftersale.ENOTFOUND)
}

func testBroadcastSetStatus(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	b := newBroadcast(t, s, broadcast("Status", fixture.T0))
	want := *b

	fixture.Ok(t, s.BroadcastSetStatus(ctx, b.ID, aftersale.BroadcastDraft, aftersale.BroadcastScheduled, fixture.At(time.Hour)))
	want.Status = aftersale.BroadcastScheduled
	fixture.Same(t, "scheduled", getBroadcast(t, s, b.ID), &want)

	// Compare-and-set: a move from a status it is not in is refused.
	err := s.BroadcastSetStatus(ctx, b.ID, aftersale.BroadcastDraft, aftersale.BroadcastSending, fixture.At(time.Hour))
	fixture.WantCode(t, "BroadcastSetStatus from a stale status", err, aftersale.ECONFLICT)
	fixture.Same(t, "after a refused move", getBroadcast(t, s, b.ID), &want)

	// Sending sets StartedAt, once; sent sets FinishedAt.
	fixture.Ok(t, s.BroadcastSetStatus(ctx, b.ID, aftersale.BroadcastScheduled, aftersale.BroadcastSending, fixture.At(2*time.Hour)))
	want.Status, want.StartedAt = aftersale.BroadcastSending, fixture.At(2*time.Hour)
	fixture.Same(t, "sending", getBroadcast(t, s, b.ID), &want)
	fixture.Ok(t, s.BroadcastSetStatus(ctx, b.ID, aftersale.BroadcastSending, aftersale.BroadcastSending, fixture.At(3*time.Hour)))
	fixture.Same(t, "sending again (resumed)", getBroadcast(t, s, b.ID), &want)
	fixture.Ok(t, s.BroadcastSetStatus(ctx, b.ID, aftersale.BroadcastSending, aftersale.BroadcastSent, fixture.At(4*time.Hour)))
	want.Status, want.FinishedAt = aftersale.BroadcastSent, fixture.At(4*time.Hour)
	fixture.Same(t, "sent", getBroadcast(t, s, b.ID), &want)

	// Cancelling sets FinishedAt too.
	c := newBroadcast(t, s, broadcast("Cancelled", fixture.T0))
	fixture.Ok(t, s.BroadcastSetStatus(ctx, c.ID, aftersale.BroadcastDraft, aftersale.BroadcastCancelled, fixture.At(time.Hour)))
	wantC := *c
	wantC.Status, wantC.FinishedAt = aftersale.BroadcastCancelled, fixture.At(time.Hour)
	fixture.Same(t, "cancelled", getBroadcast(t, s, c.ID), &wantC)

	// Of two concurrent moves from the same status, exactly one wins.
	d := newBroadcast(t, s, broadcast("Race", fixture.T0))
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			errs <- s.BroadcastSetStatus(ctx, d.ID, aftersale.BroadcastDraft, aftersale.BroadcastSending, fixture.At(time.Hour))
		}()
	}
	won := 0
	for range 2 {
		switch err := <-errs; aftersale.ErrorCode(err) {
		case "":
			won++
		case aftersale.ECONFLICT:
		default:
			t.Fatalf("concurrent BroadcastSetStatus: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d of 2 concurrent moves from draft won, want 1", won)
	}

	err = s.BroadcastSetStatus(ctx, d.ID+100, aftersale.BroadcastDraft, aftersale.BroadcastSending, fixture.T0)
	fixture.WantCode(t, "BroadcastSetStatus of a missing broadcast", err, aftersale.ENOTFOUND)
	err = s.BroadcastSetStatus(ctx, d.ID, aftersale.BroadcastSending, "paused", fixture.T0)
	fixture.WantCode(t, "BroadcastSetStatus to an unknown status", err, aftersale.EINVALID)
}

func testBroadcastListDue(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	schedule := func(title string, when time.Time, status string) *aftersale.Broadcast {
		t.Helper()
		b := broadcast(title, fixture.T0)
		b.Status, b.ScheduledAt = status, when
		return newBroadcast(t, s, b)
	}
	early := schedule("Early", fixture.At(-time.Hour), aftersale.BroadcastScheduled)
	now := schedule("Now", fixture.T0, aftersale.BroadcastScheduled)
	later := schedule("Later", fixture.At(time.Hour), aftersale.BroadcastScheduled)
	schedule("Draft with a time", fixture.At(-2*time.Hour), aftersale.BroadcastDraft)
	schedule("Sending", fixture.At(-2*time.Hour), aftersale.BroadcastSending)
	schedule("Cancelled", fixture.At(-2*time.Hour), aftersale.BroadcastCancelled)
	schedule("Scheduled without a time", time.Time{}, aftersale.BroadcastScheduled)

	list, err := s.BroadcastListDue(ctx, fixture.At(-2*time.Hour))
	fixture.Ok(t, err)
	fixture.Same(t, "BroadcastListDue before any", broadcastIDs(list), []int64{})
	list, err = s.BroadcastListDue(ctx, fixture.T0)
	fixture.Ok(t, err)
	fixture.Same(t, "BroadcastListDue at t0", broadcastIDs(list), []int64{early.ID, now.ID})
	fixture.Same(t, "BroadcastListDue at t0, first", list[0], early)
	list, err = s.BroadcastListDue(ctx, fixture.At(24*time.Hour))
	fixture.Ok(t, err)
	fixture.Same(t, "BroadcastListDue a day later", broadcastIDs(list), []int64{early.ID, now.ID, later.ID})

	// Started: no longer due.
	fixture.Ok(t, s.BroadcastSetStatus(ctx, early.ID, aftersale.BroadcastScheduled, aftersale.BroadcastSending, fixture.T0))
	list, err = s.BroadcastListDue(ctx, fixture.At(24*time.Hour))
	fixture.Ok(t, err)
	fixture.Same(t, "BroadcastListDue after one started", broadcastIDs(list), []int64{now.ID, later.ID})
}

// audienceOrder stores an order of the buyer (and the user, when not 0),
// placed at placed, with one item per SKU:KIND pair, in the status.
func audienceOrder(t *testing.T, s aftersale.Store, buyer, user int64, ext string, placed time.Time,
	status aftersale.OrderStatus, items ...string) {
	t.Helper()
	o := &aftersale.Order{ExternalID: ext, CustomerID: buyer, UserID: user, Source: "api", Currency: "EUR",
		Total: "10.00", Status: aftersale.OrderPlaced, PlacedAt: placed}
	for _, it := range items {
		sku, kind, _ := strings.Cut(it, ":")
		o.Items = append(o.Items, aftersale.Item{SKU: sku, Name: sku, Kind: aftersale.ItemKind(kind), Quantity: 1, Price: "10.00"})
	}
	stored, err := s.OrderUpsert(t.Context(), o)
	fixture.Ok(t, err)
	if status != aftersale.OrderPlaced {
		fixture.Ok(t, s.OrderSetStatus(t.Context(), stored.ID, status, placed.Add(time.Hour)))
	}
}

func testBroadcastAudience(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	person := func(email string, consent bool) int64 {
		t.Helper()
		c, err := s.CustomerUpsert(ctx, &aftersale.Contact{Email: email, Name: email, MarketingConsent: fixture.Ptr(consent)}, fixture.T0)
		fixture.Ok(t, err)
		return c.ID
	}
	day := 24 * time.Hour
	placed, refunded, cancelled := aftersale.OrderPlaced, aftersale.OrderRefunded, aftersale.OrderCancelled

	ann := person("ann@example.com", true) // a course bought at t0
	audienceOrder(t, s, ann, 0, "a1", fixture.T0, placed, "C-1:course", "B-1:physical")
	bob := person("bob@example.com", true)    // a contact: no order
	carl := person("carl@example.com", false) // no consent
	audienceOrder(t, s, carl, 0, "c1", fixture.T0, placed, "C-1:course")
	dora := person("dora@example.com", true) // unsubscribed
	audienceOrder(t, s, dora, 0, "d1", fixture.T0, placed, "C-1:course")
	fixture.Ok(t, s.CustomerSetUnsubscribed(ctx, "dora@example.com", true, fixture.T0))
	emil := person("emil@example.com", true) // suppressed
	audienceOrder(t, s, emil, 0, "e1", fixture.T0, placed, "C-1:course")
	fixture.Ok(t, s.CustomerSetSuppressed(ctx, "emil@example.com", "bounce 5.1.1", fixture.T0))
	fay := person("fay@example.com", true) // a book, two days later
	audienceOrder(t, s, fay, 0, "f1", fixture.T0.Add(2*day), placed, "B-2:physical")
	gus := person("gus@example.com", true) // a course, refunded
	audienceOrder(t, s, gus, 0, "g1", fixture.T0.Add(-day), refunded, "C-1:course")
	hana := person("hana@example.com", true) // the user of carl's coaching, not its buyer
	audienceOrder(t, s, carl, hana, "c2", fixture.T0, placed, "K-1:coaching")
	ivan := person("ivan@example.com", true) // coaching, and a cancelled course
	audienceOrder(t, s, ivan, 0, "i1", fixture.T0.Add(-3*day), placed, "K-1:coaching")
	audienceOrder(t, s, ivan, 0, "i2", fixture.T0.Add(day), cancelled, "C-2:course")
	jan := person("jan@example.com", true) // withdrew consent
	audienceOrder(t, s, jan, 0, "j1", fixture.T0, placed, "C-1:course")
	fixture.Ok(t, s.CustomerSetConsent(ctx, jan, false, fixture.At(time.Hour)))
	kim := person("kim@example.com", false) // gave consent later (double opt-in)
	audienceOrder(t, s, kim, 0, "k1", fixture.T0.Add(day), placed, "B-1:physical")
	fixture.Ok(t, s.CustomerSetConsent(ctx, kim, true, fixture.At(time.Hour)))
	lea := person("lea@example.com", true) // a refunded course and a placed book
	audienceOrder(t, s, lea, 0, "l1", fixture.T0, refunded, "C-2:course")
	audienceOrder(t, s, lea, 0, "l2", fixture.T0.Add(3*day), placed, "B-1:physical")

	audience := func(seg aftersale.Segment, afterID int64, limit int) []int64 {
		t.Helper()
		list, err := s.BroadcastAudience(ctx, seg, afterID, limit)
		fixture.Ok(t, err)
		return fixture.IDs(list, func(c *aftersale.Customer) int64 { return c.ID })
	}
	for _, tc := range []struct {
		name string
		seg  aftersale.Segment
		want []int64
	}{
		{"everyone who may get mail", aftersale.Segment{}, []int64{ann, bob, fay, gus, hana, ivan, kim, lea}},
		{"stages are the caller's", aftersale.Segment{Stages: []string{"loyal"}}, []int64{ann, bob, fay, gus, hana, ivan, kim, lea}},
		{"bought C-1", aftersale.Segment{SKUs: []string{"C-1"}}, []int64{ann, gus}},
		{"bought C-1 or C-2", aftersale.Segment{SKUs: []string{"C-1", "C-2"}}, []int64{ann, gus, ivan, lea}},
		{"bought an unknown SKU", aftersale.Segment{SKUs: []string{"X-9"}}, []int64{}},
		{"bought a course", aftersale.Segment{Kinds: []string{"course"}}, []int64{ann, gus, ivan, lea}},
		{"bought coaching (as buyer)", aftersale.Segment{Kinds: []string{"coaching"}}, []int64{ivan}},
		{"bought coaching or a book", aftersale.Segment{Kinds: []string{"coaching", "physical"}}, []int64{ann, fay, ivan, kim, lea}},
		{"customers only", aftersale.Segment{CustomersOnly: true}, []int64{ann, fay, ivan, kim, lea}},
		{"bought a course, customers only", aftersale.Segment{Kinds: []string{"course"}, CustomersOnly: true}, []int64{ann, ivan, lea}},
		{"bought C-1 and a book", aftersale.Segment{SKUs: []string{"C-1"}, Kinds: []string{"physical"}}, []int64{ann}},
		{"purchased on the first day", aftersale.Segment{PurchasedFrom: fixture.T0, PurchasedTo: fixture.T0.Add(day)}, []int64{ann, lea}},
		{"purchased from the next day", aftersale.Segment{PurchasedFrom: fixture.T0.Add(day)}, []int64{fay, ivan, kim, lea}},
		{"purchased before t0", aftersale.Segment{PurchasedTo: fixture.T0}, []int64{gus, ivan}},
		{"purchased up to t0 inclusive", aftersale.Segment{PurchasedTo: fixture.T0.Add(time.Microsecond)}, []int64{ann, gus, ivan, lea}},
		{"a course, in the first two days, customers only",
			aftersale.Segment{Kinds: []string{"course"}, PurchasedFrom: fixture.T0, PurchasedTo: fixture.T0.Add(2 * day), CustomersOnly: true},
			[]int64{ann, ivan, lea}},
	} {
		if got := audience(tc.seg, 0, 0); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("BroadcastAudience(%s): %v, want %v", tc.name, got, tc.want)
		}
	}

	// Paging by ID.
	seg := aftersale.Segment{}
	fixture.Same(t, "page 1", audience(seg, 0, 3), []int64{ann, bob, fay})
	fixture.Same(t, "page 2", audience(seg, fay, 3), []int64{gus, hana, ivan})
	fixture.Same(t, "page 3", audience(seg, ivan, 3), []int64{kim, lea})
	fixture.Same(t, "page 4", audience(seg, lea, 3), []int64{})
	fixture.Same(t, "a page of a segment", audience(aftersale.Segment{Kinds: []string{"course"}}, gus, 1), []int64{ivan})

	// The customers come whole.
	list, err := s.BroadcastAudience(ctx, aftersale.Segment{SKUs: []string{"B-2"}}, 0, 10)
	fixture.Ok(t, err)
	want, err := s.CustomerGet(ctx, fay)
	fixture.Ok(t, err)
	fixture.Same(t, "BroadcastAudience customer", list, []*aftersale.Customer{want})

	// In a transaction too.
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		list, err := tx.BroadcastAudience(ctx, aftersale.Segment{SKUs: []string{"K-1"}}, 0, 10)
		if err != nil {
			return err
		}
		fixture.Same(t, "BroadcastAudience in a transaction", fixture.IDs(list, func(c *aftersale.Customer) int64 { return c.ID }), []int64{ivan})
		return nil
	}))
}

func testBroadcastRecipients(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	b := newBroadcast(t, s, broadcast("Recipients", fixture.T0))
	other := newBroadcast(t, s, broadcast("Other", fixture.T0))
	ann := fixture.NewCustomer(t, s, "recipient-ann@example.com")
	bob := fixture.NewCustomer(t, s, "recipient-bob@example.com")
	carl := fixture.NewCustomer(t, s, "recipient-carl@example.com")

	// A first attempt creates the record; another returns it.
	in := &aftersale.BroadcastRecipient{BroadcastID: b.ID, CustomerID: ann.ID, At: fixture.At(time.Minute)}
	rec, created, err := s.BroadcastRecipientBegin(ctx, in)
	fixture.Ok(t, err)
	if !created {
		t.Fatal("first BroadcastRecipientBegin: created = false")
	}
	want := &aftersale.BroadcastRecipient{BroadcastID: b.ID, CustomerID: ann.ID, Status: "sending", At: fixture.At(time.Minute)}
	fixture.Same(t, "first BroadcastRecipientBegin", rec, want)
	again := *in
	again.At = fixture.At(2 * time.Minute)
	rec, created, err = s.BroadcastRecipientBegin(ctx, &again)
	fixture.Ok(t, err)
	if created {
		t.Fatal("second BroadcastRecipientBegin: created = true")
	}
	fixture.Same(t, "second BroadcastRecipientBegin", rec, want)

	// Finishing sets the final status and counts it, once.
	fixture.Ok(t, s.BroadcastRecipientFinish(ctx, b.ID, ann.ID, "sent", "<b1.ann@mail.example>", "", fixture.At(3*time.Minute)))
	want = &aftersale.BroadcastRecipient{BroadcastID: b.ID, CustomerID: ann.ID, Status: "sent",
		MessageID: "<b1.ann@mail.example>", At: fixture.At(3 * time.Minute)}
	fixture.Ok(t, s.BroadcastRecipientFinish(ctx, b.ID, ann.ID, "failed", "", "too late", fixture.At(4*time.Minute)))
	rec, created, err = s.BroadcastRecipientBegin(ctx, &again)
	fixture.Ok(t, err)
	if created {
		t.Fatal("BroadcastRecipientBegin after the finish: created = true")
	}
	fixture.Same(t, "BroadcastRecipientBegin of a final record", rec, want)
	got := getBroadcast(t, s, b.ID)
	if got.Sent != 1 || got.Skipped != 0 || got.Failed != 0 {
		t.Fatalf("counts after one sent (finished twice): sent %d, skipped %d, failed %d", got.Sent, got.Skipped, got.Failed)
	}

	// A recipient skipped without an attempt, and one that failed.
	fixture.Ok(t, s.BroadcastRecipientFinish(ctx, b.ID, bob.ID, "skipped", "", "", fixture.At(5*time.Minute)))
	_, _, err = s.BroadcastRecipientBegin(ctx, &aftersale.BroadcastRecipient{BroadcastID: b.ID, CustomerID: carl.ID, At: fixture.At(6 * time.Minute)})
	fixture.Ok(t, err)
	fixture.Ok(t, s.BroadcastRecipientFinish(ctx, b.ID, carl.ID, "failed", "", "550 no such user", fixture.At(7*time.Minute)))
	fixture.Ok(t, s.BroadcastRecipientFinish(ctx, b.ID, carl.ID, "failed", "", "550 no such user", fixture.At(8*time.Minute)))
	got = getBroadcast(t, s, b.ID)
	if got.Sent != 1 || got.Skipped != 1 || got.Failed != 1 {
		t.Fatalf("counts: sent %d, skipped %d, failed %d, want 1 each", got.Sent, got.Skipped, got.Failed)
	}
	if o := getBroadcast(t, s, other.ID); o.Sent+o.Skipped+o.Failed != 0 {
		t.Fatalf("the other broadcast has counts %d/%d/%d", o.Sent, o.Skipped, o.Failed)
	}

	// Concurrent finishes of the same recipient count once.
	dan := fixture.NewCustomer(t, s, "recipient-dan@example.com")
	_, _, err = s.BroadcastRecipientBegin(ctx, &aftersale.BroadcastRecipient{BroadcastID: other.ID, CustomerID: dan.ID, At: fixture.T0})
	fixture.Ok(t, err)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			errs <- s.BroadcastRecipientFinish(ctx, other.ID, dan.ID, "sent", "<x@mail.example>", "", fixture.At(time.Minute))
		}()
	}
	for range 4 {
		fixture.Ok(t, <-errs)
	}
	if o := getBroadcast(t, s, other.ID); o.Sent != 1 {
		t.Fatalf("4 concurrent finishes of one recipient counted %d sent", o.Sent)
	}

	// The messages of a customer, oldest first.
	fixture.Ok(t, s.BroadcastRecipientFinish(ctx, other.ID, ann.ID, "sent", "<b2.ann@mail.example>", "", fixture.At(time.Minute)))
	list, err := s.BroadcastRecipientList(ctx, ann.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "BroadcastRecipientList", list, []*aftersale.BroadcastRecipient{
		{BroadcastID: other.ID, CustomerID: ann.ID, Status: "sent", MessageID: "<b2.ann@mail.example>", At: fixture.At(time.Minute)},
		want,
	})
	list, err = s.BroadcastRecipientList(ctx, carl.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "BroadcastRecipientList of a failure", list, []*aftersale.BroadcastRecipient{
		{BroadcastID: b.ID, CustomerID: carl.ID, Status: "failed", Error: "550 no such user", At: fixture.At(7 * time.Minute)},
	})
	list, err = s.BroadcastRecipientList(ctx, carl.ID+100)
	fixture.Ok(t, err)
	if len(list) != 0 {
		t.Fatalf("BroadcastRecipientList of nobody: %s", fixture.Show(list))
	}

	// Errors.
	err = s.BroadcastRecipientFinish(ctx, b.ID, bob.ID, "sending", "", "", fixture.T0)
	fixture.WantCode(t, "BroadcastRecipientFinish to sending", err, aftersale.EINVALID)
	err = s.BroadcastRecipientFinish(ctx, other.ID+100, bob.ID, "sent", "", "", fixture.T0)
	fixture.WantCode(t, "BroadcastRecipientFinish of a missing broadcast", err, aftersale.ENOTFOUND)
	_, _, err = s.BroadcastRecipientBegin(ctx, &aftersale.BroadcastRecipient{CustomerID: bob.ID, At: fixture.T0})
	fixture.WantCode(t, "BroadcastRecipientBegin without a broadcast", err, aftersale.EINVALID)

	// Begin and finish in one transaction.
	eve := fixture.NewCustomer(t, s, "recipient-eve@example.com")
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		_, created, err := tx.BroadcastRecipientBegin(ctx, &aftersale.BroadcastRecipient{BroadcastID: b.ID, CustomerID: eve.ID, At: fixture.T0})
		if err != nil || !created {
			return fmt.Errorf("begin in a transaction: created %v, err %v", created, err)
		}
		return tx.BroadcastRecipientFinish(ctx, b.ID, eve.ID, "sent", "<eve@mail.example>", "", fixture.At(time.Minute))
	}))
	if got := getBroadcast(t, s, b.ID); got.Sent != 2 {
		t.Fatalf("sent %d after a finish in a transaction, want 2", got.Sent)
	}
}
