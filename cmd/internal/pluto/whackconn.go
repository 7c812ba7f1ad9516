package pluto

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"goswan/conf"
)

// This file fills a whack message for a conn the way Libreswan 4.10's
// addconn does (confread.c's defaults and load_conn, starterwhack.c's
// set_whack_end and starter_whack_basic_add_conn). It covers the common
// conn shapes; a conn using anything else gets ErrNotEncodable and goes
// through whack's command line instead. What it covers is exactly what
// TestEncodeMatchesAddconn proves byte-identical to addconn.

// ErrNotEncodable says a conn uses a keyword or value form the message
// encoder does not (yet) reproduce; the caller falls back to whack.
var ErrNotEncodable = errors.New("not encodable as a whack message")

// Policy bits (lset_t) of 4.10's enum sa_policy_bits.
const (
	polEncrypt         = 1 << 0
	polAuthenticate    = 1 << 1
	polCompress        = 1 << 2
	polTunnel          = 1 << 3
	polPFS             = 1 << 4
	polDecapDSCP       = 1 << 5
	polNoPMTUDisc      = 1 << 6
	polMSDHDowngrade   = 1 << 7
	polAllowNoSAN      = 1 << 8
	polDNSMatchID      = 1 << 9
	polSHA2Truncbug    = 1 << 10
	polDontRekey       = 1 << 11
	polReauth          = 1 << 12
	polOpportunistic   = 1 << 13
	polGroup           = 1 << 14
	polUp              = 1 << 17
	polXauth           = 1 << 18
	polModecfgPull     = 1 << 19
	polAggressive      = 1 << 20
	polOverlapIP       = 1 << 21
	polAllowNarrowing  = 1 << 22
	polSendRedirAlways = 1 << 24
	polSendRedirNever  = 1 << 25
	polAcceptRedirYes  = 1 << 26
	polIKEFragAllow    = 1 << 27
	polIKEFragForce    = 1 << 28
	polNoIKEPad        = 1 << 29
	polMobike          = 1 << 30
	polPPKAllow        = 1 << 31
	polPPKInsist       = 1 << 32
	polESNNo           = 1 << 33
	polESNYes          = 1 << 34
	polIntermediate    = 1 << 35
	polIgnorePeerDNS   = 1 << 36

	defaultPolicy = polTunnel | polEncrypt | polPFS | polIKEFragAllow | polESNNo | polESNYes
	// POL_SIGHASH_SHA2_256|384|512: bits 2, 3, 4 (RFC 7427 hash numbers).
	sighashSHA2 = 1<<2 | 1<<3 | 1<<4
)

// enum shunt_policy, enum keyword_host and friends.
const (
	shuntNone   = 1
	shuntHold   = 2
	shuntTrap   = 3
	shuntPass   = 4
	shuntDrop   = 5
	shuntReject = 6

	khDefaultRoute = 1
	khAny          = 2
	khIface        = 3
	khOppo         = 4
	khOppoGroup    = 5
	khGroup        = 6
	khHostname     = 7
	khIPAddr       = 255

	certAlwaysSend = 3
	dpdClear       = 1
	dpdHold        = 2
	dpdRestart     = 3
	ynaAuto        = 1
	ikeTCPNo       = 1
	afInet         = 2
	afInet6        = 10
	ipseckeyRSA    = 2
	rsaPreexchange = 255
)

// encodable lists the keywords the builder handles; anything else set on
// a conn makes it ErrNotEncodable.
var encodable = map[string]bool{
	"auto": true, "also": true, "authby": true, "type": true, "ikev2": true,
	"ike": true, "esp": true, "phase2alg": true, "pfs": true, "compress": true,
	"rekey": true, "reauth": true, "fragmentation": true, "esn": true,
	"ikelifetime": true, "salifetime": true, "ipsec-lifetime": true, "rekeymargin": true,
	"rekeyfuzz": true, "keyingtries": true, "dpddelay": true, "dpdtimeout": true,
	"dpdaction": true, "failureshunt": true, "negotiationshunt": true,
	"mobike": true, "narrowing": true, "aggressive": true,
	"connalias": true, "send-vendorid": true, "ppk": true, "ignore-peer-dns": true,
	"tcp-remoteport": true, "redirect-to": true, "accept-redirect-to": true,
	"retransmit-interval": true, "retransmit-timeout": true,
	"modecfgdns": true, "modecfgdomains": true, "modecfgbanner": true,
	"modecfgpull": true, "cisco-unity": true, "remote-peer-type": true,
	"nm-configured": true, "xauthby": true, "xauthfail": true,
	"phase2": true, "encapsulation": true, "nic-offload": true, "sendca": true,
	"metric": true, "mark": true, "mark-in": true, "mark-out": true,
	"overlapip": true, "sha2-truncbug": true, "dns-match-id": true,
	"ms-dh-downgrade": true, "decap-dscp": true, "nopmtudisc": true,
	"intermediate": true, "initial-contact": true, "fake-strongswan": true,
	"nat-keepalive": true, "send-no-esp-tfc": true,
}

