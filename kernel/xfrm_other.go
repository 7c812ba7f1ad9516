//go:build !linux

package kernel

import (
	"errors"
	"fmt"
	"net/netip"
)

// Handle exists only on Linux; elsewhere every call fails with
// errors.ErrUnsupported.
type Handle struct{}

var errNoXFRM = fmt.Errorf("XFRM is Linux only: %w", errors.ErrUnsupported)

// OpenHandle fails off Linux.
func OpenHandle(string) (*Handle, error) { return nil, errNoXFRM }

// Close does nothing.
func (h *Handle) Close() {}

// Apply fails off Linux.
func (h *Handle) Apply(*Plan) error { return errNoXFRM }

// Remove fails off Linux.
func (h *Handle) Remove(*Plan) (int, error) { return 0, errNoXFRM }

// Snapshot fails off Linux.
func (h *Handle) Snapshot() (*Snapshot, error) { return nil, errNoXFRM }

// LocalAddrs fails off Linux.
func (h *Handle) LocalAddrs() (map[netip.Addr]string, error) { return nil, errNoXFRM }

// DefaultRoute fails off Linux.
func (h *Handle) DefaultRoute(bool) (src, gateway netip.Addr, dev string, err error) {
	return src, gateway, "", errNoXFRM
}

// RouteGet fails off Linux.
func (h *Handle) RouteGet(netip.Addr, netip.Addr) (Lookup, error) { return Lookup{}, errNoXFRM }

// RouteReplace fails off Linux.
func (h *Handle) RouteReplace(Route) error { return errNoXFRM }

// RouteDel fails off Linux.
func (h *Handle) RouteDel(Route) error { return errNoXFRM }

// MainRoutes fails off Linux.
func (h *Handle) MainRoutes(bool) ([]Route, error) { return nil, errNoXFRM }

// AddrAdd fails off Linux.
func (h *Handle) AddrAdd(string, netip.Prefix, int) error { return errNoXFRM }

// AddrDel fails off Linux.
func (h *Handle) AddrDel(string, netip.Prefix) error { return errNoXFRM }

// Addrs fails off Linux.
func (h *Handle) Addrs(string, bool, int) ([]netip.Prefix, error) { return nil, errNoXFRM }

// Link fails off Linux.
func (h *Handle) Link(string) (LinkInfo, error) { return LinkInfo{}, errNoXFRM }

// ProxyNeighAdd fails off Linux.
func (h *Handle) ProxyNeighAdd(netip.Addr, string, string) error { return errNoXFRM }

// ProxyNeighDel fails off Linux.
func (h *Handle) ProxyNeighDel(netip.Addr, string) error { return errNoXFRM }

// RuleAdd fails off Linux.
func (h *Handle) RuleAdd(Rule) error { return errNoXFRM }

// RuleDel fails off Linux.
func (h *Handle) RuleDel(Rule) error { return errNoXFRM }

// AddrTentative fails off Linux.
func (h *Handle) AddrTentative(string, netip.Prefix) (bool, error) { return false, errNoXFRM }

// InterfaceAddr fails off Linux.
func (h *Handle) InterfaceAddr(string, bool) (netip.Addr, error) { return netip.Addr{}, errNoXFRM }
