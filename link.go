package aftersale

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// Link purposes: what a signed customer link lets its holder do.
const (
	LinkUnsubscribe = "unsub"  // one-click unsubscribe and the preferences page
	LinkWhoUses     = "who"    // name the person who uses an order
	LinkSurvey      = "survey" // answer the satisfaction survey of an order
	LinkPlan        = "plan"   // see and update the success plan of an order
	LinkOpen        = "open"   // the open pixel of an email (its subject is the Message-ID)
	LinkArrival     = "arrive" // answer "did it arrive in good shape?" for an order
	LinkReturn      = "return" // start a return of an order (after the returns page found it)
	LinkReturnView  = "rstat"  // see how a return stands (its subject is the return's ID)
	LinkOptIn       = "optin"  // confirm marketing consent (double opt-in; its subject is the customer's ID)
	LinkDevice      = "device" // an admin browser that logged in as a member before (its subject is the email and a nonce)
)

// LinkSigner signs and verifies the tokens in customer links (unsubscribe,
// preferences, surveys, returns). A token names its purpose, a subject (an
// email, an order) and an expiry, and is authenticated with HMAC-SHA256, so a
// link works without login but cannot be forged, reused for another purpose
// or used after it expires.
type LinkSigner struct {
	Key   []byte
	Clock *Clock // real time decides expiry, never the virtual clock
}

type linkClaims struct {
	Purpose string `json:"p"`
	Subject string `json:"s"`
	Expires int64  `json:"x"`
}

// Sign returns a URL-safe token for purpose and subject, valid for ttl.
func (s *LinkSigner) Sign(purpose, subject string, ttl time.Duration) string {
	body, _ := json.Marshal(linkClaims{Purpose: purpose, Subject: subject, Expires: s.Clock.RealNow().Add(ttl).Unix()})
	payload := base64.RawURLEncoding.EncodeToString(body)
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

// Verify checks the token and returns its subject. A bad signature, another
// purpose or an expired token gives an EUNAUTHORIZED error that says which.
func (s *LinkSigner) Verify(purpose, token string) (string, error) {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 4096 {
		return "", Errorf(EUNAUTHORIZED, "this link is not valid")
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(payload)) {
		return "", Errorf(EUNAUTHORIZED, "this link is not valid")
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return "", Errorf(EUNAUTHORIZED, "this link is not valid")
	}
	var c linkClaims
	if err := json.Unmarshal(body, &c); err != nil || c.Purpose != purpose {
		return "", Errorf(EUNAUTHORIZED, "this link is not valid here")
	}
	if s.Clock.RealNow().Unix() > c.Expires {
		return "", Errorf(EUNAUTHORIZED, "this link has expired")
	}
	return c.Subject, nil
}

func (s *LinkSigner) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte("aftersale-link-v1:"))
	m.Write([]byte(payload))
	return m.Sum(nil)[:20]
}
