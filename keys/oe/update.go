package oe

import (
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// Update is one RFC 2136 UPDATE: the records of one zone. Sending it
// replaces, at each owner, the whole RRset of each record type it carries,
// so publishing the same records twice leaves one set.
type Update struct {
	Zone    string   // fully qualified
	Records []dns.RR // in the order given to Plan
}

// Plan assigns each record to the longest of zones that contains its owner
// and returns one Update per zone, in the order the zones first appear in
// records. A record outside every zone is an error: it would make the
// server answer NOTZONE and reject the whole message.
func Plan(records []dns.RR, zones []string) ([]Update, error) {
	if len(records) == 0 {
		return nil, errors.New("no records to publish")
	}
	var out []Update
	index := map[string]int{}
	for _, rr := range records {
		owner := rr.Header().Name
		best := ""
		for _, z := range zones {
			z = strings.ToLower(dns.Fqdn(z))
			if dns.IsSubDomain(z, owner) && len(z) > len(best) {
				best = z
			}
		}
		if best == "" {
			return nil, fmt.Errorf("%s is in no zone given (%s): add --zone for it", owner, strings.Join(zones, ", "))
		}
		i, ok := index[best]
		if !ok {
			i = len(out)
			index[best] = i
			out = append(out, Update{Zone: best})
		}
		out[i].Records = append(out[i].Records, rr)
	}
	for _, u := range out {
		// TSIG adds about 100 bytes; leave room for a long key name.
		if n := u.Msg().Len() + 400; n > dns.MaxMsgSize {
			return nil, fmt.Errorf("the update of zone %s would be %d bytes, over the %d-byte DNS message limit: leave the key out of the clients' TXT records (--txt-nokey) or publish fewer clients (a smaller --subnet)",
				strings.TrimSuffix(u.Zone, "."), n, dns.MaxMsgSize)
		}
	}
	return out, nil
}

// rrset is the records of one owner and type, in first-seen order.
type rrset struct {
	owner string
	rtype uint16
	rrs   []dns.RR
}

func (u Update) rrsets() []rrset {
	var sets []rrset
	index := map[string]int{}
	for _, rr := range u.Records {
		h := rr.Header()
		k := strings.ToLower(h.Name) + "/" + dns.TypeToString[h.Rrtype]
		i, ok := index[k]
		if !ok {
			i = len(sets)
			index[k] = i
			sets = append(sets, rrset{owner: h.Name, rtype: h.Rrtype})
		}
		sets[i].rrs = append(sets[i].rrs, rr)
	}
	return sets
}

// Msg builds the UPDATE message: for each owner and type, "delete the
// RRset" followed by "add" of each record. The server applies the message
// as a whole or not at all (RFC 2136 §3.7), so a zone never holds half a
// set.
func (u Update) Msg() *dns.Msg {
	m := new(dns.Msg)
	m.SetUpdate(u.Zone)
	m.Compress = true
	for _, s := range u.rrsets() {
		m.RemoveRRset([]dns.RR{&dns.ANY{Hdr: dns.RR_Header{Name: s.owner, Rrtype: s.rtype}}})
		m.Insert(s.rrs)
	}
	return m
}
