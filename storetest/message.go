package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

func testMessageBegin(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "Ann@Example.com")
	in := fixture.Message(f, "Ann@Example.com")
	m, created, err := s.MessageBegin(ctx, in)
	fixture.Ok(t, err)
	if !created || m.ID == 0 {
		t.Fatalf("first MessageBegin: created %v, ID %d", created, m.ID)
	}
	want := *in
	want.ID, want.Attempts = m.ID, 1
	fixture.Same(t, "first MessageBegin", m, &want)

	// A retry of the same step to the same person (in any case) counts an
	// attempt and keeps the stored Message-ID and facts.
	for attempt := 2; attempt <= 3; attempt++ {
		retry := fixture.Message(f, "ann@example.com")
		retry.MessageID, retry.Subject, retry.CreatedAt = "<other@mail.example>", "Changed", fixture.At(time.Hour)
		m, created, err = s.MessageBegin(ctx, retry)
		fixture.Ok(t, err)
		if created {
			t.Fatalf("attempt %d: created a second message", attempt)
		}
		want.Attempts = attempt
		fixture.Same(t, "retried MessageBegin", m, &want)
	}

	// Another recipient of the same step is another message.
	other, created, err := s.MessageBegin(ctx, fixture.Message(f, "bob@example.com"))
	fixture.Ok(t, err)
	if !created || other.ID == m.ID || other.Attempts != 1 {
		t.Fatalf("MessageBegin to another recipient: created %v, ID %d (first %d), attempts %d",
			created, other.ID, m.ID, other.Attempts)
	}

	// Mail not sent by a step is never merged.
	var manual []int64
	for range 2 {
		in := fixture.Message(f, "ann@example.com")
		in.StepID = 0
		got, created, err := s.MessageBegin(ctx, in)
		fixture.Ok(t, err)
		if !created || got.StepID != 0 || got.Attempts != 1 {
			t.Fatalf("MessageBegin without a step: created %v, %s", created, fixture.Show(got))
		}
		manual = append(manual, got.ID)
	}
	if manual[0] == manual[1] {
		t.Fatal("two messages without a step share an ID")
	}
}

func testMessageBeginFinal(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com")
	for _, status := range []aftersale.MessageStatus{aftersale.MessageSent, aftersale.MessageFailed, aftersale.MessageSuppressed} {
		t.Run(string(status), func(t *testing.T) {
			in := fixture.Message(f, string(status)+"@example.com")
			m, _, err := s.MessageBegin(ctx, in)
			fixture.Ok(t, err)
			_, _, err = s.MessageBegin(ctx, in)
			fixture.Ok(t, err)
			fixture.Ok(t, s.MessageFinish(ctx, m.ID, status, "why "+string(status), fixture.At(time.Minute)))
			want := *m
			want.Status, want.Attempts, want.Error, want.SentAt = status, 2, "why "+string(status), fixture.At(time.Minute)
			for range 2 {
				got, created, err := s.MessageBegin(ctx, in)
				fixture.Ok(t, err)
				if created {
					t.Fatal("MessageBegin of a final message created one")
				}
				fixture.Same(t, "MessageBegin of a final message", got, &want)
			}
		})
	}
}

func testMessageFinish(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com")
	tests := []struct {
		status  aftersale.MessageStatus
		errText string
	}{
		{aftersale.MessageSent, ""},
		{aftersale.MessageFailed, "550 5.1.1 no such user"},
		{aftersale.MessageSuppressed, "unsubscribed"},
	}
	for i, tt := range tests {
		m, _, err := s.MessageBegin(ctx, fixture.Message(f, string(tt.status)+"@example.com"))
		fixture.Ok(t, err)
		finished := fixture.At(time.Duration(i+1) * time.Minute)
		fixture.Ok(t, s.MessageFinish(ctx, m.ID, tt.status, tt.errText, finished))
		list, err := s.MessageListByCustomer(ctx, f.Cust.ID)
		fixture.Ok(t, err)
		if len(list) != i+1 {
			t.Fatalf("%s: %d messages listed, want %d", tt.status, len(list), i+1)
		}
		want := *m
		want.Status, want.Error, want.SentAt = tt.status, tt.errText, finished
		fixture.Same(t, string(tt.status), list[i], &want)
	}
	err := s.MessageFinish(ctx, 1_000_000, aftersale.MessageSent, "", fixture.T0)
	fixture.WantCode(t, "MessageFinish of a missing message", err, aftersale.ENOTFOUND)
}

