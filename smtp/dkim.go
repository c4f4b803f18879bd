package smtp

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

// DKIMConfig is what a message is DKIM-signed with (RFC 6376): the signing
// domain (the d= tag), the selector (s=) under which the public key is
// published in DNS as a TXT record at Selector._domainkey.Domain, and the
// private key.
//
// For DMARC the domain must be the From address's domain or a parent of it.
// An RSA key of 2048 bits is what every receiver verifies; an Ed25519 key
// gives an ed25519-sha256 signature, which not every receiver understands.
type DKIMConfig struct {
	Domain   string
	Selector string
	Signer   crypto.Signer // an *rsa.PrivateKey or ed25519.PrivateKey; see LoadDKIMKey
}

// minRSABits is the smallest RSA key RFC 8301 lets a verifier accept.
const minRSABits = 1024

// Validate reports what is wrong with c, naming the field.
func (c DKIMConfig) Validate() error {
	if c.Domain == "" {
		return errors.New("dkim: Domain is empty")
	}
	if !validDNSName(c.Domain) {
		return fmt.Errorf("dkim: Domain %q is not a domain name", c.Domain)
	}
	if c.Selector == "" {
		return errors.New("dkim: Selector is empty")
	}
	if !validDNSName(c.Selector) {
		return fmt.Errorf("dkim: Selector %q is not made of DNS labels (letters, digits, hyphens, dots)", c.Selector)
	}
	if c.Signer == nil {
		return errors.New("dkim: Signer is nil; load the private key with LoadDKIMKey")
	}
	return checkKey(c.Signer.Public())
}

// checkKey accepts RSA keys of at least minRSABits and Ed25519 keys.
func checkKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if n := k.N.BitLen(); n < minRSABits {
			return fmt.Errorf("dkim: the RSA key has %d bits; receivers refuse fewer than %d (use 2048)", n, minRSABits)
		}
		return nil
	case ed25519.PublicKey:
		return nil
	default:
		return fmt.Errorf("dkim: a %T key cannot sign DKIM; use RSA (2048 bits) or Ed25519", pub)
	}
}

// validDNSName reports whether s is one or more dot-separated labels of
// letters, digits, hyphens and underscores.
func validDNSName(s string) bool {
	if len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// LoadDKIMKey reads a PEM private key for DKIM signing from path: an RSA key
// in PKCS#1 ("RSA PRIVATE KEY", as openssl genrsa writes) or PKCS#8
// ("PRIVATE KEY", as openssl genpkey writes), or an Ed25519 key in PKCS#8.
// Encrypted keys, public keys, certificates and other key types are refused
// with an error that says so. The errors never show the key's contents.
func LoadDKIMKey(path string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dkim: read the key: %w", err)
	}
	key, err := parseKey(b)
	if err != nil {
		return nil, fmt.Errorf("dkim: %s: %w", path, err)
	}
	return key, nil
}

// parseKey decodes the first PEM block of b.
func parseKey(b []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block found; want a file starting with -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----")
	}
	if _, encrypted := block.Headers["Proc-Type"]; encrypted {
		return nil, errors.New("the key is encrypted with a passphrase; decrypt it first (openssl pkey -in key.pem -out plain.pem)")
	}
	var key crypto.Signer
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("not a valid PKCS#1 RSA private key: %w", err)
		}
		key = k
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("not a valid PKCS#8 private key: %w", err)
		}
		switch k := k.(type) {
		case *rsa.PrivateKey:
			key = k
		case ed25519.PrivateKey:
			key = k
		default:
			return nil, fmt.Errorf("a PKCS#8 %T cannot sign DKIM; use RSA (2048 bits) or Ed25519", k)
		}
	case "ENCRYPTED PRIVATE KEY":
		return nil, errors.New("the key is encrypted with a passphrase; decrypt it first (openssl pkey -in key.pem -out plain.pem)")
	case "EC PRIVATE KEY":
		return nil, errors.New("an EC key cannot sign DKIM; use RSA (2048 bits) or Ed25519")
	case "PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE":
		return nil, fmt.Errorf("the file holds a %s, not the private key", strings.ToLower(block.Type))
	default:
		return nil, fmt.Errorf("the PEM block is %q; want PRIVATE KEY or RSA PRIVATE KEY", block.Type)
	}
	if err := checkKey(key.Public()); err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "dkim: "))
	}
	return key, nil
}

// signedFields are the header fields signed when present, in the order they
// are listed in h=.
var signedFields = []string{
	"From", "Reply-To", "To", "Cc", "Subject", "Date", "Message-ID",
	"In-Reply-To", "References", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
	"List-Unsubscribe", "List-Unsubscribe-Post",
}

// oversigned are fields a message has at most once. Each is listed once more
// in h= than the message has it, present or not, so that a copy added in
// transit (a second From, a Reply-To, an unsubscribe link) breaks the
// signature (RFC 6376 section 8.15).
var oversigned = []string{
	"From", "Reply-To", "To", "Cc", "Subject", "Date", "Message-ID",
	"List-Unsubscribe", "List-Unsubscribe-Post",
}

// sign returns msg with a DKIM-Signature field in front: relaxed/relaxed,
// rsa-sha256 or ed25519-sha256, over the fields of signedFields that msg
// has, then the oversigned ones. msg must use CRLF line endings.
func sign(msg []byte, c *DKIMConfig) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	present := fieldNames(msg)
	var keys []string
	for _, f := range signedFields {
		if present[strings.ToLower(f)] {
			keys = append(keys, f)
		}
	}
	keys = append(keys, oversigned...)
	var out bytes.Buffer
	out.Grow(len(msg) + 600)
	err := dkim.Sign(&out, bytes.NewReader(msg), &dkim.SignOptions{
		Domain:                 strings.TrimSuffix(c.Domain, "."),
		Selector:               c.Selector,
		Signer:                 c.Signer,
		Hash:                   crypto.SHA256,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             keys,
	})
	if err != nil {
		return nil, fmt.Errorf("dkim: sign: %w", err)
	}
	return out.Bytes(), nil
}

// fieldNames returns the lower-cased names of the header fields of msg.
func fieldNames(msg []byte) map[string]bool {
	names := map[string]bool{}
	for len(msg) > 0 {
		line := msg
		if i := bytes.IndexByte(msg, '\n'); i >= 0 {
			line, msg = msg[:i], msg[i+1:]
		} else {
			msg = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break // the end of the header
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // a folded continuation
		}
		if i := bytes.IndexByte(line, ':'); i > 0 {
			names[strings.ToLower(string(bytes.TrimRight(line[:i], " \t")))] = true
		}
	}
	return names
}
