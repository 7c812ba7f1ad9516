package oe

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"

	"goswan/keys"
)

// Status is the verdict of one check, printed in brackets as FreeS/WAN's
// verify did.
type Status string

// Verdicts. FAILED and MISSING are failures; N/A and DISABLED are not, and
// Note marks a heading line that has no verdict.
const (
	OK       Status = "OK"
	Failed   Status = "FAILED"
	Missing  Status = "MISSING"
	NA       Status = "N/A"
	Disabled Status = "DISABLED"
	Note     Status = ""
)

// Result is one checked line: what was looked for, the verdict and, when
// useful, one line of detail.
type Result struct {
	Label  string
	Status Status
	Detail string
}

// Failed reports whether r counts as an error.
func (r Result) Failed() bool { return r.Status == Failed || r.Status == Missing }

// Checker compares what DNS holds with the local key.
type Checker struct {
	Resolver *Resolver
	Pub      *rsa.PublicKey
}

func (c Checker) localKey() (string, error) {
	if c.Pub == nil {
		return "", errors.New("no local public key to compare with")
	}
	return keys.Base64(c.Pub)
}

// keyID gives the FreeS/WAN key id of a base64 blob, for messages.
func keyID(b64 string) string {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "(not base64)"
	}
	if pub, err := keys.ParseRFC3110(b); err == nil {
		return keys.KeyID(pub)
	}
	s := base64.RawStdEncoding.EncodeToString(b)
	if len(s) > 9 {
		s = s[:9]
	}
	return s
}

// Forward checks the forward map of an @FQDN id, as the initiator-only
// setup publishes it: one line per record type found (KEY, TXT
// X-IPsec-Server, IPSECKEY), or one MISSING line when there is none.
func (c Checker) Forward(ctx context.Context, fqdn string) []Result {
	name := dns.Fqdn(strings.TrimPrefix(fqdn, "@"))
	return c.check(ctx, "forward", strings.TrimSuffix(name, "."), name)
}

// Reverse checks the reverse map of an address, as the full and gateway
// setups publish it.
func (c Checker) Reverse(ctx context.Context, addr netip.Addr) []Result {
	name := Reverse(addr)
	return c.check(ctx, "reverse", name, name)
}

func (c Checker) check(ctx context.Context, mapName, shown, name string) []Result {
	local, err := c.localKey()
	if err != nil {
		return []Result{{Label: fmt.Sprintf("Looking for keys in %s map: %s", mapName, shown), Status: Failed, Detail: err.Error()}}
	}
	var out []Result
	for _, t := range []uint16{dns.TypeKEY, dns.TypeTXT, dns.TypeIPSECKEY} {
		label := fmt.Sprintf("Looking for %s in %s map: %s", dns.TypeToString[t], mapName, shown)
		rrs, err := c.Resolver.Lookup(ctx, name, t)
		var nf *NotFoundError
		switch {
		case errors.As(err, &nf):
			continue
		case err != nil:
			out = append(out, Result{Label: label, Status: Failed, Detail: err.Error()})
			continue
		}
		keysFound := oeKeys(rrs)
		if len(keysFound) == 0 {
			continue // records of another kind (a non-OE TXT, a DNSSEC KEY)
		}
		out = append(out, compare(label, local, keysFound))
	}
	if len(out) == 0 {
		out = append(out, Result{Label: fmt.Sprintf("Looking for KEY, TXT or IPSECKEY in %s map: %s", mapName, shown), Status: Missing,
			Detail: "no opportunistic encryption record found"})
	}
	return out
}

// foundKey is a key an OE record carries, with a note on the record.
type foundKey struct {
	key  string // base64, no whitespace; "" for a TXT naming only its gateway
	note string
	bad  string // why the record is unusable
}

// oeKeys picks the records an OE peer would use and the keys they hold.
// Like FreeS/WAN it ignores KEY records with other flags or protocol, and
// TXT records that are not X-IPsec-Server.
func oeKeys(rrs []dns.RR) []foundKey {
	var out []foundKey
	for _, rr := range rrs {
		switch r := rr.(type) {
		case *dns.KEY:
			// Algorithm 5 (RSA/SHA-1) carries the same RFC 3110 blob as 1.
			if r.Flags == keys.KEYFlags && r.Protocol == keys.KEYProtocol && (r.Algorithm == dns.RSAMD5 || r.Algorithm == dns.RSASHA1) {
				out = append(out, foundKey{key: stripSpace(r.PublicKey), note: "KEY"})
			}
		case *dns.TXT:
			rec, ok, err := ParseServerTXT(strings.Join(r.Txt, ""))
			switch {
			case !ok:
			case err != nil:
				out = append(out, foundKey{bad: err.Error()})
			default:
				out = append(out, foundKey{key: rec.Key, note: "gateway " + rec.Gateway})
			}
		case *dns.IPSECKEY:
			if r.Algorithm == keys.IPSECKEYAlgorithmRSA {
				out = append(out, foundKey{key: stripSpace(r.PublicKey), note: "IPSECKEY"})
			}
		}
	}
	return out
}

func stripSpace(s string) string { return strings.Join(strings.Fields(s), "") }

