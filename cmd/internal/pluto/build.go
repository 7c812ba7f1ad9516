package pluto

import (
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"goswan/conf"
	"goswan/conf/token"
)

// Route is a default route: the address of the interface it leaves
// through and its gateway.
type Route struct {
	Addr    netip.Addr
	Gateway netip.Addr
}

// Env supplies what building a conn needs from the running system. Tests
// give fixed answers; the applets use System().
type Env struct {
	// DefaultRoute resolves %defaultroute for the address family.
	DefaultRoute func(ipv6 bool) (Route, error)
	// IfaceAddr resolves %IFACE (e.g. left=%eth0).
	IfaceAddr func(name string, ipv6 bool) (netip.Addr, error)
	// LookupHost resolves a DNS name (nil: names are not resolved).
	LookupHost func(name string) ([]netip.Addr, error)
}

// FromConf builds the pluto conn of a resolved conf conn for Libreswan
// release v (the zero Version means 4.10). env resolves %defaultroute and
// %IFACE. Errors are positioned at the value that caused them; keywords
// the release does not take are listed in Conn.Ignored.
func FromConf(c *conf.Conn, env *Env, v Version) (*Conn, error) {
	if c.Err != nil {
		return nil, c.Err
	}
	if c.IsManual() {
		return nil, &token.Error{Pos: c.Pos, Msg: fmt.Sprintf("conn %q is manually keyed; use ipsec manual", c.Name)}
	}
	if v == (Version{}) {
		v = V4_10
	}
	b := &connBuilder{c: c, env: env}
	m := defaultConn(v)
	m.Name, m.Pos = c.Name, c.Pos
	b.m = &m
	b.build()
	if err := b.errs.Err(); err != nil {
		return nil, err
	}
	b.ignored()
	return b.m, nil
}

type connBuilder struct {
	c    *conf.Conn
	env  *Env
	m    *Conn
	errs token.ErrorList
	why  map[string]string
}

// get returns a keyword's value.
func (b *connBuilder) get(kw string) (conf.Value, bool) { return b.c.Get(kw) }

func (b *connBuilder) str(kw string, dst *string) {
	if v, ok := b.get(kw); ok {
		*dst = v.Raw
	}
}

func (b *connBuilder) errf(v conf.Value, format string, args ...any) {
	b.errs.Addf(v.Pos, "conn %q: %s=%s: %s", b.c.Name, v.Keyword, v.Raw, fmt.Sprintf(format, args...))
}

// ignore lists a keyword that is set but not passed on, with the reason.
func (b *connBuilder) ignore(kw, why string) {
	if b.c.IsSet(kw) {
		if b.why == nil {
			b.why = map[string]string{}
		}
		b.why[kw] = why
	}
}

func (b *connBuilder) boolean(kw string, dst *bool) bool {
	v, ok := b.get(kw)
	if !ok {
		return false
	}
	x, err := conf.ParseBool(strings.ToLower(v.Raw))
	if err != nil {
		b.errf(v, "%v", err)
		return false
	}
	*dst = x
	return true
}

// enum reads a keyword whose values map to T.
func enum[T any](b *connBuilder, kw string, dst *T, values map[string]T, expect string) bool {
	v, ok := b.get(kw)
	if !ok {
		return false
	}
	x, known := values[strings.ToLower(v.Raw)]
	if !known {
		b.errf(v, "expected %s", expect)
		return false
	}
	*dst = x
	return true
}

func (b *connBuilder) duration(kw string, unit time.Duration, dst *time.Duration) bool {
	v, ok := b.get(kw)
	if !ok {
		return false
	}
	d, err := conf.ParseDuration(strings.ToLower(v.Raw), unit)
	if err != nil {
		b.errf(v, "%v", err)
		return false
	}
	if strings.Contains(v.Raw, ".") {
		b.m.DurationFraction = true
	}
	*dst = d
	return true
}

func (b *connBuilder) count(kw string, dst *uint64) bool {
	v, ok := b.get(kw)
	if !ok {
		return false
	}
	n, err := parseCount(strings.TrimSuffix(v.Raw, "%"))
	if err != nil {
		b.errf(v, "%v", err)
		return false
	}
	*dst = n
	return true
}

