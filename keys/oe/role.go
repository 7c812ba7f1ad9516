package oe

import (
	"crypto/rsa"
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"

	"goswan/keys"
)

// Spec says which OE records to publish for one key. The zero value
// publishes nothing; the role constructors fill in what each OE setup of
// the FreeS/WAN quickstart needs.
type Spec struct {
	ID         string         // "@FQDN" or an address: the owner of KEY, and of TXT/IPSECKEY without Subnet
	Pub        *rsa.PublicKey // the host's or gateway's public key
	TTL        uint32         // TTL of every record
	KEY        bool           // a KEY record (flags 0x4200, protocol 4, algorithm 1) at the owner
	TXT        string         // gateway of an X-IPsec-Server TXT record ("" none): address or @FQDN
	IPSECKEY   bool           // an RFC 4025 IPSECKEY record
	Gateway    string         // IPSECKEY gateway: "" none, address or domain name
	Precedence int            // TXT and IPSECKEY precedence (FreeS/WAN used 10)
	Subnet     netip.Prefix   // gateway role: TXT and IPSECKEY go to each client's reverse name
	PTRDomain  string         // with Subnet: a PTR for each client to a-b-c-d.PTRDomain (optional)
	TXTNoKey   bool           // TXT names the gateway only; peers take the key from the gateway's KEY
}

// MaxClients bounds the addresses of a Subnet: every client gets its own
// records, and all of a zone's records travel in one DNS message.
const MaxClients = 1024

// InitiatorOnly is the initiator-only setup: the host identifies itself as
// @fqdn (leftid=@fqdn) and publishes its KEY in the forward map; nothing in
// any reverse map.
func InitiatorOnly(fqdn string, pub *rsa.PublicKey, ttl uint32) Spec {
	return Spec{ID: "@" + strings.TrimPrefix(fqdn, "@"), Pub: pub, TTL: ttl, KEY: true}
}

// Full is full opportunism for a host that is its own gateway: its KEY and
// an X-IPsec-Server TXT naming itself, both in its reverse map.
func Full(addr netip.Addr, pub *rsa.PublicKey, ttl uint32) Spec {
	return Spec{ID: addr.String(), Pub: pub, TTL: ttl, KEY: true, TXT: addr.String(), Precedence: keys.DefaultPrecedence}
}

// GatewayForSubnet is a gateway protecting a subnet: the gateway's KEY in
// its own reverse map and, in each client's reverse map, a TXT naming the
// gateway with its key, plus the client's PTR when ptrDomain is given.
func GatewayForSubnet(gw netip.Addr, subnet netip.Prefix, pub *rsa.PublicKey, ttl uint32, ptrDomain string) Spec {
	return Spec{ID: gw.String(), Pub: pub, TTL: ttl, KEY: true, TXT: gw.String(),
		Precedence: keys.DefaultPrecedence, Subnet: subnet, PTRDomain: ptrDomain}
}

