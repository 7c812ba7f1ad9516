package oe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// Client sends updates to one server.
type Client struct {
	Server  string        // HOST[:PORT]; port 53 when absent
	Key     TSIGKey       // zero: unsigned, which the caller must have allowed
	Timeout time.Duration // per exchange; 5 s when zero

	beforeZone func(i int) // test hook: called before SendAtomic updates zone i
}

// ServerAddr adds the default port 53 to HOST and brackets IPv6 literals.
func ServerAddr(server string) (string, error) {
	if server == "" {
		return "", errors.New("no server given (--server HOST[:PORT])")
	}
	if _, _, err := net.SplitHostPort(server); err == nil {
		return server, nil
	}
	host := strings.TrimSuffix(strings.TrimPrefix(server, "["), "]")
	if host == "" || strings.ContainsAny(host, " /") {
		return "", fmt.Errorf("server %q is not HOST[:PORT]", server)
	}
	return net.JoinHostPort(host, "53"), nil
}

func (c *Client) dnsClient() *dns.Client {
	t := c.Timeout
	if t == 0 {
		t = 5 * time.Second
	}
	dc := &dns.Client{Net: "tcp", Timeout: t}
	if !c.Key.IsZero() {
		dc.TsigSecret = map[string]string{c.Key.Name: c.Key.secret}
	}
	return dc
}

// FindZone asks the server for the zone that holds name, as nsupdate does
// without a zone statement: the owner of the SOA in the answer or
// authority section of an SOA query.
func (c *Client) FindZone(ctx context.Context, name string) (string, error) {
	server, err := ServerAddr(c.Server)
	if err != nil {
		return "", err
	}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeSOA)
	m.RecursionDesired = false
	r, _, err := c.dnsClient().ExchangeContext(ctx, m, server)
	if err != nil {
		return "", exchangeError(server, "finding the zone of "+name, err)
	}
	for _, rr := range append(append([]dns.RR{}, r.Answer...), r.Ns...) {
		if soa, ok := rr.(*dns.SOA); ok {
			return strings.ToLower(soa.Hdr.Name), nil
		}
	}
	return "", fmt.Errorf("%s has no zone holding %s (%s); give --zone", server, name, dns.RcodeToString[r.Rcode])
}

// Send checks that the server is authoritative for every zone, then sends
// one signed UPDATE per zone. The first failure stops it; its error names
// the zones already updated.
func (c *Client) Send(ctx context.Context, updates []Update) error {
	server, err := ServerAddr(c.Server)
	if err != nil {
		return err
	}
	dc := c.dnsClient()
	// Catch a wrong --zone or --server before changing anything.
	for _, u := range updates {
		m := new(dns.Msg)
		m.SetQuestion(u.Zone, dns.TypeSOA)
		m.RecursionDesired = false
		r, _, err := dc.ExchangeContext(ctx, m, server)
		if err != nil {
			return exchangeError(server, "checking zone "+strings.TrimSuffix(u.Zone, "."), err)
		}
		if r.Rcode != dns.RcodeSuccess || !r.Authoritative || !hasSOA(r.Answer, u.Zone) {
			return fmt.Errorf("%s is not authoritative for zone %s (%s); check --server and --zone",
				server, strings.TrimSuffix(u.Zone, "."), dns.RcodeToString[r.Rcode])
		}
	}
	if len(updates) > 1 {
		// Each message is atomic, a set of them is not. Probe every zone
		// first with a signed update that changes nothing, so a refused key
		// or zone fails before any zone is changed.
		for _, u := range updates {
			if err := c.probe(ctx, dc, server, u.Zone); err != nil {
				return err
			}
		}
	}
	var done []string
	for _, u := range updates {
		m := u.Msg()
		if !c.Key.IsZero() {
			m.SetTsig(c.Key.Name, c.Key.Algorithm, 300, time.Now().Unix())
		}
		r, _, err := dc.ExchangeContext(ctx, m, server)
		if uerr := c.updateError(server, u.Zone, r, err); uerr != nil {
			if len(done) > 0 {
				return fmt.Errorf("%w (zones already updated: %s)", uerr, strings.Join(done, ", "))
			}
			return uerr
		}
		done = append(done, strings.TrimSuffix(u.Zone, "."))
	}
	return nil
}

