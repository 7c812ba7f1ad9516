package kernel

import (
	"fmt"
	"io"
	"strings"
)

// Snapshot is the XFRM content of a network namespace and its routes, as
// ipsec look reports them.
type Snapshot struct {
	States   []State
	Counters map[string]Counters // by State.ID()
	Policies []Policy
	Routes   []Route
}

// Counters are an SA's traffic counters.
type Counters struct{ Bytes, Packets uint64 }

// String is the route as look prints it: destination, gateway, device
// and source.
func (r Route) String() string {
	var b strings.Builder
	if r.Dst.IsValid() && r.Dst.Bits() > 0 {
		b.WriteString(r.Dst.String())
	} else {
		b.WriteString("default")
	}
	if r.Gateway.IsValid() {
		fmt.Fprintf(&b, " via %s", r.Gateway)
	}
	if r.Dev != "" {
		fmt.Fprintf(&b, " dev %s", r.Dev)
	}
	if r.Src.IsValid() {
		fmt.Fprintf(&b, " src %s", r.Src)
	}
	return b.String()
}

// WriteStates prints the SAs as `ip -s xfrm state` lays them out, with the
// traffic counters and keys [redacted] unless showKeys.
func (s *Snapshot) WriteStates(w io.Writer, showKeys bool) {
	for _, st := range s.States {
		fmt.Fprintf(w, "src %s dst %s\n", st.Src, st.Dst)
		fmt.Fprintf(w, "\tproto %s spi 0x%08x reqid %d mode %s\n", st.Proto, st.SPI, st.Reqid, st.Mode)
		fmt.Fprintf(w, "\treplay-window %d\n", st.ReplayWindow)
		for _, a := range algoLines(st, showKeys) {
			fmt.Fprintf(w, "\t%s\n", a)
		}
		if c, ok := s.Counters[st.ID()]; ok {
			fmt.Fprintf(w, "\ttraffic: %d bytes, %d packets\n", c.Bytes, c.Packets)
		}
	}
}

func algoLines(s State, showKeys bool) []string {
	key := func(k Key) string {
		if showKeys {
			return fmt.Sprintf("0x%x", k.Bytes())
		}
		return Redacted
	}
	var out []string
	if s.AEAD != nil {
		out = append(out, fmt.Sprintf("aead %s %s %d", s.AEAD.Name, key(s.AEAD.Key), s.AEAD.Bits))
	}
	if s.Auth != nil {
		out = append(out, fmt.Sprintf("auth-trunc %s %s %d", s.Auth.Name, key(s.Auth.Key), s.Auth.Bits))
	}
	if s.Enc != nil {
		out = append(out, fmt.Sprintf("enc %s %s", s.Enc.Name, key(s.Enc.Key)))
	}
	return out
}

// WritePolicies prints the policies as `ip xfrm policy` lays them out.
func (s *Snapshot) WritePolicies(w io.Writer) {
	for _, p := range s.Policies {
		fmt.Fprintf(w, "src %s dst %s\n", p.Src, p.Dst)
		fmt.Fprintf(w, "\tdir %s priority %d", p.Dir, p.Priority)
		if p.Action == ActionBlock {
			fmt.Fprint(w, " action block")
		}
		fmt.Fprintln(w)
		for _, t := range p.Tmpls {
			fmt.Fprintf(w, "\ttmpl src %s dst %s\n", t.Src, t.Dst)
			fmt.Fprintf(w, "\t\tproto %s reqid %d mode %s\n", t.Proto, t.Reqid, t.Mode)
		}
	}
}

// IPsecRoutes returns the routes that involve IPsec: those toward a policy's
// destination, or through a gateway that is an SA endpoint, plus the default
// route (the one %defaultroute picks).
func (s *Snapshot) IPsecRoutes() []Route {
	var out []Route
	for _, r := range s.Routes {
		if !r.Dst.IsValid() || r.Dst.Bits() == 0 || s.involves(r) {
			out = append(out, r)
		}
	}
	return out
}

func (s *Snapshot) involves(r Route) bool {
	for _, p := range s.Policies {
		if p.Dst.Bits() > 0 && (r.Dst.Overlaps(p.Dst)) {
			return true
		}
	}
	for _, st := range s.States {
		if r.Dst.Contains(st.Dst) && r.Dst.Bits() == st.Dst.BitLen() || r.Gateway.IsValid() && (r.Gateway == st.Dst || r.Gateway == st.Src) {
			return true
		}
	}
	return false
}

func stateLess(a, b State) bool {
	if c := a.Src.Compare(b.Src); c != 0 {
		return c < 0
	}
	if c := a.Dst.Compare(b.Dst); c != 0 {
		return c < 0
	}
	if a.Proto != b.Proto {
		return a.Proto < b.Proto
	}
	return a.SPI < b.SPI
}

// policyLess orders policies as Libreswan's look does: IPv4 first, then by
// the text of their first line and direction, as sort(1) would.
func policyLess(a, b Policy) bool {
	if a.Src.Addr().Is4() != b.Src.Addr().Is4() {
		return a.Src.Addr().Is4()
	}
	key := func(p Policy) string {
		return fmt.Sprintf("src %s dst %s dir %s priority %d", p.Src, p.Dst, p.Dir, p.Priority)
	}
	return key(a) < key(b)
}
