package storetest

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

func testEventInsert(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ev := &aftersale.StoredEvent{
		ID: "evt_1", Type: aftersale.EventOrderPlaced, Source: "api",
		OccurredAt: fixture.T0, ReceivedAt: fixture.At(time.Second),
		CustomerEmail: "Ann@Example.com", OrderRef: "1001",
		Payload: []byte(`{"id":"evt_1","type":"order.placed"}`),
	}
	inserted, err := s.EventInsert(ctx, ev)
	fixture.Ok(t, err)
	if !inserted {
		t.Fatal("first EventInsert: inserted = false")
	}
	got, err := s.EventGet(ctx, "evt_1")
	fixture.Ok(t, err)
	fixture.Same(t, "EventGet", got, ev)

	dup := *ev
	dup.Type = aftersale.EventOrderRefunded
	dup.Payload = []byte(`{"id":"evt_1","type":"order.refunded"}`)
	inserted, err = s.EventInsert(ctx, &dup)
	fixture.Ok(t, err)
	if inserted {
		t.Fatal("second EventInsert with the same ID: inserted = true")
	}
	got, err = s.EventGet(ctx, "evt_1")
	fixture.Ok(t, err)
	fixture.Same(t, "EventGet after a duplicate", got, ev)

	// An event about nobody (no email, no order) is stored too.
	bare := &aftersale.StoredEvent{ID: "evt_2", Type: aftersale.EventProductAccessed, Source: "import",
		OccurredAt: fixture.T0, ReceivedAt: fixture.T0, Payload: []byte(`{}`)}
	inserted, err = s.EventInsert(ctx, bare)
	fixture.Ok(t, err)
	if !inserted {
		t.Fatal("EventInsert of a second event: inserted = false")
	}
	got, err = s.EventGet(ctx, "evt_2")
	fixture.Ok(t, err)
	fixture.Same(t, "EventGet of an event about nobody", got, bare)

	_, err = s.EventGet(ctx, "evt_missing")
	fixture.WantCode(t, "EventGet of a missing event", err, aftersale.ENOTFOUND)
}

func testEventListByCustomer(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	events := []struct {
		id, email string
		occurred  time.Time
	}{
		{"e1", "ann@example.com", fixture.At(2 * time.Hour)},
		{"e2", "ANN@example.com", fixture.T0},
		{"e3", "bob@example.com", fixture.At(time.Hour)},
		{"e4", "Ann@Example.COM", fixture.At(time.Hour)},
	}
	for _, e := range events {
		_, err := s.EventInsert(ctx, &aftersale.StoredEvent{ID: e.id, Type: aftersale.EventOrderPlaced,
			Source: "api", OccurredAt: e.occurred, ReceivedAt: e.occurred, CustomerEmail: e.email,
			Payload: []byte(`{"id":"` + e.id + `"}`)})
		fixture.Ok(t, err)
	}
	tests := []struct {
		email string
		want  []string
	}{
		{"ann@example.com", []string{"e2", "e4", "e1"}},
		{"ANN@EXAMPLE.COM", []string{"e2", "e4", "e1"}},
		{"bob@example.com", []string{"e3"}},
		{"nobody@example.com", nil},
	}
	for _, tt := range tests {
		list, err := s.EventListByCustomer(ctx, tt.email)
		fixture.Ok(t, err)
		var got []string
		for _, ev := range list {
			got = append(got, ev.ID)
			if string(ev.Payload) != `{"id":"`+ev.ID+`"}` {
				t.Errorf("event %s has payload %q", ev.ID, ev.Payload)
			}
		}
		fixture.Same(t, "EventListByCustomer("+tt.email+")", got, tt.want)
	}
}