var encodableEnd = map[string]bool{
	"": true, "id": true, "subnet": true, "nexthop": true, "rsasigkey": true,
	"updown": true, "sourceip": true, "subnets": true,
	"xauthserver": true, "xauthclient": true, "username": true,
	"modecfgserver": true, "modecfgclient": true, "addresspool": true, "cat": true,
	"protoport": true, "cert": true, "ckaid": true, "ca": true, "auth": true,
	"ikeport": true,
}

// AddMessages builds the messages addconn sends for c: the conn, then one
// key message per end with a raw public key.
// env resolves %defaultroute as addconn does (netlink).
func AddMessages(c *conf.Conn, env *Env) ([]*Message, error) {
	if c.Err != nil {
		return nil, c.Err
	}
	for _, kw := range c.Keywords() {
		side := ""
		rest := kw
		if strings.HasPrefix(kw, "left") {
			side, rest = "left", kw[4:]
		} else if strings.HasPrefix(kw, "right") {
			side, rest = "right", kw[5:]
		}
		// x- keywords are the user's own: addconn ignores them.
		if strings.HasPrefix(strings.ToLower(kw), "x-") || side != "" && encodableEnd[rest] || side == "" && encodable[kw] {
			continue
		}
		return nil, fmt.Errorf("%w: %s=", ErrNotEncodable, kw)
	}
	b := &builder{c: c, env: env}
	m := b.conn()
	if b.err != nil {
		return nil, b.err
	}
	_, ls := c.Get("leftsubnets")
	_, rs := c.Get("rightsubnets")
	if !ls && !rs {
		return withKeys(nil, m)
	}
	// starter_permutate_conns: NAME/LxR for every pair, right fastest;
	// subnet= counts as item 0 of its side's subnets=.
	left, err := b.subnetList("left", m.Left.Client)
	if err != nil {
		return nil, err
	}
	right, err := b.subnetList("right", m.Right.Client)
	if err != nil {
		return nil, err
	}
	var msgs []*Message
	for _, l := range left {
		for _, r := range right {
			inst := *m
			inst.Name = fmt.Sprintf("%s/%dx%d", c.Name, l.n, r.n)
			inst.Connalias = c.Name
			inst.Left.Client, inst.Right.Client = l.p, r.p
			if msgs, err = withKeys(msgs, &inst); err != nil {
				return nil, err
			}
		}
	}
	return msgs, nil
}

// withKeys appends m and the key messages addconn sends after it.
func withKeys(msgs []*Message, m *Message) ([]*Message, error) {
	msgs = append(msgs, m)
	for _, e := range []*WhackEnd{&m.Left, &m.Right} {
		if e.Pubkey == "" || e.ID == "" {
			continue
		}
		key, err := decodeKey(e.Pubkey)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotEncodable, err)
		}
		msgs = append(msgs, &Message{Key: true, PubkeyAlg: ipseckeyRSA, KeyID: e.ID, Keyval: key})
	}
	return msgs, nil
}

type numbered struct {
	n int
	p Prefix
}