func (b *connBuilder) build() {
	m := b.m
	m.AutoKeep = b.c.Auto() == "keep"
	m.HostIPv6 = b.c.HostIPv6()
	m.TypeSet = enum(b, "type", &m.Type, typeWords, "tunnel, transport, passthrough, drop or reject")
	b.ikeVersion()
	b.auth()
	enum(b, "phase2", &m.Phase2, phase2Words, "esp or ah")
	b.boolean("pfs", &m.PFS)
	b.boolean("compress", &m.Compress)
	b.boolean("rekey", &m.Rekey)
	b.boolean("reauth", &m.Reauth)
	b.boolean("aggressive", &m.Aggressive)
	b.boolean("narrowing", &m.Narrowing)
	b.boolean("mobike", &m.Mobike)
	b.boolean("ikepad", &m.IKEPad)
	enum(b, "esn", &m.ESN, esnWords, "yes, no or either")
	enum(b, "fragmentation", &m.Fragmentation, fragWords, "yes, no or force")

	b.str("ike", &m.IKE)
	b.str("esp", &m.ESP)
	if m.ESP == "" {
		b.str("ah", &m.ESP)
	}
	b.str("pfsgroup", &m.PFSGroup)
	if m.PFSGroup != "" && m.ESP == "" && m.Version.AtLeast(V5_0) {
		// 5.x carries the group in esp= only (esp=ALG;GROUP).
		b.ignore("pfsgroup", "Libreswan 5 needs esp= to add the group to (write esp=ALG;"+m.PFSGroup+")")
		m.PFSGroup = ""
	}

	b.duration("ikelifetime", time.Second, &m.IKELifetime)
	b.duration("ipsec-lifetime", time.Second, &m.IPsecLifetime)
	b.duration("rekeymargin", time.Second, &m.RekeyMargin)
	b.count("rekeyfuzz", &m.RekeyFuzz)
	b.count("keyingtries", &m.KeyingTries)
	m.ReplayWindowSet = b.count("replay-window", &m.ReplayWindow)
	m.IPsecMaxBytesSet = b.count("ipsec-max-bytes", &m.IPsecMaxBytes)
	m.IPsecMaxPacketsSet = b.count("ipsec-max-packets", &m.IPsecMaxPackets)
	b.duration("retransmit-timeout", time.Second, &m.RetransmitTimeout)
	b.duration("retransmit-interval", time.Millisecond, &m.RetransmitInterval)
	b.dpd()

	enum(b, "failureshunt", &m.FailureShunt, failureShuntWords, "none, passthrough, drop or reject")
	enum(b, "negotiationshunt", &m.NegotiationShunt, negotiationShuntWords, "hold or passthrough")

	yna := ynaWords
	if !enum(b, "encapsulation", &m.Encapsulation, yna, "yes, no or auto") && m.Version.AtLeast(V5_0) {
		// FreeS/WAN's forceencaps=yes is encapsulation=yes. Libreswan
		// 5 refuses the keyword (the whole file with it), so a 4.x file
		// gets it mapped; 4.10's addconn ignores it as obsolete (conf
		// warns), and goswan does the same for 4.10.
		var force bool
		if b.boolean("forceencaps", &force) && force {
			m.Encapsulation = YNAYes
		}
	}
	enum(b, "nic-offload", &m.NICOffload, yna, "yes, no or auto")
	enum(b, "sendca", &m.SendCA, sendCAWords, "none, issuer or all")
	enum(b, "remote-peer-type", &m.RemotePeerType, peerTypeWords, "ietf or cisco")
	enum(b, "xauthby", &m.XauthBy, xauthByWords, "file, pam or alwaysok")
	enum(b, "xauthfail", &m.XauthFail, xauthFailWords, "hard or soft")
	enum(b, "ppk", &m.PPK, ppkWords, "no, permit, propose or insist")
	if m.IKEVersion == IKEv1 {
		m.PPK = PPKNo // an IKEv2 feature: addconn drops it for IKEv1
	}
	var port uint64
	if b.count("tcp-remoteport", &port) {
		m.TCPRemotePort = uint32(port)
	}
	b.str("enable-tcp", &m.EnableTCP)
	b.str("nat-ikev1-method", &m.NATIKEv1Method)

	for _, f := range connStrings {
		b.str(f.kw, f.field(m))
	}
	for _, f := range connCounts {
		b.count(f.kw, f.field(m))
	}
	if m.ReqID > ipsecManualReqIDMax && m.Version.AtLeast(V5_0) {
		// 5.x's addconn drops it with an error and loads the conn.
		b.ignore("reqid", "Libreswan 5 takes 1-16383")
		m.ReqID = 0
	}
	m.RequireIDOnCert = true
	for _, f := range connBools {
		b.boolean(f.kw, f.field(m))
	}

	if m.Type.Shunt() {
		// addconn clears the IPsec policy of a shunt.
		m.PFS, m.Compress = false, false
	}
	b.clientFamily()
	b.end(&m.Left, "left", &m.Right, "right")
	b.end(&m.Right, "right", &m.Left, "left")
	if m.Left.Username != "" && m.Right.Username != "" {
		// One username per conn in 4.10's message and whack.
		b.ignore("rightusername", "one username per conn (leftusername= is used)")
		m.Right.Username = ""
	}
}

