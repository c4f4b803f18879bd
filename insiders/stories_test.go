package insiders

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
	s, err := New(Config{Store: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s, db
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

// TestPickStories: each customer gets the best story not sent to them,
// the same again until it is recorded as sent; on both databases.
func TestPickStories(t *testing.T) {
	t.Parallel()
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, err := New(Config{Store: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			save := func(title, match string, permission bool) *aftersale.Story {
				t.Helper()
				st, err := s.SaveStory(ctx, 0, StoryInput{Title: title, Body: "The story of " + title + ".", Match: match, Permission: permission})
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
			now := time.Now().UTC()
			var ids []int64
			for _, addr := range []string{"ana@example.com", "sam@example.com"} {
				c, err := db.CustomerUpsert(ctx, &aftersale.Contact{Email: addr}, now)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, c.ID)
			}
			order := &aftersale.Order{Items: []aftersale.Item{{SKU: "sku-1", Kind: aftersale.KindCourse}}}
			if got, err := s.PickStories(ctx, order, ids); err != nil || len(got) != 0 {
				t.Fatalf("an empty library: %v %v", got, err)
			}
			bySKU := save("By SKU", "sku-1", true)
			save("Not allowed", "sku-1", false)
			save("Other product", "sku-9", true)
			anyOne := save("Any", "", true)

			got, err := s.PickStories(ctx, order, ids)
			if err != nil || got[ids[0]].ID != bySKU.ID || got[ids[1]].ID != bySKU.ID {
				t.Fatalf("chosen %v %v, want %q for both", got, err, bySKU.Title)
			}
			if again, _ := s.PickStories(ctx, order, ids); again[ids[0]].ID != bySKU.ID {
				t.Errorf("not sent yet, yet another story: %+v", again[ids[0]])
			}
			// Sent to the first customer: they get the next best, the
			// other the same as before.
			if err := db.StoryMarkSent(ctx, ids[0], bySKU.ID, now); err != nil {
				t.Fatal(err)
			}
			got, err = s.PickStories(ctx, order, ids)
			if err != nil || got[ids[0]].ID != anyOne.ID || got[ids[1]].ID != bySKU.ID {
				t.Fatalf("second choice %v %v", got, err)
			}
			// Nothing left for the first customer: left out of the map.
			if err := db.StoryMarkSent(ctx, ids[0], anyOne.ID, now); err != nil {
				t.Fatal(err)
			}
			if got, _ = s.PickStories(ctx, order, ids); got[ids[0]] != nil || len(got) != 1 {
				t.Errorf("the first customer got %+v again", got[ids[0]])
			}
		})
	}
}

// TestStoryRefusesControlCharacters: a story's text goes through the
// text rule: a NUL in the title is refused naming the field.
func TestStoryRefusesControlCharacters(t *testing.T) {
	t.Parallel()
	var e *aftersale.Error
	if err := (StoryInput{Title: "How\x00", Body: "x"}).Validate(); !errors.As(err, &e) || e.Code != aftersale.EINVALID || e.Field != "title" {
		t.Errorf("a NUL in the title: %v, want EINVALID on title", err)
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