// subnetList is one side's subnets for the permutation: subnet= as
// number 0, then subnets= from 1.
func (b *builder) subnetList(side string, subnet Prefix) ([]numbered, error) {
	var out []numbered
	if _, ok := b.c.Get(side + "subnet"); ok {
		out = append(out, numbered{0, subnet})
	}
	raw, _ := b.raw(side + "subnets")
	raw = strings.Trim(strings.TrimSpace(raw), "{}")
	for i, f := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		p, err := netip.ParsePrefix(f)
		if err != nil || p.Masked() != p {
			return nil, fmt.Errorf("%w: %ssubnets=%s", ErrNotEncodable, side, raw)
		}
		out = append(out, numbered{i + 1, Prefix{IsSet: true, P: p}})
	}
	if len(out) == 0 {
		// No subnet on this side: one instance without client.
		out = append(out, numbered{0, Prefix{}})
	}
	return out, nil
}

// decodeKey is ttochunk with base 0 for the forms addconn accepts.
func decodeKey(s string) ([]byte, error) {
	switch {
	case strings.HasPrefix(s, "0s"):
		return base64.StdEncoding.DecodeString(s[2:])
	case strings.HasPrefix(s, "0x"):
		return hex.DecodeString(strings.ReplaceAll(s[2:], "_", ""))
	}
	return nil, fmt.Errorf("key %.8s...: only 0s and 0x forms", s)
}

type builder struct {
	c           *conf.Conn
	env         *Env
	err         error
	dnsHostname string
	ikeVersion  uint32
}

// parsePool is ttorange for addresspool=: FROM-TO or a CIDR (then
// marked as a subnet).
func parsePool(s string) (Range, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		if p.Masked() != p {
			return Range{}, fmt.Errorf("host bits set")
		}
		start := p.Addr()
		end := start.AsSlice()
		for i := p.Bits(); i < len(end)*8; i++ {
			end[i/8] |= 0x80 >> (i % 8)
		}
		e, _ := netip.AddrFromSlice(end)
		return Range{IsSet: true, IsSubnet: true, Start: start, End: e}, nil
	}
	from, to, ok := strings.Cut(s, "-")
	a, err1 := netip.ParseAddr(from)
	z, err2 := netip.ParseAddr(to)
	if !ok || err1 != nil || err2 != nil || a.Is6() || z.Is6() || z.Less(a) {
		return Range{}, fmt.Errorf("bad range")
	}
	return Range{IsSet: true, Start: a, End: z}, nil
}

// parseProtoport is ttoprotoport for the numeric forms and the common
// protocol names: PROTO, PROTO/PORT, PROTO/%any.
func parseProtoport(s string) (Protoport, bool) {
	proto, port, hasPort := strings.Cut(s, "/")
	names := map[string]uint32{"icmp": 1, "tcp": 6, "udp": 17, "sctp": 132}
	p, ok := names[proto]
	if !ok {
		n, err := strconv.ParseUint(proto, 10, 8)
		if err != nil || n == 0 {
			return Protoport{}, false
		}
		p = uint32(n)
	}
	pp := Protoport{IsSet: true, Proto: p}
	switch {
	case !hasPort:
	case port == "%any":
		pp.PortWildcard = true
	default:
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			return Protoport{}, false
		}
		pp.Port = uint32(n)
	}
	return pp, true
}

// isIfaceName is a Linux interface name as %IFACE uses it.
func isIfaceName(s string) bool {
	if s == "" || len(s) > 15 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return !strings.HasPrefix(s, "any") && !strings.HasPrefix(s, "oppo") && s != "group" && !strings.HasPrefix(s, "default")
}

// isV4Mapped is an IPv4-mapped IPv6 address (::ffff:a.b.c.d), which
// addconn's numeric parser does not take: it passes it on as a name.
func isV4Mapped(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4In6()
}

// isHostname is a DNS name addconn would not read as an address.
func isHostname(s string) bool {
	if s == "" || strings.ContainsAny(s, ":%/ ") || !strings.Contains(s, ".") {
		return false
	}
	last := s[strings.LastIndexByte(s, '.')+1:]
	return last != "" && (last[0] < '0' || last[0] > '9')
}

func (b *builder) fail(kw string) {
	if b.err == nil {
		v, _ := b.c.Get(kw)
		b.err = fmt.Errorf("%w: %s=%s", ErrNotEncodable, kw, v.Raw)
	}
}

func (b *builder) raw(kw string) (string, bool) {
	v, ok := b.c.Get(kw)
	return v.Raw, ok
}

