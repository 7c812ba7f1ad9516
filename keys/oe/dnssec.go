package oe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Anchors are DNSSEC trust anchors: DS and DNSKEY records, read as
// Libreswan's pluto hands them to libunbound (dnssec-anchors= and
// dnssec-rootkey-file= of config setup, both in zone-file format).
type Anchors struct {
	DS   []*dns.DS
	Keys []*dns.DNSKEY
}

// LoadAnchors reads trust-anchor files; missing names ("") are skipped.
// Records other than DS and DNSKEY (unbound's autotrust comments, an SOA)
// are ignored.
func LoadAnchors(files ...string) (Anchors, error) {
	var a Anchors
	for _, f := range files {
		if f == "" {
			continue
		}
		fh, err := os.Open(f)
		if err != nil {
			return a, fmt.Errorf("reading trust anchors: %w", err)
		}
		err = a.parse(fh, f)
		fh.Close()
		if err != nil {
			return a, err
		}
	}
	return a, nil
}

// ParseAnchors reads trust anchors from zone-file text.
func ParseAnchors(r io.Reader, name string) (Anchors, error) {
	var a Anchors
	err := a.parse(r, name)
	return a, err
}

func (a *Anchors) parse(r io.Reader, name string) error {
	zp := dns.NewZoneParser(r, ".", name)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		switch x := rr.(type) {
		case *dns.DS:
			a.DS = append(a.DS, x)
		case *dns.DNSKEY:
			a.Keys = append(a.Keys, x)
		}
	}
	if err := zp.Err(); err != nil {
		return fmt.Errorf("trust anchors: %w", err)
	}
	return nil
}

// Empty reports whether there are no anchors.
func (a Anchors) Empty() bool { return len(a.DS) == 0 && len(a.Keys) == 0 }

// at reports whether some anchor is for zone.
func (a Anchors) at(zone string) bool {
	for _, d := range a.DS {
		if strings.EqualFold(d.Hdr.Name, zone) {
			return true
		}
	}
	for _, k := range a.Keys {
		if strings.EqualFold(k.Hdr.Name, zone) {
			return true
		}
	}
	return false
}

// above reports whether an anchor is at zone or one of its ancestors.
func (a Anchors) above(zone string) bool {
	for _, d := range a.DS {
		if dns.IsSubDomain(d.Hdr.Name, zone) {
			return true
		}
	}
	for _, k := range a.Keys {
		if dns.IsSubDomain(k.Hdr.Name, zone) {
			return true
		}
	}
	return false
}

// trusts reports whether key is one of zone's anchors, directly or by DS.
func (a Anchors) trusts(zone string, key *dns.DNSKEY) bool {
	for _, d := range a.DS {
		if strings.EqualFold(d.Hdr.Name, zone) && dsMatches(d, key) {
			return true
		}
	}
	for _, k := range a.Keys {
		if strings.EqualFold(k.Hdr.Name, zone) && k.Algorithm == key.Algorithm &&
			k.Flags == key.Flags && stripSpace(k.PublicKey) == stripSpace(key.PublicKey) {
			return true
		}
	}
	return false
}

func dsMatches(d *dns.DS, key *dns.DNSKEY) bool {
	if d.KeyTag != key.KeyTag() || d.Algorithm != key.Algorithm {
		return false
	}
	got := key.ToDS(d.DigestType)
	return got != nil && strings.EqualFold(got.Digest, d.Digest)
}

// Link names the state of a DNSSEC chain: Secure, or the first link that
// is missing or broken, walking from the answer up to the anchors.
type Link int

// The chain's states, in the order a validator meets them.
const (
	Secure         Link = iota
	LookupFailed        // no usable answer at all
	Absent              // the record does not exist
	Unsigned            // the answer carries no signature: the zone is not signed
	Expired             // a signature is outside its validity period
	BadSignature        // a signature does not verify
	NoAnchor            // no trust anchor at or above the zone
	NoDS                // the parent has no DS for the zone
	AnchorMismatch      // the zone's DNSKEYs match neither its anchor nor its parent's DS
)

var linkNames = [...]string{
	Secure: "secure", LookupFailed: "lookup failed", Absent: "record absent",
	Unsigned: "unsigned zone", Expired: "expired signatures", BadSignature: "bad signature",
	NoAnchor: "no trust anchor", NoDS: "no DS in the parent", AnchorMismatch: "anchor mismatch",
}

func (l Link) String() string {
	if int(l) < len(linkNames) {
		return linkNames[l]
	}
	return fmt.Sprintf("Link(%d)", int(l))
}

// Chain is the outcome of validating one answer.
type Chain struct {
	Link   Link
	Zone   string // the zone where the chain broke (or the answer's signer when secure)
	Detail string // one line: what was found and what to do
	// Path lists the zones the chain went through, answer first, when
	// Secure: "2.1.192.in-addr.arpa (anchor)".
	Path []string
}

// Err returns nil for a secure chain, else an error carrying Detail.
func (c Chain) Err() error {
	if c.Link == Secure {
		return nil
	}
	return &ChainError{c}
}

