package conf

import (
	"net/netip"
	"strings"
	"sync"

	"goswan/conf/token"
)

// checkConn applies the consistency rules Libreswan 4.10's confread.c
// enforces on a resolved conn: combinations of keywords that are each valid
// on their own but keep the conn from loading ("did not load properly").
// They are checked after %default and also= are merged, as Libreswan does,
// and reported at the keyword that completes the conflict.
func checkConn(c *Conn) token.ErrorList {
	var errs token.ErrorList
	ids := checkIDs()
	f := c.finder()
	for i, e := range endKeywords {
		// confread.c: "cannot specify both %ssubnet= and %saddresspool=".
		if at, ok := conflict(f, ids.end[i].subnet, ids.end[i].addresspool); ok {
			errs.Addf(at, "cannot specify both %ssubnet= and %saddresspool=", e.end, e.end)
		}
		// confread.c: "only one of %scert and %sckaid can be specified".
		if at, ok := conflict(f, ids.end[i].cert, ids.end[i].ckaid); ok {
			errs.Addf(at, "only one of %scert and %sckaid can be specified", e.end, e.end)
		}
	}
	for i, e := range endKeywords {
		// confread.c: a sourceip must be an IP address ("bad value for
		// leftsourceip="); a name is not resolved.
		if v := f.find(ids.end[i].sourceip); v.found() {
			if _, err := netip.ParseAddr(v.raw()); err != nil {
				errs.Addf(c.pos(v), "bad value for %ssourceip=%s: not an IP address", e.end, v.raw())
			}
		}
	}
	ikev1 := isIKEv1(f)
	for i, e := range endKeywords {
		// confread.c: "The vnet: and vhost: keywords are only valid for
		// IKEv1 connections".
		if v := f.find(ids.end[i].subnet); v.found() && !ikev1 {
			if l := lower(v.raw()); strings.HasPrefix(l, "vhost:") || strings.HasPrefix(l, "vnet:") {
				errs.Addf(c.pos(v), "%ssubnet=%s: vnet: and vhost: are only valid for IKEv1 conns (ikev2=no)", e.end, v.raw())
			}
		}
	}
	// confread.c parses a nexthop in the conn's host address family
	// (hostaddrfamily=, else IPv6 when a host or nexthop is IPv6): an
	// address of the other family is looked up as a name and fails.
	v6 := hostFamilyIPv6(f)
	for i, e := range endKeywords {
		if v := f.find(ids.end[i].nexthop); v.found() {
			if a, err := netip.ParseAddr(v.raw()); err == nil && a.Is6() != v6 {
				fam := "IPv4"
				if v6 {
					fam = "IPv6"
				}
				errs.Addf(c.pos(v), "bad value for %snexthop=%s: the conn's hosts are %s", e.end, v.raw(), fam)
			}
		}
	}
	if ikev1 {
		if v, ok := c.Get("authby"); ok {
			for _, w := range SplitList(v.Raw) {
				if !ikev1Authby[w] {
					errs.Addf(v.Pos, "ikev1 connection must use authby= of rsasig, secret or never, not %q (set ikev2=yes for %s)", w, w)
					break
				}
			}
		}
	}
	return errs
}

// endKeywords names each end's keywords the checks read, spelt out once
// so that checking 100,000 conns builds no strings; checkIDs numbers them
// and the other keywords the checks read, so that it looks none up by name.
var endKeywords = [...]struct {
	end, subnet, addresspool, cert, ckaid, sourceip, nexthop string
}{
	{"left", "leftsubnet", "leftaddresspool", "leftcert", "leftckaid", "leftsourceip", "leftnexthop"},
	{"right", "rightsubnet", "rightaddresspool", "rightcert", "rightckaid", "rightsourceip", "rightnexthop"},
}

type endIDs struct {
	subnet, addresspool, cert, ckaid, sourceip, nexthop keywordID
}

var checkIDs = sync.OnceValue(func() (ids struct {
	end                   [len(endKeywords)]endIDs
	ikev2, hostaddrfamily keywordID
	hostFamily            [len(hostFamilyKeywords)]keywordID
}) {
	for i, e := range endKeywords {
		ids.end[i] = endIDs{mustCanonicalID(e.subnet), mustCanonicalID(e.addresspool), mustCanonicalID(e.cert),
			mustCanonicalID(e.ckaid), mustCanonicalID(e.sourceip), mustCanonicalID(e.nexthop)}
	}
	ids.ikev2, ids.hostaddrfamily = mustCanonicalID("ikev2"), mustCanonicalID("hostaddrfamily")
	for i, kw := range hostFamilyKeywords {
		ids.hostFamily[i] = mustCanonicalID(kw)
	}
	return ids
})

// conflict reports whether both keywords are set, with the position of the
// one that comes last in the file.
func conflict(f finder, a, b keywordID) (token.Position, bool) {
	ra, rb := f.find(a), f.find(b)
	if !ra.found() || !rb.found() {
		return token.Position{}, false
	}
	pa, pb := f.vs.pos(ra), f.vs.pos(rb)
	if pa.Filename == pb.Filename && pa.Line > pb.Line {
		return pa, true
	}
	return pb, true
}

// isIKEv1 reports whether ikev2= selects IKEv1 (Libreswan 4.10: never, no
// and permit; unset means IKEv2).
func isIKEv1(f finder) bool {
	switch lower(f.find(checkIDs().ikev2).rawOrEmpty()) {
	case "never", "no", "permit":
		return true
	}
	return false
}

var hostFamilyKeywords = [...]string{"left", "right", "leftnexthop", "rightnexthop"}

// ikev1Authby are the authby= words an IKEv1 conn may use (confread.c);
// rsa is accepted as rsasig.
var ikev1Authby = map[string]bool{"rsasig": true, "secret": true, "never": true, "rsa": true}

// hostFamilyIPv6 reports whether the conn's hosts are IPv6, as Libreswan
// 4.10 decides it: hostaddrfamily= when set, else whether left, right or a
// nexthop is an IPv6 address, %defaultroute6 or %any6.
func hostFamilyIPv6(f finder) bool {
	ids := checkIDs()
	switch lower(f.find(ids.hostaddrfamily).rawOrEmpty()) {
	case "ipv6", "v6", "inet6":
		return true
	case "ipv4", "v4", "inet":
		return false
	}
	for _, id := range ids.hostFamily {
		v := lower(f.find(id).rawOrEmpty())
		if strings.Contains(v, ":") || v == "%defaultroute6" || v == "%any6" {
			return true
		}
	}
	return false
}
