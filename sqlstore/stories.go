package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

const storyColumns = `id, title, body, match, permission, created_at, updated_at`

func (q *Queries) scanStory(s Row) (*aftersale.Story, error) {
	var st aftersale.Story
	err := s.Scan(&st.ID, &st.Title, &st.Body, &st.Match, &st.Permission, q.ts(&st.CreatedAt), q.ts(&st.UpdatedAt))
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// StorySave stores a new story (ID 0; a zero UpdatedAt is its CreatedAt),
// or replaces the title, body, match and permission of the one with its ID
// (ENOTFOUND when none; its CreatedAt is kept, and UpdatedAt unless set),
// and returns it.
func (q *Queries) StorySave(ctx context.Context, s *aftersale.Story) (*aftersale.Story, error) {
	if strings.TrimSpace(s.Title) == "" {
		return nil, aftersale.FieldError("title", "is required")
	}
	if s.ID == 0 {
		updated := s.UpdatedAt
		if updated.IsZero() {
			updated = s.CreatedAt
		}
		st, err := q.scanStory(q.row(ctx, `
			INSERT INTO stories (title, body, match, permission, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)
			RETURNING `+storyColumns,
			s.Title, s.Body, s.Match, s.Permission, q.t(s.CreatedAt), q.t(updated)))
		return st, q.wrap("story save", err)
	}
	st, err := q.scanStory(q.row(ctx, `
		UPDATE stories SET title = ?, body = ?, match = ?, permission = ?, updated_at = coalesce(?, updated_at)
		WHERE id = ?
		RETURNING `+storyColumns,
		s.Title, s.Body, s.Match, s.Permission, q.nt(s.UpdatedAt), s.ID))
	if q.noRows(err) {
		return nil, notFound("story", s.ID)
	}
	return st, q.wrap("story save", err)
}

// StoryGet returns the story with the ID.
func (q *Queries) StoryGet(ctx context.Context, id int64) (*aftersale.Story, error) {
	st, err := q.scanStory(q.row(ctx, `SELECT `+storyColumns+` FROM stories WHERE id = ?`, id))
	if q.noRows(err) {
		return nil, notFound("story", id)
	}
	return st, q.wrap("story get", err)
}

// StoryList returns every story, newest first (by creation time, then ID).
func (q *Queries) StoryList(ctx context.Context) ([]*aftersale.Story, error) {
	list, err := listRows(ctx, q, q.scanStory, `SELECT `+storyColumns+` FROM stories ORDER BY created_at DESC, id DESC`)
	return list, q.wrap("story list", err)
}

// StoryDelete removes a story and the record of whom it went to; an unknown
// ID is ENOTFOUND.
func (q *Queries) StoryDelete(ctx context.Context, id int64) error {
	n, err := q.exec(ctx, `DELETE FROM stories WHERE id = ?`, id)
	if err != nil {
		return q.wrap("story delete", err)
	}
	if n == 0 {
		return notFound("story", id)
	}
	return nil
}

// StoryMarkSent records that the story went to the customer at at; again
// is no error and keeps the first time. ENOTFOUND when there is no such
// story.
func (q *Queries) StoryMarkSent(ctx context.Context, customerID, storyID int64, at time.Time) error {
	// The story is read with the key-share lock a foreign key check takes
	// (on PostgreSQL; SQLite has one writer), so that it cannot be deleted
	// before the insert.
	return q.wrap("story mark sent", q.atomic(ctx, false, func(q *Queries) error {
		var found bool
		err := q.row(ctx, `SELECT true FROM stories WHERE id = ?`+q.lock(LockKeyShare), storyID).Scan(&found)
		if q.noRows(err) {
			return notFound("story", storyID)
		}
		if err != nil {
			return err
		}
		_, err = q.exec(ctx, `
			INSERT INTO story_sends (customer_id, story_id, sent_at) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`,
			customerID, storyID, q.t(at))
		return err
	}))
}

// StorySentTo returns the IDs of the stories sent to the customer, in
// ascending order.
func (q *Queries) StorySentTo(ctx context.Context, customerID int64) ([]int64, error) {
	rows, err := q.query(ctx, `SELECT story_id FROM story_sends WHERE customer_id = ? ORDER BY story_id`, customerID)
	if err != nil {
		return nil, q.wrap("story sent to", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, q.wrap("story sent to", err)
		}
		ids = append(ids, id)
	}
	return ids, q.wrap("story sent to", rows.Err())
}
