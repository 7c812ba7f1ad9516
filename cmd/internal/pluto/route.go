//go:build linux

package pluto

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/vishvananda/netlink"
)

// System is the Env of the running host: %defaultroute and %IFACE are read
// through netlink, as Libreswan's addconn reads them.
func System() *Env {
	return &Env{DefaultRoute: defaultRoute, IfaceAddr: ifaceAddr, LookupHost: lookupHost}
}

// lookupHost resolves a host name as addconn would before routing
// towards it, giving up after a few seconds.
func lookupHost(name string) ([]netip.Addr, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return net.DefaultResolver.LookupNetIP(ctx, "ip", name)
}

// defaultRoute finds the default route with the lowest metric and returns
// its gateway and the preferred source (or first global address) of the
// interface it uses.
func defaultRoute(ipv6 bool) (Route, error) {
	family := netlink.FAMILY_V4
	if ipv6 {
		family = netlink.FAMILY_V6
	}
	routes, err := netlink.RouteListFiltered(family, &netlink.Route{Table: 254}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return Route{}, fmt.Errorf("reading routes: %w", err)
	}
	var best *netlink.Route
	for i := range routes {
		r := &routes[i]
		if r.Dst != nil {
			if ones, _ := r.Dst.Mask.Size(); ones != 0 {
				continue
			}
		}
		if best == nil || r.Priority < best.Priority {
			best = r
		}
	}
	if best == nil {
		return Route{}, fmt.Errorf("no default route")
	}
	var rt Route
	if gw, ok := netip.AddrFromSlice(best.Gw); ok {
		rt.Gateway = gw.Unmap()
	}
	if src, ok := netip.AddrFromSlice(best.Src); ok && best.Src != nil {
		rt.Addr = src.Unmap()
		return rt, nil
	}
	link, err := netlink.LinkByIndex(best.LinkIndex)
	if err != nil {
		return Route{}, fmt.Errorf("default route interface: %w", err)
	}
	a, err := linkAddr(link, family)
	if err != nil {
		return Route{}, err
	}
	rt.Addr = a
	return rt, nil
}

func ifaceAddr(name string, ipv6 bool) (netip.Addr, error) {
	link, err := netlink.LinkByName(name)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("interface %s: %w", name, err)
	}
	family := netlink.FAMILY_V4
	if ipv6 {
		family = netlink.FAMILY_V6
	}
	return linkAddr(link, family)
}

func linkAddr(link netlink.Link, family int) (netip.Addr, error) {
	addrs, err := netlink.AddrList(link, family)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("addresses of %s: %w", link.Attrs().Name, err)
	}
	for _, a := range addrs {
		if a.IP.IsGlobalUnicast() || a.IP.IsPrivate() {
			if ip, ok := netip.AddrFromSlice(a.IP); ok {
				return ip.Unmap(), nil
			}
		}
	}
	for _, a := range addrs {
		if ip, ok := netip.AddrFromSlice(a.IP); ok && !a.IP.Equal(net.IPv6loopback) {
			return ip.Unmap(), nil
		}
	}
	return netip.Addr{}, fmt.Errorf("interface %s has no address", link.Attrs().Name)
}
