package features

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

// member returns an unsaved member with the email, created at created.
func member(email string, role aftersale.Role, created time.Time) *aftersale.Member {
	return &aftersale.Member{
		Email: email, Name: "Name of " + email, Role: role,
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		SMTPURL:      "smtp://" + email + ":secret@mail.example:587",
		CreatedAt:    created,
	}
}

func testMemberCreate(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	in := member("Ann@Example.com", aftersale.RoleOwner, fixture.T0)
	ann, err := s.MemberCreate(ctx, in)
	fixture.Ok(t, err)
	if ann.ID == 0 {
		t.Fatal("created member has ID 0")
	}
	want := *in
	want.ID = ann.ID
	fixture.Same(t, "MemberCreate", ann, &want)
	got, err := s.MemberGet(ctx, ann.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "MemberGet", got, &want)
	for _, email := range []string{"Ann@Example.com", "ann@example.com", " ANN@EXAMPLE.COM "} {
		got, err := s.MemberGetByEmail(ctx, email)
		fixture.Ok(t, err)
		fixture.Same(t, "MemberGetByEmail("+email+")", got, &want)
	}

	// The email is taken in any case; the first member stays as it was.
	_, err = s.MemberCreate(ctx, member("ann@EXAMPLE.com", aftersale.RoleAssistant, fixture.At(time.Hour)))
	fixture.WantCode(t, "MemberCreate of a taken email in another case", err, aftersale.ECONFLICT)
	got, err = s.MemberGetByEmail(ctx, "ann@example.com")
	fixture.Ok(t, err)
	fixture.Same(t, "member after a conflicting MemberCreate", got, &want)

	// A member without a password or mailbox of its own.
	bare := &aftersale.Member{Email: "bob@example.com", Role: aftersale.RoleProgramManager, CreatedAt: fixture.At(time.Hour)}
	bob, err := s.MemberCreate(ctx, bare)
	fixture.Ok(t, err)
	if bob.ID == ann.ID {
		t.Fatalf("two members share the ID %d", bob.ID)
	}
	wantBob := *bare
	wantBob.ID = bob.ID
	fixture.Same(t, "MemberCreate without password and SMTP URL", bob, &wantBob)

	_, err = s.MemberCreate(ctx, member(" ", aftersale.RoleOwner, fixture.T0))
	fixture.WantCode(t, "MemberCreate without an email", err, aftersale.EINVALID)

	_, err = s.MemberGet(ctx, 1_000_000)
	fixture.WantCode(t, "MemberGet of a missing member", err, aftersale.ENOTFOUND)
	_, err = s.MemberGetByEmail(ctx, "nobody@example.com")
	fixture.WantCode(t, "MemberGetByEmail of a missing member", err, aftersale.ENOTFOUND)
}

func testMemberCreateInUpdate(t *testing.T, s aftersale.Store) {
	// A conflict is decided without failing the transaction: the caller
	// may go on in it.
	ctx := t.Context()
	_, err := s.MemberCreate(ctx, member("ann@example.com", aftersale.RoleOwner, fixture.T0))
	fixture.Ok(t, err)
	var bob *aftersale.Member
	var conflict error
	err = s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		_, conflict = tx.MemberCreate(ctx, member("ANN@example.com", aftersale.RoleAssistant, fixture.T0))
		var err error
		bob, err = tx.MemberCreate(ctx, member("bob@example.com", aftersale.RoleAssistant, fixture.T0))
		return err
	})
	fixture.WantCode(t, "MemberCreate of a taken email in a transaction", conflict, aftersale.ECONFLICT)
	fixture.Ok(t, err)
	got, err := s.MemberGetByEmail(ctx, "bob@example.com")
	fixture.Ok(t, err)
	fixture.Same(t, "member created after a conflict in the same transaction", got, bob)
}

func testMemberList(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	list, err := s.MemberList(ctx)
	fixture.Ok(t, err)
	if len(list) != 0 {
		t.Fatalf("MemberList of an empty store: %s", fixture.Show(list))
	}
	var created []*aftersale.Member
	for _, c := range []struct {
		email   string
		created time.Duration
	}{
		{"late@example.com", 2 * time.Hour}, {"first@example.com", 0}, {"mid@example.com", time.Hour},
		{"mid2@example.com", time.Hour},
	} {
		m, err := s.MemberCreate(ctx, member(c.email, aftersale.RoleAssistant, fixture.At(c.created)))
		fixture.Ok(t, err)
		created = append(created, m)
	}
	list, err = s.MemberList(ctx)
	fixture.Ok(t, err)
	// Oldest first; members created at the same time in the order they
	// were stored.
	fixture.Same(t, "MemberList", list, []*aftersale.Member{created[1], created[2], created[3], created[0]})
}

