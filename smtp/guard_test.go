package smtp_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/smtp"
	"github.com/aftersale/aftersale/smtptest"
)

func TestPublicAddr(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		addr   string
		public bool
	}{
		{"93.184.215.14", true},
		{"8.8.8.8", true},
		{"2606:4700:4700::1111", true},
		{"2a00:1450:4001:82a::200e", true},
		{"100.63.255.255", true}, // just below CGNAT
		{"172.32.0.1", true},     // just above 172.16/12

		{"127.0.0.1", false},
		{"127.1.2.3", false},
		{"::1", false},
		{"10.0.0.5", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"192.168.1.1", false},
		{"fc00::1", false},
		{"fd12:3456::1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"169.254.0.1", false},
		{"fe80::1", false},
		{"fe80::1%eth0", false},
		{"febf::1", false},
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"::", false},
		{"224.0.0.1", false},
		{"239.255.255.250", false},
		{"ff02::1", false},
		{"255.255.255.255", false},
		{"100.64.0.1", false}, // CGNAT
		{"100.127.255.255", false},
		{"192.0.2.1", false},
		{"198.18.0.1", false},
		{"240.0.0.1", false},
		{"2001:db8::1", false},
		{"::ffff:127.0.0.1", false}, // IPv4-mapped
		{"::ffff:169.254.169.254", false},
		{"::ffff:10.0.0.1", false},
		{"::ffff:8.8.8.8", true},
		{"::127.0.0.1", false},       // IPv4-compatible
		{"64:ff9b::a00:1", false},    // NAT64 of 10.0.0.1
		{"64:ff9b::808:808", true},   // NAT64 of 8.8.8.8
		{"2002:7f00:1::1", false},    // 6to4 of 127.0.0.1
		{"2002:a9fe:a9fe::1", false}, // 6to4 of 169.254.169.254
		{"2002:808:808::1", true},    // 6to4 of 8.8.8.8
		{"2001::1", false},           // Teredo
	} {
		a, err := netip.ParseAddr(c.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := smtp.PublicAddr(a); got != c.public {
			t.Errorf("PublicAddr(%s) = %v, want %v", c.addr, got, c.public)
		}
	}
	if smtp.PublicAddr(netip.Addr{}) {
		t.Error("the zero Addr is public")
	}
}

// FuzzPublicAddr checks, for any address, that a mapped IPv4 address is
// judged as the address itself and that nothing netip calls loopback,
// private, link-local, multicast or unspecified passes.
func FuzzPublicAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "::ffff:10.0.0.1", "169.254.169.254", "8.8.8.8", "fe80::1", "2002:a9fe:a9fe::1"} {
		a := netip.MustParseAddr(s)
		b := a.As16()
		f.Add(b[:])
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) != 4 && len(raw) != 16 {
			return
		}
		a, _ := netip.AddrFromSlice(raw)
		public := smtp.PublicAddr(a)
		if a.Is4() && public != smtp.PublicAddr(netip.AddrFrom16(a.As16())) {
			t.Errorf("%s and its mapped form are judged differently", a)
		}
		u := a.Unmap()
		if public && (u.IsLoopback() || u.IsPrivate() || u.IsLinkLocalUnicast() || u.IsMulticast() ||
			u.IsUnspecified() || !u.IsGlobalUnicast()) {
			t.Errorf("PublicAddr(%s) = true for an internal address", a)
		}
	})
}