func testCustomerUpsert(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	// Each step merges a contact into the same stored customer.
	steps := []struct {
		name    string
		contact aftersale.Contact
		now     time.Time
		want    aftersale.Customer // ID is filled in
	}{{
		name: "create",
		contact: aftersale.Contact{Email: "Ann@Example.com", Name: "Ann", Phone: "+49 30 1234",
			Timezone: "Europe/Berlin", MarketingConsent: fixture.Ptr(true)},
		now: fixture.T0,
		want: aftersale.Customer{Email: "Ann@Example.com", Name: "Ann", Phone: "+49 30 1234",
			Timezone: "Europe/Berlin", MarketingConsent: true, CreatedAt: fixture.T0, UpdatedAt: fixture.T0},
	}, {
		name:    "empty fields and nil consent keep what is stored; the email matches in any case",
		contact: aftersale.Contact{Email: "ann@example.COM"},
		now:     fixture.At(time.Hour),
		want: aftersale.Customer{Email: "Ann@Example.com", Name: "Ann", Phone: "+49 30 1234",
			Timezone: "Europe/Berlin", MarketingConsent: true, CreatedAt: fixture.T0, UpdatedAt: fixture.At(time.Hour)},
	}, {
		name:    "non-empty fields overwrite and consent false withdraws",
		contact: aftersale.Contact{Email: "ann@example.com", Name: "Ann Lee", Timezone: "Europe/Paris", MarketingConsent: fixture.Ptr(false)},
		now:     fixture.At(2 * time.Hour),
		want: aftersale.Customer{Email: "Ann@Example.com", Name: "Ann Lee", Phone: "+49 30 1234",
			Timezone: "Europe/Paris", MarketingConsent: false, CreatedAt: fixture.T0, UpdatedAt: fixture.At(2 * time.Hour)},
	}, {
		name:    "consent true grants",
		contact: aftersale.Contact{Email: "ANN@EXAMPLE.COM", Phone: "+49 30 9999", MarketingConsent: fixture.Ptr(true)},
		now:     fixture.At(3 * time.Hour),
		want: aftersale.Customer{Email: "Ann@Example.com", Name: "Ann Lee", Phone: "+49 30 9999",
			Timezone: "Europe/Paris", MarketingConsent: true, CreatedAt: fixture.T0, UpdatedAt: fixture.At(3 * time.Hour)},
	}}
	var id int64
	for _, st := range steps {
		c, err := s.CustomerUpsert(ctx, &st.contact, st.now)
		fixture.Ok(t, err)
		if id == 0 {
			if c.ID == 0 {
				t.Fatal("created customer has ID 0")
			}
			id = c.ID
		}
		want := st.want
		want.ID = id
		fixture.Same(t, st.name, c, &want)
		got, err := s.CustomerGet(ctx, id)
		fixture.Ok(t, err)
		fixture.Same(t, st.name+" (CustomerGet)", got, &want)
	}

	other, err := s.CustomerUpsert(ctx, &aftersale.Contact{Email: "bob@example.com"}, fixture.T0)
	fixture.Ok(t, err)
	if other.ID == id || other.ID == 0 {
		t.Fatalf("a second email got ID %d (first %d)", other.ID, id)
	}
	if other.MarketingConsent || other.Unsubscribed || other.Name != "" {
		t.Errorf("new customer without facts: %s", fixture.Show(other))
	}
}

func testCustomerGet(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "Ann@Example.com")
	bob := fixture.NewCustomer(t, s, "bob@example.com")

	for _, c := range []*aftersale.Customer{ann, bob} {
		got, err := s.CustomerGet(ctx, c.ID)
		fixture.Ok(t, err)
		fixture.Same(t, "CustomerGet", got, c)
	}
	for _, email := range []string{"Ann@Example.com", "ann@example.com", "ANN@EXAMPLE.COM"} {
		got, err := s.CustomerGetByEmail(ctx, email)
		fixture.Ok(t, err)
		fixture.Same(t, "CustomerGetByEmail("+email+")", got, ann)
	}
	_, err := s.CustomerGet(ctx, bob.ID+1000)
	fixture.WantCode(t, "CustomerGet of a missing ID", err, aftersale.ENOTFOUND)
	_, err = s.CustomerGetByEmail(ctx, "carl@example.com")
	fixture.WantCode(t, "CustomerGetByEmail of a missing email", err, aftersale.ENOTFOUND)
}