// ChainError is a chain that does not validate.
type ChainError struct{ Chain Chain }

func (e *ChainError) Error() string { return e.Chain.Link.String() + ": " + e.Chain.Detail }

// Validator checks answers the way pluto's libunbound does: every RRset
// signed, every signature in its validity period and verified, and the
// signing keys linked by DS records up to a configured anchor.
type Validator struct {
	Resolver *Resolver
	Anchors  Anchors
	Now      func() time.Time // time.Now when nil
}

func (v *Validator) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// maxDepth bounds the walk up the DS chain.
const maxDepth = 16

// Validate looks up name/qtype with DNSSEC records and validates the
// answer. It returns the answer's records (also when not secure, for
// messages) and the chain's state.
func (v *Validator) Validate(ctx context.Context, name string, qtype uint16) ([]dns.RR, Chain) {
	name = dns.Fqdn(name)
	tname := dns.TypeToString[qtype]
	resp, err := v.Resolver.Exchange(ctx, name, qtype)
	if err != nil {
		return nil, Chain{Link: LookupFailed, Detail: err.Error()}
	}
	rrset, sigs := split(resp.Answer, name, qtype)
	if len(rrset) == 0 {
		return nil, Chain{Link: Absent, Zone: soaOwner(resp),
			Detail: fmt.Sprintf("no %s record at %s (%s)", tname, name, dns.RcodeToString[resp.Rcode])}
	}
	if len(sigs) == 0 {
		zone := soaOwner(resp)
		if zone == "" {
			zone = name
		}
		return rrset, Chain{Link: Unsigned, Zone: zone,
			Detail: fmt.Sprintf("the %s answer for %s carries no RRSIG: its zone is not signed (BIND: dnssec-policy in the zone statement)", tname, name)}
	}
	zone := sigs[0].SignerName
	var path []string
	zkeys, c := v.zoneKeys(ctx, zone, 0, &path)
	if c.Link != Secure {
		return rrset, c
	}
	if c := v.verify(rrset, sigs, zkeys, zone, tname+" "+name); c.Link != Secure {
		return rrset, c
	}
	return rrset, Chain{Link: Secure, Zone: zone, Path: path,
		Detail: fmt.Sprintf("%s %s signed by %s; chain: %s", tname, name, zone, strings.Join(path, " <- "))}
}

// zoneKeys returns zone's DNSKEY RRset once it is authenticated: by an
// anchor for the zone, or by a DS in the parent whose own chain is secure.
func (v *Validator) zoneKeys(ctx context.Context, zone string, depth int, path *[]string) ([]*dns.DNSKEY, Chain) {
	if depth > maxDepth {
		return nil, Chain{Link: LookupFailed, Zone: zone, Detail: "DS chain longer than " + fmt.Sprint(maxDepth) + " zones"}
	}
	if !v.Anchors.above(zone) {
		return nil, Chain{Link: NoAnchor, Zone: zone,
			Detail: fmt.Sprintf("no trust anchor at or above zone %s: set dnssec-anchors= (a file with the zone's DS) or dnssec-rootkey-file= in config setup", zone)}
	}
	resp, err := v.Resolver.Exchange(ctx, zone, dns.TypeDNSKEY)
	if err != nil {
		return nil, Chain{Link: LookupFailed, Zone: zone, Detail: err.Error()}
	}
	rrs, sigs := split(resp.Answer, zone, dns.TypeDNSKEY)
	var keys []*dns.DNSKEY
	for _, rr := range rrs {
		keys = append(keys, rr.(*dns.DNSKEY))
	}
	if len(keys) == 0 {
		return nil, Chain{Link: Unsigned, Zone: zone, Detail: fmt.Sprintf("zone %s has no DNSKEY: it is not signed", zone)}
	}
	var trusted []*dns.DNSKEY
	how := "anchor"
	if v.Anchors.at(zone) {
		for _, k := range keys {
			if v.Anchors.trusts(zone, k) {
				trusted = append(trusted, k)
			}
		}
		if len(trusted) == 0 {
			return nil, Chain{Link: AnchorMismatch, Zone: zone,
				Detail: fmt.Sprintf("the trust anchor for %s matches none of its DNSKEYs (tags %s): the zone's key changed or dnssec-anchors= holds another zone's DS", zone, tags(keys))}
		}
	} else {
		dsResp, err := v.Resolver.Exchange(ctx, zone, dns.TypeDS)
		if err != nil {
			return nil, Chain{Link: LookupFailed, Zone: zone, Detail: err.Error()}
		}
		dsRRs, dsSigs := split(dsResp.Answer, zone, dns.TypeDS)
		if len(dsRRs) == 0 {
			return nil, Chain{Link: NoDS, Zone: zone,
				Detail: fmt.Sprintf("the parent of %s holds no DS for it and no anchor is configured for the zone itself: add the DS (dnssec-dsfromkey) to the parent, or put it in dnssec-anchors=", zone)}
		}
		if len(dsSigs) == 0 {
			return nil, Chain{Link: Unsigned, Zone: dns.Fqdn(parentOf(zone)), Detail: fmt.Sprintf("the DS of %s is not signed by its parent", zone)}
		}
		parent := dsSigs[0].SignerName
		pkeys, c := v.zoneKeys(ctx, parent, depth+1, path)
		if c.Link != Secure {
			return nil, c
		}
		if c := v.verify(dsRRs, dsSigs, pkeys, parent, "DS "+zone); c.Link != Secure {
			return nil, c
		}
		for _, rr := range dsRRs {
			for _, k := range keys {
				if dsMatches(rr.(*dns.DS), k) {
					trusted = append(trusted, k)
				}
			}
		}
		if len(trusted) == 0 {
			return nil, Chain{Link: AnchorMismatch, Zone: zone,
				Detail: fmt.Sprintf("the DS of %s in %s matches none of its DNSKEYs (tags %s): update the DS after a key rollover", zone, parent, tags(keys))}
		}
		how = "DS in " + strings.TrimSuffix(parent, ".")
	}
	var dnskeyRRs []dns.RR
	for _, k := range keys {
		dnskeyRRs = append(dnskeyRRs, k)
	}
	if c := v.verify(dnskeyRRs, sigs, trusted, zone, "DNSKEY "+zone); c.Link != Secure {
		return nil, c
	}
	*path = append([]string{fmt.Sprintf("%s (%s)", strings.TrimSuffix(zone, "."), how)}, *path...)
	return keys, Chain{Link: Secure, Zone: zone}
}

