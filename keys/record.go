package keys

import (
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// KEY record fields FreeS/WAN opportunistic encryption published: flags
// 0x4200 (authentication only, entity/host key), protocol 4 (IPsec),
// algorithm 1 (RSA; the key uses the RFC 3110 encoding).
const (
	KEYFlags     = 0x4200
	KEYProtocol  = 4
	KEYAlgorithm = 1
)

// IPSECKEYAlgorithmRSA is the RFC 4025 algorithm number of an RFC 3110 key.
const IPSECKEYAlgorithmRSA = 2

// DefaultPrecedence is the precedence FreeS/WAN's TXT records and
// Libreswan's IPSECKEY records use unless told otherwise.
const DefaultPrecedence = 10

// maxCharString is the longest DNS character-string.
const maxCharString = 255

// Base64 returns the RFC 3110 blob of pub in base64 without the 0s prefix,
// the form DNS records carry.
func Base64(pub *rsa.PublicKey) (string, error) {
	blob, err := RFC3110(pub)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(blob), nil
}

// KEYRecord builds the FreeS/WAN opportunistic-encryption KEY record for
// pub at owner (made fully qualified).
func KEYRecord(owner string, pub *rsa.PublicKey, ttl uint32) (*dns.KEY, error) {
	b64, err := Base64(pub)
	if err != nil {
		return nil, err
	}
	rr := &dns.KEY{DNSKEY: dns.DNSKEY{
		Hdr:       header(owner, dns.TypeKEY, ttl),
		Flags:     KEYFlags,
		Protocol:  KEYProtocol,
		Algorithm: KEYAlgorithm,
		PublicKey: b64,
	}}
	return rr, nil
}

// TXTRecord builds the X-IPsec-Server TXT record that delegates owner's
// traffic to gateway (an IPv4 or IPv6 address, or @FQDN for a gateway
// without a fixed address) with the given precedence and key. When the
// whole text fits in one character-string it is one string, else the
// first string holds the attribute and the key follows, with a leading
// space, in strings of at most 255 bytes, as FreeS/WAN's showhostkey split
// it. An empty owner leaves the owner name to the caller (FreeS/WAN printed
// none).
func TXTRecord(owner, gateway string, precedence int, pub *rsa.PublicKey) (*dns.TXT, error) {
	if err := checkTXTGateway(gateway); err != nil {
		return nil, err
	}
	if precedence < 0 || precedence > 0xffff {
		return nil, fmt.Errorf("precedence %d out of range 0..65535", precedence)
	}
	b64, err := Base64(pub)
	if err != nil {
		return nil, err
	}
	attr := fmt.Sprintf("X-IPsec-Server(%d)=%s", precedence, gateway)
	var txt []string
	if whole := attr + " " + b64; len(whole) <= maxCharString {
		txt = []string{whole}
	} else {
		txt = append(txt, attr)
		rest := " " + b64
		for len(rest) > maxCharString {
			txt = append(txt, rest[:maxCharString])
			rest = rest[maxCharString:]
		}
		txt = append(txt, rest)
	}
	rr := &dns.TXT{Hdr: header(owner, dns.TypeTXT, 0), Txt: txt}
	return rr, nil
}

// checkTXTGateway accepts what the OE design allows as a gateway: a
// dotted-quad IPv4 address, an IPv6 address or @FQDN.
func checkTXTGateway(gw string) error {
	if strings.HasPrefix(gw, "@") {
		if _, ok := dns.IsDomainName(gw[1:]); ok && len(gw) > 1 {
			return nil
		}
	} else if a, err := netip.ParseAddr(gw); err == nil && a.Zone() == "" {
		return nil
	}
	return fmt.Errorf("gateway must be @FQDN or an IP address, not %q", gw)
}

// IPSECKEYRecord builds the RFC 4025 IPSECKEY record for pub at owner. The
// gateway is empty or "." for none (type 0), an IPv4 (type 1) or IPv6
// (type 2) address, or else a domain name (type 3).
func IPSECKEYRecord(owner string, precedence uint8, gateway string, pub *rsa.PublicKey) (*dns.IPSECKEY, error) {
	b64, err := Base64(pub)
	if err != nil {
		return nil, err
	}
	rr := &dns.IPSECKEY{
		Hdr:        header(owner, dns.TypeIPSECKEY, 0),
		Precedence: precedence,
		Algorithm:  IPSECKEYAlgorithmRSA,
		PublicKey:  b64,
	}
	switch a, perr := netip.ParseAddr(gateway); {
	case gateway == "" || gateway == ".":
		rr.GatewayType = dns.IPSECGatewayNone
	case perr == nil && a.Zone() == "" && a.Is4():
		rr.GatewayType = dns.IPSECGatewayIPv4
		rr.GatewayAddr = a.AsSlice()
	case perr == nil && a.Zone() == "":
		rr.GatewayType = dns.IPSECGatewayIPv6
		rr.GatewayAddr = a.AsSlice()
	default:
		if _, ok := dns.IsDomainName(gateway); !ok {
			return nil, fmt.Errorf("gateway %q is neither an IP address nor a domain name", gateway)
		}
		rr.GatewayType = dns.IPSECGatewayHost
		rr.GatewayHost = dns.Fqdn(gateway)
	}
	return rr, nil
}

func header(owner string, rrtype uint16, ttl uint32) dns.RR_Header {
	name := owner
	if name != "" {
		name = dns.Fqdn(name)
	}
	return dns.RR_Header{Name: name, Rrtype: rrtype, Class: dns.ClassINET, Ttl: ttl}
}