// probe sends an UPDATE of zone whose only content is a prerequisite
// that cannot hold (the zone has no SOA), signed like the real update. The
// server verifies the signature and its update permission first (BADSIG,
// BADKEY, REFUSED ...), then answers YXRRSET and changes nothing.
func (c *Client) probe(ctx context.Context, dc *dns.Client, server, zone string) error {
	m := new(dns.Msg)
	m.SetUpdate(zone)
	m.RRsetNotUsed([]dns.RR{&dns.ANY{Hdr: dns.RR_Header{Name: zone, Rrtype: dns.TypeSOA}}})
	if !c.Key.IsZero() {
		m.SetTsig(c.Key.Name, c.Key.Algorithm, 300, time.Now().Unix())
	}
	r, _, err := dc.ExchangeContext(ctx, m, server)
	if r != nil && r.Rcode == dns.RcodeYXRrset {
		return nil
	}
	if err := c.updateError(server, zone, r, err); err != nil {
		return err
	}
	return nil
}

func hasSOA(rrs []dns.RR, zone string) bool {
	for _, rr := range rrs {
		if _, ok := rr.(*dns.SOA); ok && strings.EqualFold(rr.Header().Name, zone) {
			return true
		}
	}
	return false
}

// updateError turns the server's answer into one line saying what went
// wrong and what to do, or nil for success. The TSIG error of the answer
// is looked at first: a server that rejects the signature answers unsigned
// NOTAUTH, which miekg/dns also reports as "bad authentication".
func (c *Client) updateError(server, zone string, r *dns.Msg, err error) error {
	zone = strings.TrimSuffix(zone, ".")
	keyName := strings.TrimSuffix(c.Key.Name, ".")
	if r != nil && r.Rcode != dns.RcodeSuccess {
		rc := dns.RcodeToString[r.Rcode]
		if t := r.IsTsig(); t != nil && t.Error != dns.RcodeSuccess {
			te := dns.RcodeToString[int(t.Error)]
			switch int(t.Error) {
			case dns.RcodeBadSig:
				return fmt.Errorf("update of zone %s rejected by %s: %s (%s): the secret of TSIG key %q differs from the server's", zone, server, rc, te, keyName)
			case dns.RcodeBadKey:
				return fmt.Errorf("update of zone %s rejected by %s: %s (%s): the server has no TSIG key %q with algorithm %s", zone, server, rc, te, keyName, c.Key.AlgorithmName())
			case dns.RcodeBadTime:
				return fmt.Errorf("update of zone %s rejected by %s: %s (%s): this clock and the server's differ by more than 5 minutes", zone, server, rc, te)
			}
			return fmt.Errorf("update of zone %s rejected by %s: %s (TSIG error %s)", zone, server, rc, te)
		}
		switch r.Rcode {
		case dns.RcodeRefused:
			if c.Key.IsZero() {
				return fmt.Errorf("update of zone %s refused by %s: REFUSED: the server does not accept unsigned updates; give --tsig-key", zone, server)
			}
			return fmt.Errorf("update of zone %s refused by %s: REFUSED: the server does not let TSIG key %q update this zone (allow-update/update-policy)", zone, server, keyName)
		case dns.RcodeNotAuth:
			return fmt.Errorf("update of zone %s rejected by %s: NOTAUTH: the server is not authoritative for the zone, or did not accept the signature", zone, server)
		case dns.RcodeNotZone:
			return fmt.Errorf("update of zone %s rejected by %s: NOTZONE: a record lies outside the zone", zone, server)
		}
		return fmt.Errorf("update of zone %s failed at %s: %s", zone, server, rc)
	}
	if err != nil {
		return exchangeError(server, "updating zone "+zone, err)
	}
	if r == nil {
		return fmt.Errorf("updating zone %s: no answer from %s", zone, server)
	}
	return nil
}

// exchangeError phrases a transport failure in one line.
func exchangeError(server, what string, err error) error {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: no answer from %s (timeout)", what, server)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%s: no name server at %s (connection refused)", what, server)
	case errors.Is(err, dns.ErrAuth):
		return fmt.Errorf("%s: the answer from %s failed TSIG verification", what, server)
	}
	return fmt.Errorf("%s at %s: %w", what, server, err)
}
