package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// TestSurveyLinks checks that a survey link names its order, survey and
// customer, is refused once altered or used for another purpose, and
// expires after SurveyTTL.
func TestSurveyLinks(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	clock := &aftersale.Clock{Now: func() time.Time { return now }}
	links := &aftersale.LinkSigner{Key: []byte("0123456789abcdef0123456789abcdef"), Clock: clock}
	s := &Service{cfg: Config{Links: links, Clock: clock}}

	tok := s.surveyToken(42, 7, "performance")
	order, customer, kind, err := s.surveyClaims(tok)
	if err != nil || order != 42 || customer != 7 || kind != "performance" {
		t.Fatalf("claims = %d %d %q %v", order, customer, kind, err)
	}
	if _, _, _, err := s.surveyClaims(tok[:len(tok)-2] + "xx"); err == nil {
		t.Error("an altered token was accepted")
	}
	unsub := links.Sign(aftersale.LinkUnsubscribe, "7", time.Hour)
	if _, _, _, err := s.surveyClaims(unsub); err == nil {
		t.Error("an unsubscribe token opened a survey")
	}
	// A token for a survey that does not exist is refused too.
	odd := links.Sign(aftersale.LinkSurvey, "42:gossip:7", time.Hour)
	if _, _, _, err := s.surveyClaims(odd); err == nil {
		t.Error("a token naming an unknown survey was accepted")
	}
	now = now.Add(SurveyTTL - time.Minute)
	if _, _, _, err := s.surveyClaims(tok); err != nil {
		t.Errorf("a minute before expiry: %v", err)
	}
	now = now.Add(2 * time.Minute)
	if _, _, _, err := s.surveyClaims(tok); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("after SurveyTTL: %v, want an expiry error", err)
	}
}
