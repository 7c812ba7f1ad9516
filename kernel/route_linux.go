package kernel

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// DefaultRoute resolves %defaultroute of family 4 or 6 as Libreswan's
// addconn does (addr_lookup.c): the first default route of the main table
// in the kernel's order, skipping ipsecN and mastN interfaces, gives the
// gateway and the interface; the source address is the one the kernel
// picks to reach that gateway (the route's preferred source without a
// gateway). Both `ipsec auto` and `ipsec manual` resolve it here, through
// the Handle's namespace. An invalid src means there is no default route.
func (h *Handle) DefaultRoute(v6 bool) (src, gateway netip.Addr, dev string, err error) {
	fam, probe := netlink.FAMILY_V4, net.IPv4(198, 51, 100, 1) // any off-link address
	if v6 {
		fam, probe = netlink.FAMILY_V6, net.ParseIP("2001:db8::1")
	}
	routes, err := h.nl.RouteListFiltered(fam, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return src, gateway, "", fmt.Errorf("listing routes: %w", err)
	}
	for _, r := range routes {
		if r.Dst != nil && !isDefault(r.Dst) {
			continue
		}
		dev = ""
		if link, err := h.nl.LinkByIndex(r.LinkIndex); err == nil {
			dev = link.Attrs().Name
		}
		if strings.HasPrefix(dev, "ipsec") || strings.HasPrefix(dev, "mast") {
			continue
		}
		gateway = addrOf(r.Gw)
		target := probe
		if gateway.IsValid() {
			target = r.Gw
		} else {
			src = addrOf(r.Src)
		}
		if !src.IsValid() {
			if got, err := h.nl.RouteGet(target); err == nil && len(got) > 0 {
				src = addrOf(got[0].Src)
			}
		}
		return src, gateway, dev, nil
	}
	return netip.Addr{}, netip.Addr{}, "", nil
}

// InterfaceAddr is the address %IFACE stands for (left=%eth0): the
// interface's first global address of the family, else any but loopback.
func (h *Handle) InterfaceAddr(name string, v6 bool) (netip.Addr, error) {
	link, err := h.nl.LinkByName(name)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("interface %s: %w", name, err)
	}
	fam := netlink.FAMILY_V4
	if v6 {
		fam = netlink.FAMILY_V6
	}
	addrs, err := h.nl.AddrList(link, fam)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("addresses of %s: %w", name, err)
	}
	for _, a := range addrs {
		if a.IP.IsGlobalUnicast() || a.IP.IsPrivate() {
			return addrOf(a.IP), nil
		}
	}
	for _, a := range addrs {
		if !a.IP.IsLoopback() {
			return addrOf(a.IP), nil
		}
	}
	return netip.Addr{}, fmt.Errorf("interface %s has no address", name)
}
