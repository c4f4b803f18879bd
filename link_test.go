package aftersale_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

func TestLinkSigner(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	clock := &aftersale.Clock{Now: func() time.Time { return now }}
	s := &aftersale.LinkSigner{Key: []byte("0123456789abcdef0123456789abcdef"), Clock: clock}
	tok := s.Sign(aftersale.LinkUnsubscribe, "ana@example.com", time.Hour)

	if got, err := s.Verify(aftersale.LinkUnsubscribe, tok); err != nil || got != "ana@example.com" {
		t.Fatalf("Verify = %q, %v", got, err)
	}
	if _, err := s.Verify(aftersale.LinkWhoUses, tok); err == nil {
		t.Error("a token for one purpose must not verify for another")
	}
	other := &aftersale.LinkSigner{Key: []byte("another key, another install....."), Clock: clock}
	if _, err := other.Verify(aftersale.LinkUnsubscribe, tok); err == nil {
		t.Error("a token signed with another key must not verify")
	}
	payload, sig, _ := strings.Cut(tok, ".")
	tampered := payload[:len(payload)-2] + "xx." + sig
	if _, err := s.Verify(aftersale.LinkUnsubscribe, tampered); err == nil {
		t.Error("a tampered token must not verify")
	}
	for _, bad := range []string{"", ".", "abc", "a.b.c", strings.Repeat("a", 5000)} {
		if _, err := s.Verify(aftersale.LinkUnsubscribe, bad); aftersale.ErrorCode(err) != aftersale.EUNAUTHORIZED {
			t.Errorf("Verify(%q) = %v, want unauthorized", bad, err)
		}
	}
	now = now.Add(2 * time.Hour)
	_, err := s.Verify(aftersale.LinkUnsubscribe, tok)
	if err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired token: %v", err)
	}
}

func FuzzLinkVerify(f *testing.F) {
	s := &aftersale.LinkSigner{Key: []byte("k"), Clock: &aftersale.Clock{}}
	f.Add(s.Sign(aftersale.LinkUnsubscribe, "a@b.co", time.Hour))
	f.Add("a.b")
	f.Fuzz(func(t *testing.T, tok string) {
		if subj, err := s.Verify(aftersale.LinkUnsubscribe, tok); err == nil && subj != "a@b.co" {
			t.Fatalf("forged token accepted: %q", subj)
		}
	})
}

func TestClockScale(t *testing.T) {
	origin := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	c := &aftersale.Clock{Scale: 86400, Origin: origin, Now: func() time.Time { return origin.Add(time.Second) }}
	if got := c.VirtualNow(); !got.Equal(origin.Add(24 * time.Hour)) {
		t.Errorf("one real second is %v virtual, want a day", got.Sub(origin))
	}
	v := origin.Add(7 * 24 * time.Hour)
	if got := c.ToReal(v); !got.Equal(origin.Add(7 * time.Second)) {
		t.Errorf("ToReal(day 7) = %v after origin", got.Sub(origin))
	}
	var one aftersale.Clock
	now := time.Now()
	if !one.ToVirtual(now).Equal(now.UTC()) {
		t.Error("scale 1 must be the identity")
	}
}