// TestPublicOnlyRefusesLoopback sends to a real SMTP server on 127.0.0.1:
// a Sender made WithPublicOnly does not connect at all (the server sees no
// session) and says only ErrConnect; one without it delivers.
func TestPublicOnlyRefusesLoopback(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	var log bytes.Buffer
	guarded, err := smtp.New(srv.URL(), smtp.WithTimeout(wait),
		smtp.WithPublicOnly(slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	defer guarded.Close()
	err = guarded.Send(context.Background(), email("guarded"))
	if !errors.Is(err, smtp.ErrConnect) || !aftersale.IsTemporary(err) {
		t.Fatalf("Send to 127.0.0.1 WithPublicOnly: %v, want a temporary ErrConnect", err)
	}
	if strings.Contains(err.Error(), "127.0.0.1") || strings.Contains(err.Error(), srv.Addr()) {
		t.Errorf("the error names the address: %v", err)
	}
	if n := srv.Sessions(); n != 0 {
		t.Errorf("the guarded Sender reached the server (%d sessions)", n)
	}
	if !strings.Contains(log.String(), "internal address refused") {
		t.Errorf("the debug log does not say why: %q", log.String())
	}

	// A name that resolves to loopback is refused too.
	_, port, _ := net.SplitHostPort(srv.Addr())
	byName, err := smtp.New("smtp://localhost:"+port, smtp.WithTimeout(wait), smtp.WithPublicOnly(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer byName.Close()
	if err := byName.Send(context.Background(), email("by-name")); !errors.Is(err, smtp.ErrConnect) {
		t.Errorf("Send to localhost WithPublicOnly: %v, want ErrConnect", err)
	}
	if n := srv.Sessions(); n != 0 {
		t.Errorf("the guarded Sender reached the server by name (%d sessions)", n)
	}

	// Allowed (the owners' setting): it delivers, and still does not tell
	// why a connection fails.
	open, err := smtp.New(srv.URL(), smtp.WithTimeout(wait), smtp.WithOpaqueErrors(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	if err := open.Send(context.Background(), email("allowed")); err != nil {
		t.Fatalf("Send WithOpaqueErrors to a working server: %v", err)
	}
	if _, err := srv.WaitFor(1, wait); err != nil {
		t.Fatal(err)
	}
}

// TestOpaqueErrorsHidePortState compares a closed port, an open port that
// does not speak SMTP and an internal address refused by the guard: the
// errors are the same word for word. Without the option they differ (the
// reason the option exists).
func TestOpaqueErrorsHidePortState(t *testing.T) {
	t.Parallel()
	closedAddr := smtptest.ClosedAddr(t)
	notSMTPAddr := smtptest.NotSMTP(t, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

	send := func(addr string, opts ...smtp.Option) error {
		s, err := smtp.New("smtp://"+addr, append([]smtp.Option{smtp.WithTimeout(wait)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		return s.Send(context.Background(), email("probe"))
	}
	plainClosed, plainOpen := send(closedAddr), send(notSMTPAddr)
	if plainClosed == nil || plainOpen == nil || plainClosed.Error() == plainOpen.Error() {
		t.Fatalf("without the option: closed %v, open %v; want two different errors", plainClosed, plainOpen)
	}
	got := map[string]error{
		"closed port":       send(closedAddr, smtp.WithOpaqueErrors(nil)),
		"open, not SMTP":    send(notSMTPAddr, smtp.WithOpaqueErrors(nil)),
		"internal, guarded": send(notSMTPAddr, smtp.WithPublicOnly(nil)),
		"closed, private":   send(closedAddr, smtp.WithPrivateAllowed(nil)),
		"open, private":     send(notSMTPAddr, smtp.WithPrivateAllowed(nil)),
		"metadata, private": send("169.254.169.254:25", smtp.WithPrivateAllowed(nil)),
	}
	for what, err := range got {
		if !errors.Is(err, smtp.ErrConnect) {
			t.Errorf("%s: %v, want ErrConnect", what, err)
			continue
		}
		if err.Error() != got["closed port"].Error() {
			t.Errorf("%s: %q; the closed port gave %q", what, err, got["closed port"])
		}
	}
	if want := "could not connect to the SMTP server"; !strings.Contains(got["closed port"].Error(), want) {
		t.Errorf("the error %q does not say %q", got["closed port"], want)
	}
}

func TestPrivateAddr(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		addr    string
		private bool
	}{
		{"127.0.0.1", true},
		{"127.1.2.3", true},
		{"::1", true},
		{"10.0.0.5", true},
		{"172.16.0.1", true},
		{"192.168.1.1", true},
		{"fd12:3456::1", true},
		{"fc00::1", true},
		{"100.64.0.1", true}, // CGNAT
		{"100.127.255.255", true},
		{"::ffff:127.0.0.1", true},
		{"::ffff:10.0.0.1", true},
		{"::ffff:100.64.0.1", true},

		{"169.254.169.254", false}, // cloud metadata
		{"169.254.0.1", false},
		{"169.254.255.255", false},
		{"fe80::1", false},
		{"fe80::1%eth0", false},
		{"febf::1", false},
		{"::ffff:169.254.169.254", false},
		{"::ffff:169.254.0.1", false},
		{"fd00:ec2::254", false},   // AWS metadata over IPv6, inside fc00::/7
		{"100.100.100.200", false}, // Alibaba Cloud metadata, inside 100.64/10
		{"::ffff:100.100.100.200", false},
		{"::a9fe:a9fe", false},        // IPv4-compatible 169.254.169.254
		{"64:ff9b::a9fe:a9fe", false}, // NAT64 of 169.254.169.254
		{"2002:a9fe:a9fe::1", false},  // 6to4 of 169.254.169.254
		{"0.0.0.0", false},
		{"::", false},
		{"224.0.0.1", false},
		{"ff02::1", false},
		{"255.255.255.255", false},
		{"192.0.0.192", false},
		{"240.0.0.1", false},
		{"fec0::1", false},
		{"8.8.8.8", false}, // public, not private
	} {
		a, err := netip.ParseAddr(c.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := smtp.PrivateAddr(a); got != c.private {
			t.Errorf("PrivateAddr(%s) = %v, want %v", c.addr, got, c.private)
		}
	}
	if smtp.PrivateAddr(netip.Addr{}) {
		t.Error("the zero Addr is private")
	}
}

// FuzzPrivateAddr checks, for any address, that nothing link-local,
// multicast or unspecified passes PrivateAddr, in any form, and that an
// IPv4 address and its mapped form are judged alike.
func FuzzPrivateAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "::ffff:10.0.0.1", "169.254.169.254", "::ffff:169.254.169.254", "fe80::1", "fd00:ec2::254", "100.100.100.200"} {
		a := netip.MustParseAddr(s)
		b := a.As16()
		f.Add(b[:])
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) != 4 && len(raw) != 16 {
			return
		}
		a, _ := netip.AddrFromSlice(raw)
		private := smtp.PrivateAddr(a)
		if a.Is4() && private != smtp.PrivateAddr(netip.AddrFrom16(a.As16())) {
			t.Errorf("%s and its mapped form are judged differently", a)
		}
		u := a.Unmap()
		if private && (u.IsLinkLocalUnicast() || u.IsMulticast() || u.IsUnspecified()) {
			t.Errorf("PrivateAddr(%s) = true for a link-local, multicast or unspecified address", a)
		}
		if private && smtp.PublicAddr(a) {
			t.Errorf("%s is both public and private", a)
		}
	})
}

// TestPrivateAllowedRefusesLinkLocal: a Sender made WithPrivateAllowed
// delivers to a real SMTP server on 127.0.0.1, but refuses link-local and
// cloud metadata addresses, in every form, before connecting (the debug
// log says so; a connection attempt would say "timeout" or "network"),
// with the same ErrConnect as any other failure.
func TestPrivateAllowedRefusesLinkLocal(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	allowed, err := smtp.New(srv.URL(), smtp.WithTimeout(wait), smtp.WithPrivateAllowed(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer allowed.Close()
	if err := allowed.Send(context.Background(), email("private")); err != nil {
		t.Fatalf("Send WithPrivateAllowed to 127.0.0.1: %v", err)
	}
	if _, err := srv.WaitFor(1, wait); err != nil {
		t.Fatal(err)
	}

	// By name: localhost resolves to loopback, allowed.
	_, port, _ := net.SplitHostPort(srv.Addr())
	byName, err := smtp.New("smtp://localhost:"+port, smtp.WithTimeout(wait), smtp.WithPrivateAllowed(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer byName.Close()
	if err := byName.Send(context.Background(), email("by-name")); err != nil {
		t.Fatalf("Send WithPrivateAllowed to localhost: %v", err)
	}

	// The IPv6 forms are in TestGuardControl: an IPv6 literal in the URL
	// does not reach the dialler (only a name that resolves to one does).
	for _, host := range []string{"169.254.169.254", "169.254.0.1", "169.254.255.254", "100.100.100.200"} {
		var log bytes.Buffer
		s, err := smtp.New("smtp://"+host+":25", smtp.WithTimeout(wait),
			smtp.WithPrivateAllowed(slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))))
		if err != nil {
			t.Fatal(err)
		}
		err = s.Send(context.Background(), email("metadata"))
		s.Close()
		if !errors.Is(err, smtp.ErrConnect) || !aftersale.IsTemporary(err) {
			t.Errorf("Send to %s WithPrivateAllowed: %v, want a temporary ErrConnect", host, err)
			continue
		}
		if !strings.Contains(log.String(), "link-local or metadata address refused") {
			t.Errorf("Send to %s WithPrivateAllowed was not refused by the guard: log %q", host, log.String())
		}
	}

	// WithPrivateAllowed does not loosen WithPublicOnly, in either order.
	for _, opts := range [][]smtp.Option{
		{smtp.WithPublicOnly(nil), smtp.WithPrivateAllowed(nil)},
		{smtp.WithPrivateAllowed(nil), smtp.WithPublicOnly(nil)},
		{smtp.WithPublicOnly(nil), smtp.WithOpaqueErrors(nil)},
	} {
		s, err := smtp.New(srv.URL(), append([]smtp.Option{smtp.WithTimeout(wait)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Send(context.Background(), email("strict")); !errors.Is(err, smtp.ErrConnect) {
			t.Errorf("Send to 127.0.0.1 with WithPublicOnly and a looser option: %v, want ErrConnect", err)
		}
		s.Close()
	}
	if n := srv.Sessions(); n != 2 {
		t.Errorf("the server had %d sessions, want 2 (the two allowed sends)", n)
	}
}
