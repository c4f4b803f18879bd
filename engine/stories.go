package engine

// Client stories in step emails: a step with `story: true` tells each
// recipient the story Config.Stories picks (package insiders keeps the
// library), and the story counts as sent to them in the transaction that
// records the sent email (markStory).

import (
	"context"
	"fmt"
	"strings"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/journey"
)

// attachStory chooses the client story of each recipient of a step with
// `story: true` (Config.Stories; without one the email goes without a
// story). When the stories cannot be read the step is retried, and on the
// final attempt the email goes without a story.
func (s *Service) attachStory(ctx context.Context, step *aftersale.Step, js *journey.Step, f *journey.Facts, rcpts []recipient, final bool) error {
	if !js.Story || len(rcpts) == 0 || s.cfg.Stories == nil {
		return nil
	}
	ids := make([]int64, len(rcpts))
	for i, r := range rcpts {
		ids[i] = r.c.ID
	}
	picked, err := s.cfg.Stories.PickStories(ctx, f.Order, ids)
	if err != nil {
		if final {
			s.log.WarnContext(ctx, "email goes without a story: the stories cannot be read", "step_id", step.ID, "err", aftersale.Redact(err))
			return nil
		}
		return fmt.Errorf("%w: stories: %v", errRetry, err)
	}
	for i := range rcpts {
		rcpts[i].story = picked[rcpts[i].c.ID]
	}
	return nil
}

// storyData is what a template sees of a story; nil for none.
func storyData(st *aftersale.Story) *email.StoryData {
	if st == nil {
		return nil
	}
	return &email.StoryData{Title: st.Title, Body: strings.TrimSpace(st.Body)}
}

// markStory records, in the transaction that records the message, that
// its story went to the recipient, when the message was sent. It may run
// twice for one message (a shared transaction that is retried), which
// marks the story once. A story deleted meanwhile is passed over.
func markStory(ctx context.Context, tx aftersale.Queries, m *aftersale.Message) error {
	if m.StoryID == 0 || m.Status != aftersale.MessageSent {
		return nil
	}
	err := tx.StoryMarkSent(ctx, m.CustomerID, m.StoryID, m.SentAt)
	if aftersale.IsNotFound(err) {
		return nil
	}
	return err
}
