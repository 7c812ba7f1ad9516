package updown

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"syscall"

	"goswan/kernel"
)

// xfrmiTable is the routing table _updown.xfrm uses for the route to the
// peer when an XFRM interface mark is set.
const xfrmiTable = 50

func upRoute(c *call) error {
	c.proxyARP(true)
	return c.doRoute(false)
}

func downRoute(c *call) error {
	err := c.doRoute(true)
	c.proxyARP(false)
	return err
}

// downRule removes the route of a Cisco peer with a source IP at down time.
func downRule(c *call) error {
	if c.SourceIP.IsValid() && c.PeerIsCisco {
		return c.doRoute(true)
	}
	return nil
}

// routeSpec is the route doroute builds, plus the words ip(8) would have
// been given (for messages).
type routeSpec struct {
	kernel.Route
	extra []string // --iproute / IPROUTEARGS words applied to the route
}

// doRoute is the script's doroute: replace (or, with del, delete) the route
// to the peer's client when something asks for one (a source IP, an MTU,
// --route yes, proxy ARP, no route to the client, an XFRM interface), and
// the table-50 route and fwmark rule of an XFRM interface mark.
func (c *call) doRoute(del bool) error {
	if !del {
		if _, err := c.sys.Kernel.RouteGet(c.PeerClientNet, netip.Addr{}); errors.Is(err, syscall.EHOSTUNREACH) && c.XFRMIRoute == "" {
			c.route = "yes" // routing is mandatory for IPsec
		}
	}
	xfrmiRule := false
	if c.XFRMIFwmark != "" {
		xfrmiRule = true
		c.route = "no"
	}
	if c.SourceIP.IsValid() || c.MTU != 0 {
		c.route = "yes"
	}
	xfrmiRoute := c.XFRMIRoute
	if c.PeerClient == c.MyClient && c.XFRMIRoute == "yes" {
		xfrmiRoute = "samesubnets"
		fmt.Fprintf(c.sys.Stdout, "leftsubnet == rightsubnet = %s cannot add route\n", c.PeerClient)
	}

	r := routeSpec{extra: append([]string(nil), c.IPRouteArgs...)}
	pointToPoint := false
	if li, err := c.sys.Kernel.Link(stripAlias(c.Interface)); err == nil && li.PointToPoint {
		pointToPoint = true
	}
	var espNexthop netip.Addr
	if !c.V5 || c.V6 == c.HostV6 {
		if c.NextHop != c.Peer && !pointToPoint {
			switch {
			case c.XFRMIRoute == "":
				r.extra = nil // "via NEXTHOP" replaces --iproute's words
				r.Gateway = c.NextHop
				if !c.V5 {
					espNexthop = c.NextHop
				}
			default:
				espNexthop = c.NextHop
			}
		}
	}

	peerIface := ""
	if del {
		switch {
		case c.PeerClient.Bits() == 0 && !c.V6:
			peerIface = c.exactRouteDev(netip.MustParsePrefix("0.0.0.0/1"))
		case c.PeerClient.Bits() == 0 && c.V6:
			p := netip.MustParsePrefix("2000::/3")
			if c.V5 {
				p = netip.MustParsePrefix("::/1")
			}
			peerIface = c.exactRouteDev(p)
		default:
			if l, err := c.sys.Kernel.RouteGet(c.PeerClientNet, netip.Addr{}); err == nil {
				peerIface = l.Dev
			}
		}
	} else if l, err := c.sys.Kernel.RouteGet(c.NextHop, netip.Addr{}); err == nil {
		peerIface = l.Dev
	}
	espPeerIface := ""
	if l, err := c.sys.Kernel.RouteGet(c.NextHop, c.Me); err == nil {
		espPeerIface = l.Dev
	}
	if espPeerIface == "" {
		espPeerIface = c.Interface
	}
	if peerIface == "" {
		peerIface = c.Interface
	}
	if c.XFRMIRoute == "yes" {
		peerIface = c.VirtInterface
	}
	if c.VTIIface != "" {
		peerIface = c.VTIIface
	}

	r.MTU, r.Metric = c.MTU, c.Metric
	r.extra = append(r.extra, c.IPRouteExtras...)
	r.Dev = stripAlias(peerIface)
	if !del && c.SourceIP.IsValid() {
		c.addSource()
		r.Src = c.SourceIP
	}
	if err := r.applyExtra(); err != nil {
		c.warnf("doroute: %v", err)
		return err
	}

	dsts := []netip.Prefix{c.PeerClient}
	if c.PeerClient.Bits() == 0 {
		switch {
		case !c.V6:
			dsts = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/1"), netip.MustParsePrefix("128.0.0.0/1")}
		case c.V5:
			dsts = []netip.Prefix{netip.MustParsePrefix("::/1"), netip.MustParsePrefix("8000::/1")}
		default:
			dsts = []netip.Prefix{netip.MustParsePrefix("2000::/3")}
		}
	}
	if c.route == "yes" || xfrmiRoute == "yes" || c.proxyARPRoute == "yes" {
		for _, d := range dsts {
			rr := r.Route
			rr.Dst = d
			if err := c.doIP(del, rr); err != nil {
				return err
			}
		}
	}

	if xfrmiRule {
		esp := kernel.Route{
			Dst:     netip.PrefixFrom(c.Peer, c.maxBits()),
			Gateway: espNexthop,
			Dev:     stripAlias(espPeerIface),
			Table:   xfrmiTable,
		}
		if c.V5 {
			esp.Dst = netip.PrefixFrom(c.Peer, c.hostMaxBits())
			esp.Metric = c.Metric
		}
		if err := c.doIP(del, esp); err != nil {
			return err
		}
		rule, err := c.fwmarkRule()
		if err != nil {
			c.warnf("doroute: %v", err)
			return err
		}
		if del {
			err = c.sys.Kernel.RuleDel(rule)
		} else {
			err = c.sys.Kernel.RuleAdd(rule)
		}
		if err = c.ignorable(err); err != nil {
			c.warnf("doroute %q failed (%v)", fmt.Sprintf("ip %s rule %s prio %d to %s fwmark %s lookup %d", c.famFlag(), map[bool]string{true: "del", false: "add"}[del], rule.Priority, rule.Dst, c.XFRMIFwmark, rule.Table), err)
			return err
		}
	}
	return nil
}

