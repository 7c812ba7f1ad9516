package oedns

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
	"goswan/cmd/internal/oeconf"
	"goswan/conf"
	"goswan/keys/oe"
)

// oeFlags are the flags that let showhostkey find the owners itself.
func oeFlags() []cli.Flag {
	return []cli.Flag{
		applet.ConfigFlag(),
		&cli.BoolFlag{Name: "oe", Usage: "with --ipseckey --publish/--check: use as owners the reverse names of the public addresses the host's opportunistic conns use (left=, %defaultroute resolved), where peers' plutos look"},
	}
}

// oeSpecs turns the record choice into one spec per public address of the
// host's OE conns: pluto looks a peer's key up at the peer's ID, which
// for an opportunistic instance is its address, so the reverse name.
func oeSpecs(c *cli.Context, base oe.Spec) ([]oe.Spec, error) {
	if !base.IPSECKEY {
		return nil, applet.Usagef("--oe publishes IPSECKEY records: add --ipseckey")
	}
	path := applet.ConfigPath(c)
	cfg, err := conf.Load(path, &conf.Options{})
	if err != nil {
		return nil, err
	}
	addrs, err := OEAddrs(cfg)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("%s has no opportunistic conn (right=%%opportunisticgroup or %%opportunistic): --oe has no owner to publish at", path)
	}
	var out []oe.Spec
	for _, a := range addrs {
		s := base
		s.ID = a.String()
		out = append(out, s)
	}
	return out, nil
}

// OEAddrs returns the local addresses of the opportunistic conns of cfg
// (left= of each conn whose right= is %opportunistic*, or whose key comes
// from DNS), %defaultroute resolved to the source address of the default
// route, each once, in conn order.
func OEAddrs(cfg *conf.Config) ([]netip.Addr, error) {
	var out []netip.Addr
	seen := map[netip.Addr]bool{}
	cfg, _ = oeconf.Complete(cfg, "") // FreeS/WAN's implicit groups too
	for _, cn := range cfg.Conns {
		if !isOpportunistic(cn) || cn.Auto() == "ignore" {
			continue
		}
		local := cn.String("left")
		if strings.HasPrefix(strings.ToLower(cn.String("left")), "%opportunistic") {
			local = cn.String("right")
		}
		var a netip.Addr
		switch strings.ToLower(local) {
		case "%defaultroute", "":
			d, err := defaultRouteAddr()
			if err != nil {
				return nil, fmt.Errorf("conn %q: left=%%defaultroute: %w", cn.Name, err)
			}
			a = d
		default:
			p, err := netip.ParseAddr(local)
			if err != nil {
				continue // %any, a DNS name: not an owner we can derive
			}
			a = p
		}
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out, nil
}

func isOpportunistic(cn *conf.Conn) bool {
	for _, kw := range []string{"right", "left"} {
		if strings.HasPrefix(strings.ToLower(cn.String(kw)), "%opportunistic") {
			return true
		}
	}
	return false
}

// defaultRouteAddr is the address the kernel picks for traffic along the
// default route: a UDP "connection" routes without sending anything.
func defaultRouteAddr() (netip.Addr, error) {
	for _, probe := range []string{"198.18.0.1:9", "[2001:db8::1]:9"} {
		c, err := net.Dial("udp", probe)
		if err != nil {
			continue
		}
		a := c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
		c.Close()
		return a, nil
	}
	return netip.Addr{}, fmt.Errorf("no default route")
}