// flag is KW_POLICY_FLAG: a yes/no keyword that sets or clears a bit.
func (b *builder) flag(p *uint64, kw string, bit uint64, negative bool) bool {
	s, ok := b.raw(kw)
	if !ok {
		return false
	}
	v, err := conf.ParseBool(strings.ToLower(s))
	if err != nil {
		b.fail(kw)
		return false
	}
	if v != negative {
		*p |= bit
	} else {
		*p &^= bit
	}
	return true
}

// policyEnum sets the policy bits an enum keyword's value names: the bits
// in mask are cleared, then those of the value are set. An unknown value
// makes the conn one the encoder does not cover.
func (b *builder) policyEnum(policy *uint64, kw string, mask uint64, values map[string]uint64) {
	s, ok := b.raw(kw)
	if !ok {
		return
	}
	bits, known := values[strings.ToLower(s)]
	if !known {
		b.fail(kw)
		return
	}
	*policy = *policy&^mask | bits
}

func (b *builder) duration(kw string, unit time.Duration, d *time.Duration) bool {
	s, ok := b.raw(kw)
	if !ok {
		return false
	}
	if strings.Contains(s, ".") || s == "%forever" {
		b.fail(kw)
		return false
	}
	v, err := conf.ParseDuration(strings.ToLower(s), unit)
	if err != nil {
		b.fail(kw)
		return false
	}
	*d = v
	return true
}

func (b *builder) number(kw string, n *uint64) {
	s, ok := b.raw(kw)
	if !ok {
		return
	}
	if s == "%forever" {
		*n = 0
		return
	}
	v, err := strconv.ParseUint(strings.TrimSuffix(s, "%"), 10, 32)
	if err != nil {
		b.fail(kw)
		return
	}
	*n = v
}