func (b *connBuilder) ikeVersion() {
	m := b.m
	if v, ok := b.get("ikev2"); ok {
		switch strings.ToLower(v.Raw) {
		case "no", "never", "permit":
			m.IKEVersion = IKEv1
		case "yes", "propose", "insist", "always":
		default:
			b.errf(v, "expected yes, no, insist, propose, permit, never or always")
		}
	}
	v, ok := b.get("keyexchange")
	if !ok {
		return
	}
	switch strings.ToLower(v.Raw) {
	case "ike":
		// Libreswan reads FreeS/WAN's "ike" as either version: the
		// default, IKEv2.
	case "ikev2":
		if m.Version.AtLeast(V5_0) {
			m.IKEVersion = IKEv2
		}
	case "ikev1":
		// Libreswan 5's way of asking for IKEv1; a 5.x file read for
		// 4.x means the same (4.10's addconn refuses the value).
		m.IKEVersion = IKEv1
	default:
		b.errf(v, "expected ike, ikev1 or ikev2")
	}
}

var authWords = func() map[string]AuthMethod {
	m := map[string]AuthMethod{"psk": AuthSecret, "rsa": AuthRSASig}
	for i, n := range authNames {
		if n != "" {
			m[n] = AuthMethod(i)
		}
	}
	return m
}()

func (b *connBuilder) auth() {
	v, ok := b.get("authby")
	if !ok {
		return
	}
	for _, a := range strings.FieldsFunc(strings.ToLower(v.Raw), func(r rune) bool { return r == ',' || r == ' ' || r == '|' || r == '\t' }) {
		m, known := authWords[a]
		if !known || m == AuthEAPOnly {
			b.errf(v, "unknown authentication method %q", a)
			continue
		}
		if m == AuthNull && b.m.IKEVersion == IKEv1 {
			b.errf(v, "authby=null needs IKEv2")
			continue
		}
		b.m.Auth = append(b.m.Auth, m)
	}
}

// dpd applies addconn's rule: IKEv1 takes dpddelay and dpdtimeout only
// together, IKEv2 only the delay; dpdaction counts only with them.
func (b *connBuilder) dpd() {
	m := b.m
	var delay, timeout time.Duration
	hasDelay := b.duration("dpddelay", time.Second, &delay)
	hasTimeout := b.duration("dpdtimeout", time.Second, &timeout)
	action := DPDHold
	enum(b, "dpdaction", &action, dpdActionWords, "hold, clear or restart")
	switch {
	case m.IKEVersion == IKEv1 && hasDelay && hasTimeout:
		m.DPDDelay, m.DPDTimeout, m.DPDAction = delay, timeout, action
	case m.IKEVersion == IKEv2 && hasDelay:
		m.DPDDelay, m.DPDAction = delay, action
	}
	if !m.Rekey && action == DPDRestart {
		m.DPDAction = DPDHold
	}
}

// clientFamily decides the clients' address family: clientaddrfamily=,
// else IPv6 subnets, else that of IPv6 hosts without subnets.
func (b *connBuilder) clientFamily() {
	m := b.m
	if v, ok := b.get("clientaddrfamily"); ok {
		m.ClientIPv6 = isV6Word(v.Raw)
		return
	}
	hasSub := false
	for _, kw := range []string{"leftsubnet", "rightsubnet", "leftsubnets", "rightsubnets"} {
		if v, ok := b.c.Get(kw); ok {
			hasSub = true
			if strings.Contains(v.Raw, ":") && !strings.HasPrefix(v.Raw, "vhost:") && !strings.HasPrefix(v.Raw, "vnet:") {
				m.ClientIPv6 = true
			}
		}
	}
	if m.HostIPv6 && !hasSub {
		m.ClientIPv6 = true
	}
}

func isV6Word(s string) bool {
	switch strings.ToLower(s) {
	case "ipv6", "inet6", "v6":
		return true
	}
	return false
}