func testCustomerSetUnsubscribed(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	c, err := s.CustomerUpsert(ctx, &aftersale.Contact{Email: "Ann@Example.com", MarketingConsent: fixture.Ptr(true)}, fixture.T0)
	fixture.Ok(t, err)
	steps := []struct {
		name         string
		email        string
		unsubscribed bool
		at           time.Time
		wantAt       time.Time
	}{
		{"unsubscribe", "ann@example.com", true, fixture.At(time.Hour), fixture.At(time.Hour)},
		{"unsubscribe again keeps the first time", "ANN@example.com", true, fixture.At(2 * time.Hour), fixture.At(time.Hour)},
		{"resubscribe clears", "ann@example.com", false, fixture.At(3 * time.Hour), time.Time{}},
		{"unsubscribe after a resubscribe", "ann@example.com", true, fixture.At(4 * time.Hour), fixture.At(4 * time.Hour)},
	}
	for _, st := range steps {
		fixture.Ok(t, s.CustomerSetUnsubscribed(ctx, st.email, st.unsubscribed, st.at))
		got, err := s.CustomerGet(ctx, c.ID)
		fixture.Ok(t, err)
		if got.Unsubscribed != st.unsubscribed || !got.UnsubscribedAt.Equal(st.wantAt) {
			t.Fatalf("%s: Unsubscribed %v at %v, want %v at %v", st.name,
				got.Unsubscribed, got.UnsubscribedAt, st.unsubscribed, st.wantAt)
		}
		if !got.MarketingConsent || got.Email != "Ann@Example.com" {
			t.Fatalf("%s: changed other fields: %s", st.name, fixture.Show(got))
		}
	}
	err = s.CustomerSetUnsubscribed(ctx, "nobody@example.com", true, fixture.T0)
	fixture.WantCode(t, "CustomerSetUnsubscribed of a missing email", err, aftersale.ENOTFOUND)
}

func testSecretGet(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	calls := 0
	gen := func() []byte {
		calls++
		return []byte(fmt.Sprintf("secret-%d", calls))
	}
	first, err := s.SecretGet(ctx, "link-key", gen)
	fixture.Ok(t, err)
	if string(first) != "secret-1" || calls != 1 {
		t.Fatalf("first SecretGet = %q after %d gen calls, want secret-1 after 1", first, calls)
	}
	again, err := s.SecretGet(ctx, "link-key", gen)
	fixture.Ok(t, err)
	if !bytes.Equal(again, first) || calls != 1 {
		t.Fatalf("second SecretGet = %q after %d gen calls, want %q without a call", again, calls, first)
	}
	other, err := s.SecretGet(ctx, "other-key", gen)
	fixture.Ok(t, err)
	if string(other) != "secret-2" {
		t.Fatalf("SecretGet of another name = %q, want secret-2", other)
	}
}

