package manualkey

import (
	"fmt"
	"net/netip"

	"goswan/kernel"
)

// hostEnd is what this host is in a conn: the side, its address and the
// interface that address is on.
type hostEnd struct {
	side  kernel.Side
	addr  netip.Addr
	iface string
}

// orient resolves %defaultroute and finds this host's end: from --iam, or
// from the addresses of the host's interfaces (FreeS/WAN looked at its
// ipsecN interfaces; XFRM has none, so every address counts). --other
// swaps the result.
func (r *runner) orient(m *kernel.Manual) (hostEnd, error) {
	if m.NeedsDefaultRoute() {
		v6 := m.Left.Host.Is6() || m.Right.Host.Is6()
		h, err := r.handle()
		if err != nil {
			return hostEnd{}, err
		}
		src, gw, _, err := h.DefaultRoute(v6)
		if err != nil {
			return hostEnd{}, err
		}
		if err := m.Resolve(src, gw); err != nil {
			return hostEnd{}, err
		}
	}
	var addrs map[netip.Addr]string
	if r.iam != nil {
		addrs = map[netip.Addr]string{r.iam.Addr: r.iam.Iface}
	} else {
		if r.addrs == nil {
			h, err := r.handle()
			if err != nil {
				return hostEnd{}, err
			}
			if r.addrs, err = h.LocalAddrs(); err != nil {
				return hostEnd{}, err
			}
		}
		addrs = r.addrs
	}
	list := make([]netip.Addr, 0, len(addrs))
	for a := range addrs {
		list = append(list, a)
	}
	side, err := m.Orient(list)
	if err != nil {
		if r.iam != nil {
			return hostEnd{}, fmt.Errorf("--iam %s@%s: %w", r.iam.Addr, r.iam.Iface, err)
		}
		return hostEnd{}, err
	}
	if r.other {
		side = side.Other()
	}
	addr := m.End(side).Host
	iface := addrs[addr]
	if r.other || iface == "" {
		// Pretending to be the other end: its interface is unknown here.
		iface = "unknown"
		if r.iam != nil {
			iface = r.iam.Iface
		}
	}
	return hostEnd{side: side, addr: addr, iface: iface}, nil
}
