package kernel

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"goswan/conf"
	"goswan/conf/token"
)

// Side names one end of a conn as written in ipsec.conf.
type Side uint8

// The two ends.
const (
	Left Side = iota
	Right
)

func (s Side) String() string {
	if s == Right {
		return "right"
	}
	return "left"
}

// Other is the opposite end.
func (s Side) Other() Side { return 1 - s }

// End is one end of a manual conn.
type End struct {
	// Host is the end's public address; invalid while DefaultRoute is
	// unresolved.
	Host         netip.Addr
	DefaultRoute bool // written as %defaultroute
	// Subnet is the client subnet behind the end; invalid when the end
	// protects only itself.
	Subnet netip.Prefix
	// NextHop is the gateway toward the other end; invalid for %direct
	// (the other end is on-link). NextHopDefault marks %defaultroute.
	NextHop        netip.Addr
	NextHopDefault bool
	// Updown is the updown command line ("" when disabled).
	Updown   string
	Firewall bool
}

// Client is the traffic selector of the end: its subnet, or its own address.
func (e End) Client() netip.Prefix {
	if e.Subnet.IsValid() {
		return e.Subnet
	}
	return netip.PrefixFrom(e.Host, e.Host.BitLen())
}

// HasClient reports whether the end protects a subnet rather than itself
// (updown's -client verbs instead of -host).
func (e End) HasClient() bool {
	return e.Subnet.IsValid() && e.Subnet != netip.PrefixFrom(e.Host, e.Host.BitLen())
}

// Flow is the keying of the SAs that carry traffic sent by one end.
type Flow struct {
	ESPSPI, AHSPI         uint32
	ESPEncKey, ESPAuthKey Key
	AHKey                 Key
}

// Shunt types need no keys: they pass or drop the traffic.
const (
	TypeTunnel      = "tunnel"
	TypeTransport   = "transport"
	TypePassthrough = "passthrough"
	TypeDrop        = "drop"
	TypeReject      = "reject"
)

// Manual is a manually keyed conn, checked and typed.
type Manual struct {
	Name        string
	Pos         token.Position
	Type        string // one of the Type constants
	Left, Right End
	ESP         *ESPAlg
	AH          *AHAlg
	ESPReplay   uint32
	AHReplay    uint32
	// Flows is indexed by the sending end: Flows[Left] keys the SAs from
	// left to right.
	Flows [2]Flow
}

// End returns one end.
func (m *Manual) End(s Side) *End {
	if s == Right {
		return &m.Right
	}
	return &m.Left
}

// Shunt reports whether the conn only passes or drops traffic.
func (m *Manual) Shunt() bool {
	return m.Type == TypePassthrough || m.Type == TypeDrop || m.Type == TypeReject
}

// Mode is the XFRM mode of the conn's outer SA.
func (m *Manual) Mode() Mode {
	if m.Type == TypeTransport {
		return ModeTransport
	}
	return ModeTunnel
}

// maxReplay is the largest replay window the kernel keeps without ESN (a
// 32-bit bitmap).
const maxReplay = 32

// ParseManual checks a resolved conn for manual keying and returns it typed.
// Every problem is reported, each at the position of the value at fault
// (or of the conn for a missing keyword). Error messages never contain key
// material.
func ParseManual(c *conf.Conn) (*Manual, error) {
	p := &parser{c: c}
	m := &Manual{Name: c.Name, Pos: c.Pos, Type: TypeTunnel}
	if v, ok := c.Get("type"); ok {
		switch t := strings.ToLower(v.Raw); t {
		case "tunnel", "transport", "drop", "reject":
			m.Type = t
		case "passthrough", "pass":
			m.Type = TypePassthrough
		default:
			p.errf(v.Pos, "type=%q is not one of tunnel, transport, passthrough, drop, reject", v.Raw)
		}
	}
	for _, s := range []Side{Left, Right} {
		p.end(m, s)
	}
	if m.Left.DefaultRoute && m.Right.DefaultRoute {
		p.errf(c.Pos, "conn %q: left and right cannot both be %%defaultroute", c.Name)
	}
	if m.Left.Host.IsValid() && m.Right.Host.IsValid() && m.Left.Host.Is4() != m.Right.Host.Is4() {
		p.errf(c.Pos, "conn %q: left and right must be of the same address family", c.Name)
	}
	if m.Type == TypeTransport {
		for _, s := range []Side{Left, Right} {
			e := m.End(s)
			if e.Subnet.IsValid() && e.Host.IsValid() && e.HasClient() {
				v, _ := c.Get(s.String() + "subnet")
				p.errf(v.Pos, "%ssubnet: type=transport protects only the hosts; use type=tunnel for a subnet", s)
			}
		}
	}
	if m.Shunt() {
		for _, kw := range []string{"esp", "ah"} {
			if v, ok := c.Get(kw); ok {
				p.errf(v.Pos, "type=%s passes or drops traffic and takes no %s=", m.Type, kw)
			}
		}
		return m, p.list.Err()
	}
	p.algorithms(m)
	p.spis(m)
	p.keys(m)
	return m, p.list.Err()
}