func (b *builder) conn() *Message {
	c := b.c
	m := &Message{
		Connection: true, Delete: true, Name: c.Name,
		IKEVersion: 2, Policy: defaultPolicy, SighashPolicy: sighashSHA2,
		NICOffload: ynaAuto, IKELife: 8 * time.Hour, IPsecLife: 8 * time.Hour,
		RekeyMargin: 9 * time.Minute, IPsecMaxBytes: 1 << 63, IPsecMaxPackets: 1 << 63,
		RekeyFuzz: 100, ReplayWindow: 128, RetransmitTimeout: 60 * time.Second,
		RetransmitInt: 500 * time.Millisecond, XfrmIfID: 0xffffffff,
		DPDAction: dpdHold, Encaps: ynaAuto, RemoteTCPPort: 4500, IKETCP: ikeTCPNo,
		NATKeepalive: true,
	}
	if s, ok := b.raw("type"); ok {
		switch strings.ToLower(s) {
		case "tunnel":
			m.Policy |= polTunnel
			m.ProspectiveShunt = shuntTrap
		case "transport":
			m.Policy &^= polTunnel
			m.ProspectiveShunt = shuntTrap
		case "passthrough":
			m.Policy &^= polEncrypt | polAuthenticate | polTunnel
			m.ProspectiveShunt = shuntPass
		case "drop":
			m.Policy &^= polEncrypt | polAuthenticate | polTunnel
			m.ProspectiveShunt = shuntDrop
		case "reject":
			m.Policy &^= polEncrypt | polAuthenticate | polTunnel
			m.ProspectiveShunt = shuntReject
		default:
			b.fail("type")
		}
	}
	if s, ok := b.raw("negotiationshunt"); ok {
		switch strings.ToLower(s) {
		case "pass", "passthrough":
			m.NegotiationShunt = shuntPass
		case "hold", "drop":
			m.NegotiationShunt = shuntHold
		default:
			b.fail("negotiationshunt")
		}
	}
	if s, ok := b.raw("failureshunt"); ok {
		switch strings.ToLower(s) {
		case "none":
			m.FailureShunt = shuntNone
		case "passthrough":
			m.FailureShunt = shuntPass
		case "drop", "hold":
			m.FailureShunt = shuntDrop
		case "reject":
			m.FailureShunt = shuntReject
		default:
			b.fail("failureshunt")
		}
	}
	b.flag(&m.Policy, "compress", polCompress, false)
	b.flag(&m.Policy, "pfs", polPFS, false)
	b.flag(&m.Policy, "rekey", polDontRekey, true)
	b.flag(&m.Policy, "reauth", polReauth, false)
	b.flag(&m.Policy, "aggressive", polAggressive, false)
	b.flag(&m.Policy, "narrowing", polAllowNarrowing, false)
	b.flag(&m.Policy, "mobike", polMobike, false)

	m.IKE, _ = b.raw("ike")
	if s, ok := b.raw("esp"); ok {
		m.ESP = s
	} else if s, ok := b.raw("phase2alg"); ok {
		m.ESP = s
	}
	if s, ok := b.raw("ikev2"); ok {
		switch strings.ToLower(s) {
		case "no", "never", "permit":
			m.IKEVersion = 1
		case "yes", "propose", "insist", "always":
			m.IKEVersion = 2
		default:
			b.fail("ikev2")
		}
	}
	b.policyEnum(&m.Policy, "esn", polESNNo|polESNYes, map[string]uint64{
		"yes": polESNYes, "no": polESNNo, "either": polESNNo | polESNYes,
	})
	b.policyEnum(&m.Policy, "fragmentation", polIKEFragAllow|polIKEFragForce, map[string]uint64{
		"no": 0, "yes": polIKEFragAllow, "force": polIKEFragAllow | polIKEFragForce,
	})
	if s, ok := b.raw("authby"); ok {
		m.SighashPolicy = 0
		for _, a := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
			switch a {
			case "secret":
				m.Authby.PSK = true
			case "rsasig", "rsa":
				m.Authby.RSASig, m.Authby.RSASigV15 = true, true
				m.SighashPolicy |= sighashSHA2
			case "never":
				m.Authby.Never = true
			case "null":
				if m.IKEVersion == 1 {
					b.fail("authby")
				}
				m.Authby.Null = true
			default:
				b.fail("authby")
			}
		}
	}
	if m.Policy&(polEncrypt|polAuthenticate) == 0 {
		m.Policy &^= polPFS | polCompress | polESNNo | polESNYes | polDecapDSCP |
			polNoPMTUDisc | polIKEFragAllow | polIKEFragForce
	}

	// Host family: IPv6 if any end or nexthop looks like IPv6.
	v6 := false
	for _, kw := range []string{"left", "leftnexthop", "right", "rightnexthop"} {
		if s, ok := b.raw(kw); ok && (strings.Contains(s, ":") || s == "%defaultroute6" || s == "%any6") {
			v6 = true
		}
	}
	b.ikeVersion = m.IKEVersion
	m.TunnelAddrFamily = afInet
	if v6 {
		m.TunnelAddrFamily = afInet6
	}
	b.end(&m.Left, "left", v6)
	b.end(&m.Right, "right", v6)
	m.DNSHostname = b.dnsHostname

	for _, e := range []*WhackEnd{&m.Left, &m.Right} {
		switch e.HostType {
		case khOppo:
			m.Policy |= polOpportunistic
		case khOppoGroup:
			m.Policy |= polOpportunistic | polGroup
		case khGroup:
			m.Policy |= polGroup
		}
	}
	if c.Auto() == "keep" {
		m.Policy |= polUp
	}

	b.duration("ikelifetime", time.Second, &m.IKELife)
	b.duration("retransmit-interval", time.Millisecond, &m.RetransmitInt)
	b.duration("retransmit-timeout", time.Second, &m.RetransmitTimeout)
	m.Connalias, _ = b.raw("connalias")
	m.RedirectTo, _ = b.raw("redirect-to")
	m.AcceptRedirectTo, _ = b.raw("accept-redirect-to")
	m.ModecfgDNS, _ = b.raw("modecfgdns")
	m.ModecfgDomains, _ = b.raw("modecfgdomains")
	m.ModecfgBanner, _ = b.raw("modecfgbanner")
	b.flag(&m.Policy, "ignore-peer-dns", polIgnorePeerDNS, false)
	b.flag(&m.Policy, "modecfgpull", polModecfgPull, false)
	var flag uint64
	if b.flag(&flag, "cisco-unity", 1, false) {
		m.CiscoUnity = flag == 1
	}
	flag = 0
	if b.flag(&flag, "nm-configured", 1, false) {
		m.NMConfigured = flag == 1
	}
	if s, ok := b.raw("remote-peer-type"); ok {
		switch strings.ToLower(s) {
		case "cisco":
			m.RemotePeerType = 1
		case "ietf":
			m.RemotePeerType = 0
		default:
			b.fail("remote-peer-type")
		}
	}
	b.policyEnum(&m.Policy, "phase2", polAuthenticate|polEncrypt, map[string]uint64{
		"esp": polEncrypt, "ah": polAuthenticate,
	})
	yna := func(kw string, dst *uint32) {
		if s, ok := b.raw(kw); ok {
			v, known := map[string]uint32{"auto": 1, "no": 2, "yes": 3}[strings.ToLower(s)]
			if !known {
				b.fail(kw)
			}
			*dst = v
		}
	}
	yna("encapsulation", &m.Encaps)
	yna("nic-offload", &m.NICOffload)
	if s, ok := b.raw("sendca"); ok {
		v, known := map[string]uint32{"none": 0, "issuer": 1, "all": 2}[strings.ToLower(s)]
		if !known {
			b.fail("sendca")
		}
		m.SendCA = v
	}
	var metric uint64
	if _, ok := b.raw("metric"); ok {
		b.number("metric", &metric)
		m.Metric = uint32(metric)
	}
	m.ConnMarkBoth, _ = b.raw("mark")
	m.ConnMarkIn, _ = b.raw("mark-in")
	m.ConnMarkOut, _ = b.raw("mark-out")
	b.flag(&m.Policy, "overlapip", polOverlapIP, false)
	b.flag(&m.Policy, "sha2-truncbug", polSHA2Truncbug, false)
	b.flag(&m.Policy, "dns-match-id", polDNSMatchID, false)
	b.flag(&m.Policy, "ms-dh-downgrade", polMSDHDowngrade, false)
	b.flag(&m.Policy, "decap-dscp", polDecapDSCP, false)
	b.flag(&m.Policy, "nopmtudisc", polNoPMTUDisc, false)
	b.flag(&m.Policy, "intermediate", polIntermediate, false)
	for kw, dst := range map[string]*bool{
		"initial-contact": &m.InitialContact, "fake-strongswan": &m.FakeStrongswan,
		"nat-keepalive": &m.NATKeepalive, "send-no-esp-tfc": &m.SendNoESPTFC,
	} {
		var v uint64
		if b.flag(&v, kw, 1, false) {
			*dst = v == 1
		}
	}
	if s, ok := b.raw("xauthby"); ok {
		switch strings.ToLower(s) {
		case "file":
			m.XauthBy = 0
		case "pam":
			m.XauthBy = 1
		case "alwaysok":
			m.XauthBy = 2
		default:
			b.fail("xauthby")
		}
	}
	if s, ok := b.raw("xauthfail"); ok {
		switch strings.ToLower(s) {
		case "hard":
			m.XauthFail = 0
		case "soft":
			m.XauthFail = 1
		default:
			b.fail("xauthfail")
		}
	}
	for _, side := range []string{"left", "right"} {
		for _, kw := range []string{side + "xauthserver", side + "xauthclient"} {
			if _, ok := b.raw(kw); ok {
				m.Policy |= polXauth
			}
		}
	}
	var vid uint64
	if b.flag(&vid, "send-vendorid", 1, false) {
		m.SendVendorID = vid == 1
	}
	var port uint64
	if _, ok := b.raw("tcp-remoteport"); ok {
		b.number("tcp-remoteport", &port)
		m.RemoteTCPPort = uint32(port)
	}
	if s, ok := b.raw("ppk"); ok && m.IKEVersion == 2 {
		switch strings.ToLower(s) {
		case "propose", "permit", "yes":
			m.Policy |= polPPKAllow
		case "insist":
			m.Policy |= polPPKAllow | polPPKInsist
		case "never", "no":
		default:
			b.fail("ppk")
		}
	}
	for _, kw := range []string{"ipsec-lifetime", "salifetime"} {
		// Spellings of one field; at most one is set after also=.
		b.duration(kw, time.Second, &m.IPsecLife)
	}
	b.duration("rekeymargin", time.Second, &m.RekeyMargin)
	b.number("rekeyfuzz", &m.RekeyFuzz)
	b.number("keyingtries", &m.KeyingTries)

	var delay, timeout time.Duration
	hasDelay := b.duration("dpddelay", time.Second, &delay)
	hasTimeout := b.duration("dpdtimeout", time.Second, &timeout)
	action, hasAction := uint32(dpdHold), false
	if s, ok := b.raw("dpdaction"); ok {
		hasAction = true
		switch strings.ToLower(s) {
		case "hold":
			action = dpdHold
		case "clear":
			action = dpdClear
		case "restart":
			action = dpdRestart
		default:
			b.fail("dpdaction")
		}
	}
	switch {
	case m.IKEVersion == 1 && hasDelay && hasTimeout:
		m.DPDDelay, m.DPDTimeout = delay, timeout
		if hasAction {
			m.DPDAction = action
		}
	case m.IKEVersion == 2 && hasDelay:
		m.DPDDelay = delay
		if hasAction {
			m.DPDAction = action
		}
	}
	if m.Policy&polDontRekey != 0 && action == dpdRestart {
		m.DPDAction = dpdHold
	}
	return m
}

