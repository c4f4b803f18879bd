package aftersale_test

import (
	"errors"
	"testing"

	"github.com/aftersale/aftersale"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	got := aftersale.Redact(errors.New("permanent delivery failure (550): 550 5.1.1 <Ana.Lima+shop@Example.co.uk>: no such user"))
	want := "permanent delivery failure (550): 550 5.1.1 <[email]>: no such user"
	if got != want {
		t.Errorf("Redact = %q, want %q", got, want)
	}
	got = aftersale.Redact(errors.New(`smtp: compose: to: "josé@bücher.example": no; also xn: ana@xn--bcher-kva.example`))
	want = `smtp: compose: to: "[email]": no; also xn: [email]`
	if got != want {
		t.Errorf("Redact = %q, want %q", got, want)
	}
	if aftersale.Redact(nil) != "" {
		t.Error("Redact(nil)")
	}
}
