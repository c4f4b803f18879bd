// Package outbox keeps mail in a folder instead of sending it: the
// aftersale.Mailer used when no SMTP server is configured, so that no
// message is lost and the admin UI can show each one.
//
// Every message is a complete RFC 5322 .eml file, rendered exactly as the
// SMTP sender renders it (smtp.Render, DKIM-signed with WithDKIM), named
// from a hash of its Message-ID: sending the same message again replaces
// the file instead of adding a second one.
package outbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/smtp"
)

// Outbox is a folder of .eml files. It is safe for concurrent use.
type Outbox struct {
	dir  string
	dkim *smtp.DKIMConfig // nil: not signed
}

// Option changes an Outbox's settings.
type Option func(*Outbox)

// WithDKIM DKIM-signs every message with cfg, as the SMTP sender's
// smtp.WithDKIM does. The default is not to sign.
func WithDKIM(cfg smtp.DKIMConfig) Option { return func(o *Outbox) { o.dkim = &cfg } }

var _ aftersale.Mailer = (*Outbox)(nil)

// Entry describes one message in the outbox.
type Entry struct {
	Name      string // the file name, for Read
	MessageID string // with angle brackets
	To        string // the To header, decoded
	Subject   string // decoded
	Date      time.Time
	Size      int64 // bytes
}

// New returns the outbox in dir, creating the folder (mode 0700: the
// messages hold customer data) when it does not exist.
func New(dir string, opts ...Option) (*Outbox, error) {
	if dir == "" {
		return nil, errors.New("outbox: no folder given")
	}
	o := &Outbox{dir: dir}
	for _, opt := range opts {
		opt(o)
	}
	if o.dkim != nil {
		if err := o.dkim.Validate(); err != nil {
			return nil, fmt.Errorf("outbox: WithDKIM: %w", err)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return o, nil
}

// Dir returns the outbox's folder.
func (o *Outbox) Dir() string { return o.dir }

// FileName returns the name of the file that holds the message with the
// Message-ID id.
func FileName(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:16]) + ".eml"
}

// Send writes m to the outbox, atomically: a temporary file is written and
// synced, then renamed over FileName(m.MessageID), and the folder is synced.
// A message that cannot be composed or signed is a permanent
// *aftersale.DeliveryError, Malformed unless an address is at fault (see
// aftersale.IsMalformed);
// a failure to write is a temporary one.
func (o *Outbox) Send(ctx context.Context, m *aftersale.Email) error {
	raw, err := smtp.Render(m, o.dkim)
	if err != nil {
		// As for the SMTP sender: a message of ours that cannot be built is
		// a bug (Malformed), unless an address is at fault.
		return &aftersale.DeliveryError{Malformed: !smtp.IsBadAddress(err), Err: fmt.Errorf("outbox: compose: %w", err)}
	}
	if err := ctx.Err(); err != nil {
		return &aftersale.DeliveryError{Temporary: true, Err: err}
	}
	if err := o.write(FileName(m.MessageID), func(f *os.File) error {
		_, err := f.Write(raw)
		return err
	}); err != nil {
		return &aftersale.DeliveryError{Temporary: true, Err: fmt.Errorf("outbox: %w", err)}
	}
	return nil
}

func (o *Outbox) write(name string, fill func(*os.File) error) error {
	f, err := os.CreateTemp(o.dir, ".tmp-*.eml") // mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := fill(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(o.dir, name)); err != nil {
		return err
	}
	ok = true
	return syncDir(o.dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return err
	}
	return nil
}

// List returns the messages in the outbox, newest first (by their Date
// header, then by when they were written). A file that does not parse is
// listed by its name and size only.
func (o *Outbox) List(ctx context.Context) ([]Entry, error) {
	files, err := os.ReadDir(o.dir)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	var out []Entry
	written := map[string]time.Time{}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !validName(f.Name()) || !f.Type().IsRegular() {
			continue
		}
		info, err := f.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed meanwhile
		} else if err != nil {
			return nil, fmt.Errorf("outbox: %w", err)
		}
		e, err := o.entry(f.Name())
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil && !errors.Is(err, errUnparsable) {
			return nil, fmt.Errorf("outbox: %w", err)
		}
		e.Size = info.Size()
		written[e.Name] = info.ModTime()
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entry) int {
		if c := b.Date.Compare(a.Date); c != 0 {
			return c
		}
		if c := written[b.Name].Compare(written[a.Name]); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

var errUnparsable = errors.New("not a message")

// entry reads the header of the file name.
func (o *Outbox) entry(name string) (Entry, error) {
	e := Entry{Name: name}
	f, err := os.Open(filepath.Join(o.dir, name))
	if err != nil {
		return e, err
	}
	defer f.Close()
	msg, err := mail.ReadMessage(f) // reads the header only
	if err != nil {
		return e, errUnparsable
	}
	var dec mime.WordDecoder
	decode := func(s string) string {
		if d, err := dec.DecodeHeader(s); err == nil {
			return d
		}
		return s
	}
	e.MessageID = msg.Header.Get("Message-Id")
	e.To = decode(msg.Header.Get("To"))
	e.Subject = decode(msg.Header.Get("Subject"))
	e.Date, _ = msg.Header.Date()
	return e, nil
}

// Read returns the raw message in the file name, as listed by List. Names
// with a path, hidden files and anything but .eml files are refused with an
// aftersale EINVAL error; a missing file is ENOTFOUND.
func (o *Outbox) Read(name string) ([]byte, error) {
	if !validName(name) {
		return nil, aftersale.Errorf(aftersale.EINVALID, "outbox: %q is not a message file name", name)
	}
	b, err := os.ReadFile(filepath.Join(o.dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, aftersale.Errorf(aftersale.ENOTFOUND, "outbox: no message %q", name)
	}
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return b, nil
}

// validName reports whether name is a plain, visible .eml file name.
func validName(name string) bool {
	return name != "" && name == filepath.Base(name) && !strings.ContainsAny(name, `/\`) &&
		!strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".eml") && filepath.IsLocal(name)
}
