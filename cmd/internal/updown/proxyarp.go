package updown

import "net/netip"

// proxyARP is the script's doproxyarp: when the peer's client is a single
// address reached directly on an Ethernet-like interface (not the peer, not
// a host-to-host conn), answer ARP for it there and ask for a route. It
// finds the interface in the third word of `ip route get`, which for IPv6
// is the "from" address, so only IPv4 clients get proxy ARP.
func (c *call) proxyARP(add bool) {
	if c.PeerClient.Bits() != c.maxBits() {
		return
	}
	if c.PeerClientNet == netip.IPv4Unspecified() || c.PeerClientNet == netip.IPv6Unspecified() ||
		c.PeerClientNet == c.Peer || c.MyClientNet == c.Me {
		return
	}
	if c.V6 {
		return
	}
	l, err := c.sys.Kernel.RouteGet(c.PeerClientNet, netip.Addr{})
	if err != nil || l.Local || l.Gateway.IsValid() {
		return
	}
	li, err := c.sys.Kernel.Link(l.Dev)
	if err != nil || li.HardwareAddr == "" {
		return
	}
	if add {
		if err := c.sys.Kernel.ProxyNeighAdd(c.PeerClientNet, l.Dev, li.HardwareAddr); err != nil {
			c.warnf("%v", err)
		}
		c.proxyARPRoute = "yes" // proxy ARP needs the route
		return
	}
	if err := c.sys.Kernel.ProxyNeighDel(c.PeerClientNet, l.Dev); err != nil {
		c.warnf("%v", err)
	}
}