func testMessageListByCustomer(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com")
	other := fixture.NewFixture(t, s, "bob@example.com")
	var want []int64
	for _, c := range []struct {
		f       fixture.Fixture
		to      string
		created time.Duration
	}{
		{f, "ann+late@example.com", 2 * time.Hour},
		{other, "bob@example.com", time.Hour},
		{f, "ann@example.com", 0},
		{f, "ann+mid@example.com", time.Hour},
	} {
		in := fixture.Message(c.f, c.to)
		in.CreatedAt = fixture.At(c.created)
		m, _, err := s.MessageBegin(ctx, in)
		fixture.Ok(t, err)
		if c.f.Cust.ID == f.Cust.ID {
			want = append(want, m.ID)
		}
	}
	want = []int64{want[1], want[2], want[0]} // by creation time
	list, err := s.MessageListByCustomer(ctx, f.Cust.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "MessageListByCustomer, oldest first", fixture.IDs(list, func(m *aftersale.Message) int64 { return m.ID }), want)
	for _, m := range list {
		if m.CustomerID != f.Cust.ID {
			t.Errorf("listed a message to customer %d", m.CustomerID)
		}
	}
}

func testMessageCountByStatus(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	all := []aftersale.MessageStatus{aftersale.MessageSending, aftersale.MessageSent, aftersale.MessageFailed, aftersale.MessageSuppressed}
	check := func(name string, want map[aftersale.MessageStatus]int) {
		t.Helper()
		got, err := s.MessageCountByStatus(ctx)
		fixture.Ok(t, err)
		for status, n := range got {
			if n != want[status] {
				t.Fatalf("%s: %d %s messages, want %d", name, n, status, want[status])
			}
		}
		for _, status := range all {
			if got[status] != want[status] {
				t.Fatalf("%s: %d %s messages, want %d", name, got[status], status, want[status])
			}
		}
	}
	check("empty store", nil)

	f := fixture.NewFixture(t, s, "ann@example.com")
	final := map[string]aftersale.MessageStatus{
		"a": aftersale.MessageSent, "b": aftersale.MessageSent, "c": aftersale.MessageFailed,
		"d": aftersale.MessageSuppressed, "e": "", "f": "",
	}
	for name, status := range final {
		m, _, err := s.MessageBegin(ctx, fixture.Message(f, name+"@example.com"))
		fixture.Ok(t, err)
		if status != "" {
			fixture.Ok(t, s.MessageFinish(ctx, m.ID, status, "", fixture.T0))
		}
	}
	check("after sending", map[aftersale.MessageStatus]int{
		aftersale.MessageSending: 2, aftersale.MessageSent: 2, aftersale.MessageFailed: 1, aftersale.MessageSuppressed: 1,
	})
}

func testTaskCreate(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com")
	in := fixture.Task(f, f.Step.ID, "Call Ann", fixture.At(time.Hour))
	first, err := s.TaskCreate(ctx, in)
	fixture.Ok(t, err)
	if first.ID == 0 {
		t.Fatal("created task has ID 0")
	}
	want := *in
	want.ID = first.ID
	fixture.Same(t, "TaskCreate", first, &want)
	got, err := s.TaskGet(ctx, first.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "TaskGet", got, &want)

	again, err := s.TaskCreate(ctx, fixture.Task(f, f.Step.ID, "Call Ann again", fixture.At(2*time.Hour)))
	fixture.Ok(t, err)
	fixture.Same(t, "second TaskCreate for the same step", again, &want)

	// Tasks made by hand (no step) are all kept, without customer or order
	// when they are about nobody.
	hand := map[int64]bool{}
	for i := range 2 {
		in := fixture.Task(f, 0, "Write a note", fixture.At(time.Duration(i)*time.Hour))
		in.CustomerID, in.OrderID, in.Kind = 0, 0, aftersale.TaskHandwrittenNote
		got, err := s.TaskCreate(ctx, in)
		fixture.Ok(t, err)
		want := *in
		want.ID = got.ID
		fixture.Same(t, "TaskCreate by hand", got, &want)
		hand[got.ID] = true
	}
	if len(hand) != 2 || hand[first.ID] {
		t.Fatalf("tasks made by hand got IDs %v (step task %d)", hand, first.ID)
	}
	_, err = s.TaskGet(ctx, 1_000_000)
	fixture.WantCode(t, "TaskGet of a missing task", err, aftersale.ENOTFOUND)
}

