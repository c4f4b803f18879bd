package insiders

// Client stories: the library the team keeps in the admin UI, and the
// choice of a story for the emails of steps with `story: true` (the
// engine asks PickStories; it records a story as sent with the message).

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aftersale/aftersale"
)

// Limits of a story's fields, in characters. A story is read inside a
// short email: a few paragraphs at most.
const (
	StoryTitleMax = 120
	StoryBodyMax  = 3000
	StorySKUMax   = 100
)

// StoryInput is a story as the team types it.
type StoryInput struct {
	Title string
	Body  string // Markdown
	// Match says which purchases it suits: an item SKU, "kind:KIND", or ""
	// for any.
	Match string
	// Permission: the client gave permission to share it. Only such
	// stories are ever sent.
	Permission bool
}

// normalize trims the fields and makes the body's line ends LF.
func (in StoryInput) normalize() StoryInput {
	in.Title = strings.Join(strings.Fields(in.Title), " ")
	in.Body = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(in.Body, "\r\n", "\n"), "\r", "\n"))
	in.Match = strings.TrimSpace(in.Match)
	return in
}

// Validate checks a normalized story: an EINVALID error names the field
// (title, body or match).
func (in StoryInput) Validate() error {
	switch {
	case in.Title == "":
		return aftersale.FieldError("title", "is required: a short headline, such as \"How Maria launched in six weeks\"")
	case utf8.RuneCountInString(in.Title) > StoryTitleMax:
		return aftersale.FieldError("title", "is too long: at most %d characters", StoryTitleMax)
	case in.Body == "":
		return aftersale.FieldError("body", "is required: the story itself, in a few sentences")
	case utf8.RuneCountInString(in.Body) > StoryBodyMax:
		return aftersale.FieldError("body", "is too long: at most %d characters (it is read inside a short email)", StoryBodyMax)
	}
	if err := (aftersale.TextRule{}).Check("title", in.Title); err != nil {
		return err
	}
	if err := (aftersale.TextRule{Multiline: true}).Check("body", in.Body); err != nil {
		return err
	}
	if k, isKind := strings.CutPrefix(in.Match, "kind:"); isKind {
		if !slices.Contains(aftersale.ItemKinds, aftersale.ItemKind(k)) {
			return aftersale.FieldError("match", "%q is not an item kind", k)
		}
		return nil
	}
	switch {
	case utf8.RuneCountInString(in.Match) > StorySKUMax:
		return aftersale.FieldError("match", "the SKU is too long: at most %d characters", StorySKUMax)
	case strings.ContainsFunc(in.Match, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return aftersale.FieldError("match", "the SKU must be one line of text")
	}
	return nil
}

// Stories returns every story of the library, newest first.
func (s *Service) Stories(ctx context.Context) ([]*aftersale.Story, error) {
	return s.cfg.Store.StoryList(ctx)
}

// Story returns the story with the ID.
func (s *Service) Story(ctx context.Context, id int64) (*aftersale.Story, error) {
	return s.cfg.Store.StoryGet(ctx, id)
}

// SaveStory stores a new story (id 0) or changes the one with the ID,
// after checking it (EINVALID naming the field).
func (s *Service) SaveStory(ctx context.Context, id int64, in StoryInput) (*aftersale.Story, error) {
	in = in.normalize()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	now := s.cfg.Clock.RealNow()
	st, err := s.cfg.Store.StorySave(ctx, &aftersale.Story{
		ID: id, Title: in.Title, Body: in.Body, Match: in.Match, Permission: in.Permission,
		CreatedAt: now, UpdatedAt: now,
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "story saved", "story_id", st.ID, "new", id == 0)
	return st, nil
}

// DeleteStory removes the story with the ID; it is never sent again.
func (s *Service) DeleteStory(ctx context.Context, id int64) error {
	if err := s.cfg.Store.StoryDelete(ctx, id); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "story deleted", "story_id", id)
	return nil
}

// storyRank says how well a story's match suits the order: 3 when it
// names the SKU of one of its items, 2 the kind of one of its items, 1
// when it suits any purchase, and 0 when it does not suit.
func storyRank(match string, o *aftersale.Order) int {
	if match == "" {
		return 1
	}
	if o == nil {
		return 0
	}
	k, isKind := strings.CutPrefix(match, "kind:")
	for _, it := range o.Items {
		if isKind && string(it.Kind) == k {
			return 2
		}
		if !isKind && it.SKU != "" && it.SKU == match {
			return 3
		}
	}
	return 0
}

// pickStory chooses the story for an email about the order to someone who
// was sent the stories with the IDs in sent: one with permission that
// suits the order and was not sent, the most specific (a SKU over a kind
// over any purchase), and among equals the oldest. The choice depends on
// nothing else, so a retry of the step chooses the same story until the
// email is recorded as sent. nil when none is left.
func pickStory(stories []*aftersale.Story, o *aftersale.Order, sent []int64) *aftersale.Story {
	var best *aftersale.Story
	bestRank := 0
	for _, st := range stories {
		if !st.Permission || slices.Contains(sent, st.ID) {
			continue
		}
		r := storyRank(st.Match, o)
		if r == 0 {
			continue
		}
		older := best != nil && (st.CreatedAt.Before(best.CreatedAt) || st.CreatedAt.Equal(best.CreatedAt) && st.ID < best.ID)
		if r > bestRank || r == bestRank && older {
			best, bestRank = st, r
		}
	}
	return best
}

// PickStories chooses the client story of each customer of customerIDs
// for an email about the order (the engine's StoryPicker, for the steps
// with `story: true`; see pickStory): the map leaves out those with no
// story left to tell.
func (s *Service) PickStories(ctx context.Context, order *aftersale.Order, customerIDs []int64) (map[int64]*aftersale.Story, error) {
	all, err := s.cfg.Store.StoryList(ctx)
	if err != nil {
		return nil, err
	}
	all = slices.DeleteFunc(all, func(st *aftersale.Story) bool { return !st.Permission || storyRank(st.Match, order) == 0 })
	out := map[int64]*aftersale.Story{}
	if len(all) == 0 {
		return out, nil
	}
	for _, id := range customerIDs {
		sent, err := s.cfg.Store.StorySentTo(ctx, id)
		if err != nil {
			return nil, err
		}
		if st := pickStory(all, order, sent); st != nil {
			out[id] = st
		}
	}
	return out, nil
}