// doIP is the script's do_ip for a route: a route already gone is not an
// error (nor, for 5.x, one already there).
func (c *call) doIP(del bool, r kernel.Route) error {
	var err error
	if del {
		err = c.sys.Kernel.RouteDel(r)
	} else {
		err = c.sys.Kernel.RouteReplace(r)
	}
	if err = c.ignorable(err); err != nil {
		c.warnf("doroute %q failed (%v)", routeCommand(c.famFlag(), del, r), err)
	}
	return err
}

func (c *call) ignorable(err error) error {
	if errors.Is(err, syscall.ESRCH) || c.V5 && errors.Is(err, syscall.EEXIST) {
		return nil
	}
	return err
}

// exactRouteDev is the device of the main table's route to exactly p
// (`ip route list exact P`), "" when there is none.
func (c *call) exactRouteDev(p netip.Prefix) string {
	rs, err := c.sys.Kernel.MainRoutes(c.V6)
	if err != nil {
		return ""
	}
	for _, r := range rs {
		if r.Dst == p {
			return r.Dev
		}
	}
	return ""
}

// fwmarkRule is the rule sending marked packets to the peer's client to
// table 50: `ip rule add prio 100 to CLIENT fwmark MARK/MASK lookup 50`.
func (c *call) fwmarkRule() (kernel.Rule, error) {
	markS, maskS, hasMask := strings.Cut(c.XFRMIFwmark, "/")
	mark, err := strconv.ParseUint(markS, 0, 32)
	if err != nil {
		return kernel.Rule{}, fmt.Errorf("PLUTO_XFRMI_FWMARK=%q: bad mark", c.XFRMIFwmark)
	}
	mask := uint64(0xffffffff)
	if hasMask {
		if mask, err = strconv.ParseUint(maskS, 0, 32); err != nil {
			return kernel.Rule{}, fmt.Errorf("PLUTO_XFRMI_FWMARK=%q: bad mask", c.XFRMIFwmark)
		}
	}
	return kernel.Rule{Priority: 100, Dst: c.PeerClient, Mark: uint32(mark), Mask: uint32(mask), Table: xfrmiTable}, nil
}

// applyExtra applies the ip-route words of --iproute and IPROUTEARGS that
// set route attributes: table, metric (priority, preference), mtu, proto,
// src and via.
func (r *routeSpec) applyExtra() error {
	w := r.extra
	for i := 0; i < len(w); i++ {
		key := w[i]
		if i+1 >= len(w) {
			return fmt.Errorf("ip route argument %q needs a value", key)
		}
		val := w[i+1]
		i++
		var err error
		switch key {
		case "table":
			r.Table, err = routeTable(val)
		case "metric", "priority", "preference":
			r.Metric, err = strconv.Atoi(val)
		case "mtu":
			if val == "lock" {
				err = fmt.Errorf("mtu lock is not supported")
				break
			}
			r.MTU, err = strconv.Atoi(val)
		case "proto", "protocol":
			r.Proto, err = routeProto(val)
		case "src":
			r.Src, err = netip.ParseAddr(val)
		case "via":
			r.Gateway, err = netip.ParseAddr(val)
		case "dev", "oif":
			r.Dev = val
		default:
			return fmt.Errorf("ip route argument %q is not supported by goswan's _updown", key)
		}
		if err != nil {
			return fmt.Errorf("ip route argument %s %q: %v", key, val, err)
		}
	}
	return nil
}

func routeTable(s string) (int, error) {
	switch s {
	case "main":
		return 254, nil
	case "local":
		return 255, nil
	case "default":
		return 253, nil
	}
	return strconv.Atoi(s)
}

func routeProto(s string) (int, error) {
	for n, name := range map[int]string{2: "kernel", 3: "boot", 4: "static", 16: "dhcp"} {
		if s == name {
			return n, nil
		}
	}
	return strconv.Atoi(s)
}

// stripAlias drops an alias suffix: eth0:1 → eth0 (${X%:*}).
func stripAlias(iface string) string {
	if i := strings.LastIndexByte(iface, ':'); i >= 0 {
		return iface[:i]
	}
	return iface
}

// routeCommand is r as an ip(8) command line, for messages.
func routeCommand(fam string, del bool, r kernel.Route) string {
	cmd := "replace"
	if del {
		cmd = "del"
	}
	s := fmt.Sprintf("ip %s route %s %s", fam, cmd, r.Dst)
	if r.Gateway.IsValid() {
		s += " via " + r.Gateway.String()
	}
	if r.MTU != 0 {
		s += fmt.Sprintf(" mtu %d", r.MTU)
	}
	if r.Metric != 0 {
		s += fmt.Sprintf(" metric %d", r.Metric)
	}
	if r.Dev != "" {
		s += " dev " + r.Dev
	}
	if r.Src.IsValid() {
		s += " src " + r.Src.String()
	}
	if r.Table != 0 {
		s += fmt.Sprintf(" table %d", r.Table)
	}
	return s
}
