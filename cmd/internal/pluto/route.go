//go:build linux

package pluto

import (
	"context"
	"net"
	"net/netip"
	"time"

	"goswan/kernel"
)

// System is the Env of the running host: %defaultroute and %IFACE are
// resolved by kernel's resolver in this process's network namespace (the
// one `ipsec manual` uses too, with addconn's rules).
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

func defaultRoute(ipv6 bool) (Route, error) {
	h, err := kernel.OpenHandle("")
	if err != nil {
		return Route{}, err
	}
	defer h.Close()
	src, gw, _, err := h.DefaultRoute(ipv6)
	return Route{Addr: src, Gateway: gw}, err
}

func ifaceAddr(name string, ipv6 bool) (netip.Addr, error) {
	h, err := kernel.OpenHandle("")
	if err != nil {
		return netip.Addr{}, err
	}
	defer h.Close()
	return h.InterfaceAddr(name, ipv6)
}