type parser struct {
	c    *conf.Conn
	list token.ErrorList
}

func (p *parser) errf(pos token.Position, format string, args ...any) {
	if !pos.IsValid() {
		pos = p.c.Pos
	}
	p.list.Addf(pos, format, args...)
}

func (p *parser) end(m *Manual, s Side) {
	e := m.End(s)
	kw := s.String()
	v, ok := p.c.Get(kw)
	switch {
	case !ok:
		p.errf(p.c.Pos, "conn %q has no %s= (manual keying needs both ends' addresses)", p.c.Name, kw)
	case v.Raw == "%defaultroute":
		e.DefaultRoute = true
	default:
		a, err := netip.ParseAddr(v.Raw)
		if err != nil {
			p.errf(v.Pos, "%s=%q is not an IP address (manual keying looks up no names; use an address or %%defaultroute)", kw, v.Raw)
		} else {
			e.Host = a.Unmap()
		}
	}
	if v, ok := p.c.Get(kw + "subnet"); ok {
		switch {
		case v.Raw == "%default":
			e.Subnet = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
			if e.Host.Is6() {
				e.Subnet = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
			}
		case !strings.Contains(v.Raw, "/"):
			p.errf(v.Pos, "%ssubnet=%q needs a /length (e.g. %s/24)", kw, v.Raw, v.Raw)
		default:
			pr, err := conf.ParseSubnet(v.Raw)
			if err != nil {
				p.errf(v.Pos, "%ssubnet: %v", kw, err)
			} else if e.Host.IsValid() && pr.Addr().Is4() != e.Host.Is4() {
				p.errf(v.Pos, "%ssubnet=%q is not of the same address family as %s=", kw, v.Raw, kw)
			} else {
				e.Subnet = pr
			}
		}
	}
	if v, ok := p.c.Get(kw + "nexthop"); ok {
		switch v.Raw {
		case "%direct":
		case "%defaultroute":
			e.NextHopDefault = true
		default:
			a, err := netip.ParseAddr(v.Raw)
			if err != nil {
				p.errf(v.Pos, "%snexthop=%q is not an IP address, %%direct or %%defaultroute", kw, v.Raw)
			} else {
				e.NextHop = a.Unmap()
			}
		}
	}
	e.Updown = "ipsec _updown"
	if v, ok := p.c.Get(kw + "updown"); ok {
		e.Updown = v.Raw
		if v.Raw == "%disabled" {
			e.Updown = ""
		}
	}
	if v, ok := p.c.Get(kw + "firewall"); ok {
		b, err := conf.ParseBool(v.Raw)
		if err != nil {
			p.errf(v.Pos, "%sfirewall: %v", kw, err)
		}
		e.Firewall = b
	}
}

func (p *parser) algorithms(m *Manual) {
	esp, hasESP := p.c.Get("esp")
	ah, hasAH := p.c.Get("ah")
	if !hasESP && !hasAH {
		p.errf(p.c.Pos, "conn %q is manually keyed but has neither esp= nor ah= (e.g. esp=aes128-sha2_256)", p.c.Name)
	}
	if hasESP {
		a, err := ParseESP(esp.Raw)
		if err != nil {
			p.errf(esp.Pos, "%v", err)
		} else {
			m.ESP = &a
		}
	}
	if hasAH {
		a, err := ParseAH(ah.Raw)
		if err != nil {
			p.errf(ah.Pos, "%v", err)
		} else {
			m.AH = &a
		}
	}
	m.ESPReplay = p.replay("espreplay_window")
	m.AHReplay = p.replay("ahreplay_window")
}

