package auth

import (
	"errors"
	"strings"
	"testing"
)

// fast keeps the tests quick; the format and checks are the same.
var fast = Params{Memory: 64, Time: 1, Threads: 1}

func TestHashAndVerify(t *testing.T) {
	h, err := Hash("correct horse battery", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q is not a PHC argon2id string", h)
	}
	if err := Verify(h, "correct horse battery"); err != nil {
		t.Errorf("right password: %v", err)
	}
	if err := Verify(h, "correct horse batterY"); !errors.Is(err, ErrMismatch) {
		t.Errorf("wrong password: %v, want ErrMismatch", err)
	}
	h2, _ := Hash("correct horse battery", fast)
	if h == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if err := Verify(h, strings.Repeat("x", MaxPasswordLen+1)); !errors.Is(err, ErrMismatch) {
		t.Errorf("overlong password: %v", err)
	}
}

func TestDefaultParams(t *testing.T) {
	h, err := Hash("a long enough password", DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=2,p=1$") {
		t.Errorf("hash %q", h)
	}
	if err := Verify(h, "a long enough password"); err != nil {
		t.Error(err)
	}
}

func TestCheckPassword(t *testing.T) {
	if err := CheckPassword("short"); err == nil {
		t.Error("a 5-character password was accepted")
	}
	if _, err := Hash("short", fast); err == nil {
		t.Error("Hash accepted a short password")
	}
	if err := CheckPassword(strings.Repeat("é", 10)); err != nil {
		t.Errorf("10 characters (20 bytes): %v", err)
	}
}

func TestVerifyRejectsDamagedHashes(t *testing.T) {
	for _, h := range []string{
		"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$c2hvcnQ",
	} {
		if err := Verify(h, "whatever password"); err == nil || errors.Is(err, ErrMismatch) {
			t.Errorf("Verify(%q) = %v, want a hash error", h, err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	h, _ := Hash("correct horse battery", fast)
	f.Add(h, "correct horse battery")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "x")
	f.Fuzz(func(t *testing.T, hash, pw string) {
		_ = Verify(hash, pw) // must not panic or hang
	})
}
