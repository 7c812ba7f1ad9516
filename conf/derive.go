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
func deriveConn(c *Conn) { deriveSourceIPSubnet(&c.Values) }

// deriveDefaults does the same for the accumulated conn %default, which
// Libreswan loads as a conn of its own: a sourceip there gives the default
// a subnet, which every conn without its own subnet then inherits, even
// one that sets its own sourceip.
func deriveDefaults(d *Values) { deriveSourceIPSubnet(d) }

func deriveSourceIPSubnet(vs *Values) {
	for _, end := range [...]string{"left", "right"} {
		src, ok := vs.Get(end + "sourceip")
		if !ok || vs.IsSet(end+"subnet") {
			continue
		}
		if vs.IsSet(end + "addresspool") {
			// Libreswan derives the subnet here too, but printed it
			// reads back as "subnet and addresspool", which fails the
			// conn: we keep the conn as written so that readwriteconf
			// stays idempotent.
			continue
		}
		a, err := netip.ParseAddr(src.Raw)
		if err != nil {
			continue // reported by checkConn
		}
		kw := end + "subnet"
		src.Keyword = kw
		src.Raw = netip.PrefixFrom(a, a.BitLen()).String()
		src.order = sortKey(lookupCanonical(kw), kw)
		vs.own = append(vs.own, &src)
	}
}
