package kernel

import (
	"fmt"
	"net/netip"
)

// Action is what a policy does with matching traffic.
type Action uint8

// Policy actions: Allow with templates requires IPsec, Allow without
// passes in clear, Block drops.
const (
	ActionAllow Action = iota
	ActionBlock
)

func (a Action) String() string {
	if a == ActionBlock {
		return "block"
	}
	return "allow"
}

// Plan is what one end installs for a conn: SAs first listed in the order
// they are added, then policies.
type Plan struct {
	Conn     string
	Local    Side
	States   []State
	Policies []Policy
}

// Options adjust a plan.
type Options struct {
	// Reqid ties the policies to the SAs. 0 derives it from the first SPI
	// of each direction, which is unique per conn because SPIs must be.
	Reqid uint32
}

// Plan computes the SAs and policies for end local. Both hosts must be
// known (Resolve first for %defaultroute).
func (m *Manual) Plan(local Side, opt Options) (*Plan, error) {
	me, peer := m.End(local), m.End(local.Other())
	if !me.Host.IsValid() || !peer.Host.IsValid() {
		return nil, fmt.Errorf("conn %q: %%defaultroute not resolved", m.Name)
	}
	p := &Plan{Conn: m.Name, Local: local}
	myNet, peerNet := me.Client(), peer.Client()
	if m.Shunt() {
		act := ActionBlock
		if m.Type == TypePassthrough {
			act = ActionAllow
		}
		p.Policies = policies(myNet, peerNet, me.HasClient(), nil, nil, act)
		return p, nil
	}
	out, in := m.Flows[local], m.Flows[local.Other()]
	outReq, inReq := opt.Reqid, opt.Reqid
	if opt.Reqid == 0 {
		outReq, inReq = firstSPI(out), firstSPI(in)
	}
	outStates := m.states(me.Host, peer.Host, out, outReq)
	inStates := m.states(peer.Host, me.Host, in, inReq)
	p.States = append(outStates, inStates...)
	p.Policies = policies(myNet, peerNet, me.HasClient() && m.Type == TypeTunnel,
		templates(outStates), templates(inStates), ActionAllow)
	return p, nil
}

func firstSPI(f Flow) uint32 {
	if f.ESPSPI != 0 {
		return f.ESPSPI
	}
	return f.AHSPI
}

// states builds the SAs of one direction, innermost first: ESP, then AH
// around it. With both in tunnel mode ESP does the tunnelling and AH
// protects the outer header in transport mode, as KLIPS grouped
// tun+esp+ah.
func (m *Manual) states(src, dst netip.Addr, f Flow, reqid uint32) []State {
	var out []State
	mode := m.Mode()
	if m.ESP != nil {
		enc, auth, aead := m.ESP.algos(f.ESPEncKey, f.ESPAuthKey)
		out = append(out, State{Src: src, Dst: dst, Proto: ProtoESP, SPI: f.ESPSPI, Mode: mode,
			Reqid: reqid, ReplayWindow: m.ESPReplay, Enc: enc, Auth: auth, AEAD: aead})
		mode = ModeTransport
	}
	if m.AH != nil {
		out = append(out, State{Src: src, Dst: dst, Proto: ProtoAH, SPI: f.AHSPI, Mode: mode,
			Reqid: reqid, ReplayWindow: m.AHReplay, Auth: m.AH.algo(f.AHKey)})
	}
	return out
}

func templates(states []State) []Template {
	out := make([]Template, len(states))
	for i, s := range states {
		out[i] = Template{Src: s.Src, Dst: s.Dst, Proto: s.Proto, Mode: s.Mode, Reqid: s.Reqid}
	}
	return out
}

// policies builds out and in, and fwd when packets for a subnet behind this
// host are forwarded rather than delivered locally.
func policies(myNet, peerNet netip.Prefix, fwd bool, outT, inT []Template, act Action) []Policy {
	prio := priority(myNet, peerNet)
	ps := []Policy{
		{Src: myNet, Dst: peerNet, Dir: DirOut, Priority: prio, Tmpls: outT, Action: act},
		{Src: peerNet, Dst: myNet, Dir: DirIn, Priority: prio, Tmpls: inT, Action: act},
	}
	if fwd {
		ps = append(ps, Policy{Src: peerNet, Dst: myNet, Dir: DirFwd, Priority: prio, Tmpls: inT, Action: act})
	}
	return ps
}

// priority makes more specific selectors win (XFRM picks the lowest
// number): 1024 plus the number of wildcard bits in both selectors.
func priority(a, b netip.Prefix) uint32 {
	wild := 2*a.Addr().BitLen() - a.Bits() - b.Bits()
	return 1024 + uint32(wild)
}
