package kernel

import (
	"testing"

	"goswan/tests/testenv"
)

// TestDefaultRouteAsAddconn checks addconn's rules: the first default
// route of the main table in the kernel's order (lowest metric first),
// never one through an ipsecN interface, and the source the kernel uses
// towards the gateway; InterfaceAddr gives %IFACE.
func TestDefaultRouteAsAddconn(t *testing.T) {
	ns, h := openNetns(t)
	for _, l := range [][2]string{{"d0", "d1"}, {"e0", "e1"}, {"ipsec0", "i1"}} {
		testenv.IP(t, ns, "link", "add", l[0], "type", "veth", "peer", "name", l[1])
		testenv.IP(t, ns, "link", "set", l[0], "up")
	}
	testenv.IP(t, ns, "addr", "add", "192.0.2.1/24", "dev", "d0")
	testenv.IP(t, ns, "addr", "add", "198.51.100.1/24", "dev", "e0")
	testenv.IP(t, ns, "addr", "add", "203.0.113.1/24", "dev", "ipsec0")
	testenv.IP(t, ns, "route", "add", "default", "via", "192.0.2.254", "metric", "200")
	testenv.IP(t, ns, "route", "add", "default", "via", "198.51.100.254", "metric", "100")
	testenv.IP(t, ns, "route", "add", "default", "via", "203.0.113.254", "metric", "10")
	src, gw, dev, err := h.DefaultRoute(false)
	if err != nil || src.String() != "198.51.100.1" || gw.String() != "198.51.100.254" || dev != "e0" {
		t.Errorf("DefaultRoute = %v, %v, %q, %v; want 198.51.100.1 via 198.51.100.254 dev e0 (metric 100; ipsec0 skipped)", src, gw, dev, err)
	}
	a, err := h.InterfaceAddr("d0", false)
	if err != nil || a.String() != "192.0.2.1" {
		t.Errorf("InterfaceAddr(d0) = %v, %v; want 192.0.2.1", a, err)
	}
	if _, err := h.InterfaceAddr("nosuch0", false); err == nil {
		t.Error("InterfaceAddr(nosuch0) succeeded")
	}
}
