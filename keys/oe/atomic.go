package oe

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// A multi-zone publication is all or nothing. Each RFC 2136 message is
// atomic, a set of them is not; SendAtomic makes the set behave as one:
//
//  1. every zone is checked (authoritative, key accepted) before any
//     change, as Send does;
//  2. the RRsets about to be replaced are read from the server;
//  3. each zone's update carries prerequisites that those RRsets are still
//     what was read, so a concurrent writer makes it fail instead of being
//     overwritten;
//  4. when a zone fails, the zones already changed are put back (their
//     update reversed, on the prerequisite that they still hold what was
//     published), and the error says which zones are as they were and
//     which, if the rollback itself failed, still hold the new records.

// zoneState is what one zone's RRsets were before the publication.
type zoneState struct {
	u   Update
	old map[string][]dns.RR // rrset key → records read before (empty: none)
}

func rrsetKey(owner string, rtype uint16) string {
	return strings.ToLower(dns.Fqdn(owner)) + "/" + dns.TypeToString[rtype]
}

// SendAtomic publishes updates in every zone or in none, and says which.
func (c *Client) SendAtomic(ctx context.Context, updates []Update) error {
	server, err := ServerAddr(c.Server)
	if err != nil {
		return err
	}
	dc := c.dnsClient()
	// Before any change: with several zones, say that none changed.
	unchanged := func(err error) error {
		if len(updates) > 1 {
			return fmt.Errorf("%w; nothing published in any zone", err)
		}
		return err
	}
	if err := c.preflight(ctx, dc, server, updates); err != nil {
		return unchanged(err)
	}
	states := make([]zoneState, len(updates))
	for i, u := range updates {
		st, err := c.snapshot(ctx, dc, server, u)
		if err != nil {
			return unchanged(err)
		}
		states[i] = st
	}
	for i, st := range states {
		if c.beforeZone != nil {
			c.beforeZone(i)
		}
		r, _, err := dc.ExchangeContext(ctx, c.sign(st.guardedMsg()), server)
		uerr := c.updateError(server, st.u.Zone, r, err)
		if uerr == nil {
			continue
		}
		if r != nil && (r.Rcode == dns.RcodeNXRrset || r.Rcode == dns.RcodeYXRrset) {
			uerr = fmt.Errorf("zone %s changed since it was read (another writer?): %s", zoneName(st.u.Zone), dns.RcodeToString[r.Rcode])
		}
		if r == nil {
			// No answer (slow or gone): the server may still apply
			// this zone's update, so it is put back with the others.
			return c.rollback(ctx, dc, server, states[:i+1], zoneName(st.u.Zone), uerr, zoneNames(states[i+1:]))
		}
		return c.rollback(ctx, dc, server, states[:i], "", uerr, zoneNames(states[i:]))
	}
	return nil
}

// preflight: the server is authoritative for every zone and accepts a
// signed update (that changes nothing) for each.
func (c *Client) preflight(ctx context.Context, dc *dns.Client, server string, updates []Update) error {
	for _, u := range updates {
		m := new(dns.Msg)
		m.SetQuestion(u.Zone, dns.TypeSOA)
		m.RecursionDesired = false
		r, _, err := dc.ExchangeContext(ctx, m, server)
		if err != nil {
			return exchangeError(server, "checking zone "+zoneName(u.Zone), err)
		}
		if r.Rcode != dns.RcodeSuccess || !r.Authoritative || !hasSOA(r.Answer, u.Zone) {
			return fmt.Errorf("%s is not authoritative for zone %s (%s); check --server and --zone",
				server, zoneName(u.Zone), dns.RcodeToString[r.Rcode])
		}
		if err := c.probe(ctx, dc, server, u.Zone); err != nil {
			return err
		}
	}
	return nil
}

// snapshot reads, from the server, every RRset the update replaces.
func (c *Client) snapshot(ctx context.Context, dc *dns.Client, server string, u Update) (zoneState, error) {
	st := zoneState{u: u, old: map[string][]dns.RR{}}
	for _, s := range u.rrsets() {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(s.owner), s.rtype)
		m.RecursionDesired = false
		r, _, err := dc.ExchangeContext(ctx, m, server)
		if err != nil {
			return st, exchangeError(server, "reading "+s.owner+" "+dns.TypeToString[s.rtype], err)
		}
		if r.Rcode != dns.RcodeSuccess && r.Rcode != dns.RcodeNameError {
			return st, fmt.Errorf("reading %s %s from %s: %s", s.owner, dns.TypeToString[s.rtype], server, dns.RcodeToString[r.Rcode])
		}
		var old []dns.RR
		for _, rr := range r.Answer {
			if rr.Header().Rrtype == s.rtype && strings.EqualFold(rr.Header().Name, dns.Fqdn(s.owner)) {
				old = append(old, rr)
			}
		}
		st.old[rrsetKey(s.owner, s.rtype)] = old
	}
	return st, nil
}

