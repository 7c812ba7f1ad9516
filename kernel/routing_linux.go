package kernel

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// RouteGet asks the kernel which route a packet to dst would take, as
// `ip route get DST [from SRC]` does. An invalid from leaves the source
// open.
func (h *Handle) RouteGet(dst, from netip.Addr) (Lookup, error) {
	opts := &netlink.RouteGetOptions{}
	if from.IsValid() {
		opts.SrcAddr = ip(from)
	}
	rs, err := h.nl.RouteGetWithOptions(ip(dst), opts)
	if err != nil {
		return Lookup{}, fmt.Errorf("route get %s: %w", dst, err)
	}
	if len(rs) == 0 {
		return Lookup{}, fmt.Errorf("route get %s: no answer: %w", dst, unix.ENETUNREACH)
	}
	r := rs[0]
	return Lookup{
		Local:   r.Type == unix.RTN_LOCAL,
		Gateway: addrOf(r.Gw),
		Dev:     h.linkName(r.LinkIndex),
		Src:     addrOf(r.Src),
	}, nil
}

func (h *Handle) linkName(index int) string {
	if index == 0 {
		return ""
	}
	link, err := h.nl.LinkByIndex(index)
	if err != nil {
		return ""
	}
	return link.Attrs().Name
}

// nlRoute is the netlink form of r, with the defaults ip(8) gives a route
// it adds: protocol boot, and link scope when there is no gateway.
func (h *Handle) nlRoute(r Route, del bool) (*netlink.Route, error) {
	nr := &netlink.Route{
		Dst:      ipNet(r.Dst),
		Priority: r.Metric,
		MTU:      r.MTU,
		Table:    r.Table,
		Protocol: netlink.RouteProtocol(r.Proto),
	}
	if r.Gateway.IsValid() {
		nr.Gw = ip(r.Gateway)
	}
	if r.Src.IsValid() {
		nr.Src = ip(r.Src)
	}
	if r.Dev != "" {
		link, err := h.nl.LinkByName(r.Dev)
		if err != nil {
			return nil, fmt.Errorf("route %s: device %q: %w", r.Dst, r.Dev, err)
		}
		nr.LinkIndex = link.Attrs().Index
	}
	switch {
	case del:
		nr.Scope = netlink.Scope(unix.RT_SCOPE_NOWHERE) // match any scope
	case !r.Gateway.IsValid():
		nr.Scope = netlink.SCOPE_LINK
	}
	if !del && r.Proto == 0 {
		nr.Protocol = unix.RTPROT_BOOT
	}
	return nr, nil
}

// RouteReplace adds r or replaces the route to the same destination
// (`ip route replace`).
func (h *Handle) RouteReplace(r Route) error {
	nr, err := h.nlRoute(r, false)
	if err != nil {
		return err
	}
	if err := h.nl.RouteReplace(nr); err != nil {
		return fmt.Errorf("route replace %s: %w", r.Dst, err)
	}
	return nil
}

// RouteDel deletes the route matching r's fields (`ip route del`).
func (h *Handle) RouteDel(r Route) error {
	nr, err := h.nlRoute(r, true)
	if err != nil {
		return err
	}
	if err := h.nl.RouteDel(nr); err != nil {
		return fmt.Errorf("route del %s: %w", r.Dst, err)
	}
	return nil
}

// MainRoutes lists the main table's routes of one family, as
// `ip -4|-6 route list` does.
func (h *Handle) MainRoutes(v6 bool) ([]Route, error) {
	fam := netlink.FAMILY_V4
	if v6 {
		fam = netlink.FAMILY_V6
	}
	rs, err := h.nl.RouteListFiltered(fam, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return nil, fmt.Errorf("listing routes: %w", err)
	}
	out := make([]Route, 0, len(rs))
	for _, r := range rs {
		dst := prefixOf(r.Dst)
		if r.Dst == nil {
			dst = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
			if v6 {
				dst = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
			}
		}
		out = append(out, Route{
			Dst: dst, Gateway: addrOf(r.Gw), Dev: h.linkName(r.LinkIndex), Src: addrOf(r.Src),
			Metric: r.Priority, MTU: r.MTU, Table: r.Table, Proto: int(r.Protocol),
		})
	}
	return out, nil
}

// AddrAdd adds p to dev with the given scope (`ip addr add P dev DEV scope S`).
func (h *Handle) AddrAdd(dev string, p netip.Prefix, scope int) error {
	link, err := h.nl.LinkByName(dev)
	if err != nil {
		return fmt.Errorf("addr add %s: device %q: %w", p, dev, err)
	}
	if err := h.nl.AddrAdd(link, &netlink.Addr{IPNet: ipNet(p), Scope: scope}); err != nil {
		return fmt.Errorf("addr add %s dev %s: %w", p, dev, err)
	}
	return nil
}

// AddrDel removes p from dev (`ip addr del P dev DEV`).
func (h *Handle) AddrDel(dev string, p netip.Prefix) error {
	link, err := h.nl.LinkByName(dev)
	if err != nil {
		return fmt.Errorf("addr del %s: device %q: %w", p, dev, err)
	}
	if err := h.nl.AddrDel(link, &netlink.Addr{IPNet: ipNet(p)}); err != nil {
		return fmt.Errorf("addr del %s dev %s: %w", p, dev, err)
	}
	return nil
}