func (p *parser) replay(kw string) uint32 {
	v, ok := p.c.Get(kw)
	if !ok {
		return 0
	}
	n, err := strconv.ParseUint(v.Raw, 10, 32)
	if err != nil || n > maxReplay {
		p.errf(v.Pos, "%s=%q must be an integer from 0 to %d (the kernel's window without ESN)", kw, v.Raw, maxReplay)
		return 0
	}
	return uint32(n)
}

// spis assigns SPIs: spi= gives every SA the same value; spibase=0x...0
// numbers the SAs as FreeS/WAN did, left→right even and right→left odd, in
// the order tunnel, ESP, AH (the tunnel slot is kept for tunnel mode so the
// numbers match FreeS/WAN's, which spent it on a separate IPIP SA); the
// per-side leftespspi= ... override one SA each.
func (p *parser) spis(m *Manual) {
	spi, hasSPI := p.c.Get("spi")
	base, hasBase := p.c.Get("spibase")
	for _, kw := range []string{"leftspi", "rightspi"} {
		if v, ok := p.c.Get(kw); ok {
			p.errf(v.Pos, "%s is not a manual keying keyword here; use %sespspi or %sahspi", kw, strings.TrimSuffix(kw, "spi"), strings.TrimSuffix(kw, "spi"))
		}
	}
	switch {
	case hasSPI && hasBase:
		p.errf(base.Pos, "spi= and spibase= cannot both be set (spi at %s)", spi.Pos)
	case hasSPI:
		n, ok := p.spiValue(spi)
		if ok {
			for s := range m.Flows {
				m.Flows[s].ESPSPI, m.Flows[s].AHSPI = n, n
			}
		}
	case hasBase:
		n, ok := p.spiValue(base)
		if ok && n&0xf != 0 {
			p.errf(base.Pos, "spibase=%s must end in hex digit 0 (e.g. 0x%x0)", base.Raw, n>>4)
			ok = false
		}
		if ok {
			for s := range m.Flows {
				next := n + uint32(s)
				if m.Type == TypeTunnel {
					next += 2
				}
				if m.ESP != nil {
					m.Flows[s].ESPSPI = next
					next += 2
				}
				if m.AH != nil {
					m.Flows[s].AHSPI = next
				}
			}
		}
	}
	for _, s := range []Side{Left, Right} {
		for _, which := range []string{"esp", "ah"} {
			kw := s.String() + which + "spi"
			v, ok := p.c.Get(kw)
			if !ok {
				continue
			}
			n, ok := p.spiValue(v)
			if !ok {
				continue
			}
			if which == "esp" {
				m.Flows[s].ESPSPI = n
			} else {
				m.Flows[s].AHSPI = n
			}
		}
	}
	for _, s := range []Side{Left, Right} {
		f := m.Flows[s]
		if m.ESP != nil && f.ESPSPI == 0 || m.AH != nil && f.AHSPI == 0 {
			p.errf(p.c.Pos, "conn %q has no SPI for the SAs from %s (set spi= or spibase=)", p.c.Name, s)
			return
		}
	}
}

func (p *parser) spiValue(v conf.Value) (uint32, bool) {
	raw := strings.ToLower(v.Raw)
	if !strings.HasPrefix(raw, "0x") {
		p.errf(v.Pos, "%s=%q must be hexadecimal with 0x (e.g. 0x200)", v.Keyword, v.Raw)
		return 0, false
	}
	n, err := strconv.ParseUint(raw[2:], 16, 32)
	if err != nil {
		p.errf(v.Pos, "%s=%q is not a 32-bit hexadecimal number", v.Keyword, v.Raw)
		return 0, false
	}
	if n < 0x100 {
		// RFC 4303: SPIs 1-255 are reserved by IANA, 0 is never used.
		p.errf(v.Pos, "%s=%s is below 0x100 (0-0xff are reserved; manual conns use 0x100-0xfff)", v.Keyword, v.Raw)
		return 0, false
	}
	return uint32(n), true
}