// guardedMsg is the zone's update with prerequisites: each RRset it
// replaces is still what snapshot read.
func (st zoneState) guardedMsg() *dns.Msg {
	m := st.u.Msg()
	for _, s := range st.u.rrsets() {
		prereq(m, s.owner, s.rtype, st.old[rrsetKey(s.owner, s.rtype)])
	}
	return m
}

// reverseMsg puts back what snapshot read, on the prerequisite that each
// RRset still holds what was published.
func (st zoneState) reverseMsg() *dns.Msg {
	m := new(dns.Msg)
	m.SetUpdate(st.u.Zone)
	m.Compress = true
	for _, s := range st.u.rrsets() {
		prereq(m, s.owner, s.rtype, s.rrs)
		m.RemoveRRset([]dns.RR{&dns.ANY{Hdr: dns.RR_Header{Name: s.owner, Rrtype: s.rtype}}})
		if old := st.old[rrsetKey(s.owner, s.rtype)]; len(old) > 0 {
			m.Insert(old)
		}
	}
	return m
}

// prereq adds "RRset exists with exactly these records" (RFC 2136 §2.4.2,
// TTL 0) or, for none, "RRset does not exist" (§2.4.3).
func prereq(m *dns.Msg, owner string, rtype uint16, rrs []dns.RR) {
	if len(rrs) == 0 {
		m.RRsetNotUsed([]dns.RR{&dns.ANY{Hdr: dns.RR_Header{Name: owner, Rrtype: rtype}}})
		return
	}
	var want []dns.RR
	for _, rr := range rrs {
		c := dns.Copy(rr)
		c.Header().Ttl = 0
		want = append(want, c)
	}
	m.Used(want)
}

func (c *Client) sign(m *dns.Msg) *dns.Msg {
	if !c.Key.IsZero() {
		m.SetTsig(c.Key.Name, c.Key.Algorithm, 300, time.Now().Unix())
	}
	return m
}

// rollback reverses the zones already updated, last first, and builds the
// error that says where every zone stands. uncertain is the zone whose
// update went unanswered (it is among applied): if it cannot be put back
// either, it may or may not hold the new records.
func (c *Client) rollback(ctx context.Context, dc *dns.Client, server string, applied []zoneState, uncertain string, cause error, notApplied string) error {
	var back, stuck []string
	unknown := ""
	var firstErr error
	for i := len(applied) - 1; i >= 0; i-- {
		st := applied[i]
		// The publication's context may be what ran out; the rollback
		// gets its own bounded time.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout())
		r, _, err := dc.ExchangeContext(rctx, c.sign(st.reverseMsg()), server)
		cancel()
		if r != nil && (r.Rcode == dns.RcodeNXRrset || r.Rcode == dns.RcodeYXRrset) {
			// The zone does not hold what was published: the update
			// that went unanswered was not applied, or another writer
			// has changed the zone since; either way, nothing to undo.
			back = append(back, zoneName(st.u.Zone))
			continue
		}
		if rerr := c.updateError(server, st.u.Zone, r, err); rerr != nil {
			if zoneName(st.u.Zone) == uncertain {
				unknown = uncertain
			} else {
				stuck = append(stuck, zoneName(st.u.Zone))
			}
			if firstErr == nil {
				firstErr = rerr
			}
			continue
		}
		back = append(back, zoneName(st.u.Zone))
	}
	msg := fmt.Sprintf("publication failed: %v", cause)
	if len(stuck) == 0 && unknown == "" {
		msg += "; nothing published: every zone is as it was"
		if len(back) > 0 {
			msg += fmt.Sprintf(" (rolled back %s)", strings.Join(back, ", "))
		}
		return fmt.Errorf("%s", msg)
	}
	if len(stuck) > 0 {
		msg += fmt.Sprintf("; zones %s still hold the new records", strings.Join(stuck, ", "))
	}
	if unknown != "" {
		msg += fmt.Sprintf("; zone %s did not answer and may hold them", unknown)
	}
	msg += fmt.Sprintf(" (rolling back failed: %v)", firstErr)
	if len(back) > 0 {
		msg += fmt.Sprintf("; rolled back %s", strings.Join(back, ", "))
	}
	if notApplied != "" {
		msg += fmt.Sprintf("; not updated: %s", notApplied)
	}
	return fmt.Errorf("%s", msg)
}

func (c *Client) timeout() time.Duration {
	if c.Timeout == 0 {
		return 5 * time.Second
	}
	return c.Timeout
}

func zoneName(z string) string { return strings.TrimSuffix(z, ".") }

func zoneNames(states []zoneState) string {
	var n []string
	for _, st := range states {
		n = append(n, zoneName(st.u.Zone))
	}
	return strings.Join(n, ", ")
}