func testTaskList(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewFixture(t, s, "ann@example.com")
	bob := fixture.NewFixture(t, s, "bob@example.com")
	var tk []*aftersale.Task
	for _, c := range []struct {
		f   fixture.Fixture
		due time.Duration
	}{
		{ann, 3 * time.Hour}, {bob, time.Hour}, {ann, 0}, {bob, 4 * time.Hour}, {ann, 2 * time.Hour},
	} {
		got, err := s.TaskCreate(ctx, fixture.Task(c.f, 0, "task", fixture.At(c.due)))
		fixture.Ok(t, err)
		tk = append(tk, got)
	}
	_, err := s.TaskComplete(ctx, tk[4].ID, "reached", "", "ann@team.example", fixture.T0)
	fixture.Ok(t, err)

	byID := func(t *aftersale.Task) int64 { return t.ID }
	tests := []struct {
		name   string
		filter aftersale.TaskFilter
		want   []int64
	}{
		{"all, by due time", aftersale.TaskFilter{}, []int64{tk[2].ID, tk[1].ID, tk[4].ID, tk[0].ID, tk[3].ID}},
		{"open", aftersale.TaskFilter{Status: aftersale.TaskOpen}, []int64{tk[2].ID, tk[1].ID, tk[0].ID, tk[3].ID}},
		{"done", aftersale.TaskFilter{Status: aftersale.TaskDone}, []int64{tk[4].ID}},
		{"cancelled", aftersale.TaskFilter{Status: aftersale.TaskCancelled}, []int64{}},
		{"customer", aftersale.TaskFilter{CustomerID: bob.Cust.ID}, []int64{tk[1].ID, tk[3].ID}},
		{"customer and status", aftersale.TaskFilter{CustomerID: ann.Cust.ID, Status: aftersale.TaskOpen}, []int64{tk[2].ID, tk[0].ID}},
		{"limit", aftersale.TaskFilter{Limit: 2}, []int64{tk[2].ID, tk[1].ID}},
	}
	for _, tt := range tests {
		list, err := s.TaskList(ctx, tt.filter)
		fixture.Ok(t, err)
		fixture.Same(t, "TaskList "+tt.name, fixture.IDs(list, byID), tt.want)
	}
}

func testTaskComplete(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com")
	open, err := s.TaskCreate(ctx, fixture.Task(f, f.Step.ID, "Call Ann", fixture.At(time.Hour)))
	fixture.Ok(t, err)
	if open.DoneBy != "" {
		t.Fatalf("open task is done by %q", open.DoneBy)
	}
	done, err := s.TaskComplete(ctx, open.ID, "reached", "happy with the course", "Ann@Team.example", fixture.At(2*time.Hour))
	fixture.Ok(t, err)
	want := *open
	want.Status, want.Outcome, want.Note, want.DoneAt = aftersale.TaskDone, "reached", "happy with the course", fixture.At(2*time.Hour)
	want.DoneBy = "Ann@Team.example"
	fixture.Same(t, "TaskComplete", done, &want)
	got, err := s.TaskGet(ctx, open.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "TaskGet after TaskComplete", got, &want)

	_, err = s.TaskComplete(ctx, open.ID, "voicemail", "", "bob@team.example", fixture.At(3*time.Hour))
	fixture.WantCode(t, "TaskComplete of a done task", err, aftersale.ECONFLICT)
	got, err = s.TaskGet(ctx, open.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "task after a conflicting TaskComplete", got, &want)
	list, err := s.TaskList(ctx, aftersale.TaskFilter{Status: aftersale.TaskDone})
	fixture.Ok(t, err)
	fixture.Same(t, "TaskList after TaskComplete", list, []*aftersale.Task{&want})

	// Completed by nobody in particular (done before there was a team).
	other, err := s.TaskCreate(ctx, fixture.Task(f, 0, "Write Ann", fixture.At(time.Hour)))
	fixture.Ok(t, err)
	done, err = s.TaskComplete(ctx, other.ID, "sent", "", "", fixture.At(time.Hour))
	fixture.Ok(t, err)
	if done.DoneBy != "" || done.Status != aftersale.TaskDone {
		t.Fatalf("TaskComplete without doneBy: %s", fixture.Show(done))
	}

	in := fixture.Task(f, 0, "Cancelled", fixture.T0)
	in.Status = aftersale.TaskCancelled
	cancelled, err := s.TaskCreate(ctx, in)
	fixture.Ok(t, err)
	_, err = s.TaskComplete(ctx, cancelled.ID, "reached", "", "ann@team.example", fixture.T0)
	fixture.WantCode(t, "TaskComplete of a cancelled task", err, aftersale.ECONFLICT)

	_, err = s.TaskComplete(ctx, 1_000_000, "reached", "", "ann@team.example", fixture.T0)
	fixture.WantCode(t, "TaskComplete of a missing task", err, aftersale.ENOTFOUND)
}

