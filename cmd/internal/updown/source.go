package updown

import (
	"errors"
	"net/netip"
	"syscall"
	"time"
)

// sourceScope is the scope of an address addsource adds: 50 for IPv4, so
// that delsource recognises its own addresses, global for IPv6.
func (c *call) sourceScope() int {
	if c.V6 {
		return 0 // global
	}
	return 50
}

func (c *call) sourceIface() string {
	if c.VTIIface != "" && c.env("VTI_ROUTING") == "yes" {
		return c.VTIIface
	}
	if c.XFRMIRoute != "" && !c.V5 {
		return c.VirtInterface
	}
	return "lo"
}

func addSource(c *call) error { return c.addSource() }

// addSource puts the conn's source IP on lo (scope 50 for IPv4) unless it
// is already local.
func (c *call) addSource() error {
	if !c.SourceIP.IsValid() || c.V5 && c.XFRMIRoute == "yes" {
		return nil
	}
	if l, err := c.sys.Kernel.RouteGet(c.SourceIP, netip.Addr{}); err == nil && l.Local {
		return nil
	}
	p := netip.PrefixFrom(c.SourceIP, c.maxBits())
	iface := c.sourceIface()
	err := c.sys.Kernel.AddrAdd(iface, p, c.sourceScope())
	if errors.Is(err, syscall.EEXIST) {
		return nil
	}
	if err != nil {
		c.warnf("addsource %q failed (%v)", "ip addr add "+p.String()+" dev "+iface+" scope "+scopeName(c.V6), err)
		return err
	}
	c.waitUsable(iface, p)
	return nil
}

// waitUsable waits (at most a second) while a new IPv6 address is
// tentative: a route cannot take it as its source until then. The script
// is slow enough between `ip addr add` and `ip route replace` never to
// see this; in one process the route would come too early.
func (c *call) waitUsable(iface string, p netip.Prefix) {
	if !p.Addr().Is6() {
		return
	}
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if t, err := c.sys.Kernel.AddrTentative(iface, p); err != nil || !t {
			return
		}
	}
}

func scopeName(v6 bool) string {
	if v6 {
		return "global"
	}
	return "50"
}

func delSource(c *call) error {
	if !c.SourceIP.IsValid() || c.V5 && c.XFRMIRoute == "yes" {
		return nil
	}
	rs, err := c.sys.Kernel.MainRoutes(c.V6)
	if err != nil {
		return nil // the script sees no routes listed, so it goes on; here the listing failed: keep the address
	}
	for _, r := range rs {
		if r.Src == c.SourceIP {
			return nil // still used by another route
		}
	}
	iface := c.sourceIface()
	p := netip.PrefixFrom(c.SourceIP, c.maxBits())
	as, err := c.sys.Kernel.Addrs(iface, c.V6, c.sourceScope())
	if err != nil {
		return nil
	}
	found := false
	for _, a := range as {
		found = found || a == p
	}
	if !found || c.MobikeEvent != "" {
		return nil
	}
	err = c.sys.Kernel.AddrDel(iface, p)
	if errors.Is(err, syscall.EEXIST) || errors.Is(err, syscall.EADDRNOTAVAIL) {
		return nil
	}
	if err != nil {
		c.warnf("delsource %q failed (%v)", "ip "+c.famFlag()+" addr del "+p.String()+" dev "+iface, err)
	}
	return err
}
