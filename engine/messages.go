package engine

import (
	"context"
	"time"

	"github.com/aftersale/aftersale/journey"
)

// MessageView is an email in the admin UI's outbox.
type MessageView struct {
	ID        int64     `json:"id"`
	To        string    `json:"to"`
	Subject   string    `json:"subject"`
	Template  string    `json:"template"`
	Category  string    `json:"category"`
	Status    string    `json:"status"`
	Error     string    `json:"error,omitempty"`
	MessageID string    `json:"message_id"`
	CreatedAt time.Time `json:"created_at"`
	SentAt    time.Time `json:"sent_at"`
}

// RecentMessages returns the latest emails to customers, newest first.
func (s *Service) RecentMessages(ctx context.Context, limit int) ([]MessageView, error) {
	list, err := s.cfg.Store.MessageListRecent(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]MessageView, len(list))
	for i, m := range list {
		out[i] = MessageView{ID: m.ID, To: m.Recipient, Subject: m.Subject, Template: m.Template,
			Category: string(m.Category), Status: string(m.Status), Error: m.Error, MessageID: m.MessageID,
			CreatedAt: m.CreatedAt, SentAt: m.SentAt}
	}
	return out, nil
}

// Journeys returns the journeys in use, for the admin UI's read-only view
// and preview (journey.Set.Preview).
func (s *Service) Journeys() *journey.Set { return s.cfg.Journeys }