func (b *connBuilder) end(e *End, side string, peer *End, peerSide string) {
	m := b.m
	hv, ok := b.get(side)
	if !ok || strings.TrimSpace(hv.Raw) == "" {
		b.errs.Addf(b.c.Pos, "conn %q: %s= is not set", b.c.Name, side)
		return
	}
	b.str(side+"updown", &e.Updown)
	host := hv.Raw
	e.HostText = host
	switch low := strings.ToLower(host); {
	case low == "%any" || low == "%any4" || low == "%any6":
		e.Kind = HostAny
	case low == "%oppo" || low == "%opportunistic":
		e.Kind = HostOpportunistic
	case low == "%oppogroup" || low == "%opportunisticgroup":
		e.Kind = HostOpportunisticGroup
	case low == "%group":
		e.Kind = HostGroup
	case low == "%defaultroute" || low == "%defaultroute4" || low == "%defaultroute6":
		b.defaultRoute(e, hv, peerSide)
	case strings.HasPrefix(low, "%"):
		e.Kind = HostIface
		e.HostName = host
		if b.env == nil || b.env.IfaceAddr == nil {
			b.errf(hv, "cannot resolve interface %s", host[1:])
			break
		}
		a, err := b.env.IfaceAddr(host[1:], m.HostIPv6)
		if err != nil {
			b.errf(hv, "%v", err)
			break
		}
		e.Addr = a
	default:
		a, err := netip.ParseAddr(host)
		if err != nil || a.Is4In6() {
			// A name, for pluto to resolve (addconn passes an
			// IPv4-mapped address on as a name too).
			e.Kind = HostName
			e.HostName = host
			break
		}
		e.Kind = HostAddr
		e.Addr = a
	}

	if v, ok := b.get(side + "nexthop"); ok {
		switch low := strings.ToLower(v.Raw); low {
		case "%defaultroute":
			if r, err := b.route(); err != nil {
				b.errf(v, "cannot resolve the default route: %v", err)
			} else {
				e.Nexthop, e.NexthopDefaultRoute = r.Gateway, true
			}
		case "%direct":
			e.Nexthop, e.NexthopDirect = netip.Addr{}, true
		default:
			a, err := netip.ParseAddr(v.Raw)
			if err != nil {
				b.errf(v, "not an IP address, %%direct or %%defaultroute")
				break
			}
			e.Nexthop = a
		}
	} else {
		b.defaultNexthop(e, side)
	}
	if v, ok := b.get(side + "id"); ok {
		// In ipsec.conf ",," is a comma inside a DN attribute; Libreswan's
		// config reader turns it into "\,", which is what pluto parses.
		e.ID = strings.ReplaceAll(v.Raw, ",,", `\,`)
	}
	b.str(side+"cert", &e.Cert)
	b.str(side+"ckaid", &e.CKAID)
	b.str(side+"ca", &e.CA)
	enum(b, side+"sendcert", &e.SendCert, sendCertWords, "always, sendifasked or never")
	b.subnet(e, side)
	if v, ok := b.get(side + "sourceip"); ok {
		a, err := netip.ParseAddr(v.Raw)
		if err != nil {
			b.errf(v, "not an IP address")
		}
		e.SourceIP = a
		// conf derives subnet=SOURCEIP/32 as 4.10 does, at the
		// sourceip's position; 5.x derives nothing.
		if sv, ok := b.c.Get(side + "subnet"); ok && sv.Pos == v.Pos {
			e.SubnetFromSourceIP = true
		}
	}
	b.str(side+"vti", &e.VTI)
	if v, ok := b.get(side + "protoport"); ok {
		p, good := parseProtoport(strings.ToLower(v.Raw))
		e.ProtoportText = v.Raw
		if !good {
			b.errf(v, "expected PROTOCOL[/PORT]")
		}
		e.Protoport = p
	}
	var port uint64
	if b.count(side+"ikeport", &port) {
		e.IKEPort = uint32(port)
	}
	if v, ok := b.get(side + "auth"); ok {
		a, known := authWords[strings.ToLower(v.Raw)]
		switch a {
		case AuthSecret, AuthRSASig, AuthECDSA, AuthNull, AuthEAPOnly, AuthNever:
		default:
			known = false
		}
		if !known {
			b.errf(v, "expected secret, rsasig, ecdsa, null, eaponly or never")
		}
		e.Auth = a
	}
	b.str(side+"autheap", &e.AutoEAP)
	for _, f := range endBools {
		b.boolean(side+f.kw, f.field(e))
	}
	b.str(side+"username", &e.Username)
	if v, ok := b.get(side + "addresspool"); ok {
		r, err := parsePool(v.Raw)
		if err != nil {
			b.errf(v, "%v", err)
		}
		e.AddressPool = r
	}
	b.keys(e, side)

	var fw bool
	if b.boolean(side+"firewall", &fw) && fw {
		b.ignore(side+"firewall", "FreeS/WAN ipfwadm hook; Libreswan's _updown has no equivalent")
	}
}