// keys reads the keys: one keyword for both directions (espenckey) or a
// pair naming the sending end (leftespenckey, rightespenckey).
func (p *parser) keys(m *Manual) {
	if m.ESP != nil {
		p.keyPair(m, "espenckey", func(f *Flow) *Key { return &f.ESPEncKey }, m.ESP.CheckEncKey)
		if m.ESP.AuthKeyBits() > 0 {
			p.keyPair(m, "espauthkey", func(f *Flow) *Key { return &f.ESPAuthKey }, m.ESP.CheckAuthKey)
		} else if v, ok := p.c.Get("espauthkey"); ok {
			p.errf(v.Pos, "espauthkey is set but %s authenticates with its encryption key", m.ESP.Spec)
		}
	}
	if m.AH != nil {
		p.keyPair(m, "ahkey", func(f *Flow) *Key { return &f.AHKey }, m.AH.CheckKey)
	}
}

func (p *parser) keyPair(m *Manual, kw string, field func(*Flow) *Key, check func(string, Key) error) {
	both, hasBoth := p.c.Get(kw)
	l, hasL := p.c.Get("left" + kw)
	r, hasR := p.c.Get("right" + kw)
	switch {
	case hasL != hasR:
		set, missing := l, "right"+kw
		if hasR {
			set, missing = r, "left"+kw
		}
		p.errf(set.Pos, "%s is set but %s is not (give both directions, or %s for both)", set.Keyword, missing, kw)
	case hasL && hasBoth:
		p.errf(both.Pos, "%s and left%s/right%s cannot both be set", kw, kw, kw)
	case hasL:
		for s, v := range []conf.Value{l, r} {
			p.key(v, field(&m.Flows[s]), check)
		}
	case hasBoth:
		var k Key
		p.key(both, &k, check)
		for s := range m.Flows {
			*field(&m.Flows[s]) = k
		}
	default:
		p.errf(p.c.Pos, "conn %q has no %s", p.c.Name, kw)
	}
}

func (p *parser) key(v conf.Value, dst *Key, check func(string, Key) error) {
	k, err := ParseKey(v.Raw)
	if err != nil {
		p.errf(v.Pos, "%s: %v", v.Keyword, err)
		return
	}
	if err := check(v.Keyword, k); err != nil {
		p.errf(v.Pos, "%v", err)
		return
	}
	*dst = k
}

// Resolve fills %defaultroute: the host address and gateway of the default
// route given as (src, gateway). A nexthop left unset or %direct points at
// the other end.
func (m *Manual) Resolve(src, gateway netip.Addr) error {
	for _, s := range []Side{Left, Right} {
		e := m.End(s)
		if e.DefaultRoute {
			if !src.IsValid() {
				return fmt.Errorf("conn %q: %s=%%defaultroute but this host has no default route", m.Name, s)
			}
			e.Host = src
		}
		if e.NextHopDefault {
			if !gateway.IsValid() {
				return fmt.Errorf("conn %q: %snexthop=%%defaultroute but the default route has no gateway", m.Name, s)
			}
			e.NextHop = gateway
		}
	}
	return nil
}

// NeedsDefaultRoute reports whether Resolve must be called.
func (m *Manual) NeedsDefaultRoute() bool {
	return m.Left.DefaultRoute || m.Right.DefaultRoute || m.Left.NextHopDefault || m.Right.NextHopDefault
}

// Orient finds which end this host is: the end whose address is one of
// local. An ambiguous or no match is an error naming the addresses.
func (m *Manual) Orient(local []netip.Addr) (Side, error) {
	has := func(a netip.Addr) bool {
		for _, l := range local {
			if l.Unmap() == a {
				return true
			}
		}
		return false
	}
	l, r := has(m.Left.Host), has(m.Right.Host)
	switch {
	case l && r:
		return Left, fmt.Errorf("conn %q: both left=%s and right=%s are addresses of this host; use --iam or --other to choose", m.Name, m.Left.Host, m.Right.Host)
	case l:
		return Left, nil
	case r:
		return Right, nil
	}
	return Left, fmt.Errorf("conn %q: neither left=%s nor right=%s is an address of this host (use --iam ADDRESS@INTERFACE)", m.Name, m.Left.Host, m.Right.Host)
}
