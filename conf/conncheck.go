package conf

import (
	"net/netip"
	"strings"

	"goswan/conf/token"
)

// checkConn applies the consistency rules Libreswan 4.10's confread.c
// enforces on a resolved conn: combinations of keywords that are each valid
// on their own but keep the conn from loading ("did not load properly").
// They are checked after %default and also= are merged, as Libreswan does,
// and reported at the keyword that completes the conflict.
func checkConn(c *Conn) token.ErrorList {
	var errs token.ErrorList
	for _, e := range endKeywords {
		// confread.c: "cannot specify both %ssubnet= and %saddresspool=".
		if at, ok := conflict(c, e.subnet, e.addresspool); ok {
			errs.Addf(at, "cannot specify both %ssubnet= and %saddresspool=", e.end, e.end)
		}
		// confread.c: "only one of %scert and %sckaid can be specified".
		if at, ok := conflict(c, e.cert, e.ckaid); ok {
			errs.Addf(at, "only one of %scert and %sckaid can be specified", e.end, e.end)
		}
	}
	for _, e := range endKeywords {
		// confread.c: a sourceip must be an IP address ("bad value for
		// leftsourceip="); a name is not resolved.
		if v := c.lookup(e.sourceip); v != nil {
			if _, err := netip.ParseAddr(v.Raw); err != nil {
				errs.Addf(v.Pos, "bad value for %ssourceip=%s: not an IP address", e.end, v.Raw)
			}
		}
	}
	ikev1 := isIKEv1(c)
	for _, e := range endKeywords {
		// confread.c: "The vnet: and vhost: keywords are only valid for
		// IKEv1 connections".
		if v := c.lookup(e.subnet); v != nil && !ikev1 {
			if l := lower(v.Raw); strings.HasPrefix(l, "vhost:") || strings.HasPrefix(l, "vnet:") {
				errs.Addf(v.Pos, "%ssubnet=%s: vnet: and vhost: are only valid for IKEv1 conns (ikev2=no)", e.end, v.Raw)
			}
		}
	}
	// confread.c parses a nexthop in the conn's host address family
	// (hostaddrfamily=, else IPv6 when a host or nexthop is IPv6): an
	// address of the other family is looked up as a name and fails.
	v6 := hostFamilyIPv6(c)
	for _, e := range endKeywords {
		if v := c.lookup(e.nexthop); v != nil {
			if a, err := netip.ParseAddr(v.Raw); err == nil && a.Is6() != v6 {
				fam := "IPv4"
				if v6 {
					fam = "IPv6"
				}
				errs.Addf(v.Pos, "bad value for %snexthop=%s: the conn's hosts are %s", e.end, v.Raw, fam)
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
// so that checking 100,000 conns builds no strings.
var endKeywords = [...]struct {
	end, subnet, addresspool, cert, ckaid, sourceip, nexthop string
}{
	{"left", "leftsubnet", "leftaddresspool", "leftcert", "leftckaid", "leftsourceip", "leftnexthop"},
	{"right", "rightsubnet", "rightaddresspool", "rightcert", "rightckaid", "rightsourceip", "rightnexthop"},
}

// conflict reports whether both keywords are set, with the position of the
// one that comes last in the file.
func conflict(c *Conn, a, b string) (token.Position, bool) {
	va, vb := c.lookup(a), c.lookup(b)
	if va == nil || vb == nil {
		return token.Position{}, false
	}
	if va.Pos.Filename == vb.Pos.Filename && va.Pos.Line > vb.Pos.Line {
		return va.Pos, true
	}
	return vb.Pos, true
}

// isIKEv1 reports whether ikev2= selects IKEv1 (Libreswan 4.10: never, no
// and permit; unset means IKEv2).
func isIKEv1(c *Conn) bool {
	switch lower(c.String("ikev2")) {
	case "never", "no", "permit":
		return true
	}
	return false
}

// ikev1Authby are the authby= words an IKEv1 conn may use (confread.c);
// rsa is accepted as rsasig.
var ikev1Authby = map[string]bool{"rsasig": true, "secret": true, "never": true, "rsa": true}

// hostFamilyIPv6 reports whether the conn's hosts are IPv6, as Libreswan
// 4.10 decides it: hostaddrfamily= when set, else whether left, right or a
// nexthop is an IPv6 address, %defaultroute6 or %any6.
func hostFamilyIPv6(c *Conn) bool {
	switch lower(c.String("hostaddrfamily")) {
	case "ipv6", "v6", "inet6":
		return true
	case "ipv4", "v4", "inet":
		return false
	}
	for _, kw := range [...]string{"left", "right", "leftnexthop", "rightnexthop"} {
		v := lower(c.String(kw))
		if strings.Contains(v, ":") || v == "%defaultroute6" || v == "%any6" {
			return true
		}
	}
	return false
}
