package oe

import (
	"context"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// OtherKey is the verdict of a record that validates but holds a key that
// is not the local one; the chain verdicts are Link's.
const OtherKey = "record with another key"

// Signed checks what an OE peer's pluto would get for the IPSECKEY of
// owner: the record must exist, its DNSSEC chain validate up to the
// anchors, and it must hold the local key. The result's Detail starts with
// the verdict (a Link, or OtherKey) and a colon.
func (c Checker) Signed(ctx context.Context, v *Validator, owner string) Result {
	owner = dns.Fqdn(owner)
	label := "Checking signed IPSECKEY at " + strings.TrimSuffix(owner, ".")
	local, err := c.localKey()
	if err != nil {
		return Result{Label: label, Status: Failed, Detail: err.Error()}
	}
	rrs, chain := v.Validate(ctx, owner, dns.TypeIPSECKEY)
	if chain.Link == Absent {
		how := "--oe"
		if !strings.HasSuffix(owner, ".in-addr.arpa.") && !strings.HasSuffix(owner, ".ip6.arpa.") {
			how = "--id @" + strings.TrimSuffix(owner, ".")
		}
		return Result{Label: label, Status: Missing, Detail: chain.Link.String() + ": " + chain.Detail +
			"; publish it with ipsec showhostkey --ipseckey " + how + " --publish"}
	}
	if chain.Link != Secure {
		return Result{Label: label, Status: Failed, Detail: chain.Link.String() + ": " + chain.Detail}
	}
	var others []string
	for _, rr := range rrs {
		k, ok := rr.(*dns.IPSECKEY)
		if !ok {
			continue
		}
		if k.GatewayType != 0 {
			others = append(others, fmt.Sprintf("a record with gateway type %d (pluto takes only type 0)", k.GatewayType))
			continue
		}
		if stripSpace(k.PublicKey) == local {
			return Result{Label: label, Status: OK, Detail: Secure.String() + ": " + chain.Detail}
		}
		others = append(others, "key "+keyID(stripSpace(k.PublicKey)))
	}
	return Result{Label: label, Status: Failed,
		Detail: fmt.Sprintf("%s: DNS holds %s, not the local key %s (signed, so peers will fail to authenticate this host)",
			OtherKey, strings.Join(others, ", "), keyID(local))}
}

// IPSECKEYOwners lists the owners of the IPSECKEY records among rrs, in
// order, each once.
func IPSECKEYOwners(rrs []dns.RR) []string {
	var out []string
	seen := map[string]bool{}
	for _, rr := range rrs {
		n := strings.ToLower(rr.Header().Name)
		if rr.Header().Rrtype == dns.TypeIPSECKEY && !seen[n] {
			seen[n] = true
			out = append(out, rr.Header().Name)
		}
	}
	return out
}

// AllRecords gives the records of every spec, in order.
func AllRecords(specs ...Spec) ([]dns.RR, error) {
	var out []dns.RR
	for _, s := range specs {
		rrs, err := s.Records()
		if err != nil {
			return nil, err
		}
		out = append(out, rrs...)
	}
	return out, nil
}
