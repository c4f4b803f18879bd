package sqlite

import (
	"context"
	"database/sql"
	"errors"
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
		st, err := scanStory(q.q.QueryRowContext(ctx, `
			INSERT INTO stories (title, body, match, permission, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)
			RETURNING `+storyColumns,
			s.Title, s.Body, s.Match, s.Permission, micro(s.CreatedAt), micro(updated)))
		return st, wrap("story save", err)
	}
	st, err := scanStory(q.q.QueryRowContext(ctx, `
		UPDATE stories SET title = ?, body = ?, match = ?, permission = ?, updated_at = coalesce(?, updated_at)
		WHERE id = ?
		RETURNING `+storyColumns,
		s.Title, s.Body, s.Match, s.Permission, nullMicro(s.UpdatedAt), s.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("story", s.ID)
	}
	return st, wrap("story save", err)
}

// StoryGet returns the story with the ID.
func (q *queries) StoryGet(ctx context.Context, id int64) (*aftersale.Story, error) {
	st, err := scanStory(q.q.QueryRowContext(ctx, `SELECT `+storyColumns+` FROM stories WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
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
	res, err := q.q.ExecContext(ctx, `DELETE FROM stories WHERE id = ?`, id)
	if err != nil {
		return wrap("story delete", err)
	}
	n, err := res.RowsAffected()
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
	return wrap("story mark sent", q.atomic(ctx, false, func(q *queries) error {
		ok, err := q.exists(ctx, "stories", storyID)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("story", storyID)
		}
		_, err = q.q.ExecContext(ctx, `
			INSERT INTO story_sends (customer_id, story_id, sent_at) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`,
			customerID, storyID, micro(at))
		return err
	}))
}

// StorySentTo returns the IDs of the stories sent to the customer, in
// ascending order.
func (q *queries) StorySentTo(ctx context.Context, customerID int64) ([]int64, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT story_id FROM story_sends WHERE customer_id = ? ORDER BY story_id`, customerID)
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
