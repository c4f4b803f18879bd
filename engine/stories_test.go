package engine

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/journey"
	"github.com/aftersale/aftersale/sqlite"
)

// storyService is a Service over a SQLite store in a temp dir, enough for
// the stories.
func storyService(t *testing.T) (*Service, *sqlite.DB) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "aftersale.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &Service{cfg: Config{Store: db, Clock: &aftersale.Clock{}}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}, db
}

func TestPickStory(t *testing.T) {
	t.Parallel()
	day := func(n int) time.Time { return time.Date(2026, 3, n, 10, 0, 0, 0, time.UTC) }
	order := &aftersale.Order{Items: []aftersale.Item{
		{SKU: "sku-1", Kind: aftersale.KindCourse}, {SKU: "sku-2", Kind: aftersale.KindPhysical},
	}}
	stories := []*aftersale.Story{ // newest first, like StoryList
		{ID: 9, Match: "sku-2", Permission: true, CreatedAt: day(9)},
		{ID: 8, Match: "sku-1", Permission: false, CreatedAt: day(8)}, // no permission: never
		{ID: 7, Match: "", Permission: true, CreatedAt: day(7)},
		{ID: 6, Match: "kind:physical", Permission: true, CreatedAt: day(6)},
		{ID: 5, Match: "sku-3", Permission: true, CreatedAt: day(5)}, // another product
		{ID: 4, Match: "kind:coaching", Permission: true, CreatedAt: day(4)},
		{ID: 3, Match: "sku-1", Permission: true, CreatedAt: day(3)},
		{ID: 2, Match: "kind:course", Permission: true, CreatedAt: day(3)},
		{ID: 1, Match: "kind:course", Permission: true, CreatedAt: day(3)},
	}
	// SKU stories first, oldest first; then kind stories (ties by ID);
	// then stories for any purchase; then none.
	var got []int64
	var sent []int64
	for {
		st := pickStory(stories, order, sent)
		if st == nil {
			break
		}
		// The choice depends on nothing else: again gives the same.
		if again := pickStory(stories, order, sent); again != st {
			t.Fatalf("pickStory is not stable: %d then %d", st.ID, again.ID)
		}
		got = append(got, st.ID)
		sent = append(sent, st.ID)
	}
	if want := []int64{3, 9, 1, 2, 6, 7}; !equalIDs(got, want) {
		t.Errorf("stories in turn = %v, want %v", got, want)
	}
	if st := pickStory(stories, &aftersale.Order{Items: []aftersale.Item{{SKU: "x", Kind: aftersale.KindService}}}, nil); st == nil || st.ID != 7 {
		t.Errorf("a service order gets %+v, want the story for any purchase", st)
	}
	if st := pickStory(nil, order, nil); st != nil {
		t.Errorf("an empty library gives %+v", st)
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSaveStoryValidates(t *testing.T) {
	t.Parallel()
	s, _ := storyService(t)
	ctx := context.Background()
	tests := []struct {
		in    StoryInput
		field string
		msg   string
	}{
		{StoryInput{Title: "  ", Body: "x"}, "title", "is required"},
		{StoryInput{Title: strings.Repeat("é", StoryTitleMax+1), Body: "x"}, "title", "too long"},
		{StoryInput{Title: "T", Body: " \n\r\n "}, "body", "is required"},
		{StoryInput{Title: "T", Body: strings.Repeat("x", StoryBodyMax+1)}, "body", "too long"},
		{StoryInput{Title: "T", Body: "x", Match: "kind:spaceship"}, "match", `"spaceship" is not an item kind`},
		{StoryInput{Title: "T", Body: "x", Match: strings.Repeat("s", StorySKUMax+1)}, "match", "too long"},
		{StoryInput{Title: "T", Body: "x", Match: "a\tb"}, "match", "one line"},
	}
	for _, tt := range tests {
		_, err := s.SaveStory(ctx, 0, tt.in)
		var e *aftersale.Error
		if !errors.As(err, &e) || e.Code != aftersale.EINVALID || e.Field != tt.field || !strings.Contains(e.Message, tt.msg) {
			t.Errorf("SaveStory(%.40q): %v, want %s: %s", tt.in.Title+"|"+tt.in.Body+"|"+tt.in.Match, err, tt.field, tt.msg)
		}
	}
	if list, _ := s.Stories(ctx); len(list) != 0 {
		t.Errorf("invalid stories were saved: %v", list)
	}
}

func TestStoryLibrary(t *testing.T) {
	t.Parallel()
	s, _ := storyService(t)
	ctx := context.Background()
	st, err := s.SaveStory(ctx, 0, StoryInput{
		Title: "  How   Maria launched ", Body: "\r\nShe did it.\r\n\r\nIn six weeks.\r\n", Match: " kind:course ", Permission: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.ID == 0 || st.Title != "How Maria launched" || st.Body != "She did it.\n\nIn six weeks." || st.Match != "kind:course" || !st.Permission || st.CreatedAt.IsZero() {
		t.Fatalf("saved %+v", st)
	}
	st2, err := s.SaveStory(ctx, st.ID, StoryInput{Title: "How Maria launched, again", Body: "Edited.", Match: "sku-1"})
	if err != nil {
		t.Fatal(err)
	}
	if st2.ID != st.ID || st2.Title != "How Maria launched, again" || st2.Match != "sku-1" || st2.Permission || !st2.CreatedAt.Equal(st.CreatedAt) {
		t.Fatalf("edited %+v", st2)
	}
	if got, err := s.Story(ctx, st.ID); err != nil || got.Body != "Edited." {
		t.Fatalf("Story = %+v %v", got, err)
	}
	if _, err := s.SaveStory(ctx, 999, StoryInput{Title: "T", Body: "B"}); !aftersale.IsNotFound(err) {
		t.Errorf("editing an unknown story: %v", err)
	}
	if err := s.DeleteStory(ctx, st.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteStory(ctx, st.ID); !aftersale.IsNotFound(err) {
		t.Errorf("deleting twice: %v", err)
	}
	if list, err := s.Stories(ctx); err != nil || len(list) != 0 {
		t.Errorf("Stories = %v %v", list, err)
	}
}

// TestAttachAndMarkStory: each recipient gets the best story not sent to
// them; the same again until the email is recorded as sent; a story is
// counted as sent only for a sent message.
func TestAttachAndMarkStory(t *testing.T) {
	t.Parallel()
	s, db := storyService(t)
	ctx := context.Background()
	save := func(title, match string, permission bool) *aftersale.Story {
		t.Helper()
		st, err := s.SaveStory(ctx, 0, StoryInput{Title: title, Body: "The story of " + title + ".", Match: match, Permission: permission})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	bySKU := save("By SKU", "sku-1", true)
	save("Not allowed", "sku-1", false)
	save("Other product", "sku-9", true)
	anyOne := save("Any", "", true)

	buyer, user := &aftersale.Customer{ID: 1, Email: "ana@example.com"}, &aftersale.Customer{ID: 2, Email: "sam@example.com"}
	f := &journey.Facts{Order: &aftersale.Order{ID: 1, CustomerID: 1, Items: []aftersale.Item{{SKU: "sku-1", Kind: aftersale.KindCourse}}}, Buyer: buyer}
	step := &aftersale.Step{ID: 1}
	withStory := &journey.Step{ID: "day7", Story: true}
	pick := func(js *journey.Step) []recipient {
		t.Helper()
		rcpts := []recipient{{c: buyer}, {c: user, isUser: true}}
		if err := s.attachStory(ctx, step, js, f, rcpts, false); err != nil {
			t.Fatal(err)
		}
		return rcpts
	}
	if r := pick(&journey.Step{ID: "plain"}); r[0].story != nil || r[1].story != nil {
		t.Fatalf("a step without story: true got %+v", r)
	}
	r := pick(withStory)
	if r[0].story == nil || r[0].story.ID != bySKU.ID || r[1].story == nil || r[1].story.ID != bySKU.ID {
		t.Fatalf("chosen %+v, want %q for both", r, bySKU.Title)
	}
	if d := storyData(r[0].story); d.Title != "By SKU" || d.Body != "The story of By SKU." {
		t.Errorf("template data %+v", d)
	}

	// The buyer's email is sent, the user's fails: only the buyer's story
	// counts as sent. Recording may run twice (a shared transaction
	// retried).
	sent := &aftersale.Message{CustomerID: buyer.ID, Status: aftersale.MessageSent, SentAt: time.Now()}
	failed := &aftersale.Message{CustomerID: user.ID, Status: aftersale.MessageFailed}
	sent.StoryID, failed.StoryID = r[0].story.ID, r[1].story.ID
	for range 2 {
		if err := db.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
			for _, m := range []*aftersale.Message{sent, failed, {CustomerID: 3, Status: aftersale.MessageSent}} {
				if err := markStory(ctx, tx, m); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if ids, _ := db.StorySentTo(ctx, buyer.ID); !equalIDs(ids, []int64{bySKU.ID}) {
		t.Errorf("sent to the buyer: %v", ids)
	}
	if ids, _ := db.StorySentTo(ctx, user.ID); len(ids) != 0 {
		t.Errorf("sent to the user: %v", ids)
	}

	// Next time the buyer gets the next best story, the user the same as before.
	r = pick(withStory)
	if r[0].story == nil || r[0].story.ID != anyOne.ID || r[1].story == nil || r[1].story.ID != bySKU.ID {
		t.Fatalf("second choice %+v", r)
	}
	// A story deleted between the send and the record is passed over.
	gone := &aftersale.Message{CustomerID: buyer.ID, Status: aftersale.MessageSent, SentAt: time.Now()}
	gone.StoryID = anyOne.ID
	if err := s.DeleteStory(ctx, anyOne.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error { return markStory(ctx, tx, gone) }); err != nil {
		t.Errorf("marking a deleted story: %v", err)
	}
	// Nothing left for the buyer: the email goes without a story.
	if r = pick(withStory); r[0].story != nil {
		t.Errorf("the buyer got %+v again", r[0].story)
	}
}

func TestNextLevelOffer(t *testing.T) {
	t.Parallel()
	rules := []aftersale.NextLevelRule{
		{Match: "sku-1", Name: "Mastermind", URL: "https://shop.example/mastermind", Description: "Twelve weeks"},
		{Match: "kind:course", Name: "Course Two", URL: "https://shop.example/two"},
	}
	s := &Service{cfg: Config{NextLevel: rules}}
	for _, tt := range []struct {
		items []aftersale.Item
		want  string
	}{
		{[]aftersale.Item{{SKU: "x", Kind: aftersale.KindCourse}, {SKU: "sku-1", Kind: aftersale.KindDigital}}, "Mastermind|https://shop.example/mastermind|Twelve weeks"},
		{[]aftersale.Item{{SKU: "y", Kind: aftersale.KindCourse}}, "Course Two|https://shop.example/two|"},
		{[]aftersale.Item{{SKU: "z", Kind: aftersale.KindPhysical}}, ""},
	} {
		n := s.nextLevelOffer(&journey.Facts{Order: &aftersale.Order{Items: tt.items}})
		got := ""
		if n != nil {
			got = n.Name + "|" + n.URL + "|" + n.Description
		}
		if got != tt.want {
			t.Errorf("items %v: %q, want %q", tt.items, got, tt.want)
		}
	}
	if n := (&Service{}).nextLevelOffer(&journey.Facts{Order: &aftersale.Order{Items: []aftersale.Item{{SKU: "sku-1"}}}}); n != nil {
		t.Errorf("no rules: %+v", n)
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
