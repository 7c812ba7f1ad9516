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
func deriveConn(c *Conn) {
	for _, end := range [...]string{"left", "right"} {
		src, ok := c.Get(end + "sourceip")
		if !ok || c.IsSet(end+"subnet") {
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
		c.Values.own = append(c.Values.own, &src)
	}
}