func (b *builder) end(e *WhackEnd, side string, v6 bool) {
	e.SendCert = certAlwaysSend
	e.Updown = "ipsec _updown"
	if s, ok := b.raw(side + "updown"); ok {
		e.Updown = s
	}
	host, ok := b.raw(side)
	switch {
	case !ok:
		b.fail(side)
		return
	case host == "%any":
		// An enum value: addconn keeps no host name string for it.
		e.HostType = khAny
		host = ""
	case host == "%oppo" || host == "%opportunistic":
		e.HostType = khOppo
		host = ""
	case host == "%oppogroup" || host == "%opportunisticgroup":
		e.HostType = khOppoGroup
		host = ""
	case host == "%group":
		e.HostType = khGroup
		host = ""
	case host == "%defaultroute":
		// resolve_default_route: the gateway of the default route
		// becomes the nexthop (unless given), the source address of
		// the route the host address; the end is then an address
		// without ID.
		// With a DNS-named peer addconn routes towards the peer's
		// resolved address (or leaves the end unresolved when DNS
		// fails): not reproduced here.
		peer, _ := b.raw(map[string]string{"left": "right", "right": "left"}[side])
		if v6 || b.env == nil || b.env.DefaultRoute == nil {
			b.fail(side)
			return
		}
		if isHostname(peer) {
			if b.env.LookupHost == nil {
				b.fail(side)
				return
			}
			if _, err := b.env.LookupHost(peer); err == nil {
				// addconn routes towards the peer's address;
				// not reproduced: whack.
				b.fail(side)
				return
			}
			// The name does not resolve: addconn leaves the end
			// %defaultroute for pluto to resolve.
			e.HostType = khDefaultRoute
			e.HostNexthop = Unspec(v6)
			break
		}
		r, err := b.env.DefaultRoute(false)
		if err != nil || !r.Addr.IsValid() {
			b.fail(side)
			return
		}
		e.HostType = khIPAddr
		e.HostAddr = AddrOf(r.Addr)
		e.HostNexthop = Unspec(v6)
		if r.Gateway.IsValid() {
			e.HostNexthop = AddrOf(r.Gateway)
		}
		host = ""
	case len(host) > 1 && host[0] == '%' && isIfaceName(host[1:]):
		// %IFACE: the interface's address; no ID, and the nexthop the
		// lookup found is reset to unspecified afterwards.
		if b.env == nil || b.env.IfaceAddr == nil {
			b.fail(side)
			return
		}
		a, err := b.env.IfaceAddr(host[1:], v6)
		if err != nil {
			b.fail(side)
			return
		}
		e.HostType = khIface
		e.HostAddr = AddrOf(a)
	case isHostname(host) || isV4Mapped(host):
		// Not an address: addconn passes the name on for pluto to
		// resolve, with the ID of an unset address.
		e.HostType = khHostname
		e.ID = "<unset-address>"
		if side == "right" {
			b.dnsHostname = host
		}
	default:
		a, err := netip.ParseAddr(host)
		if err != nil || a.Zone() != "" || a.Is4In6() || a.Is6() != v6 {
			b.fail(side)
			return
		}
		e.HostType = khIPAddr
		e.HostAddr = AddrOf(a)
		e.ID = a.String()
	}
	if e.HostType == khDefaultRoute {
		host = ""
	}
	e.HostAddrName = host
	if e.HostType != khIPAddr || host != "" {
		e.HostNexthop = Unspec(v6)
	}
	if e.HostType == khIface {
		e.ID = ""
	}
	if s, ok := b.raw(side + "nexthop"); ok {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Is6() != v6 {
			b.fail(side + "nexthop")
			return
		}
		e.HostNexthop = AddrOf(a)
	}
	if s, ok := b.raw(side + "id"); ok {
		if strings.Contains(s, ",,") {
			b.fail(side + "id")
		}
		e.ID = s
	}
	if s, ok := b.raw(side + "subnet"); ok {
		if strings.HasPrefix(s, "vhost:") || strings.HasPrefix(s, "vnet:") {
			// Passed on as is, for IKEv1 only.
			if b.ikeVersion != 1 {
				b.fail(side + "subnet")
			}
			e.Virt = s
			s = ""
		} else if strings.HasPrefix(s, "%") {
			b.fail(side + "subnet")
			return
		}
		p, err := netip.ParsePrefix(s)
		if s == "" {
			// vhost:/vnet: has no client.
		} else if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				b.fail(side + "subnet")
				return
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if s != "" {
			if p.Masked() != p {
				b.fail(side + "subnet")
				return
			}
			e.Client = Prefix{IsSet: true, P: p}
		}
	}
	if s, ok := b.raw(side + "sourceip"); ok {
		a, err := netip.ParseAddr(s)
		if err != nil {
			b.fail(side + "sourceip")
			return
		}
		e.HostSrcIP = AddrOf(a)
		if !e.Client.IsSet {
			e.Client = Prefix{IsSet: true, P: netip.PrefixFrom(a, a.BitLen())}
		}
	}
	for kw, dst := range map[string]*bool{
		"xauthserver": &e.XauthServer, "xauthclient": &e.XauthClient,
		"modecfgserver": &e.ModecfgServer, "modecfgclient": &e.ModecfgClient, "cat": &e.Cat,
	} {
		var v uint64
		if b.flag(&v, side+kw, 1, false) {
			*dst = v == 1
		}
	}
	e.XauthUsername, _ = b.raw(side + "username")
	e.Cert, _ = b.raw(side + "cert")
	e.CKAID, _ = b.raw(side + "ckaid")
	e.CA, _ = b.raw(side + "ca")
	if e.Cert != "" && e.CKAID != "" {
		b.fail(side + "ckaid")
	}
	if s, ok := b.raw(side + "auth"); ok {
		v, known := map[string]uint32{"never": 1, "secret": 2, "rsasig": 3, "rsa": 3,
			"ecdsa": 4, "null": 5, "eaponly": 6}[strings.ToLower(s)]
		if !known {
			b.fail(side + "auth")
		}
		e.Auth = v
	}
	if _, ok := b.raw(side + "ikeport"); ok {
		var port uint64
		b.number(side+"ikeport", &port)
		e.HostIKEPort = uint32(port)
	}
	if s, ok := b.raw(side + "protoport"); ok {
		p, ok := parseProtoport(s)
		if !ok {
			b.fail(side + "protoport")
			return
		}
		e.Protoport = p
	}
	if s, ok := b.raw(side + "addresspool"); ok {
		if _, sub := b.raw(side + "subnet"); sub {
			b.fail(side + "addresspool")
			return
		}
		r, err := parsePool(s)
		if err != nil {
			b.fail(side + "addresspool")
			return
		}
		e.PoolRange = r
	}
	if s, ok := b.raw(side + "rsasigkey"); ok {
		switch s {
		case "%dns", "%dnsondemand":
			// Looked up by pluto when needed; no key travels.
			e.KeyFromDNS = true
			return
		case "%cert":
			// From the certificate; nothing to send.
			return
		}
		if !strings.HasPrefix(s, "0s") && !strings.HasPrefix(s, "0x") {
			b.fail(side + "rsasigkey")
			return
		}
		e.Pubkey = s
		e.PubkeyAlg = ipseckeyRSA
	}
}
