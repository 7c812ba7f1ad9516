package oe

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// Owner returns the DNS name that holds the records of an ipsec.conf-style
// id: "@FQDN" gives that name (fully qualified), an IPv4 or IPv6 address
// gives its reverse-map name (in-addr.arpa or ip6.arpa). A bare name
// without "@" is refused: FreeS/WAN would have resolved it, and publishing
// under a name the user did not mark as an id is more likely a typo.
func Owner(id string) (string, error) {
	switch {
	case id == "":
		return "", fmt.Errorf("no id: give --id @FQDN or --id ADDRESS")
	case strings.HasPrefix(id, "@"):
		name := strings.TrimPrefix(id, "@")
		// "@[...]" and "@@user" are FreeS/WAN's opaque and user ids, not names.
		if name == "" || strings.HasPrefix(name, "[") || strings.HasPrefix(name, "@") || strings.Contains(name, "@") {
			return "", fmt.Errorf("id %q is not @FQDN", id)
		}
		if _, ok := dns.IsDomainName(name); !ok {
			return "", fmt.Errorf("id %q is not a valid domain name", id)
		}
		return strings.ToLower(dns.Fqdn(name)), nil
	}
	a, err := netip.ParseAddr(id)
	if err != nil || a.Zone() != "" {
		return "", fmt.Errorf("id %q is neither @FQDN nor an IP address", id)
	}
	return Reverse(a), nil
}

// Reverse is the reverse-map name of a: d.c.b.a.in-addr.arpa. for IPv4,
// the nibble form under ip6.arpa. for IPv6.
func Reverse(a netip.Addr) string {
	name, err := dns.ReverseAddr(a.Unmap().String())
	if err != nil {
		// ReverseAddr only fails on unparsable text; a netip.Addr is never that.
		panic(fmt.Sprintf("oe: reverse of %v: %v", a, err))
	}
	return name
}

// IsSubdomain reports whether name is zone or below it (names compared
// case-insensitively, fully qualified or not).
func IsSubdomain(zone, name string) bool {
	return dns.IsSubDomain(strings.ToLower(dns.Fqdn(zone)), strings.ToLower(dns.Fqdn(name)))
}
