package kernel

import (
	"fmt"
	"strings"
)

// UpCommands renders the plan as the `ip xfrm` commands that would install
// it, in Apply's order, with every key printed as [redacted]: what
// `ipsec manual --showonly --up` prints. The commands are a description,
// not a script to paste: the keys are gone.
func (p *Plan) UpCommands() []string {
	var out []string
	for _, pol := range p.Policies {
		out = append(out, "ip xfrm policy add "+policyArgs(pol, true))
	}
	for _, s := range p.States {
		out = append(out, "ip xfrm state add "+stateArgs(s))
	}
	return out
}

// DownCommands renders what Remove deletes, in its order.
func (p *Plan) DownCommands() []string {
	var out []string
	for i := len(p.States) - 1; i >= 0; i-- {
		s := p.States[i]
		out = append(out, fmt.Sprintf("ip xfrm state delete src %s dst %s proto %s spi 0x%08x", s.Src, s.Dst, s.Proto, s.SPI))
	}
	for i := len(p.Policies) - 1; i >= 0; i-- {
		out = append(out, "ip xfrm policy delete "+policyArgs(p.Policies[i], false))
	}
	return out
}

func policyArgs(p Policy, full bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "src %s dst %s dir %s", p.Src, p.Dst, p.Dir)
	if !full {
		return b.String()
	}
	fmt.Fprintf(&b, " priority %d", p.Priority)
	if len(p.Tmpls) == 0 {
		fmt.Fprintf(&b, " action %s", p.Action)
	}
	for _, t := range p.Tmpls {
		fmt.Fprintf(&b, " tmpl src %s dst %s proto %s reqid %d mode %s", t.Src, t.Dst, t.Proto, t.Reqid, t.Mode)
	}
	return b.String()
}

func stateArgs(s State) string {
	var b strings.Builder
	fmt.Fprintf(&b, "src %s dst %s proto %s spi 0x%08x reqid %d mode %s", s.Src, s.Dst, s.Proto, s.SPI, s.Reqid, s.Mode)
	if s.ReplayWindow > 0 {
		fmt.Fprintf(&b, " replay-window %d", s.ReplayWindow)
	}
	b.WriteString(algoArgs(s, false))
	return b.String()
}

// algoArgs renders the algorithms in iproute2's syntax; keys appear only
// when showKeys is set (ipsec look --show-keys).
func algoArgs(s State, showKeys bool) string {
	key := func(k Key) string {
		if showKeys {
			return fmt.Sprintf("0x%x", k.Bytes())
		}
		return Redacted
	}
	var b strings.Builder
	if s.AEAD != nil {
		fmt.Fprintf(&b, " aead '%s' %s %d", s.AEAD.Name, key(s.AEAD.Key), s.AEAD.Bits)
	}
	if s.Auth != nil {
		fmt.Fprintf(&b, " auth-trunc '%s' %s %d", s.Auth.Name, key(s.Auth.Key), s.Auth.Bits)
	}
	if s.Enc != nil {
		fmt.Fprintf(&b, " enc '%s' %s", s.Enc.Name, key(s.Enc.Key))
	}
	return b.String()
}