// defaultRoute resolves left=%defaultroute as addconn does: the source
// address of the default route and its gateway as nexthop. When the peer
// is a name that does not resolve, addconn leaves the end for pluto.
func (b *connBuilder) defaultRoute(e *End, hv conf.Value, peerSide string) {
	e.Kind = HostAddr
	e.FromDefaultRoute = true
	if pv, ok := b.c.Get(peerSide); ok && isHostname(pv.Raw) && b.env != nil && b.env.LookupHost != nil {
		if _, err := b.env.LookupHost(pv.Raw); err != nil {
			e.Kind = HostDefaultRoute
		} else {
			e.RouteToPeerName = true
		}
	}
	r, err := b.route()
	if err != nil || !r.Addr.IsValid() {
		if e.Kind == HostDefaultRoute {
			return // pluto resolves it
		}
		if err == nil {
			err = fmt.Errorf("this host has no default route")
		}
		b.errf(hv, "cannot resolve the default route: %v", err)
		return
	}
	e.Addr = r.Addr
	e.Nexthop = r.Gateway
	e.NexthopDefaultRoute = true
}

// defaultNexthop is what an end without nexthop= keeps from conn
// %default. Libreswan (4.10 and 5.x alike) reads %default as a conn of
// its own and starts each conn as a copy of that reading; the conn's
// reading redoes only what its own values derive. left=%defaultroute in
// %default marks the end's nexthop as the default route's, and only a
// nexthop= clears the mark, not a left= of the conn or of an also=
// section: addconn then asks the kernel for the gateway towards the peer,
// whatever the end's host (an address, %any, an interface). A gateway
// that cannot be found leaves the nexthop unset, as in addconn.
//
// Two other readings Libreswan 4.10 keeps this way are not reproduced,
// because they contradict what the conn itself says: the client that
// %default's leftsourceip= derives beats the conn's own leftsourceip=
// (conf derives the client from the sourceip the conn ends up with), and
// the ID that %default's left=ADDRESS derives stays the ID of a conn with
// another left= (the ID here is the conn's own address).
func (b *connBuilder) defaultNexthop(e *End, side string) {
	v, ok := b.c.Default(side)
	if !ok || e.NexthopDefaultRoute || e.Kind == HostDefaultRoute {
		return
	}
	// Only this spelling is Libreswan's host type %defaultroute.
	if !strings.EqualFold(v.Raw, "%defaultroute") {
		return
	}
	if r, err := b.route(); err == nil && r.Gateway.IsValid() {
		e.Nexthop, e.NexthopDefaultRoute = r.Gateway, true
	}
}

func (b *connBuilder) route() (Route, error) {
	if b.env == nil || b.env.DefaultRoute == nil {
		return Route{}, fmt.Errorf("no routing information")
	}
	return b.env.DefaultRoute(b.m.HostIPv6)
}

func (b *connBuilder) subnet(e *End, side string) {
	if v, ok := b.get(side + "subnet"); ok && v.Raw != "" && !strings.EqualFold(v.Raw, "%no") {
		switch {
		case strings.HasPrefix(v.Raw, "vhost:") || strings.HasPrefix(v.Raw, "vnet:"):
			e.Virt = v.Raw
		default:
			p, err := conf.ParseSubnet(v.Raw)
			if err != nil {
				b.errf(v, "%v", err)
				break
			}
			e.Subnet = p
			e.SubnetHostBits = p.Masked() != mustPrefix(v.Raw)
		}
	}
	if v, ok := b.get(side + "subnets"); ok {
		e.SubnetsSet = true
		for _, s := range conf.SplitList(strings.Trim(strings.TrimSpace(v.Raw), "{}")) {
			p, err := conf.ParseSubnet(s)
			if err != nil {
				b.errf(v, "%v", err)
				continue
			}
			e.Subnets = append(e.Subnets, p)
		}
		if len(e.Subnets) == 0 && !b.m.Version.AtLeast(V5_0) {
			// 4.10's addconn permutes over the empty list and adds
			// nothing; 5.x adds the one instance NAME/0x0.
			b.errf(v, "lists no subnet: Libreswan %s adds no conn for it (give subnets, or leave it out)", b.m.Version)
		}
	}
}