func testMemberUpdate(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann, err := s.MemberCreate(ctx, member("Ann@Example.com", aftersale.RoleAssistant, fixture.T0))
	fixture.Ok(t, err)
	bob, err := s.MemberCreate(ctx, member("bob@example.com", aftersale.RoleAssistant, fixture.T0))
	fixture.Ok(t, err)

	change := *ann
	change.Name, change.Role = "Ann Smith", aftersale.RoleOwner
	change.PasswordHash, change.SMTPURL = "$argon2id$v=19$m=65536,t=3,p=4$bmV3$bmV3", ""
	// The email and the creation time are not the update's to change.
	change.Email, change.CreatedAt = "other@example.com", fixture.At(time.Hour)
	fixture.Ok(t, s.MemberUpdate(ctx, &change))
	want := *ann
	want.Name, want.Role, want.PasswordHash, want.SMTPURL = change.Name, change.Role, change.PasswordHash, ""
	got, err := s.MemberGet(ctx, ann.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "member after MemberUpdate", got, &want)
	got, err = s.MemberGetByEmail(ctx, "ann@example.com")
	fixture.Ok(t, err)
	fixture.Same(t, "MemberGetByEmail after MemberUpdate", got, &want)
	_, err = s.MemberGetByEmail(ctx, "other@example.com")
	fixture.WantCode(t, "MemberGetByEmail of the email the update came with", err, aftersale.ENOTFOUND)
	got, err = s.MemberGet(ctx, bob.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "another member after MemberUpdate", got, bob)

	missing := *ann
	missing.ID = 1_000_000
	fixture.WantCode(t, "MemberUpdate of a missing member", s.MemberUpdate(ctx, &missing), aftersale.ENOTFOUND)
}

// findSession calls SessionFind and fails the test on an error.
func findSession(t *testing.T, s aftersale.Store, token string, now time.Time) ([]byte, bool) {
	t.Helper()
	data, found, err := s.SessionFind(t.Context(), token, now)
	fixture.Ok(t, err)
	if !found && data != nil {
		t.Fatalf("SessionFind(%s) found nothing but returned data %q", token, data)
	}
	return data, found
}

func testSession(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	if _, found := findSession(t, s, "unknown", fixture.T0); found {
		t.Fatal("SessionFind of an unknown token: found")
	}

	data := []byte("session data \x00\xff")
	fixture.Ok(t, s.SessionCommit(ctx, &aftersale.Session{Token: "tok-a", Data: data, Expiry: fixture.At(time.Hour)}))
	fixture.Ok(t, s.SessionCommit(ctx, &aftersale.Session{Token: "tok-b", Data: []byte("b"), Expiry: fixture.At(time.Hour)}))
	for _, now := range []time.Time{fixture.T0, fixture.At(time.Hour - time.Microsecond)} {
		got, found := findSession(t, s, "tok-a", now)
		if !found || string(got) != string(data) {
			t.Fatalf("SessionFind at %v: found %v, data %q; want %q", now, found, got, data)
		}
	}
	// Expired at its expiry and after.
	for _, now := range []time.Time{fixture.At(time.Hour), fixture.At(2 * time.Hour)} {
		if got, found := findSession(t, s, "tok-a", now); found {
			t.Fatalf("SessionFind of an expired session at %v: found, data %q", now, got)
		}
	}

	// A commit of the same token replaces the data and the expiry, which
	// may bring an expired session back.
	fixture.Ok(t, s.SessionCommit(ctx, &aftersale.Session{Token: "tok-a", Data: []byte("new"), Expiry: fixture.At(3 * time.Hour)}))
	if got, found := findSession(t, s, "tok-a", fixture.At(2*time.Hour)); !found || string(got) != "new" {
		t.Fatalf("SessionFind after a replacing commit: found %v, data %q", found, got)
	}
	fixture.Ok(t, s.SessionCommit(ctx, &aftersale.Session{Token: "tok-a", Data: []byte("shorter"), Expiry: fixture.At(time.Minute)}))
	if got, found := findSession(t, s, "tok-a", fixture.At(2*time.Minute)); found {
		t.Fatalf("SessionFind after a commit that shortened the expiry: found, data %q", got)
	}

	// A session with no data.
	fixture.Ok(t, s.SessionCommit(ctx, &aftersale.Session{Token: "tok-empty", Expiry: fixture.At(time.Hour)}))
	if got, found := findSession(t, s, "tok-empty", fixture.T0); !found || len(got) != 0 {
		t.Fatalf("SessionFind of a session without data: found %v, data %q", found, got)
	}

	fixture.Ok(t, s.SessionDelete(ctx, "tok-b"))
	if _, found := findSession(t, s, "tok-b", fixture.T0); found {
		t.Fatal("SessionFind of a deleted session: found")
	}
	fixture.Ok(t, s.SessionDelete(ctx, "tok-b"))
	fixture.Ok(t, s.SessionDelete(ctx, "never-was"))
	if _, found := findSession(t, s, "tok-empty", fixture.T0); !found {
		t.Fatal("SessionDelete removed another session")
	}
}

