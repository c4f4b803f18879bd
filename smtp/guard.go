package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"syscall"

	"github.com/aftersale/aftersale"
)

// ErrConnect is the one error a Sender made WithPublicOnly gives for a
// connection that failed, whatever failed: an internal address, a closed
// or filtered port, a server that does not speak SMTP, TLS or AUTH.
var ErrConnect = errors.New("could not connect to the SMTP server")

// errInternalAddr is what the dial guard answers for an address it refuses.
var errInternalAddr = errors.New("smtp: the address is internal")

// errLinkLocalAddr is what the dial guard of WithPrivateAllowed answers for
// a link-local or cloud metadata address, which it refuses still.
var errLinkLocalAddr = fmt.Errorf("%w: link-local or metadata", errInternalAddr)

// guard is the setting of WithPublicOnly, WithPrivateAllowed and
// WithOpaqueErrors.
type guard struct {
	log *slog.Logger
	// public: check each address dialled (Sender.dial sets control as the
	// dialler's Control), letting through public addresses only, or also
	// PrivateAddr ones when private is set.
	public  bool
	private bool // WithPrivateAllowed: PrivateAddr is allowed too
}

// WithPublicOnly is for servers that someone other than the operator
// configures (a team member's own SMTP URL): the Sender connects only to
// public unicast addresses, checked on the address actually dialled after
// the name is resolved (so a name that resolves to an internal address,
// at once or later, is refused too), and every failure to connect is
// reported as ErrConnect, so that the error does not tell an open port
// from a closed or filtered one. The detail goes to log at debug level.
// Refused: loopback, private (RFC 1918, fc00::/7), link-local (169.254/16
// with the cloud metadata address, fe80::/10), unspecified, multicast,
// broadcast, shared (CGNAT 100.64/10), reserved and documentation ranges,
// and IPv6 forms that carry such an IPv4 address (::ffff:0:0/96, ::/96,
// 64:ff9b::/96, 2002::/16). The default is to connect anywhere (the
// install's own server, set by the operator, is often on localhost).
// WithPublicOnly wins over WithPrivateAllowed and WithOpaqueErrors,
// whatever their order.
func WithPublicOnly(log *slog.Logger) Option {
	if log == nil {
		log = slog.Default()
	}
	return func(c *config) { c.guard = &guard{log: log, public: true} }
}

// WithPrivateAllowed is WithPublicOnly for a server someone other than
// the operator configured on a network the owners trust (a team member's
// own SMTP URL once an owner allowed private addresses): besides public
// addresses the Sender connects to the PrivateAddr ones (loopback, RFC
// 1918, fc00::/7, CGNAT 100.64/10), but still never to a link-local
// address (169.254/16, fe80::/10) nor a cloud metadata one (169.254.169.254,
// fd00:ec2::254, 100.100.100.200), nor to the other ranges WithPublicOnly
// refuses, and it reports every failure to connect as ErrConnect. The
// check is made, as WithPublicOnly's, on each address dialled, after the
// name is resolved. It does not loosen a WithPublicOnly given too.
func WithPrivateAllowed(log *slog.Logger) Option {
	if log == nil {
		log = slog.Default()
	}
	return func(c *config) {
		if c.guard == nil || !c.guard.public {
			c.guard = &guard{log: log, public: true, private: true}
		}
	}
}

// WithOpaqueErrors reports every failure to connect as ErrConnect, as
// WithPublicOnly does, but connects to any address, link-local and cloud
// metadata ones included: a member's server wants WithPrivateAllowed
// instead. It does not loosen a WithPublicOnly or WithPrivateAllowed given
// too.
func WithOpaqueErrors(log *slog.Logger) Option {
	if log == nil {
		log = slog.Default()
	}
	return func(c *config) {
		if c.guard == nil {
			c.guard = &guard{log: log}
		}
	}
}

// control is the net.Dialer.Control of a guarded Sender: it runs for each
// address the dialler tries, after resolution and before connecting.
func (g *guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %q does not parse", errInternalAddr, address)
	}
	a := ap.Addr()
	switch {
	case PublicAddr(a):
		return nil
	case g.private && PrivateAddr(a):
		return nil
	case g.private:
		return errLinkLocalAddr
	}
	return errInternalAddr
}

