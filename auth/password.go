// Package auth hashes and checks team members' passwords with argon2id
// (RFC 9106), stored in the PHC string format:
//
//	$argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash>
//
// The parameters are kept in the hash, so they can be raised later without
// invalidating stored passwords.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultParams follow RFC 9106's second recommended option, with 64 MiB
// of memory: about 50 ms on a small server.
var DefaultParams = Params{Memory: 64 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
	// MinPasswordLen is the shortest password accepted.
	MinPasswordLen = 10
	// MaxPasswordLen bounds the work an attacker can ask for.
	MaxPasswordLen = 256
)

// ErrMismatch is returned by Verify for a wrong password.
var ErrMismatch = errors.New("auth: the password does not match")

var b64 = base64.RawStdEncoding

// CheckPassword says what is wrong with a new password, or nil.
func CheckPassword(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case n < MinPasswordLen:
		return fmt.Errorf("the password must have at least %d characters", MinPasswordLen)
	case len(pw) > MaxPasswordLen:
		return fmt.Errorf("the password must have at most %d bytes", MaxPasswordLen)
	}
	return nil
}

// Hash returns the argon2id hash of pw with a random salt, in PHC format.
func Hash(pw string, p Params) (string, error) {
	if err := CheckPassword(pw); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	return phc(p, salt, argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)), nil
}

// phc writes a hash in the PHC string format.
func phc(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify checks pw against a hash made by Hash, in constant time. It
// returns ErrMismatch for a wrong password and another error for a hash it
// cannot read.
func Verify(hash, pw string) error {
	if len(pw) > MaxPasswordLen {
		return ErrMismatch
	}
	p, salt, key, err := parse(hash)
	if err != nil {
		return err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return ErrMismatch
	}
	return nil
}

// parse reads a PHC argon2id string.
func parse(hash string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("auth: not an argon2id hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, errors.New("auth: unsupported argon2 version")
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil {
		return p, nil, nil, errors.New("auth: malformed argon2 parameters")
	}
	// Bounds, so that a damaged hash cannot make Verify take forever.
	if p.Memory < 8 || p.Memory > 1<<18 || p.Time < 1 || p.Time > 8 || threads < 1 || threads > 16 {
		return p, nil, nil, errors.New("auth: argon2 parameters out of range")
	}
	p.Threads = uint8(threads)
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, errors.New("auth: malformed salt")
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errors.New("auth: malformed hash")
	}
	return p, salt, key, nil
}