func testSessionPurge(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	n, err := s.SessionPurge(ctx, fixture.T0)
	fixture.Ok(t, err)
	if n != 0 {
		t.Fatalf("SessionPurge of an empty store removed %d", n)
	}
	for token, expiry := range map[string]time.Time{
		"old":   fixture.At(-2 * time.Hour),
		"older": fixture.At(-24 * time.Hour),
		"soon":  fixture.At(30 * time.Minute),
		"later": fixture.At(2 * time.Hour),
	} {
		fixture.Ok(t, s.SessionCommit(ctx, &aftersale.Session{Token: token, Data: []byte(token), Expiry: expiry}))
	}
	for _, c := range []struct {
		now  time.Time
		want int
		left []string
		gone []string
	}{
		{fixture.T0, 2, []string{"soon", "later"}, []string{"old", "older"}},
		{fixture.T0, 0, []string{"soon", "later"}, nil},
		{fixture.At(time.Hour), 1, []string{"later"}, []string{"soon"}},
		{fixture.At(3 * time.Hour), 1, nil, []string{"later"}},
	} {
		n, err := s.SessionPurge(ctx, c.now)
		fixture.Ok(t, err)
		if n != c.want {
			t.Fatalf("SessionPurge at %v removed %d sessions, want %d", c.now, n, c.want)
		}
		for _, token := range c.left {
			// Still stored: found when looked for before it expires.
			if got, found := findSession(t, s, token, fixture.At(-48*time.Hour)); !found || string(got) != token {
				t.Fatalf("session %s after SessionPurge at %v: found %v, data %q", token, c.now, found, got)
			}
		}
		for _, token := range c.gone {
			if _, found := findSession(t, s, token, fixture.At(-48*time.Hour)); found {
				t.Fatalf("session %s is stored after SessionPurge at %v", token, c.now)
			}
		}
	}
}

func testMessageListRecent(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	list, err := s.MessageListRecent(ctx, 0)
	fixture.Ok(t, err)
	if len(list) != 0 {
		t.Fatalf("MessageListRecent of an empty store: %s", fixture.Show(list))
	}
	ann := fixture.NewFixture(t, s, "ann@example.com")
	bob := fixture.NewFixture(t, s, "bob@example.com")
	var msgs []*aftersale.Message
	for _, c := range []struct {
		f       fixture.Fixture
		to      string
		created time.Duration
		noStep  bool
	}{
		{ann, "ann@example.com", time.Hour, false},
		{bob, "bob@example.com", 3 * time.Hour, false},
		{ann, "ann+2@example.com", 0, false},
		{bob, "bob+2@example.com", time.Hour, false}, // same time as the first: by ID
		{ann, "someone@example.com", 2 * time.Hour, true},
	} {
		in := fixture.Message(c.f, c.to)
		in.CreatedAt = fixture.At(c.created)
		if c.noStep {
			in.StepID, in.CustomerID = 0, 0
		}
		m, _, err := s.MessageBegin(ctx, in)
		fixture.Ok(t, err)
		msgs = append(msgs, m)
	}
	fixture.Ok(t, s.MessageFinish(ctx, msgs[1].ID, aftersale.MessageSent, "", fixture.At(4*time.Hour)))
	msgs[1].Status, msgs[1].SentAt = aftersale.MessageSent, fixture.At(4*time.Hour)

	newest := []*aftersale.Message{msgs[1], msgs[4], msgs[3], msgs[0], msgs[2]}
	for _, c := range []struct {
		limit int
		want  []*aftersale.Message
	}{
		{0, newest}, {10, newest}, {2, newest[:2]}, {1, newest[:1]},
	} {
		list, err := s.MessageListRecent(ctx, c.limit)
		fixture.Ok(t, err)
		fixture.Same(t, fmt.Sprint("MessageListRecent, newest first, limit ", c.limit), list, c.want)
	}
}