// connectFailed is the error of a failed connection. Without the guard it
// names the server and says what failed; with it, it is ErrConnect.
func (s *Sender) connectFailed(ctx context.Context, err error) error {
	g := s.cfg.guard
	if g == nil {
		return s.fail(ctx, fmt.Errorf("smtp: connect to %s: %w", s.addr, err))
	}
	g.log.DebugContext(ctx, "smtp: a member's server: could not connect", "reason", connectReason(err))
	return &aftersale.DeliveryError{Temporary: true, Err: ErrConnect}
}

// connectReason says what failed, in words that hold no address or name.
func connectReason(err error) string {
	var (
		re  *tls.RecordHeaderError
		ce  *tls.CertificateVerificationError
		se  syscall.Errno
		dns *net.DNSError
	)
	switch {
	case errors.Is(err, errLinkLocalAddr):
		return "link-local or metadata address refused"
	case errors.Is(err, errInternalAddr):
		return "internal address refused"
	case errors.As(err, &dns):
		return "name not resolved"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.As(err, &re), errors.As(err, &ce):
		return "tls"
	case errors.As(err, &se):
		return "network: " + se.Error()
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "smtp exchange"
}

// internalPrefixes are the ranges that are not public beyond what
// netip.Addr's methods say (loopback, private, link-local, multicast,
// unspecified and broadcast are theirs).
var internalPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (CGNAT)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast (deprecated)
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2001::/23"),       // IETF protocol assignments (Teredo, ORCHID…)
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("3fff::/20"),       // documentation
	netip.MustParsePrefix("5f00::/16"),       // SRv6 SIDs
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("::ffff:0:0:0/96"), // IPv4-translated (SIIT)
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
}

// IPv6 ranges whose addresses carry an IPv4 address.
var (
	v4Compatible = netip.MustParsePrefix("::/96")        // deprecated; also :: and ::1
	v4NAT64      = netip.MustParsePrefix("64:ff9b::/96") // well-known NAT64 prefix
	v4SixToFour  = netip.MustParsePrefix("2002::/16")    // 6to4
)

// PublicAddr says whether a is a public unicast address that a member's
// SMTP server may have: not loopback, private, link-local, unspecified,
// multicast, shared (CGNAT), reserved or for documentation, and, for the
// IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4),
// not carrying such an address.
func PublicAddr(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.WithZone("")
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is6() {
		b := a.As16()
		var v4 [4]byte
		switch {
		case v4Compatible.Contains(a):
			copy(v4[:], b[12:])
			if a == netip.IPv6Unspecified() || a == netip.IPv6Loopback() {
				return false
			}
			return PublicAddr(netip.AddrFrom4(v4))
		case v4NAT64.Contains(a):
			copy(v4[:], b[12:])
			return PublicAddr(netip.AddrFrom4(v4))
		case v4SixToFour.Contains(a):
			copy(v4[:], b[2:6])
			return PublicAddr(netip.AddrFrom4(v4))
		}
	}
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() || !a.IsGlobalUnicast() {
		return false
	}
	for _, p := range internalPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// Ranges that PrivateAddr lets through besides netip's loopback and
// private ones, and the cloud metadata addresses it refuses among them.
var (
	sharedCGNAT   = netip.MustParsePrefix("100.64.0.0/10")
	metadataAddrs = []netip.Addr{
		netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, Oracle… (link-local anyway)
		netip.MustParseAddr("fd00:ec2::254"),   // AWS over IPv6 (in fc00::/7)
		netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud (in 100.64/10)
	}
)

// PrivateAddr says whether a is an internal address that WithPrivateAllowed
// lets a member's SMTP server have: loopback (127/8, ::1), private (RFC
// 1918, fc00::/7) or shared (CGNAT 100.64/10), written as itself or as an
// IPv4-mapped IPv6 address, and not a cloud metadata address. Link-local
// (169.254/16, fe80::/10), unspecified, multicast, reserved and the other
// IPv6 forms of IPv4 addresses (compatible, NAT64, 6to4) are not; nor is a
// public address (see PublicAddr).
func PrivateAddr(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.WithZone("").Unmap()
	for _, m := range metadataAddrs {
		if a == m {
			return false
		}
	}
	return a.IsLoopback() || a.IsPrivate() || (a.Is4() && sharedCGNAT.Contains(a))
}
