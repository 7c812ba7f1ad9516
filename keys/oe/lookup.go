package oe

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Resolver looks records up the way an OE peer does: it asks the
// configured name servers in turn, with EDNS0 so that RSA keys fit in a
// UDP answer, and over TCP when the answer still comes back truncated.
type Resolver struct {
	Servers []string      // HOST:PORT each
	Timeout time.Duration // per query; 5 s when zero
}

// NewResolver uses nameserver (HOST[:PORT]) when given, else the servers
// of resolvConf (normally /etc/resolv.conf).
func NewResolver(nameserver, resolvConf string) (*Resolver, error) {
	if nameserver != "" {
		s, err := ServerAddr(nameserver)
		if err != nil {
			return nil, err
		}
		return &Resolver{Servers: []string{s}}, nil
	}
	cc, err := dns.ClientConfigFromFile(resolvConf)
	if err != nil {
		return nil, fmt.Errorf("reading name servers: %w", err)
	}
	if len(cc.Servers) == 0 {
		return nil, fmt.Errorf("%s lists no name server; give --nameserver", resolvConf)
	}
	r := &Resolver{Timeout: time.Duration(cc.Timeout) * time.Second}
	for _, s := range cc.Servers {
		r.Servers = append(r.Servers, net.JoinHostPort(s, cc.Port))
	}
	return r, nil
}

// NotFoundError says a name has no records of the asked type (NXDOMAIN or
// an empty answer), as opposed to a failed lookup.
type NotFoundError struct {
	Name, Type string
	Rcode      string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no %s record at %s (%s)", e.Type, e.Name, e.Rcode)
}

// Lookup returns the records of type qtype at name. It returns a
// *NotFoundError when the name or the type does not exist.
func (r *Resolver) Lookup(ctx context.Context, name string, qtype uint16) ([]dns.RR, error) {
	t := r.Timeout
	if t == 0 {
		t = 5 * time.Second
	}
	name = dns.Fqdn(name)
	var lastErr error
	for _, server := range r.Servers {
		m := new(dns.Msg)
		m.SetQuestion(name, qtype)
		m.SetEdns0(4096, false)
		resp, _, err := (&dns.Client{Net: "udp", Timeout: t}).ExchangeContext(ctx, m, server)
		if err == nil && resp.Truncated {
			resp, _, err = (&dns.Client{Net: "tcp", Timeout: t}).ExchangeContext(ctx, m, server)
		}
		if err != nil {
			lastErr = exchangeError(server, "looking up "+name+" "+dns.TypeToString[qtype], err)
			continue
		}
		switch resp.Rcode {
		case dns.RcodeSuccess, dns.RcodeNameError:
		default:
			lastErr = fmt.Errorf("looking up %s %s: %s answered %s", name, dns.TypeToString[qtype], server, dns.RcodeToString[resp.Rcode])
			continue
		}
		// Follow a CNAME chain within the answer (at most a few links).
		owner := name
		for i := 0; i < 8; i++ {
			next := ""
			for _, rr := range resp.Answer {
				if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, owner) && qtype != dns.TypeCNAME {
					next = c.Target
				}
			}
			if next == "" {
				break
			}
			owner = next
		}
		var out []dns.RR
		for _, rr := range resp.Answer {
			if rr.Header().Rrtype == qtype && strings.EqualFold(rr.Header().Name, owner) {
				out = append(out, rr)
			}
		}
		if len(out) == 0 {
			return nil, &NotFoundError{Name: name, Type: dns.TypeToString[qtype], Rcode: dns.RcodeToString[resp.Rcode]}
		}
		return out, nil
	}
	return nil, lastErr
}

// Addrs returns the IPv4 and IPv6 addresses of host, for checking the
// reverse map of a named host. Lookup failures give no addresses.
func (r *Resolver) Addrs(ctx context.Context, host string) []netip.Addr {
	var out []netip.Addr
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		rrs, err := r.Lookup(ctx, host, t)
		if err != nil {
			continue
		}
		for _, rr := range rrs {
			var ip net.IP
			switch x := rr.(type) {
			case *dns.A:
				ip = x.A
			case *dns.AAAA:
				ip = x.AAAA
			}
			if a, ok := netip.AddrFromSlice(ip); ok {
				out = append(out, a.Unmap())
			}
		}
	}
	return out
}