// verify accepts rrset when one signature in its validity period verifies
// with one of keys.
func (v *Validator) verify(rrset []dns.RR, sigs []*dns.RRSIG, keys []*dns.DNSKEY, zone, what string) Chain {
	now := v.now()
	var inPeriod int
	var lastErr error
	var expired *dns.RRSIG
	for _, s := range sigs {
		if !s.ValidityPeriod(now) {
			expired = s
			continue
		}
		inPeriod++
		for _, k := range keys {
			if k.KeyTag() != s.KeyTag || k.Algorithm != s.Algorithm {
				continue
			}
			if err := s.Verify(k, rrset); err != nil {
				lastErr = err
				continue
			}
			return Chain{Link: Secure, Zone: zone}
		}
	}
	if inPeriod == 0 && expired != nil {
		return Chain{Link: Expired, Zone: zone,
			Detail: fmt.Sprintf("the signature of %s by %s is valid from %s to %s, not now (%s): re-sign the zone", what, zone,
				dns.TimeToString(expired.Inception), dns.TimeToString(expired.Expiration), now.UTC().Format("20060102150405"))}
	}
	detail := fmt.Sprintf("no signature of %s verifies with the DNSKEYs of %s (tags %s)", what, zone, tags(keys))
	if lastErr != nil && !errors.Is(lastErr, dns.ErrKey) {
		detail += ": " + lastErr.Error()
	}
	return Chain{Link: BadSignature, Zone: zone, Detail: detail}
}

// split returns the records of qtype at name and the RRSIGs covering them.
func split(rrs []dns.RR, name string, qtype uint16) ([]dns.RR, []*dns.RRSIG) {
	var set []dns.RR
	var sigs []*dns.RRSIG
	for _, rr := range rrs {
		if !strings.EqualFold(rr.Header().Name, name) {
			continue
		}
		if s, ok := rr.(*dns.RRSIG); ok {
			if s.TypeCovered == qtype {
				sigs = append(sigs, s)
			}
			continue
		}
		if rr.Header().Rrtype == qtype {
			set = append(set, rr)
		}
	}
	return set, sigs
}

func soaOwner(m *dns.Msg) string {
	for _, rr := range append(append([]dns.RR{}, m.Answer...), m.Ns...) {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Hdr.Name
		}
	}
	return ""
}

func tags(keys []*dns.DNSKEY) string {
	var t []string
	for _, k := range keys {
		t = append(t, fmt.Sprint(k.KeyTag()))
	}
	return strings.Join(t, ", ")
}

func parentOf(zone string) string {
	labels := dns.SplitDomainName(zone)
	if len(labels) <= 1 {
		return "."
	}
	return strings.Join(labels[1:], ".") + "."
}

// Exchange sends one query with the DNSSEC OK and Checking Disabled bits,
// so a validating resolver hands over even data it finds bogus and the
// Validator can say why, and returns the whole answer.
func (r *Resolver) Exchange(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	t := r.Timeout
	if t == 0 {
		t = 5 * time.Second
	}
	var lastErr error
	for _, server := range r.Servers {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(name), qtype)
		m.SetEdns0(4096, true)
		m.CheckingDisabled = true
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
			return resp, nil
		}
		lastErr = fmt.Errorf("looking up %s %s: %s answered %s", name, dns.TypeToString[qtype], server, dns.RcodeToString[resp.Rcode])
	}
	if lastErr == nil {
		lastErr = errors.New("no name server to ask")
	}
	return nil, lastErr
}