func testMessageGetByMessageID(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com")
	ann, _, err := s.MessageBegin(ctx, fixture.Message(f, "ann@example.com"))
	fixture.Ok(t, err)
	bob, _, err := s.MessageBegin(ctx, fixture.Message(f, "bob@example.com"))
	fixture.Ok(t, err)
	if ann.MessageID == bob.MessageID {
		t.Fatalf("fixture messages share the Message-ID %s", ann.MessageID)
	}
	for _, want := range []*aftersale.Message{ann, bob} {
		got, err := s.MessageGetByMessageID(ctx, want.MessageID)
		fixture.Ok(t, err)
		fixture.Same(t, "MessageGetByMessageID("+want.MessageID+")", got, want)
	}

	// A retry keeps the stored Message-ID: the message is found by it, with
	// its new state, and not by the one the retry came with.
	retry := fixture.Message(f, "ann@example.com")
	retry.MessageID = "<retry@mail.example>"
	_, _, err = s.MessageBegin(ctx, retry)
	fixture.Ok(t, err)
	fixture.Ok(t, s.MessageFinish(ctx, ann.ID, aftersale.MessageSent, "", fixture.At(time.Minute)))
	want := *ann
	want.Attempts, want.Status, want.SentAt = 2, aftersale.MessageSent, fixture.At(time.Minute)
	got, err := s.MessageGetByMessageID(ctx, ann.MessageID)
	fixture.Ok(t, err)
	fixture.Same(t, "MessageGetByMessageID after a retry and finish", got, &want)
	_, err = s.MessageGetByMessageID(ctx, retry.MessageID)
	fixture.WantCode(t, "MessageGetByMessageID of the retry's unused Message-ID", err, aftersale.ENOTFOUND)

	// Mail not sent by a step is found too.
	manual := fixture.Message(f, "carl@example.com")
	manual.StepID, manual.CustomerID, manual.MessageID = 0, 0, "<manual@mail.example>"
	m, _, err := s.MessageBegin(ctx, manual)
	fixture.Ok(t, err)
	got, err = s.MessageGetByMessageID(ctx, "<manual@mail.example>")
	fixture.Ok(t, err)
	fixture.Same(t, "MessageGetByMessageID of mail without a step", got, m)

	_, err = s.MessageGetByMessageID(ctx, "<nobody@mail.example>")
	fixture.WantCode(t, "MessageGetByMessageID of an unknown Message-ID", err, aftersale.ENOTFOUND)
}

