package kernel

import "net/netip"

// Route is one routing table entry as `ip route` spells it: the
// destination, an optional gateway, the device, a preferred source, and the
// metric, MTU and table (0 for the main table) a conn's options ask for.
type Route struct {
	Dst     netip.Prefix // invalid for the default route in a snapshot
	Gateway netip.Addr   // invalid: on-link
	Src     netip.Addr   // invalid: the kernel picks
	Dev     string
	Metric  int
	MTU     int
	Table   int
	Proto   int // 0: "boot", what ip(8) gives a route it adds
}

// Lookup is the kernel's answer to `ip route get`: the route a packet to
// an address would take.
type Lookup struct {
	Local   bool // the address is one of this host's (a "local" route)
	Gateway netip.Addr
	Dev     string
	Src     netip.Addr
}

// Rule is a policy routing rule: packets to Dst carrying Mark (under Mask)
// look up Table, at priority Priority.
type Rule struct {
	Priority int
	Dst      netip.Prefix
	Mark     uint32
	Mask     uint32
	Table    int
}

// LinkInfo is what updown needs to know of an interface: whether it is
// point-to-point and its hardware address ("" when it has none).
type LinkInfo struct {
	PointToPoint bool
	HardwareAddr string
}
