package smtp

import (
	"errors"
	"testing"
)

// TestGuardControl gives the dial guards the addresses as the dialler
// hands them over after resolving a name (IPv6 in brackets, with a zone
// for link-local): WithPrivateAllowed lets through public, loopback,
// private and CGNAT addresses and refuses link-local and metadata ones in
// every form; WithPublicOnly lets through public ones only.
func TestGuardControl(t *testing.T) {
	t.Parallel()
	private := &guard{public: true, private: true}
	public := &guard{public: true}
	for _, c := range []struct {
		addr            string
		private, public bool // allowed by each guard
	}{
		{"8.8.8.8:25", true, true},
		{"[2606:4700:4700::1111]:587", true, true},
		{"[::ffff:8.8.8.8]:25", true, true},
		{"127.0.0.1:25", true, false},
		{"[::1]:25", true, false},
		{"[::ffff:127.0.0.1]:25", true, false},
		{"10.1.2.3:25", true, false},
		{"[::ffff:10.1.2.3]:25", true, false},
		{"192.168.0.10:465", true, false},
		{"[fd12:3456::1]:25", true, false},
		{"100.64.1.1:25", true, false},

		{"169.254.169.254:80", false, false},
		{"169.254.1.1:25", false, false},
		{"[::ffff:169.254.169.254]:25", false, false},
		{"[::ffff:a9fe:101]:25", false, false},
		{"[fe80::1]:25", false, false},
		{"[fe80::1%lo]:25", false, false},
		{"[fe80::a9fe:a9fe%eth0]:25", false, false},
		{"[fd00:ec2::254]:80", false, false},
		{"100.100.100.200:80", false, false},
		{"[::ffff:100.100.100.200]:80", false, false},
		{"[64:ff9b::a9fe:a9fe]:25", false, false},
		{"[2002:a9fe:a9fe::1]:25", false, false},
		{"0.0.0.0:25", false, false},
		{"[::]:25", false, false},
		{"not an address", false, false},
	} {
		for _, g := range []struct {
			name  string
			guard *guard
			want  bool
		}{{"WithPrivateAllowed", private, c.private}, {"WithPublicOnly", public, c.public}} {
			err := g.guard.control("tcp", c.addr, nil)
			if (err == nil) != g.want {
				t.Errorf("%s: control(%q) = %v, want allowed %v", g.name, c.addr, err, g.want)
			}
			if err != nil && !errors.Is(err, errInternalAddr) {
				t.Errorf("%s: control(%q) = %v, not errInternalAddr", g.name, c.addr, err)
			}
		}
	}
	if err := private.control("tcp", "[fe80::1%lo]:25", nil); connectReason(err) != "link-local or metadata address refused" {
		t.Errorf("WithPrivateAllowed refusing fe80::1: reason %q", connectReason(err))
	}
	if err := public.control("tcp", "10.0.0.1:25", nil); connectReason(err) != "internal address refused" {
		t.Errorf("WithPublicOnly refusing 10.0.0.1: reason %q", connectReason(err))
	}
}