func testMessageMarkOpened(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com")
	ann, _, err := s.MessageBegin(ctx, fixture.Message(f, "ann@example.com"))
	fixture.Ok(t, err)
	fixture.Ok(t, s.MessageFinish(ctx, ann.ID, aftersale.MessageSent, "", fixture.At(time.Minute)))
	bob, _, err := s.MessageBegin(ctx, fixture.Message(f, "bob@example.com"))
	fixture.Ok(t, err)
	if !ann.OpenedAt.IsZero() {
		t.Fatalf("a new message is opened: %s", fixture.Show(ann))
	}

	first, err := s.MessageMarkOpened(ctx, ann.MessageID, fixture.At(time.Hour))
	fixture.Ok(t, err)
	if !first {
		t.Error("the first MessageMarkOpened did not say it was the first")
	}
	want := *ann
	want.Status, want.SentAt, want.OpenedAt = aftersale.MessageSent, fixture.At(time.Minute), fixture.At(time.Hour)
	got, err := s.MessageGetByMessageID(ctx, ann.MessageID)
	fixture.Ok(t, err)
	fixture.Same(t, "MessageGetByMessageID after MessageMarkOpened", got, &want)

	// A later open keeps the first time.
	first, err = s.MessageMarkOpened(ctx, ann.MessageID, fixture.At(2*time.Hour))
	fixture.Ok(t, err)
	if first {
		t.Error("a second MessageMarkOpened said it was the first")
	}
	got, err = s.MessageGetByMessageID(ctx, ann.MessageID)
	fixture.Ok(t, err)
	fixture.Same(t, "message after a second MessageMarkOpened", got, &want)

	// Every read shows it; the other message stays unopened.
	list, err := s.MessageListByCustomer(ctx, f.Cust.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "MessageListByCustomer after MessageMarkOpened", list, []*aftersale.Message{&want, bob})
	recent, err := s.MessageListRecent(ctx, 10)
	fixture.Ok(t, err)
	found := false
	for _, m := range recent {
		if m.ID == ann.ID {
			found = true
			fixture.Same(t, "MessageListRecent after MessageMarkOpened", m, &want)
		}
	}
	if !found {
		t.Errorf("MessageListRecent misses message %d", ann.ID)
	}

	_, err = s.MessageMarkOpened(ctx, "<nobody@mail.example>", fixture.At(time.Hour))
	fixture.WantCode(t, "MessageMarkOpened of an unknown Message-ID", err, aftersale.ENOTFOUND)
	_, err = s.MessageMarkOpened(ctx, "", fixture.At(time.Hour))
	fixture.WantCode(t, "MessageMarkOpened of an empty Message-ID", err, aftersale.ENOTFOUND)
}

func testMessageListByMessageIDs(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com")
	var stored []*aftersale.Message
	for _, to := range []string{"ann@example.com", "bob@example.com", "carl@example.com"} {
		m, _, err := s.MessageBegin(ctx, fixture.Message(f, to))
		fixture.Ok(t, err)
		stored = append(stored, m)
	}
	fixture.Ok(t, s.MessageFinish(ctx, stored[1].ID, aftersale.MessageSent, "", fixture.At(time.Minute)))
	manual := fixture.Message(f, "dora@example.com")
	manual.StepID, manual.MessageID = 0, "<manual@mail.example>"
	m, _, err := s.MessageBegin(ctx, manual)
	fixture.Ok(t, err)
	stored = append(stored, m)
	// A message stored without a Message-ID is not found by "".
	noID := fixture.Message(f, "erin@example.com")
	noID.MessageID = ""
	_, _, err = s.MessageBegin(ctx, noID)
	fixture.Ok(t, err)

	var want []*aftersale.Message
	for _, i := range []int{0, 1, 3} {
		m, err := s.MessageGetByMessageID(ctx, stored[i].MessageID)
		fixture.Ok(t, err)
		want = append(want, m)
	}
	msgID := func(m *aftersale.Message) int64 { return m.ID }
	keys := []string{stored[3].MessageID, "<unknown@mail.example>", stored[0].MessageID, "", stored[1].MessageID,
		stored[0].MessageID}
	got, err := s.MessageListByMessageIDs(ctx, keys)
	fixture.Ok(t, err)
	fixture.Same(t, "MessageListByMessageIDs", byID(got, msgID), want)

	// Many unknown Message-IDs around the known ones.
	for _, n := range missingCounts {
		var keys []string
		for i := range n {
			keys = append(keys, fmt.Sprintf("<unknown-%d@mail.example>", i))
		}
		keys = append(keys, want[2].MessageID)
		keys = append(keys, want[0].MessageID, want[1].MessageID)
		got, err := s.MessageListByMessageIDs(ctx, keys)
		fixture.Ok(t, err)
		fixture.Same(t, fmt.Sprintf("MessageListByMessageIDs with %d unknown IDs", n), byID(got, msgID), want)
	}
	got, err = s.MessageListByMessageIDs(ctx, []string{stored[2].MessageID})
	fixture.Ok(t, err)
	fixture.Same(t, "MessageListByMessageIDs of one", got, []*aftersale.Message{stored[2]})

	for _, keys := range [][]string{nil, {}, {""}, {"<unknown@mail.example>"}} {
		got, err := s.MessageListByMessageIDs(ctx, keys)
		fixture.Ok(t, err)
		if len(got) != 0 {
			t.Fatalf("MessageListByMessageIDs(%q) = %s, want none", keys, fixture.Show(got))
		}
	}
}

