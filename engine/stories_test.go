package engine

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/internal/pgtest"
	"github.com/aftersale/aftersale/journey"
	"github.com/aftersale/aftersale/postgres"
	"github.com/aftersale/aftersale/sqlite"
)

// stores opens an empty SQLite and PostgreSQL database for a test.
func stores(t *testing.T) map[string]aftersale.Store {
	t.Helper()
	ctx := context.Background()
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "aftersale.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	pg, err := postgres.Open(ctx, pgtest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	return map[string]aftersale.Store{"sqlite": lite, "postgres": pg}
}

// storyService is a Service over a SQLite store in a temp dir, enough for
// the stories of step emails.
func storyService(t *testing.T) (*Service, *sqlite.DB) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "aftersale.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &Service{cfg: Config{Store: db, Clock: &aftersale.Clock{}}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}, db
}

// fixedStories is a StoryPicker that gives the stories of its map, or
// fails with err (as when the stories cannot be read); it counts its calls.
type fixedStories struct {
	byCustomer map[int64]*aftersale.Story
	err        error
	calls      int
}

func (p *fixedStories) PickStories(_ context.Context, _ *aftersale.Order, ids []int64) (map[int64]*aftersale.Story, error) {
	p.calls++
	if p.err != nil {
		return nil, p.err
	}
	out := map[int64]*aftersale.Story{}
	for _, id := range ids {
		if st := p.byCustomer[id]; st != nil {
			out[id] = st
		}
	}
	return out, nil
}