func testSecretGetConcurrent(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	const n = 8
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		results [n][]byte
		errs    [n]error
		gens    atomic.Int32
		allIn   = make(chan struct{})
	)
	// gen waits (a little) for the other callers to reach it too, so that
	// an implementation that lets each caller store its own value fails.
	gen := func() []byte {
		if gens.Add(1) == n {
			close(allIn)
		}
		select {
		case <-allIn:
		case <-time.After(200 * time.Millisecond):
		}
		return []byte(rand.Text())
	}
	for i := range n {
		wg.Go(func() {
			<-start
			results[i], errs[i] = s.SecretGet(ctx, "signing-key", gen)
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		fixture.Ok(t, errs[i])
		if len(results[i]) == 0 || !bytes.Equal(results[i], results[0]) {
			t.Fatalf("concurrent SecretGet %d = %q, call 0 = %q", i, results[i], results[0])
		}
	}
	stored, err := s.SecretGet(ctx, "signing-key", func() []byte {
		t.Error("gen called for a stored secret")
		return []byte("x")
	})
	fixture.Ok(t, err)
	if !bytes.Equal(stored, results[0]) {
		t.Fatalf("SecretGet after the race = %q, want %q", stored, results[0])
	}
	t.Logf("%d of %d concurrent first calls ran gen", gens.Load(), n)
}

func testCustomerSetSuppressed(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	c, err := s.CustomerUpsert(ctx, &aftersale.Contact{Email: "Ann@Example.com", MarketingConsent: fixture.Ptr(true)}, fixture.T0)
	fixture.Ok(t, err)
	bob := fixture.NewCustomer(t, s, "bob@example.com")
	steps := []struct {
		name   string
		email  string
		reason string
		at     time.Time
		wantAt time.Time
	}{
		{"suppress", "ann@example.com", "bounce 5.1.1", fixture.At(time.Hour), fixture.At(time.Hour)},
		{"a new reason replaces the old and keeps the first time", "ANN@example.com", aftersale.SuppressComplaint,
			fixture.At(2 * time.Hour), fixture.At(time.Hour)},
		{"the same reason again keeps the first time", "ann@example.com", aftersale.SuppressComplaint,
			fixture.At(3 * time.Hour), fixture.At(time.Hour)},
		{"an empty reason lifts it", "ann@example.com", "", fixture.At(4 * time.Hour), time.Time{}},
		{"lifting again changes nothing", "Ann@Example.com", "", fixture.At(5 * time.Hour), time.Time{}},
		{"suppress after a lift takes the new time", "ann@example.com", "bounce 5.2.1", fixture.At(6 * time.Hour), fixture.At(6 * time.Hour)},
	}
	for _, st := range steps {
		fixture.Ok(t, s.CustomerSetSuppressed(ctx, st.email, st.reason, st.at))
		got, err := s.CustomerGet(ctx, c.ID)
		fixture.Ok(t, err)
		if got.Suppressed != st.reason || !got.SuppressedAt.Equal(st.wantAt) {
			t.Fatalf("%s: Suppressed %q at %v, want %q at %v", st.name,
				got.Suppressed, got.SuppressedAt, st.reason, st.wantAt)
		}
		if !got.MarketingConsent || got.Unsubscribed || got.Email != "Ann@Example.com" || !got.CreatedAt.Equal(fixture.T0) {
			t.Fatalf("%s: changed other fields: %s", st.name, fixture.Show(got))
		}
		byEmail, err := s.CustomerGetByEmail(ctx, "ann@example.com")
		fixture.Ok(t, err)
		fixture.Same(t, st.name+" (CustomerGetByEmail)", byEmail, got)
	}

	// Suppression and unsubscribe are independent of each other.
	fixture.Ok(t, s.CustomerSetUnsubscribed(ctx, "ann@example.com", true, fixture.At(7*time.Hour)))
	fixture.Ok(t, s.CustomerSetSuppressed(ctx, "ann@example.com", "", fixture.At(8*time.Hour)))
	got, err := s.CustomerGet(ctx, c.ID)
	fixture.Ok(t, err)
	if got.Suppressed != "" || !got.Unsubscribed || !got.UnsubscribedAt.Equal(fixture.At(7*time.Hour)) {
		t.Fatalf("lifting a suppression changed the unsubscribe: %s", fixture.Show(got))
	}

	// Nobody else is touched.
	other, err := s.CustomerGet(ctx, bob.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "another customer", other, bob)

	for _, reason := range []string{"bounce 5.1.1", ""} {
		err := s.CustomerSetSuppressed(ctx, "nobody@example.com", reason, fixture.T0)
		fixture.WantCode(t, "CustomerSetSuppressed("+reason+") of a missing email", err, aftersale.ENOTFOUND)
	}
	if _, err := s.CustomerGetByEmail(ctx, "nobody@example.com"); !aftersale.IsNotFound(err) {
		t.Fatalf("CustomerSetSuppressed of a missing email created a customer (err %v)", err)
	}
}
