package sqlite

import (
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// baselineStoryGet is StoryGet as it was written in this package before it
// moved to package sqlstore: the direct call the shared one is measured
// against.
func baselineStoryGet(b *testing.B, q *queries, id int64) (*aftersale.Story, error) {
	var st aftersale.Story
	err := q.q.QueryRowContext(b.Context(), `SELECT id, title, body, match, permission, created_at, updated_at FROM stories WHERE id = ?`, id).
		Scan(&st.ID, &st.Title, &st.Body, &st.Match, &st.Permission, ts(&st.CreatedAt), ts(&st.UpdatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("story", id)
	}
	return &st, wrap("story get", err)
}

// BenchmarkStoryGet compares the shared StoryGet (sqlstore, through the
// dialect) with the direct one, on the pool through the statement cache.
// Compare the ns/op of the two sub-benchmarks of one run.
func BenchmarkStoryGet(b *testing.B) {
	db, err := Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	s, err := db.StorySave(b.Context(), &aftersale.Story{Title: "Launch", Body: "It began with a kettle.", CreatedAt: at})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			if _, err := baselineStoryGet(b, &db.queries, s.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sqlstore", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.StoryGet(b.Context(), s.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}
