package kernel

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Handle is a netlink connection to one network namespace's XFRM and
// routing tables. Nothing here uses netlink's package-level handle, so a
// test can point a Handle at a throwaway namespace.
type Handle struct {
	nl *netlink.Handle
}

// OpenHandle opens a Handle on the network namespace at nsPath (e.g.
// /run/netns/NAME), or on the caller's namespace when nsPath is "".
func OpenHandle(nsPath string) (*Handle, error) {
	// Name the families: with none netlink also opens NETLINK_NETFILTER,
	// which fails where nfnetlink is not loaded.
	families := []int{unix.NETLINK_XFRM, unix.NETLINK_ROUTE}
	if nsPath == "" {
		h, err := netlink.NewHandle(families...)
		if err != nil {
			return nil, fmt.Errorf("opening netlink: %w", err)
		}
		return &Handle{nl: h}, nil
	}
	ns, err := netns.GetFromPath(nsPath)
	if err != nil {
		return nil, fmt.Errorf("opening network namespace %s: %w", nsPath, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns, families...)
	if err != nil {
		return nil, fmt.Errorf("opening netlink in %s: %w", nsPath, err)
	}
	return &Handle{nl: h}, nil
}

// NewHandle wraps an existing netlink handle.
func NewHandle(h *netlink.Handle) *Handle { return &Handle{nl: h} }

// Close releases the netlink sockets.
func (h *Handle) Close() { h.nl.Close() }

// MissingError reports that the kernel cannot install an SA of a protocol
// or algorithm: it lacks ESP or AH (esp4/esp6/ah4/ah6 modules) or the
// crypto algorithm. The kernel answers EPROTONOSUPPORT for a missing
// protocol and ENOSYS for a missing AEAD algorithm.
type MissingError struct {
	State State
	Err   error
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("kernel lacks %s: adding SA %s (%s): %v (load the %s4/%s6 modules and the crypto algorithms, or use a kernel with CONFIG_INET_%s)",
		upper(e.State.Proto.String()), e.State.ID(), algoNames(e.State), e.Err,
		e.State.Proto, e.State.Proto, upper(e.State.Proto.String()))
}

func (e *MissingError) Unwrap() error { return e.Err }

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func algoNames(s State) string {
	var names []string
	for _, a := range []*Algo{s.AEAD, s.Enc, s.Auth} {
		if a != nil {
			names = append(names, a.Name)
		}
	}
	out := ""
	for i, n := range names {
		if i > 0 {
			out += "+"
		}
		out += n
	}
	return out
}

// Apply installs the plan: policies first, so that no packet can leave in
// clear between the steps, then the SAs. If any step fails, everything this
// call installed is removed again and the error says what failed (and any
// rollback failure).
func (h *Handle) Apply(p *Plan) error {
	var done []func() error
	rollback := func(cause error) error {
		errs := []error{cause}
		for i := len(done) - 1; i >= 0; i-- {
			if err := done[i](); err != nil {
				errs = append(errs, fmt.Errorf("rolling back: %w", err))
			}
		}
		return errors.Join(errs...)
	}
	for _, pol := range p.Policies {
		np := toNetlinkPolicy(pol)
		if err := h.nl.XfrmPolicyAdd(np); err != nil {
			err = fmt.Errorf("adding policy %s: %w", pol.ID(), err)
			if errors.Is(err, unix.EEXIST) {
				err = fmt.Errorf("%w (conn %q already up, or another conn has the same subnets)", err, p.Conn)
			}
			return rollback(err)
		}
		done = append(done, func() error { return h.delPolicy(pol) })
	}
	for _, s := range p.States {
		if err := h.nl.XfrmStateAdd(toNetlinkState(s)); err != nil {
			if errors.Is(err, unix.EPROTONOSUPPORT) || errors.Is(err, unix.ENOSYS) {
				return rollback(&MissingError{State: s, Err: err})
			}
			err = fmt.Errorf("adding SA %s: %w", s.ID(), err)
			if errors.Is(err, unix.EEXIST) {
				err = fmt.Errorf("%w (another SA has this SPI; every manual conn needs its own spi=/spibase=)", err)
			}
			return rollback(err)
		}
		done = append(done, func() error { return h.delState(s) })
	}
	return nil
}

// Remove deletes exactly the plan's SAs and policies. Objects that are
// already gone are skipped; the count of deleted objects is returned.
func (h *Handle) Remove(p *Plan) (int, error) {
	n := 0
	var errs []error
	for i := len(p.States) - 1; i >= 0; i-- {
		switch err := h.delState(p.States[i]); {
		case err == nil:
			n++
		case isGone(err):
		default:
			errs = append(errs, err)
		}
	}
	for i := len(p.Policies) - 1; i >= 0; i-- {
		switch err := h.delPolicy(p.Policies[i]); {
		case err == nil:
			n++
		case isGone(err):
		default:
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

func isGone(err error) bool { return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ESRCH) }

func (h *Handle) delPolicy(p Policy) error {
	if err := h.nl.XfrmPolicyDel(toNetlinkPolicy(p)); err != nil {
		return fmt.Errorf("deleting policy %s: %w", p.ID(), err)
	}
	return nil
}

func (h *Handle) delState(s State) error {
	ns := &netlink.XfrmState{Src: ip(s.Src), Dst: ip(s.Dst), Proto: nlProto(s.Proto), Spi: int(s.SPI)}
	if err := h.nl.XfrmStateDel(ns); err != nil {
		return fmt.Errorf("deleting SA %s: %w", s.ID(), err)
	}
	return nil
}

func ip(a netip.Addr) net.IP { return net.IP(a.AsSlice()) }

func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: ip(p.Addr()), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

func nlProto(p Proto) netlink.Proto {
	if p == ProtoAH {
		return netlink.XFRM_PROTO_AH
	}
	return netlink.XFRM_PROTO_ESP
}

func nlMode(m Mode) netlink.Mode {
	if m == ModeTunnel {
		return netlink.XFRM_MODE_TUNNEL
	}
	return netlink.XFRM_MODE_TRANSPORT
}

func nlDir(d Dir) netlink.Dir {
	switch d {
	case DirIn:
		return netlink.XFRM_DIR_IN
	case DirFwd:
		return netlink.XFRM_DIR_FWD
	}
	return netlink.XFRM_DIR_OUT
}

func toNetlinkPolicy(p Policy) *netlink.XfrmPolicy {
	np := &netlink.XfrmPolicy{Src: ipNet(p.Src), Dst: ipNet(p.Dst), Dir: nlDir(p.Dir), Priority: int(p.Priority)}
	if p.Action == ActionBlock {
		np.Action = netlink.XFRM_POLICY_BLOCK
	}
	for _, t := range p.Tmpls {
		np.Tmpls = append(np.Tmpls, netlink.XfrmPolicyTmpl{Src: ip(t.Src), Dst: ip(t.Dst),
			Proto: nlProto(t.Proto), Mode: nlMode(t.Mode), Reqid: int(t.Reqid)})
	}
	return np
}

func toNetlinkState(s State) *netlink.XfrmState {
	ns := &netlink.XfrmState{Src: ip(s.Src), Dst: ip(s.Dst), Proto: nlProto(s.Proto), Mode: nlMode(s.Mode),
		Spi: int(s.SPI), Reqid: int(s.Reqid), ReplayWindow: int(s.ReplayWindow)}
	conv := func(a *Algo, icv bool) *netlink.XfrmStateAlgo {
		if a == nil {
			return nil
		}
		na := &netlink.XfrmStateAlgo{Name: a.Name, Key: a.Key.Bytes()}
		if icv {
			na.ICVLen = a.Bits
		} else {
			na.TruncateLen = a.Bits
		}
		return na
	}
	ns.Crypt = conv(s.Enc, false)
	ns.Auth = conv(s.Auth, false)
	ns.Aead = conv(s.AEAD, true)
	return ns
}

// Snapshot lists the namespace's SAs, policies (socket policies left out)
// and routes, sorted for stable output.
func (h *Handle) Snapshot() (*Snapshot, error) {
	snap := &Snapshot{Counters: map[string]Counters{}}
	states, err := h.nl.XfrmStateList(netlink.FAMILY_ALL)
	if err != nil {
		return nil, fmt.Errorf("listing XFRM states: %w", err)
	}
	for _, ns := range states {
		s := fromNetlinkState(ns)
		snap.States = append(snap.States, s)
		snap.Counters[s.ID()] = Counters{Bytes: ns.Statistics.Bytes, Packets: ns.Statistics.Packets}
	}
	pols, err := h.nl.XfrmPolicyList(netlink.FAMILY_ALL)
	if err != nil {
		return nil, fmt.Errorf("listing XFRM policies: %w", err)
	}
	for _, np := range pols {
		if np.Dir > netlink.XFRM_DIR_FWD {
			continue // per-socket policies belong to a program, not to a conn
		}
		snap.Policies = append(snap.Policies, fromNetlinkPolicy(np))
	}
	routes, err := h.nl.RouteList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return nil, fmt.Errorf("listing routes: %w", err)
	}
	for _, r := range routes {
		rt := Route{Gateway: addrOf(r.Gw), Src: addrOf(r.Src)}
		if r.Dst != nil {
			rt.Dst = prefixOf(r.Dst)
		}
		if link, err := h.nl.LinkByIndex(r.LinkIndex); err == nil {
			rt.Dev = link.Attrs().Name
		}
		snap.Routes = append(snap.Routes, rt)
	}
	sort.SliceStable(snap.States, func(i, j int) bool { return stateLess(snap.States[i], snap.States[j]) })
	sort.SliceStable(snap.Policies, func(i, j int) bool { return policyLess(snap.Policies[i], snap.Policies[j]) })
	return snap, nil
}

func addrOf(b net.IP) netip.Addr {
	a, _ := netip.AddrFromSlice(b)
	return a.Unmap()
}

func prefixOf(n *net.IPNet) netip.Prefix {
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(addrOf(n.IP), ones)
}

func fromNetlinkState(ns netlink.XfrmState) State {
	s := State{Src: addrOf(ns.Src), Dst: addrOf(ns.Dst), SPI: uint32(ns.Spi), Reqid: uint32(ns.Reqid),
		ReplayWindow: uint32(ns.ReplayWindow), Proto: ProtoESP}
	if ns.Proto == netlink.XFRM_PROTO_AH {
		s.Proto = ProtoAH
	}
	if ns.Mode == netlink.XFRM_MODE_TUNNEL {
		s.Mode = ModeTunnel
	}
	conv := func(a *netlink.XfrmStateAlgo, icv bool) *Algo {
		if a == nil {
			return nil
		}
		out := &Algo{Name: a.Name, Key: NewKey(a.Key), Bits: a.TruncateLen}
		if icv {
			out.Bits = a.ICVLen
		}
		return out
	}
	s.Enc, s.Auth, s.AEAD = conv(ns.Crypt, false), conv(ns.Auth, false), conv(ns.Aead, true)
	return s
}

func fromNetlinkPolicy(np netlink.XfrmPolicy) Policy {
	p := Policy{Priority: uint32(np.Priority)}
	if np.Src != nil {
		p.Src = prefixOf(np.Src)
	}
	if np.Dst != nil {
		p.Dst = prefixOf(np.Dst)
	}
	switch np.Dir {
	case netlink.XFRM_DIR_IN:
		p.Dir = DirIn
	case netlink.XFRM_DIR_FWD:
		p.Dir = DirFwd
	}
	if np.Action == netlink.XFRM_POLICY_BLOCK {
		p.Action = ActionBlock
	}
	for _, t := range np.Tmpls {
		tm := Template{Src: addrOf(t.Src), Dst: addrOf(t.Dst), Reqid: uint32(t.Reqid), Proto: ProtoESP}
		if t.Proto == netlink.XFRM_PROTO_AH {
			tm.Proto = ProtoAH
		}
		if t.Mode == netlink.XFRM_MODE_TUNNEL {
			tm.Mode = ModeTunnel
		}
		p.Tmpls = append(p.Tmpls, tm)
	}
	return p
}

// LocalAddrs lists the namespace's addresses with their interface names,
// the candidates for "this end" of a conn.
func (h *Handle) LocalAddrs() (map[netip.Addr]string, error) {
	addrs, err := h.nl.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return nil, fmt.Errorf("listing addresses: %w", err)
	}
	out := make(map[netip.Addr]string, len(addrs))
	for _, a := range addrs {
		name := a.Label
		if link, err := h.nl.LinkByIndex(a.LinkIndex); err == nil {
			name = link.Attrs().Name
		}
		out[addrOf(a.IP)] = name
	}
	return out, nil
}

func isDefault(n *net.IPNet) bool { ones, _ := n.Mask.Size(); return ones == 0 }