// TestAttachAndMarkStory: a step with story: true asks Config.Stories for
// each recipient's story (none asked for other steps, or without a
// picker); a failure retries the step, and on its final attempt the email
// goes without a story; a story is counted as sent only for a sent message.
func TestAttachAndMarkStory(t *testing.T) {
	t.Parallel()
	s, db := storyService(t)
	ctx := context.Background()
	now := time.Now().UTC()
	bySKU, err := db.StorySave(ctx, &aftersale.Story{Title: "By SKU", Body: "  The story of By SKU.\n", Match: "sku-1", Permission: true, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	buyer, err := db.CustomerUpsert(ctx, &aftersale.Contact{Email: "ana@example.com"}, now)
	if err != nil {
		t.Fatal(err)
	}
	user, err := db.CustomerUpsert(ctx, &aftersale.Contact{Email: "sam@example.com"}, now)
	if err != nil {
		t.Fatal(err)
	}
	f := &journey.Facts{Order: &aftersale.Order{ID: 1, CustomerID: buyer.ID}, Buyer: buyer}
	step := &aftersale.Step{ID: 1}
	withStory := &journey.Step{ID: "day7", Story: true}
	picker := &fixedStories{byCustomer: map[int64]*aftersale.Story{buyer.ID: bySKU, user.ID: bySKU}}
	pick := func(js *journey.Step, final bool) ([]recipient, error) {
		t.Helper()
		rcpts := []recipient{{c: buyer}, {c: user, isUser: true}}
		return rcpts, s.attachStory(ctx, step, js, f, rcpts, final)
	}
	// Without a picker: no story, no error.
	if r, err := pick(withStory, false); err != nil || r[0].story != nil {
		t.Fatalf("without a picker: %+v %v", r, err)
	}
	s.cfg.Stories = picker
	if r, err := pick(&journey.Step{ID: "plain"}, false); err != nil || r[0].story != nil || picker.calls != 0 {
		t.Fatalf("a step without story: true got %+v %v (%d calls)", r, err, picker.calls)
	}
	r, err := pick(withStory, false)
	if err != nil || r[0].story != bySKU || r[1].story != bySKU {
		t.Fatalf("chosen %+v %v, want %q for both", r, err, bySKU.Title)
	}
	if d := storyData(r[0].story); d.Title != "By SKU" || d.Body != "The story of By SKU." {
		t.Errorf("template data %+v", d)
	}
	picker.err = errors.New("disk on fire")
	if _, err := pick(withStory, false); !errors.Is(err, errRetry) {
		t.Errorf("a failing picker: %v, want a retry", err)
	}
	if r, err := pick(withStory, true); err != nil || r[0].story != nil {
		t.Errorf("a failing picker on the final attempt: %+v %v, want the email without a story", r, err)
	}

	// The buyer's email is sent, the user's fails: only the buyer's story
	// counts as sent. Recording may run twice (a shared transaction
	// retried).
	sent := &aftersale.Message{CustomerID: buyer.ID, Status: aftersale.MessageSent, SentAt: now, StoryID: bySKU.ID}
	failed := &aftersale.Message{CustomerID: user.ID, Status: aftersale.MessageFailed, StoryID: bySKU.ID}
	for range 2 {
		if err := db.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
			for _, m := range []*aftersale.Message{sent, failed, {CustomerID: buyer.ID, Status: aftersale.MessageSent}} {
				if err := markStory(ctx, tx, m); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if ids, _ := db.StorySentTo(ctx, buyer.ID); len(ids) != 1 || ids[0] != bySKU.ID {
		t.Errorf("sent to the buyer: %v", ids)
	}
	if ids, _ := db.StorySentTo(ctx, user.ID); len(ids) != 0 {
		t.Errorf("sent to the user: %v", ids)
	}
	// A story deleted between the send and the record is passed over.
	if err := db.StoryDelete(ctx, bySKU.ID); err != nil {
		t.Fatal(err)
	}
	gone := &aftersale.Message{CustomerID: user.ID, Status: aftersale.MessageSent, SentAt: now, StoryID: bySKU.ID}
	if err := db.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error { return markStory(ctx, tx, gone) }); err != nil {
		t.Errorf("marking a deleted story: %v", err)
	}
}

// TestLoadProgress: the facts of the customer's progress come from the
// order's completed tasks, its latest recommendation score and the buyer's
// kept orders; conditions see them as engaged, satisfied and stage.
func TestLoadProgress(t *testing.T) {
	t.Parallel()
	_, db := storyService(t)
	ctx := context.Background()
	now := time.Now().UTC()
	c, err := db.CustomerUpsert(ctx, &aftersale.Contact{Email: "ana@example.com"}, now)
	if err != nil {
		t.Fatal(err)
	}
	order := func(ref string) *aftersale.Order {
		t.Helper()
		o, err := db.OrderUpsert(ctx, &aftersale.Order{ExternalID: ref, CustomerID: c.ID, Source: "api", Status: aftersale.OrderPlaced, PlacedAt: now,
			Items: []aftersale.Item{{SKU: "sku-1", Kind: aftersale.KindCourse, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	o := order("1001")
	cond := func(src string) bool {
		t.Helper()
		cc, err := journey.CompileCondition(src)
		if err != nil {
			t.Fatal(err)
		}
		if !cc.NeedsProgress() {
			t.Fatalf("%s needs no progress", src)
		}
		f, err := loadFacts(ctx, db, &aftersale.Clock{}, "", o, c, cc.NeedsProgress(), cc.NeedsReturns(), nil)
		if err != nil {
			t.Fatal(err)
		}
		ok, err := cc.Eval(f)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	task := func(orderID int64, outcome string) {
		t.Helper()
		tk, err := db.TaskCreate(ctx, &aftersale.Task{CustomerID: c.ID, OrderID: orderID, Kind: aftersale.TaskCall, Title: "Call",
			Assignee: "owner", Status: aftersale.TaskOpen, DueAt: now, CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.TaskComplete(ctx, tk.ID, outcome, "", "owner@shop.example", now); err != nil {
			t.Fatal(err)
		}
	}
	if !cond(`stage == "purchased" and not engaged and not satisfied and survey_score == -1`) {
		t.Error("a new order")
	}
	// No touch: nobody answered, or the task was skipped; an open task
	// counts neither.
	task(o.ID, "no_answer")
	task(o.ID, "skipped")
	if _, err := db.TaskCreate(ctx, &aftersale.Task{CustomerID: c.ID, OrderID: o.ID, Kind: aftersale.TaskCall, Title: "Open", Assignee: "owner",
		Status: aftersale.TaskOpen, DueAt: now, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	other := order("1002")
	task(other.ID, "reached") // another order's touch
	if err := db.OrderSetStatus(ctx, other.ID, aftersale.OrderRefunded, now); err != nil {
		t.Fatal(err)
	}
	if cond(`engaged`) {
		t.Error("engaged without a touch for the order")
	}
	task(o.ID, "reached")
	if !cond(`engaged and stage == "engaged" and not satisfied`) {
		t.Error("after a reached call")
	}
	for i, v := range []int{10, 6} { // the latest score wins
		if _, err := db.SurveyAnswerSave(ctx, &aftersale.SurveyAnswer{CustomerID: c.ID, OrderID: o.ID, Kind: aftersale.AnswerNPS, Value: v,
			CreatedAt: now.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if i == 0 && !cond(`satisfied and stage == "satisfied" and survey_score == 10`) {
			t.Error("after a 10")
		}
	}
	if !cond(`not satisfied and survey_score == 6 and stage == "engaged"`) {
		t.Error("after a 6")
	}
	// A second order kept: loyal.
	order("1003")
	if !cond(`stage == "loyal"`) {
		t.Error("two orders kept")
	}
}