// mustPrefix is the prefix as written (unmasked), or the zero Prefix.
func mustPrefix(s string) netip.Prefix {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		if a, err := netip.ParseAddr(s); err == nil {
			return netip.PrefixFrom(a, a.BitLen())
		}
	}
	return p
}

func (b *connBuilder) keys(e *End, side string) {
	if v, ok := b.get(side + "rsasigkey"); ok {
		switch low := strings.ToLower(v.Raw); {
		case low == "%dnsondemand", low == "%dns", low == "%dnsonload":
			e.KeyFromDNS = true
		case isLiteralKey(v.Raw):
			e.Key, e.KeyAlg = v.Raw, KeyRSA
		case low == "%none":
			// addconn passes it on as the key text, and loads no key.
			e.KeyNone = true
		}
	}
	if v, ok := b.get(side + "rsasigkey2"); ok && isLiteralKey(v.Raw) {
		e.Key2 = v.Raw
	}
	for _, k := range rawKeyKeywords {
		if v, ok := b.get(side + k.kw); ok && isLiteralKey(v.Raw) {
			alg := k.alg
			if e.Key == "" {
				e.Key, e.KeyAlg = v.Raw, alg
			}
		}
	}
}

// isLiteralKey tells a key written out (0s base64 / 0x hex) from the magic
// values %cert, %none, %dns... and the FreeS/WAN "no key" 0x00.
func isLiteralKey(s string) bool {
	if s == "0x00" || len(s) < 3 {
		return false
	}
	return strings.HasPrefix(s, "0s") || strings.HasPrefix(s, "0x")
}

// ignored fills Conn.Ignored: keywords the release does not take, and
// every keyword the model does not know, so nothing is dropped silently.
func (b *connBuilder) ignored() {
	for _, kw := range b.c.Keywords() {
		if why, ok := notTaken(b.m.Version, kw); ok {
			b.ignore(kw, why)
			continue
		}
		if modelKeywords[kw] || silentlyIgnored[kw] || strings.HasPrefix(kw, "x-") || strings.HasPrefix(kw, "x_") {
			continue
		}
		b.ignore(kw, "unknown to Libreswan "+b.m.Version.String())
	}
	for kw, why := range b.why {
		b.m.Ignored = append(b.m.Ignored, Ignored{kw, why})
	}
	sort.Slice(b.m.Ignored, func(i, j int) bool { return b.m.Ignored[i].Keyword < b.m.Ignored[j].Keyword })
}

// parseCount reads a plain integer or one with an IEC suffix (Ki, Mi, Gi,
// Ti, Pi, Ei, optionally followed by B), which whack does not accept.
func parseCount(s string) (uint64, error) {
	if s == "%forever" {
		return 0, nil
	}
	num := strings.TrimRight(s, "KMGTPEiB")
	suffix := strings.TrimSuffix(s[len(num):], "B")
	mult := uint64(1)
	switch suffix {
	case "":
	case "Ki":
		mult = 1 << 10
	case "Mi":
		mult = 1 << 20
	case "Gi":
		mult = 1 << 30
	case "Ti":
		mult = 1 << 40
	case "Pi":
		mult = 1 << 50
	case "Ei":
		mult = 1 << 60
	default:
		return 0, fmt.Errorf("%q is not a count (N with optional Ki, Mi, Gi ... suffix)", s)
	}
	n, err := strconv.ParseUint(num, 0, 64)
	if err != nil || (mult > 1 && n > ^uint64(0)/mult) {
		return 0, fmt.Errorf("%q is not a count (N with optional Ki, Mi, Gi ... suffix)", s)
	}
	return n * mult, nil
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
			// A service name, looked up as getservbyname does.
			named, lerr := net.LookupPort(protoName(p), port)
			if lerr != nil {
				return Protoport{}, false
			}
			n = uint64(named)
		}
		pp.Port = uint32(n)
	}
	return pp, true
}

func protoName(p uint32) string {
	if p == 17 {
		return "udp"
	}
	return "tcp"
}

// isHostname is a DNS name addconn would not read as an address.
func isHostname(s string) bool {
	if s == "" || strings.ContainsAny(s, ":%/ ") || !strings.Contains(s, ".") {
		return false
	}
	last := s[strings.LastIndexByte(s, '.')+1:]
	return last != "" && (last[0] < '0' || last[0] > '9')
}

