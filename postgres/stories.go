package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

const storyColumns = `id, title, body, match, permission, created_at, updated_at`

func scanStory(s scanner) (*aftersale.Story, error) {
	var st aftersale.Story
	err := s.Scan(&st.ID, &st.Title, &st.Body, &st.Match, &st.Permission, ts(&st.CreatedAt), ts(&st.UpdatedAt))
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// StorySave stores a new story (ID 0; a zero UpdatedAt is its CreatedAt),
// or replaces the title, body, match and permission of the one with its ID
// (ENOTFOUND when none; its CreatedAt is kept, and UpdatedAt unless set),
// and returns it.
func (q *queries) StorySave(ctx context.Context, s *aftersale.Story) (*aftersale.Story, error) {
	if strings.TrimSpace(s.Title) == "" {
		return nil, aftersale.FieldError("title", "is required")
	}
	if s.ID == 0 {
		updated := s.UpdatedAt
		if updated.IsZero() {
			updated = s.CreatedAt
		}
		st, err := scanStory(q.q.QueryRow(ctx, `
			INSERT INTO stories (title, body, match, permission, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			RETURNING `+storyColumns,
			s.Title, s.Body, s.Match, s.Permission, s.CreatedAt, updated))
		return st, wrap("story save", err)
	}
	st, err := scanStory(q.q.QueryRow(ctx, `
		UPDATE stories SET title = $1, body = $2, match = $3, permission = $4, updated_at = coalesce($5, updated_at)
		WHERE id = $6
		RETURNING `+storyColumns,
		s.Title, s.Body, s.Match, s.Permission, nullTime(s.UpdatedAt), s.ID))
	if noRows(err) {
		return nil, notFound("story", s.ID)
	}
	return st, wrap("story save", err)
}

// StoryGet returns the story with the ID.
func (q *queries) StoryGet(ctx context.Context, id int64) (*aftersale.Story, error) {
	st, err := scanStory(q.q.QueryRow(ctx, `SELECT `+storyColumns+` FROM stories WHERE id = $1`, id))
	if noRows(err) {
		return nil, notFound("story", id)
	}
	return st, wrap("story get", err)
}

// StoryList returns every story, newest first (by creation time, then ID).
func (q *queries) StoryList(ctx context.Context) ([]*aftersale.Story, error) {
	list, err := listRows(ctx, q.q, scanStory, `SELECT `+storyColumns+` FROM stories ORDER BY created_at DESC, id DESC`)
	return list, wrap("story list", err)
}

// StoryDelete removes a story and the record of whom it went to; an unknown
// ID is ENOTFOUND.
func (q *queries) StoryDelete(ctx context.Context, id int64) error {
	n, err := affected(q.q.Exec(ctx, `DELETE FROM stories WHERE id = $1`, id))
	if err != nil {
		return wrap("story delete", err)
	}
	if n == 0 {
		return notFound("story", id)
	}
	return nil
}

// StoryMarkSent records that the story went to the customer at at; again
// is no error and keeps the first time. ENOTFOUND when there is no such
// story.
func (q *queries) StoryMarkSent(ctx context.Context, customerID, storyID int64, at time.Time) error {
	// The story is read with the key-share lock a foreign key check takes,
	// so that it cannot be deleted before the insert.
	return wrap("story mark sent", q.atomic(ctx, func(q *queries) error {
		var found bool
		err := q.q.QueryRow(ctx, `SELECT true FROM stories WHERE id = $1 FOR KEY SHARE`, storyID).Scan(&found)
		if noRows(err) {
			return notFound("story", storyID)
		}
		if err != nil {
			return err
		}
		_, err = q.q.Exec(ctx, `
			INSERT INTO story_sends (customer_id, story_id, sent_at) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`,
			customerID, storyID, at)
		return err
	}))
}

// StorySentTo returns the IDs of the stories sent to the customer, in
// ascending order.
func (q *queries) StorySentTo(ctx context.Context, customerID int64) ([]int64, error) {
	rows, err := q.q.Query(ctx, `SELECT story_id FROM story_sends WHERE customer_id = $1 ORDER BY story_id`, customerID)
	if err != nil {
		return nil, wrap("story sent to", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, wrap("story sent to", err)
		}
		ids = append(ids, id)
	}
	return ids, wrap("story sent to", rows.Err())
}