// recordOf returns an unsaved ended message of the fixture's step.
func recordOf(f fixture.Fixture, recipient string, status aftersale.MessageStatus, errText string, sent time.Time) *aftersale.Message {
	m := fixture.Message(f, recipient)
	m.Status, m.Error, m.SentAt = status, errText, sent
	return m
}

// getMessage reads the message with the Message-ID.
func getMessage(t *testing.T, s aftersale.Store, messageID string) *aftersale.Message {
	t.Helper()
	m, err := s.MessageGetByMessageID(t.Context(), messageID)
	fixture.Ok(t, err)
	return m
}

func testMessageRecord(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com")

	// A new message is created final, with one attempt.
	for _, status := range []aftersale.MessageStatus{aftersale.MessageSent, aftersale.MessageFailed, aftersale.MessageSuppressed} {
		in := recordOf(f, string(status)+"@Example.com", status, "why "+string(status), fixture.At(time.Minute))
		if status == aftersale.MessageSuppressed {
			in.SentAt = time.Time{} // never handed over: no sent time
		}
		before := *in
		recorded, err := s.MessageRecord(ctx, in)
		fixture.Ok(t, err)
		if !recorded {
			t.Fatalf("MessageRecord of a new %s message: recorded false", status)
		}
		got := getMessage(t, s, in.MessageID)
		if got.ID == 0 {
			t.Fatalf("MessageRecord of a new %s message: ID 0", status)
		}
		want := before
		want.ID, want.Attempts = got.ID, 1
		fixture.Same(t, "MessageRecord of a new "+string(status)+" message", got, &want)
		if *in != before {
			t.Fatalf("MessageRecord changed its argument: %s, was %s", fixture.Show(in), fixture.Show(before))
		}

		// Again for the same step and recipient (in another case): nothing
		// changes.
		again := recordOf(f, strings.ToUpper(in.Recipient), aftersale.MessageFailed, "later", fixture.At(time.Hour))
		again.MessageID, again.Subject, again.CreatedAt = "<again@mail.example>", "Changed", fixture.At(time.Hour)
		recorded, err = s.MessageRecord(ctx, again)
		fixture.Ok(t, err)
		if recorded {
			t.Fatalf("MessageRecord over a final %s message: recorded true", status)
		}
		fixture.Same(t, "a final "+string(status)+" message recorded again", getMessage(t, s, in.MessageID), &want)
		_, err = s.MessageGetByMessageID(ctx, again.MessageID)
		fixture.WantCode(t, "Message-ID of a record that changed nothing", err, aftersale.ENOTFOUND)
	}
	list, err := s.MessageListByCustomer(ctx, f.Cust.ID)
	fixture.Ok(t, err)
	if len(list) != 3 {
		t.Fatalf("after MessageRecord: %d messages, want 3: %s", len(list), fixture.Show(list))
	}

	// A message left sending by MessageBegin is finished, with one more
	// attempt; its stored Message-ID, subject and creation time are kept,
	// as with MessageBegin and MessageFinish.
	begun, _, err := s.MessageBegin(ctx, fixture.Message(f, "dora@example.com"))
	fixture.Ok(t, err)
	end := recordOf(f, "Dora@example.com", aftersale.MessageFailed, "550 5.1.1 no such user", fixture.At(2*time.Minute))
	end.MessageID, end.Subject, end.CreatedAt = "<dora-again@mail.example>", "Changed", fixture.At(time.Minute)
	recorded, err := s.MessageRecord(ctx, end)
	fixture.Ok(t, err)
	if !recorded {
		t.Fatal("MessageRecord of a sending message: recorded false")
	}
	want := *begun
	want.Status, want.Error, want.SentAt, want.Attempts = aftersale.MessageFailed, "550 5.1.1 no such user", fixture.At(2*time.Minute), 2
	fixture.Same(t, "MessageRecord of a sending message", getMessage(t, s, begun.MessageID), &want)
	recorded, err = s.MessageRecord(ctx, end)
	fixture.Ok(t, err)
	if recorded {
		t.Fatal("MessageRecord of a message it finished: recorded true")
	}
	fixture.Same(t, "a finished message recorded again", getMessage(t, s, begun.MessageID), &want)
	// MessageBegin sees it final.
	got, created, err := s.MessageBegin(ctx, fixture.Message(f, "dora@example.com"))
	fixture.Ok(t, err)
	if created {
		t.Fatal("MessageBegin after MessageRecord created a message")
	}
	fixture.Same(t, "MessageBegin after MessageRecord", got, &want)

	// A record ends what a second MessageBegin left too.
	fixture.Ok(t, func() error {
		_, _, err := s.MessageBegin(ctx, fixture.Message(f, "erin@example.com"))
		if err == nil {
			_, _, err = s.MessageBegin(ctx, fixture.Message(f, "erin@example.com"))
		}
		return err
	}())
	recorded, err = s.MessageRecord(ctx, recordOf(f, "erin@example.com", aftersale.MessageSent, "", fixture.At(3*time.Minute)))
	fixture.Ok(t, err)
	if m := getMessage(t, s, fixture.Message(f, "erin@example.com").MessageID); !recorded || m.Attempts != 3 ||
		m.Status != aftersale.MessageSent || !m.SentAt.Equal(fixture.At(3*time.Minute)) {
		t.Fatalf("MessageRecord after two MessageBegin: recorded %v, %s", recorded, fixture.Show(m))
	}

	// Mail not sent by a step is a new message every time.
	for i := range 2 {
		in := recordOf(f, "ann@example.com", aftersale.MessageSent, "", fixture.At(time.Duration(i)*time.Minute))
		in.StepID, in.MessageID = 0, fmt.Sprintf("<manual-%d@mail.example>", i)
		recorded, err := s.MessageRecord(ctx, in)
		fixture.Ok(t, err)
		if !recorded {
			t.Fatalf("MessageRecord %d without a step: recorded false", i)
		}
		want := *in
		want.ID, want.Attempts = getMessage(t, s, in.MessageID).ID, 1
		fixture.Same(t, "MessageRecord without a step", getMessage(t, s, in.MessageID), &want)
	}
	if a, b := getMessage(t, s, "<manual-0@mail.example>"), getMessage(t, s, "<manual-1@mail.example>"); a.ID == b.ID {
		t.Fatal("two records without a step share an ID")
	}

	// In a transaction, which it shares.
	in := recordOf(f, "fay@example.com", aftersale.MessageSent, "", fixture.At(time.Minute))
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		recorded, err := tx.MessageRecord(ctx, in)
		if err == nil && !recorded {
			err = errors.New("recorded false")
		}
		if err == nil {
			recorded, err = tx.MessageRecord(ctx, in)
			if err == nil && recorded {
				err = errors.New("recorded twice")
			}
		}
		return err
	}))
	if m := getMessage(t, s, in.MessageID); m.Attempts != 1 || m.Status != aftersale.MessageSent {
		t.Fatalf("MessageRecord in a transaction: %s", fixture.Show(m))
	}

	// Invalid: nothing is stored.
	for _, c := range []struct {
		name  string
		field string
		m     *aftersale.Message
	}{
		{"status sending", "status", recordOf(f, "gus@example.com", aftersale.MessageSending, "", fixture.T0)},
		{"no status", "status", recordOf(f, "gus@example.com", "", "", fixture.T0)},
		{"unknown status", "status", recordOf(f, "gus@example.com", "bounced", "", fixture.T0)},
		{"no recipient", "recipient", recordOf(f, "", aftersale.MessageSent, "", fixture.T0)},
		{"blank recipient", "recipient", recordOf(f, "  ", aftersale.MessageSent, "", fixture.T0)},
	} {
		c.m.MessageID = "<invalid@mail.example>"
		recorded, err := s.MessageRecord(ctx, c.m)
		fixture.WantCode(t, "MessageRecord with "+c.name, err, aftersale.EINVALID)
		var e *aftersale.Error
		if recorded || !errors.As(err, &e) || e.Field != c.field {
			t.Fatalf("MessageRecord with %s: recorded %v, err %v, want a %s error", c.name, recorded, err, c.field)
		}
		_, err = s.MessageGetByMessageID(ctx, c.m.MessageID)
		fixture.WantCode(t, "the message of an invalid MessageRecord", err, aftersale.ENOTFOUND)
	}
	// A sending message is left as it is by an invalid record.
	begun, _, err = s.MessageBegin(ctx, fixture.Message(f, "hal@example.com"))
	fixture.Ok(t, err)
	_, err = s.MessageRecord(ctx, recordOf(f, "hal@example.com", aftersale.MessageSending, "", fixture.T0))
	fixture.WantCode(t, "MessageRecord in status sending", err, aftersale.EINVALID)
	fixture.Same(t, "a sending message after an invalid MessageRecord", getMessage(t, s, begun.MessageID), begun)
}
