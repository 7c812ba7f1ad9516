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
	for _, end := range [...]string{"left", "right"} {
		// confread.c: "cannot specify both %ssubnet= and %saddresspool=".
		if at, ok := conflict(c, end+"subnet", end+"addresspool"); ok {
			errs.Addf(at, "cannot specify both %ssubnet= and %saddresspool=", end, end)
		}
		// confread.c: "only one of %scert and %sckaid can be specified".
		if at, ok := conflict(c, end+"cert", end+"ckaid"); ok {
			errs.Addf(at, "only one of %scert and %sckaid can be specified", end, end)
		}
	}
	for _, end := range [...]string{"left", "right"} {
		// confread.c: a sourceip must be an IP address ("bad value for
		// leftsourceip="); a name is not resolved.
		if v, ok := c.Get(end + "sourceip"); ok {
			if _, err := netip.ParseAddr(v.Raw); err != nil {
				errs.Addf(v.Pos, "bad value for %ssourceip=%s: not an IP address", end, v.Raw)
			}
		}
	}
	for _, end := range [...]string{"left", "right"} {
		// confread.c: "The vnet: and vhost: keywords are only valid for
		// IKEv1 connections".
		if v, ok := c.Get(end + "subnet"); ok && !isIKEv1(c) {
			if l := lower(v.Raw); strings.HasPrefix(l, "vhost:") || strings.HasPrefix(l, "vnet:") {
				errs.Addf(v.Pos, "%ssubnet=%s: vnet: and vhost: are only valid for IKEv1 conns (ikev2=no)", end, v.Raw)
			}
		}
	}
	// confread.c parses a nexthop in the conn's host address family
	// (hostaddrfamily=, else IPv6 when a host or nexthop is IPv6): an
	// address of the other family is looked up as a name and fails.
	v6 := hostFamilyIPv6(c)
	for _, end := range [...]string{"left", "right"} {
		if v, ok := c.Get(end + "nexthop"); ok {
			if a, err := netip.ParseAddr(v.Raw); err == nil && a.Is6() != v6 {
				fam := "IPv4"
				if v6 {
					fam = "IPv6"
				}
				errs.Addf(v.Pos, "bad value for %snexthop=%s: the conn's hosts are %s", end, v.Raw, fam)
			}
		}
	}
	if isIKEv1(c) {
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

// conflict reports whether both keywords are set, with the position of the
// one that comes last in the file.
func conflict(c *Conn, a, b string) (token.Position, bool) {
	va, okA := c.Get(a)
	vb, okB := c.Get(b)
	if !okA || !okB {
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