// Value words of the enum keywords (conf has lower-cased them).
var (
	typeWords = map[string]Type{
		"tunnel": TypeTunnel, "transport": TypeTransport, "passthrough": TypePassthrough,
		"pass": TypePassthrough, "drop": TypeDrop, "reject": TypeReject,
	}
	phase2Words       = map[string]Phase2{"esp": Phase2ESP, "ah": Phase2AH}
	esnWords          = map[string]ESN{"either": ESNEither, "yes": ESNYes, "no": ESNNo}
	fragWords         = map[string]Fragmentation{"yes": FragYes, "no": FragNo, "never": FragNo, "force": FragForce}
	failureShuntWords = map[string]Shunt{"none": ShuntNone, "passthrough": ShuntPass,
		"pass": ShuntPass, "drop": ShuntDrop, "hold": ShuntDrop, "reject": ShuntReject}
	negotiationShuntWords = map[string]Shunt{"passthrough": ShuntPass, "pass": ShuntPass,
		"hold": ShuntHold, "drop": ShuntHold}
	ynaWords       = map[string]YNA{"auto": YNAAuto, "no": YNANo, "yes": YNAYes}
	sendCAWords    = map[string]SendCA{"none": SendCANone, "issuer": SendCAIssuer, "all": SendCAAll}
	peerTypeWords  = map[string]RemotePeerType{"ietf": PeerIETF, "cisco": PeerCisco}
	xauthByWords   = map[string]XauthBy{"file": XauthByFile, "pam": XauthByPAM, "alwaysok": XauthByAlwaysOK}
	xauthFailWords = map[string]XauthFail{"hard": XauthFailHard, "soft": XauthFailSoft}
	ppkWords       = map[string]PPK{"no": PPKNo, "never": PPKNo, "permit": PPKPermit, "propose": PPKPermit,
		"yes": PPKPermit, "insist": PPKInsist}
	dpdActionWords = map[string]DPDAction{"hold": DPDHold, "clear": DPDClear,
		"restart": DPDRestart, "restart_by_peer": DPDRestart}
	sendCertWords = map[string]SendCert{"always": SendCertAlways, "alwayssend": SendCertAlways,
		"yes": SendCertAlways, "sendifasked": SendCertIfAsked, "ifasked": SendCertIfAsked,
		"never": SendCertNever, "no": SendCertNever}
)

