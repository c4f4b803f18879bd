package engine

import (
	"errors"
	"testing"
)

func TestRedact(t *testing.T) {
	got := redact(errors.New("permanent delivery failure (550): 550 5.1.1 <Ana.Lima+shop@Example.co.uk>: no such user"))
	want := "permanent delivery failure (550): 550 5.1.1 <[email]>: no such user"
	if got != want {
		t.Errorf("redact = %q, want %q", got, want)
	}
	got = redact(errors.New(`smtp: compose: to: "josé@bücher.example": no; also xn: ana@xn--bcher-kva.example`))
	want = `smtp: compose: to: "[email]": no; also xn: [email]`
	if got != want {
		t.Errorf("redact = %q, want %q", got, want)
	}
	if redact(nil) != "" {
		t.Error("redact(nil)")
	}
}
