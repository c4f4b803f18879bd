package sqlstore

import (
	"context"
	"strings"

	"github.com/aftersale/aftersale"
)

const surveyAnswerColumns = `id, customer_id, order_id, kind, quality, subject, value, comment, created_at`

func (q *Queries) scanSurveyAnswer(s Row) (*aftersale.SurveyAnswer, error) {
	var a aftersale.SurveyAnswer
	err := s.Scan(&a.ID, &a.CustomerID, &a.OrderID, &a.Kind, &a.Quality, &a.Subject, &a.Value, &a.Comment,
		q.ts(&a.CreatedAt))
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// SurveyAnswerSave stores the answer and returns it with its ID. An answer
// with the same (order, kind, quality, subject) is replaced: its value,
// comment and creation time become a's, and it keeps its ID and customer.
// The subject, an email, is stored lower-cased (see emailKey), so that it
// matches in any case.
func (q *Queries) SurveyAnswerSave(ctx context.Context, a *aftersale.SurveyAnswer) (*aftersale.SurveyAnswer, error) {
	if a.Kind == "" {
		return nil, aftersale.FieldError("kind", "is required")
	}
	stored, err := q.scanSurveyAnswer(q.row(ctx, `
		INSERT INTO survey_answers (customer_id, order_id, kind, quality, subject, value, comment, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (order_id, kind, quality, subject) DO UPDATE SET
			value = excluded.value,
			comment = excluded.comment,
			created_at = excluded.created_at
		RETURNING `+surveyAnswerColumns,
		a.CustomerID, a.OrderID, string(a.Kind), a.Quality, emailKey(a.Subject), a.Value, a.Comment,
		q.t(a.CreatedAt)))
	return stored, q.wrap("survey answer save", err)
}

// SurveyAnswerList returns the answers matching the filter, oldest first
// (by creation time, then ID).
func (q *Queries) SurveyAnswerList(ctx context.Context, f aftersale.AnswerFilter) ([]*aftersale.SurveyAnswer, error) {
	var where []string
	var args []any
	if f.OrderID != 0 {
		where, args = append(where, "order_id = ?"), append(args, f.OrderID)
	}
	if f.CustomerID != 0 {
		where, args = append(where, "customer_id = ?"), append(args, f.CustomerID)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, string(f.Kind))
	}
	if !f.From.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, q.t(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "created_at < ?"), append(args, q.t(f.To))
	}
	query := `SELECT ` + surveyAnswerColumns + ` FROM survey_answers`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY created_at, id`
	list, err := listRows(ctx, q, q.scanSurveyAnswer, query, args...)
	return list, q.wrap("survey answer list", err)
}