// compare gives OK when one of the records holds the local key.
func compare(label, local string, found []foundKey) Result {
	var others []string
	for _, f := range found {
		switch {
		case f.bad != "":
			others = append(others, f.bad)
		case f.key == "":
			// A TXT without key points at the gateway's own KEY record;
			// that record is checked on its own line.
			return Result{Label: label, Status: OK, Detail: f.note + " (key in the gateway's KEY record)"}
		case f.key == local:
			return Result{Label: label, Status: OK}
		default:
			others = append(others, "key "+keyID(f.key))
		}
	}
	return Result{Label: label, Status: Failed,
		Detail: fmt.Sprintf("DNS holds %s, not the local key %s", strings.Join(others, ", "), keyID(local))}
}

// Records checks that DNS holds the given records (normally Spec.Records):
// for each owner and type, that one of the records found equals the one
// expected in the fields that matter to a peer. Each owner and type gives
// one line "Checking TYPE at OWNER".
func (c Checker) Records(ctx context.Context, want []dns.RR) []Result {
	var out []Result
	for _, s := range (Update{Records: want}).rrsets() {
		label := fmt.Sprintf("Checking %s at %s", dns.TypeToString[s.rtype], s.owner)
		got, err := c.Resolver.Lookup(ctx, s.owner, s.rtype)
		var nf *NotFoundError
		switch {
		case errors.As(err, &nf):
			out = append(out, Result{Label: label, Status: Missing, Detail: nf.Error()})
			continue
		case err != nil:
			out = append(out, Result{Label: label, Status: Failed, Detail: err.Error()})
			continue
		}
		r := Result{Label: label, Status: OK}
		for _, w := range s.rrs {
			if !containsEquivalent(got, w) {
				r = Result{Label: label, Status: Failed, Detail: mismatch(got, w)}
				break
			}
		}
		out = append(out, r)
	}
	return out
}

// equivalent compares records the way a peer reads them: keys without
// whitespace, TXT strings concatenated, names case-insensitively; the TTL
// does not matter.
func equivalent(a, b dns.RR) bool {
	switch x := a.(type) {
	case *dns.KEY:
		y, ok := b.(*dns.KEY)
		return ok && x.Flags == y.Flags && x.Protocol == y.Protocol && x.Algorithm == y.Algorithm &&
			stripSpace(x.PublicKey) == stripSpace(y.PublicKey)
	case *dns.TXT:
		y, ok := b.(*dns.TXT)
		if !ok {
			return false
		}
		rx, okx, errx := ParseServerTXT(strings.Join(x.Txt, ""))
		ry, oky, erry := ParseServerTXT(strings.Join(y.Txt, ""))
		if okx && oky && errx == nil && erry == nil {
			return rx == ry
		}
		return strings.Join(x.Txt, "") == strings.Join(y.Txt, "")
	case *dns.IPSECKEY:
		y, ok := b.(*dns.IPSECKEY)
		return ok && x.Precedence == y.Precedence && x.GatewayType == y.GatewayType && x.Algorithm == y.Algorithm &&
			x.GatewayAddr.Equal(y.GatewayAddr) && strings.EqualFold(x.GatewayHost, y.GatewayHost) &&
			stripSpace(x.PublicKey) == stripSpace(y.PublicKey)
	case *dns.PTR:
		y, ok := b.(*dns.PTR)
		return ok && strings.EqualFold(x.Ptr, y.Ptr)
	}
	return dns.IsDuplicate(a, b)
}

func containsEquivalent(got []dns.RR, want dns.RR) bool {
	for _, g := range got {
		if equivalent(g, want) {
			return true
		}
	}
	return false
}

// mismatch says briefly what differs, naming keys by key id only.
func mismatch(got []dns.RR, want dns.RR) string {
	var found []string
	for _, g := range got {
		found = append(found, describeRR(g))
	}
	return fmt.Sprintf("want %s, DNS holds %s", describeRR(want), strings.Join(found, "; "))
}

func describeRR(rr dns.RR) string {
	switch r := rr.(type) {
	case *dns.KEY:
		return fmt.Sprintf("KEY %d %d %d key %s", r.Flags, r.Protocol, r.Algorithm, keyID(stripSpace(r.PublicKey)))
	case *dns.TXT:
		if rec, ok, err := ParseServerTXT(strings.Join(r.Txt, "")); ok && err == nil {
			k := "no key"
			if rec.Key != "" {
				k = "key " + keyID(rec.Key)
			}
			return fmt.Sprintf("X-IPsec-Server(%d)=%s %s", rec.Precedence, rec.Gateway, k)
		}
		return fmt.Sprintf("TXT %q", strings.Join(r.Txt, ""))
	case *dns.IPSECKEY:
		gw := r.GatewayHost
		if r.GatewayAddr != nil {
			gw = r.GatewayAddr.String()
		}
		if gw == "" {
			gw = "."
		}
		return fmt.Sprintf("IPSECKEY %d %d %d %s key %s", r.Precedence, r.GatewayType, r.Algorithm, gw, keyID(stripSpace(r.PublicKey)))
	case *dns.PTR:
		return "PTR " + r.Ptr
	}
	return rr.String()
}