// Records builds the records s asks for, owner records first, then each
// client's PTR, TXT and IPSECKEY in address order.
func (s Spec) Records() ([]dns.RR, error) {
	if s.Pub == nil {
		return nil, fmt.Errorf("no public key")
	}
	if !s.KEY && s.TXT == "" && !s.IPSECKEY {
		return nil, fmt.Errorf("no record type chosen: give --key, --txt GATEWAY or --ipseckey")
	}
	if s.Precedence < 0 || s.Precedence > 255 && s.IPSECKEY || s.Precedence > 0xffff {
		return nil, fmt.Errorf("precedence %d out of range (TXT 0..65535, IPSECKEY 0..255)", s.Precedence)
	}
	if s.TXTNoKey && s.TXT == "" {
		return nil, fmt.Errorf("--txt-nokey needs --txt GATEWAY")
	}
	owner, err := Owner(s.ID)
	if err != nil {
		return nil, err
	}
	var out []dns.RR
	if s.KEY {
		rr, err := keys.KEYRecord(owner, s.Pub, s.TTL)
		if err != nil {
			return nil, err
		}
		out = append(out, rr)
	}
	delegated, err := s.delegated(owner)
	if err != nil {
		return nil, err
	}
	for _, d := range delegated {
		if d.ptr != "" {
			out = append(out, &dns.PTR{Hdr: dns.RR_Header{Name: d.owner, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: s.TTL}, Ptr: d.ptr})
		}
		if s.TXT != "" {
			rr, err := keys.TXTRecord(d.owner, s.TXT, s.Precedence, s.Pub)
			if err != nil {
				return nil, err
			}
			rr.Hdr.Ttl = s.TTL
			if s.TXTNoKey {
				// The OE design's short form: a /24 of keyed TXT records
				// (about 115 kB with a 2048-bit key) cannot travel in one
				// DNS message; the gateway's KEY record supplies the key.
				rr.Txt = []string{ServerTXT{Precedence: s.Precedence, Gateway: s.TXT}.String()}
			}
			out = append(out, rr)
		}
		if s.IPSECKEY {
			rr, err := keys.IPSECKEYRecord(d.owner, uint8(s.Precedence), s.Gateway, s.Pub)
			if err != nil {
				return nil, err
			}
			rr.Hdr.Ttl = s.TTL
			out = append(out, rr)
		}
	}
	return out, nil
}

// client is a name that gets the TXT/IPSECKEY records: the owner itself,
// or one client of the gateway's subnet with its optional PTR target.
type client struct{ owner, ptr string }

func (s Spec) delegated(owner string) ([]client, error) {
	if !s.Subnet.IsValid() {
		if s.PTRDomain != "" {
			return nil, fmt.Errorf("a PTR domain needs a client subnet (--subnet)")
		}
		return []client{{owner: owner}}, nil
	}
	if s.TXT == "" && !s.IPSECKEY {
		return nil, fmt.Errorf("a client subnet needs --txt GATEWAY or --ipseckey to publish for each client")
	}
	if s.PTRDomain != "" {
		if _, ok := dns.IsDomainName(s.PTRDomain); !ok {
			return nil, fmt.Errorf("PTR domain %q is not a domain name", s.PTRDomain)
		}
	}
	addrs, err := Clients(s.Subnet)
	if err != nil {
		return nil, err
	}
	out := make([]client, 0, len(addrs))
	for _, a := range addrs {
		c := client{owner: Reverse(a)}
		if s.PTRDomain != "" {
			c.ptr = strings.ToLower(dns.Fqdn(strings.NewReplacer(".", "-", ":", "-").Replace(a.String()) + "." + strings.TrimSuffix(s.PTRDomain, ".")))
		}
		out = append(out, c)
	}
	return out, nil
}

// Clients lists the host addresses of a client subnet: every address but,
// for IPv4 prefixes of /30 and wider, the network and broadcast addresses,
// and for IPv6 up to /126 the subnet-router anycast address. It refuses
// subnets of more than MaxClients hosts.
func Clients(p netip.Prefix) ([]netip.Addr, error) {
	p = p.Masked()
	hostBits := p.Addr().BitLen() - p.Bits()
	if hostBits > 30 || 1<<hostBits > MaxClients+2 {
		return nil, fmt.Errorf("subnet %s has more than %d client addresses", p, MaxClients)
	}
	var out []netip.Addr
	for a := p.Addr(); p.Contains(a); a = a.Next() {
		out = append(out, a)
		if !a.Next().IsValid() {
			break
		}
	}
	if hostBits >= 2 {
		out = out[1:] // network (IPv4) or subnet-router anycast (IPv6)
		if p.Addr().Is4() {
			out = out[:len(out)-1] // broadcast
		}
	}
	if len(out) > MaxClients {
		return nil, fmt.Errorf("subnet %s has more than %d client addresses", p, MaxClients)
	}
	return out, nil
}
