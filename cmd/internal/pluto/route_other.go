//go:build !linux

package pluto

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// System is the Env of the running host. Off Linux there is no netlink to
// resolve %defaultroute or %IFACE with; host names still resolve.
func System() *Env {
	return &Env{
		DefaultRoute: func(bool) (Route, error) {
			return Route{}, fmt.Errorf("%%defaultroute: %w", errors.ErrUnsupported)
		},
		IfaceAddr: func(name string, _ bool) (netip.Addr, error) {
			return netip.Addr{}, fmt.Errorf("interface %s: %w", name, errors.ErrUnsupported)
		},
		LookupHost: func(name string) ([]netip.Addr, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			return net.DefaultResolver.LookupNetIP(ctx, "ip", name)
		},
	}
}
