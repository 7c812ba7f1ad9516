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

// InterfaceAddr fails off Linux.
func (h *Handle) InterfaceAddr(string, bool) (netip.Addr, error) { return netip.Addr{}, errNoXFRM }
