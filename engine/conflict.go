package engine

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/aftersale/aftersale"
)

// checkSame is Ingest's answer for an event whose ID was received before:
// nil (a duplicate) when the stored event has the same content, when it
// cannot be compared any more (its customer was erased, or it is gone),
// or when it came by a shop platform's webhook (fromWebhook: the platform
// retries anything but 2xx and in the end turns the webhook off, so it is
// logged instead); otherwise an ECONFLICT error that says so. stored is
// the new event as the inbox would keep it. The exemption goes by how the
// event arrived, never by its source field, which an API client sets.
func (s *Service) checkSame(ctx context.Context, stored *aftersale.StoredEvent, fromWebhook bool) error {
	same, err := s.sameAsStored(ctx, stored)
	if err != nil || same {
		return err
	}
	if fromWebhook {
		s.log.WarnContext(ctx, "event received again with different content; the first is kept",
			"event_id", stored.ID, "source", stored.Source)
		return nil
	}
	return aftersale.Errorf(aftersale.ECONFLICT,
		"an event with id %q was received before with different content; send a new id for a new event", stored.ID)
}

// samePayload reports whether a stored payload is the same event as a new
// one: the same bytes, or the same once the stored event is decoded,
// validated and encoded again by this version (an event stored by an
// older version that encoded or normalised it differently).
func samePayload(old, payload []byte) bool {
	if bytes.Equal(old, payload) {
		return true
	}
	var ev aftersale.Event
	if json.Unmarshal(old, &ev) != nil || ev.Validate() != nil {
		return false
	}
	again, err := json.Marshal(&ev)
	return err == nil && bytes.Equal(again, payload)
}

// erasedPayload reports whether a stored payload is what an erase leaves
// of an event that named the customer: the content is gone, so a
// redelivery cannot be compared and counts as a duplicate.
func erasedPayload(p []byte) bool {
	var v struct {
		Erased bool `json:"erased"`
	}
	return json.Unmarshal(p, &v) == nil && v.Erased
}