// Addrs lists dev's addresses of one family with the given scope
// (`ip -4|-6 addr list dev DEV scope S`).
func (h *Handle) Addrs(dev string, v6 bool, scope int) ([]netip.Prefix, error) {
	link, err := h.nl.LinkByName(dev)
	if err != nil {
		return nil, fmt.Errorf("addr list dev %s: %w", dev, err)
	}
	fam := netlink.FAMILY_V4
	if v6 {
		fam = netlink.FAMILY_V6
	}
	as, err := h.nl.AddrList(link, fam)
	if err != nil {
		return nil, fmt.Errorf("addr list dev %s: %w", dev, err)
	}
	var out []netip.Prefix
	for _, a := range as {
		if a.Scope == scope {
			out = append(out, prefixOf(a.IPNet))
		}
	}
	return out, nil
}

// AddrTentative reports whether p on dev is still tentative: an IPv6
// address the kernel has not finished bringing up, which routes cannot use
// as their source yet ("invalid argument").
func (h *Handle) AddrTentative(dev string, p netip.Prefix) (bool, error) {
	link, err := h.nl.LinkByName(dev)
	if err != nil {
		return false, fmt.Errorf("addr list dev %s: %w", dev, err)
	}
	as, err := h.nl.AddrList(link, netlink.FAMILY_V6)
	if err != nil {
		return false, fmt.Errorf("addr list dev %s: %w", dev, err)
	}
	for _, a := range as {
		if prefixOf(a.IPNet) == p {
			return a.Flags&unix.IFA_F_TENTATIVE != 0, nil
		}
	}
	return false, nil
}

// Link describes the interface dev.
func (h *Handle) Link(dev string) (LinkInfo, error) {
	link, err := h.nl.LinkByName(dev)
	if err != nil {
		return LinkInfo{}, fmt.Errorf("link %s: %w", dev, err)
	}
	a := link.Attrs()
	return LinkInfo{
		PointToPoint: a.RawFlags&unix.IFF_POINTOPOINT != 0,
		HardwareAddr: a.HardwareAddr.String(),
	}, nil
}

// ProxyNeighAdd publishes addr on dev with the hardware address mac, as
// `ip neigh add proxy ADDR dev DEV lladdr MAC nud permanent` does.
func (h *Handle) ProxyNeighAdd(addr netip.Addr, dev, mac string) error {
	n, err := h.proxyNeigh(addr, dev)
	if err != nil {
		return err
	}
	hw, err := net.ParseMAC(mac)
	if err != nil {
		return fmt.Errorf("neigh add proxy %s: %w", addr, err)
	}
	n.HardwareAddr = hw
	n.State = netlink.NUD_PERMANENT
	if err := h.nl.NeighAdd(n); err != nil {
		return fmt.Errorf("neigh add proxy %s dev %s: %w", addr, dev, err)
	}
	return nil
}

// ProxyNeighDel withdraws a proxy entry (`ip neigh del proxy ADDR dev DEV`).
func (h *Handle) ProxyNeighDel(addr netip.Addr, dev string) error {
	n, err := h.proxyNeigh(addr, dev)
	if err != nil {
		return err
	}
	if err := h.nl.NeighDel(n); err != nil {
		return fmt.Errorf("neigh del proxy %s dev %s: %w", addr, dev, err)
	}
	return nil
}

func (h *Handle) proxyNeigh(addr netip.Addr, dev string) (*netlink.Neigh, error) {
	link, err := h.nl.LinkByName(dev)
	if err != nil {
		return nil, fmt.Errorf("neigh proxy %s: device %q: %w", addr, dev, err)
	}
	fam := netlink.FAMILY_V4
	if addr.Is6() {
		fam = netlink.FAMILY_V6
	}
	return &netlink.Neigh{LinkIndex: link.Attrs().Index, Family: fam, IP: ip(addr), Flags: netlink.NTF_PROXY}, nil
}

func (h *Handle) nlRule(r Rule) *netlink.Rule {
	nr := netlink.NewRule()
	nr.Priority = r.Priority
	nr.Dst = ipNet(r.Dst)
	nr.Table = r.Table
	nr.Mark = r.Mark
	m := r.Mask
	nr.Mask = &m
	nr.Family = netlink.FAMILY_V4
	if r.Dst.Addr().Is6() {
		nr.Family = netlink.FAMILY_V6
	}
	return nr
}

// RuleAdd adds a policy routing rule (`ip rule add`).
func (h *Handle) RuleAdd(r Rule) error {
	if err := h.nl.RuleAdd(h.nlRule(r)); err != nil {
		return fmt.Errorf("rule add prio %d to %s: %w", r.Priority, r.Dst, err)
	}
	return nil
}

// RuleDel deletes a policy routing rule (`ip rule del`).
func (h *Handle) RuleDel(r Rule) error {
	if err := h.nl.RuleDel(h.nlRule(r)); err != nil {
		return fmt.Errorf("rule del prio %d to %s: %w", r.Priority, r.Dst, err)
	}
	return nil
}
