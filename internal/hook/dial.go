package hook

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrPrivateAddress is returned (wrapped) when DisallowPrivateIPRanges
// refuses a connection.
var ErrPrivateAddress = errors.New("address is not public (clients.http.disallow_private_ip_ranges)")

// newClient copies the base client and, when private ranges are disallowed,
// gives it a transport whose dialer refuses non-public addresses. The check
// runs on the resolved address of every connection, so a hostname that
// resolves to 127.0.0.1 and a redirect to 10.0.0.1 are refused alike.
func newClient(d Deps) (*http.Client, error) {
	c := &http.Client{}
	if d.HTTPClient != nil {
		*c = *d.HTTPClient
	}
	if !d.DisallowPrivateIPRanges {
		return c, nil
	}
	var t *http.Transport
	switch rt := c.Transport.(type) {
	case nil:
		dt, ok := http.DefaultTransport.(*http.Transport)
		if !ok {
			return nil, errors.New("hook: http.DefaultTransport is not an *http.Transport; cannot refuse private addresses")
		}
		t = dt.Clone()
	case *http.Transport:
		t = rt.Clone()
	default:
		return nil, fmt.Errorf("hook: cannot refuse private addresses with a %T transport", rt)
	}
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: refusePrivate}
	t.DialContext = dialer.DialContext
	// Through a proxy the dialer would only see the proxy's address; connect
	// directly so the check sees the real target.
	t.Proxy = nil
	c.Transport = t
	return c, nil
}

// refusePrivate is a net.Dialer Control: address is the resolved "ip:port".
func refusePrivate(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("hook: dial %q: %w", address, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("hook: dial %q: %w", address, err)
	}
	if !isPublic(ip) {
		return fmt.Errorf("hook: refusing to connect to %s: %w", ip, ErrPrivateAddress)
	}
	return nil
}

// nonPublic are the special-purpose ranges netip's predicates do not cover
// (RFC 6890 and successors).
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: may embed a private IPv4
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4: may embed a private IPv4
}

// isPublic reports whether ip is a globally routable unicast address.
func isPublic(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	if !ip.IsGlobalUnicast() || ip.IsPrivate() {
		// Covers loopback, link-local, multicast, unspecified, broadcast,
		// 10/8, 172.16/12, 192.168/16 and fc00::/7.
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}