// Tables of the plain keywords, by the field they fill.
var (
	connStrings = []struct {
		kw    string
		field func(*Conn) *string
	}{
		{"connalias", func(m *Conn) *string { return &m.Connalias }},
		{"redirect-to", func(m *Conn) *string { return &m.RedirectTo }},
		{"accept-redirect-to", func(m *Conn) *string { return &m.AcceptRedirectTo }},
		{"send-redirect", func(m *Conn) *string { return &m.SendRedirect }},
		{"accept-redirect", func(m *Conn) *string { return &m.AcceptRedirect }},
		{"modecfgdns", func(m *Conn) *string { return &m.ModecfgDNS }},
		{"modecfgdomains", func(m *Conn) *string { return &m.ModecfgDomains }},
		{"modecfgbanner", func(m *Conn) *string { return &m.ModecfgBanner }},
		{"mark", func(m *Conn) *string { return &m.Mark }},
		{"mark-in", func(m *Conn) *string { return &m.MarkIn }},
		{"mark-out", func(m *Conn) *string { return &m.MarkOut }},
		{"vti-interface", func(m *Conn) *string { return &m.VTIInterface }},
		{"ipsec-interface", func(m *Conn) *string { return &m.IPsecInterface }},
		{"sec-label", func(m *Conn) *string { return &m.SecLabel }},
	}
	connCounts = []struct {
		kw    string
		field func(*Conn) *uint64
	}{
		{"metric", func(m *Conn) *uint64 { return &m.Metric }},
		{"mtu", func(m *Conn) *uint64 { return &m.MTU }},
		{"priority", func(m *Conn) *uint64 { return &m.Priority }},
		{"tfc", func(m *Conn) *uint64 { return &m.TFC }},
		{"reqid", func(m *Conn) *uint64 { return &m.ReqID }},
		{"nflog-group", func(m *Conn) *uint64 { return &m.NflogGroup }},
		{"nflog", func(m *Conn) *uint64 { return &m.NflogGroup }},
	}
	connBools = []struct {
		kw    string
		field func(*Conn) *bool
	}{
		{"modecfgpull", func(m *Conn) *bool { return &m.ModecfgPull }},
		{"ignore-peer-dns", func(m *Conn) *bool { return &m.IgnorePeerDNS }},
		{"cisco-unity", func(m *Conn) *bool { return &m.CiscoUnity }},
		{"nm-configured", func(m *Conn) *bool { return &m.NMConfigured }},
		{"send-vendorid", func(m *Conn) *bool { return &m.SendVendorID }},
		{"overlapip", func(m *Conn) *bool { return &m.OverlapIP }},
		{"sha2-truncbug", func(m *Conn) *bool { return &m.SHA2Truncbug }},
		{"dns-match-id", func(m *Conn) *bool { return &m.DNSMatchID }},
		{"ms-dh-downgrade", func(m *Conn) *bool { return &m.MSDHDowngrade }},
		{"decap-dscp", func(m *Conn) *bool { return &m.DecapDSCP }},
		{"nopmtudisc", func(m *Conn) *bool { return &m.NoPMTUDisc }},
		{"intermediate", func(m *Conn) *bool { return &m.Intermediate }},
		{"initial-contact", func(m *Conn) *bool { return &m.InitialContact }},
		{"fake-strongswan", func(m *Conn) *bool { return &m.FakeStrongswan }},
		{"nat-keepalive", func(m *Conn) *bool { return &m.NATKeepalive }},
		{"send-no-esp-tfc", func(m *Conn) *bool { return &m.SendNoESPTFC }},
		{"vti-routing", func(m *Conn) *bool { return &m.VTIRouting }},
		{"vti-shared", func(m *Conn) *bool { return &m.VTIShared }},
		{"require-id-on-certificate", func(m *Conn) *bool { return &m.RequireIDOnCert }},
		{"pam-authorize", func(m *Conn) *bool { return &m.PAMAuthorize }},
	}
	endBools = []struct {
		kw    string
		field func(*End) *bool
	}{
		{"xauthserver", func(e *End) *bool { return &e.XauthServer }},
		{"xauthclient", func(e *End) *bool { return &e.XauthClient }},
		{"modecfgserver", func(e *End) *bool { return &e.ModecfgServer }},
		{"modecfgclient", func(e *End) *bool { return &e.ModecfgClient }},
		{"cat", func(e *End) *bool { return &e.Cat }},
	}
	rawKeyKeywords = []struct {
		kw  string
		alg KeyAlg
	}{{"ecdsakey", KeyECDSA}, {"pubkey", KeyECDSA}, {"eddsakey", KeyEdDSA}}
)

// modelKeywords are the keywords FromConf reads: any other that is set is
// listed in Conn.Ignored.
var modelKeywords = func() map[string]bool {
	known := map[string]bool{}
	for _, kw := range []string{"auto", "also", "alsoflip", "hostaddrfamily", "clientaddrfamily",
		"type", "ikev2", "keyexchange", "authby", "phase2", "pfs", "compress", "rekey", "reauth",
		"aggressive", "narrowing", "mobike", "ikepad", "esn", "fragmentation", "ike", "esp", "ah",
		"pfsgroup", "ikelifetime", "ipsec-lifetime", "rekeymargin", "rekeyfuzz", "keyingtries",
		"replay-window", "ipsec-max-bytes", "ipsec-max-packets", "retransmit-timeout",
		"retransmit-interval", "dpddelay", "dpdtimeout", "dpdaction", "failureshunt",
		"negotiationshunt", "encapsulation", "forceencaps", "nic-offload", "sendca",
		"remote-peer-type", "xauthby", "xauthfail", "ppk", "tcp-remoteport", "enable-tcp",
		"nat-ikev1-method"} {
		known[kw] = true
	}
	for _, f := range connStrings {
		known[f.kw] = true
	}
	for _, f := range connCounts {
		known[f.kw] = true
	}
	for _, f := range connBools {
		known[f.kw] = true
	}
	ends := []string{"", "updown", "nexthop", "id", "cert", "ckaid", "ca", "sendcert", "subnet",
		"subnets", "sourceip", "vti", "protoport", "ikeport", "auth", "autheap", "username",
		"addresspool", "rsasigkey", "rsasigkey2", "firewall"}
	for _, f := range endBools {
		ends = append(ends, f.kw)
	}
	for _, k := range rawKeyKeywords {
		ends = append(ends, k.kw)
	}
	for _, side := range []string{"left", "right"} {
		for _, kw := range ends {
			known[side+kw] = true
		}
	}
	return known
}()
