package conf

import (
	"net/netip"
)

// deriveConn adds the values Libreswan 4.10's reader derives for a resolved
// conn, so that the conn means the same here as there: leftsourceip= without
// a leftsubnet= (own, also= or %default) makes the end's client the source
// address itself, leftsubnet=SOURCEIP/32 (or /128). Libreswan's
// readwriteconf prints that subnet, and pluto gets it as the client. The
// derived value carries the position of the sourceip it came from.
//
// Libreswan also derives a subnet inside conn %default (it loads %default
// as a conn), which then beats a conn's own sourceip and collides with a
// conn's addresspool; we derive per conn only, from the sourceip the conn
// ends up with, so the printed conn reads back the same.
func deriveConn(c *Conn) { deriveSourceIPSubnet(&c.Values) }

func deriveSourceIPSubnet(vs *Values) {
	for i := range endKeywords {
		ids := checkIDs().end[i]
		f := vs.finder()
		p := f.find(ids.sourceip)
		if !p.found() || f.find(ids.subnet).found() {
			continue
		}
		if f.find(ids.addresspool).found() {
			// Libreswan derives the subnet here too, but printed it
			// reads back as "subnet and addresspool", which fails the
			// conn: we keep the conn as written so that readwriteconf
			// stays idempotent.
			continue
		}
		a, err := netip.ParseAddr(p.raw())
		if err != nil {
			continue // reported by checkConn
		}
		derived := vs.view(p)
		derived.Keyword = endKeywords[i].subnet
		derived.Raw = netip.PrefixFrom(a, a.BitLen()).String()
		vs.extra = append(vs.extra, derived)
	}
}
