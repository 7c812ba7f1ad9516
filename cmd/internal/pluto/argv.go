package pluto

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"goswan/conf"
)

// Translation is what `ipsec auto --add` sends to pluto for one conn
// through whack's command line.
type Translation struct {
	// Name is the conn's name.
	Name string
	// Conns holds one whack argument list per conn pluto gets: one, or one
	// per leftsubnets×rightsubnets combination (named NAME/LxR).
	Conns [][]string
	// Names are the names of Conns, in order.
	Names []string
	// Keys holds the whack argument lists that load raw public keys, run
	// after the conns.
	Keys [][]string
	// Unexpressed lists the keywords that do not reach pluto, each with
	// the reason; the caller warns once per conn.
	Unexpressed []string
}

// Warning is the one-line warning for a conn with unexpressed keywords, or
// "" when there are none.
func (t *Translation) Warning() string {
	if len(t.Unexpressed) == 0 {
		return ""
	}
	return fmt.Sprintf("conn %q: not passed to pluto (whack cannot express it): %s", t.Name, strings.Join(t.Unexpressed, "; "))
}

// Translate builds the conn for Libreswan 4.10 and renders it as whack
// argument lists (FromConf, then Argv).
func Translate(c *conf.Conn, env *Env) (*Translation, error) {
	m, err := FromConf(c, env, V4_10)
	if err != nil {
		return nil, err
	}
	return m.Argv(), nil
}

// Argv renders the conn as whack argument lists (without the program
// name and control socket) for the whack of the conn's release: 4.10,
// 5.0–5.2, 5.3, 5.4 and later spell some options differently. whack
// starts from other defaults than addconn on 4.10, so the baseline
// options that make the two agree are always given; 5.x's whack leaves
// unset options to pluto, whose defaults are addconn's, so there only
// what differs from them is said (pfs=no, fragmentation=no, transport
// mode). Measured on 5.2 (TestDifferentialStatusWhack5): 72 of 78 corpus
// conns identical to 5.2's addconn; the rest is what 5.2's whack cannot
// say (whackDifferences).
func (m *Conn) Argv() *Translation {
	r := &argvRenderer{m: m, unexp: map[string]string{}}
	for _, ig := range m.Ignored {
		r.unexp[ig.Keyword] = ig.Why
	}
	out := &Translation{Name: m.Name}
	var wide []string
	if m.HostIPv6 {
		wide = append(wide, "--ipv6")
	}
	if m.ClientIPv6 {
		wide = append(wide, "--tunnelipv6")
	}
	policy := r.policy()
	left := r.end(&m.Left, "left")
	right := r.end(&m.Right, "right")
	rest := r.connWide()
	for _, in := range m.instances() {
		lc, rc := r.pairClients(&m.Left, in.left, &m.Right, in.right)
		args := []string{"--name", in.name}
		args = append(args, wide...)
		args = append(args, policy...)
		args = append(args, r.hostArgs(&m.Left, lc)...)
		args = append(args, left...)
		args = append(args, "--to")
		args = append(args, r.hostArgs(&m.Right, rc)...)
		args = append(args, right...)
		args = append(args, rest...)
		if !m.Version.AtLeast(V5_0) {
			// addconn replaces an existing conn of the same name in
			// the same message; --delete in the add command does the
			// same on 4.x (5.x's whack fails the add when the name
			// was not there to delete).
			args = append(args, "--delete")
		}
		out.Conns = append(out.Conns, args)
		out.Names = append(out.Names, in.name)
	}
	out.Keys = r.keys()
	for kw, why := range r.unexp {
		out.Unexpressed = append(out.Unexpressed, kw+" ("+why+")")
	}
	sort.Strings(out.Unexpressed)
	return out
}

// instance is one conn pluto gets: the conn itself, or one combination of
// leftsubnets= × rightsubnets=.
type instance struct {
	name        string
	alias       string
	left, right netip.Prefix
}

type numbered struct {
	n int
	p netip.Prefix
}

// instances follows addconn's starter_permutate_conns: NAME/LxR for every
// pair, right fastest; subnet= counts as item 0 of its side's subnets=.
func (m *Conn) instances() []instance {
	if !m.Left.SubnetsSet && !m.Right.SubnetsSet {
		return []instance{{name: m.Name, left: m.Left.Subnet, right: m.Right.Subnet}}
	}
	list := func(e *End) []numbered {
		var out []numbered
		if e.Subnet.IsValid() {
			out = append(out, numbered{0, e.Subnet})
		}
		for i, p := range e.Subnets {
			out = append(out, numbered{i + 1, p})
		}
		if len(out) == 0 {
			out = append(out, numbered{0, netip.Prefix{}})
		}
		return out
	}
	var out []instance
	for _, l := range list(&m.Left) {
		for _, r := range list(&m.Right) {
			out = append(out, instance{name: fmt.Sprintf("%s/%dx%d", m.Name, l.n, r.n), alias: m.Name, left: l.p, right: r.p})
		}
	}
	return out
}

type argvRenderer struct {
	m     *Conn
	unexp map[string]string
}

func (r *argvRenderer) v53() bool { return r.m.Version.AtLeast(V5_3) }

// v5 tells Libreswan 5's whack, which leaves what it is not told to
// pluto's defaults (addconn's), where 4.10's whack set its own.
func (r *argvRenderer) v5() bool { return r.m.Version.AtLeast(V5_0) }

func (r *argvRenderer) policy() []string {
	m := r.m
	var f []string
	switch m.Type {
	case TypePassthrough:
		f = append(f, "--pass")
	case TypeDrop:
		f = append(f, "--drop")
	case TypeReject:
		if r.v53() {
			f = append(f, "--drop") // 5.3 folded --reject into --drop
		} else {
			f = append(f, "--reject")
		}
	}
	if m.IKEVersion == IKEv1 {
		f = append(f, "--ikev1")
	}
	for _, a := range m.Auth {
		switch a {
		case AuthSecret:
			f = append(f, "--psk")
		case AuthRSASig:
			f = append(f, "--rsasig")
		case AuthNull:
			f = append(f, "--auth-null")
		case AuthNever:
			f = append(f, "--auth-never")
		default:
			f = append(f, "--"+a.String())
		}
	}
	if !m.Type.Shunt() {
		if m.Phase2 == Phase2AH {
			f = append(f, "--authenticate")
		} else {
			f = append(f, "--encrypt")
		}
		if m.Type == TypeTunnel {
			f = append(f, "--tunnel")
		}
		switch {
		case m.PFS:
			f = append(f, "--pfs")
		case r.v5():
			f = append(f, "--pfs=no") // 5.x's pluto defaults to yes
		}
		if m.Compress {
			f = append(f, "--compress")
		}
		switch m.Fragmentation {
		case FragYes:
			f = append(f, "--ikefrag-allow")
		case FragForce:
			f = append(f, "--ikefrag-allow", "--ikefrag-force")
		case FragNo:
			if r.v5() {
				f = append(f, "--fragmentation", "no") // 5.x's pluto defaults to yes
			}
		}
		switch m.ESN {
		case ESNEither:
			f = append(f, "--esn", "--no-esn")
		case ESNYes:
			f = append(f, "--esn")
		case ESNNo:
			f = append(f, "--no-esn")
		}
		if m.TypeSet && !r.v5() {
			// addconn arms the trap shunt when type= is given anywhere;
			// invisible in --status but real. (5.x's whack ignores
			// the option with a warning.)
			f = append(f, "--initiateontraffic")
		}
	}
	if !m.Rekey {
		f = append(f, "--dontrekey")
	}
	return f
}

// hostArgs are --host and --client, which must come first for an end.
func (r *argvRenderer) hostArgs(e *End, client string) []string {
	host := e.HostName
	switch e.Kind {
	case HostAddr, HostIface, HostDefaultRoute:
		host = e.Addr.String()
	case HostAny:
		host = "%any"
	case HostOpportunistic:
		host = "%opportunistic"
	case HostOpportunisticGroup:
		host = "%opportunisticgroup"
	case HostGroup:
		host = "%group"
	}
	a := []string{"--host", host}
	if client != "" {
		a = append(a, "--client", client)
	}
	return a
}

func (r *argvRenderer) end(e *End, side string) []string {
	var f []string
	add := func(opt, v string) {
		if v != "" {
			f = append(f, opt, v)
		}
	}
	yes := func(opt string, v bool) {
		if v {
			f = append(f, opt)
		}
	}
	add("--id", e.ID)
	add("--cert", e.Cert)
	add("--ckaid", e.CKAID)
	add("--ca", e.CA)
	sc := map[SendCert]string{SendCertAlways: "always", SendCertIfAsked: "ifasked", SendCertNever: "never"}[e.SendCert]
	f = append(f, "--sendcert", sc)
	if e.Nexthop.IsValid() {
		f = append(f, "--nexthop", e.Nexthop.String())
	} else if e.NexthopDirect {
		f = append(f, "--nexthop", "%direct")
	}
	if e.SourceIP.IsValid() {
		f = append(f, "--srcip", e.SourceIP.String())
	}
	add("--vtiip", e.VTI)
	if e.Updown != "ipsec _updown" {
		add("--updown", e.Updown)
	}
	if e.Protoport.IsSet {
		f = append(f, "--clientprotoport", e.Protoport.String())
	}
	if e.IKEPort != 0 {
		f = append(f, "--ikeport", strconv.FormatUint(uint64(e.IKEPort), 10))
	}
	authOpt := "--authby"
	if r.v53() {
		authOpt = "--auth"
	}
	switch e.Auth {
	case AuthDefault:
	case AuthSecret:
		f = append(f, authOpt, "psk")
	case AuthNever:
		r.unexp[side+"auth"] = "whack rejects --authby never"
	default:
		f = append(f, authOpt, e.Auth.String())
	}
	add("--autheap", e.AutoEAP)
	yes("--xauthserver", e.XauthServer)
	yes("--xauthclient", e.XauthClient)
	yes("--modecfgserver", e.ModecfgServer)
	yes("--modecfgclient", e.ModecfgClient)
	add("--username", e.Username)
	if e.AddressPool.IsSet {
		f = append(f, "--addresspool", e.AddressPool.String())
	}
	if e.Cat {
		r.unexp[side+"cat"] = "no whack option"
	}
	if e.KeyFromDNS {
		f = append(f, "--dnskeyondemand")
	}
	if e.Key != "" && e.KeyAlg != KeyRSA {
		r.unexp[side+map[KeyAlg]string{KeyECDSA: "ecdsakey", KeyEdDSA: "eddsakey"}[e.KeyAlg]] = "whack has no option for non-RSA raw keys"
	}
	return f
}

// pairClients applies whack's rule that both ends have a client or
// neither: the end without one gets its host as a /32 (/128), which is what
// addconn's message means.
func (r *argvRenderer) pairClients(l *End, lp netip.Prefix, re *End, rp netip.Prefix) (string, string) {
	lc, rc := prefixString(lp, l.Virt), prefixString(rp, re.Virt)
	if r.v5() {
		// 5.x's whack passes each end's subnet on as given, and
		// pluto reads a missing one as addconn's message does; a
		// made-up %any client would collide with an addresspool.
		// 5.x derives no subnet from sourceip= (as WriteConf5).
		if l.SubnetFromSourceIP && lp == l.Subnet {
			lc = ""
		}
		if re.SubnetFromSourceIP && rp == re.Subnet {
			rc = ""
		}
		return lc, rc
	}
	// whack gives a %opportunistic end the client 0/0 by itself.
	lHas := lc != "" || l.Kind == HostOpportunistic
	rHas := rc != "" || re.Kind == HostOpportunistic
	if lHas == rHas {
		return lc, rc
	}
	if !lHas {
		lc = hostClient(l, strings.Contains(rc, ":"))
	} else {
		rc = hostClient(re, strings.Contains(lc, ":"))
	}
	return lc, rc
}

func prefixString(p netip.Prefix, virt string) string {
	if virt != "" {
		return virt
	}
	if !p.IsValid() {
		return ""
	}
	return p.String()
}

func hostClient(e *End, v6 bool) string {
	if e.Addr.IsValid() {
		return netip.PrefixFrom(e.Addr, e.Addr.BitLen()).String()
	}
	if v6 {
		return "::/128"
	}
	return "0.0.0.0/32"
}

// keys builds the whack commands that load literal RSA keys under the end's
// ID (or address), left end first as FreeS/WAN did.
func (r *argvRenderer) keys() [][]string {
	var out [][]string
	for i, e := range []*End{&r.m.Left, &r.m.Right} {
		side := [...]string{"left", "right"}[i]
		id := e.ID
		if id == "" && (e.Kind == HostAddr || e.Kind == HostIface) {
			id = e.Addr.String()
		}
		for _, k := range []struct {
			kw, key string
			add     bool
		}{{side + "rsasigkey", e.Key, false}, {side + "rsasigkey2", e.Key2, true}} {
			if k.key == "" || e.KeyAlg != KeyRSA {
				continue
			}
			if id == "" {
				r.unexp[k.kw] = "the end has no ID to file the key under"
				continue
			}
			args := []string{"--keyid", id}
			if k.add {
				args = append(args, "--addkey")
			}
			out = append(out, append(args, "--pubkeyrsa", k.key))
		}
	}
	return out
}

func (r *argvRenderer) connWide() []string {
	m := r.m
	var a []string
	add := func(opt, v string) {
		if v != "" {
			a = append(a, opt, v)
		}
	}
	yes := func(opt string, v bool) {
		if v {
			a = append(a, opt)
		}
	}
	num := func(opt string, n uint64) {
		if n != 0 {
			a = append(a, opt, strconv.FormatUint(n, 10))
		}
	}
	secs := func(opt string, d time.Duration) {
		a = append(a, opt, strconv.FormatInt(int64(d/time.Second), 10))
	}
	def := defaultConn(m.Version)
	if m.Type == TypeTransport && r.v5() {
		// After every --client, which makes 5.x's whack choose tunnel
		// mode; 4.10's whack means transport when --tunnel is absent.
		a = append(a, "--transport")
	}
	// 4.10's whack refuses lifetimes above the maximum (and %forever, 0)
	// that pluto clamps when addconn sends them. 5.x's whack passes them
	// on, and pluto reads them as it reads addconn's.
	clamp := func(d time.Duration) time.Duration {
		if !r.v5() && (d > maxLifetime || d == 0) {
			return maxLifetime
		}
		return d
	}
	ike, ipsec := clamp(m.IKELifetime), clamp(m.IPsecLifetime)
	if m.IKELifetime != def.IKELifetime {
		secs("--ikelifetime", ike)
	}
	if m.IPsecLifetime != def.IPsecLifetime {
		secs("--ipsec-lifetime", ipsec)
	}
	margin := m.RekeyMargin
	if m.Rekey && !r.v5() {
		// Unless rekey=no, whack wants each lifetime above rekeymargin ×
		// (100 + rekeyfuzz) / 100, while pluto loads such a conn from
		// addconn unchanged: lower the margin just enough.
		life := min(ike, ipsec)
		if life <= margin*time.Duration(100+m.RekeyFuzz)/100 {
			fit := max(life*100/time.Duration(100+m.RekeyFuzz)-time.Second, 0).Truncate(time.Second)
			r.unexp["rekeymargin"] = fmt.Sprintf("a lifetime of %ds is not above rekeymargin %ds × (100%%+rekeyfuzz %d%%), which whack refuses; sent rekeymargin %ds",
				int64(life/time.Second), int64(margin/time.Second), m.RekeyFuzz, int64(fit/time.Second))
			margin = fit
		}
	}
	if margin != def.RekeyMargin {
		secs("--rekeymargin", margin)
	}
	if m.RekeyFuzz != def.RekeyFuzz {
		a = append(a, "--rekeyfuzz", strconv.FormatUint(m.RekeyFuzz, 10))
	}
	if r.v53() {
		if m.KeyingTries != 0 {
			r.unexp["keyingtries"] = "whack 5.3 ignores --keyingtries"
		}
	} else {
		num("--keyingtries", m.KeyingTries)
	}
	yes("--reauth", m.Reauth)
	if m.ReplayWindowSet {
		a = append(a, "--replay-window", strconv.FormatUint(m.ReplayWindow, 10))
	}
	if m.RetransmitTimeout != def.RetransmitTimeout {
		secs("--retransmit-timeout", m.RetransmitTimeout)
	}
	if m.RetransmitInterval != def.RetransmitInterval {
		a = append(a, "--retransmit-interval", strconv.FormatInt(m.RetransmitInterval.Milliseconds(), 10)+"ms")
	}
	if m.IPsecMaxBytesSet {
		a = append(a, "--ipsec-max-bytes", strconv.FormatUint(m.IPsecMaxBytes, 10))
	}
	if m.IPsecMaxPacketsSet {
		a = append(a, "--ipsec-max-packets", strconv.FormatUint(m.IPsecMaxPackets, 10))
	}
	if m.DPDDelay != 0 {
		secs("--dpddelay", m.DPDDelay)
		if m.IKEVersion == IKEv1 {
			secs("--dpdtimeout", m.DPDTimeout)
		}
	}
	if !m.Version.AtLeast(V5_0) {
		a = append(a, "--dpdaction", m.DPDAction.String()) // obsolete (ignored) in 5.x
	}
	switch m.FailureShunt {
	case ShuntPass:
		a = append(a, "--failpass")
	case ShuntDrop:
		a = append(a, "--faildrop")
	case ShuntReject:
		a = append(a, "--failreject")
	}
	if m.NegotiationShunt == ShuntPass {
		a = append(a, "--negopass")
	}
	add("--ike", m.IKE)
	add("--esp", m.ESP)
	if m.PFSGroup != "" {
		switch {
		case m.ESP == "":
			r.unexp["pfsgroup"] = "needs esp= (write esp=ALG;" + m.PFSGroup + ")"
		case r.v53():
			r.unexp["pfsgroup"] = "whack 5.3 refuses --pfsgroup (write esp=ALG;" + m.PFSGroup + ")"
		default:
			a = append(a, "--pfsgroup", m.PFSGroup)
		}
	}
	if !m.IKEPad && !m.Version.AtLeast(V5_0) {
		a = append(a, "--no-ikepad")
	}
	yes("--allow-narrowing", m.Narrowing)
	yes("--mobike", m.Mobike)
	yes("--intermediate", m.Intermediate)
	yes("--aggressive", m.Aggressive)
	yes("--modecfgpull", m.ModecfgPull)
	add("--modecfgdns", m.ModecfgDNS)
	add("--modecfgdomains", m.ModecfgDomains)
	add("--modecfgbanner", m.ModecfgBanner)
	if m.XauthBy != def.XauthBy {
		add("--xauthby", m.XauthBy.String())
	}
	if m.XauthFail != def.XauthFail {
		add("--xauthfail", m.XauthFail.String())
	}
	yes("--overlapip", m.OverlapIP)
	yes("--decap-dscp", m.DecapDSCP)
	yes("--nopmtudisc", m.NoPMTUDisc)
	yes("--ms-dh-downgrade", m.MSDHDowngrade)
	yes("--dns-match-id", m.DNSMatchID)
	yes("--allow-cert-without-san-id", !m.RequireIDOnCert)
	yes("--sha2-truncbug", m.SHA2Truncbug)
	yes("--send-no-esp-tfc", m.SendNoESPTFC)
	yes("--initialcontact", m.InitialContact)
	yes("--cisco-unity", m.CiscoUnity)
	yes("--fake-strongswan", m.FakeStrongswan)
	if m.RemotePeerType == PeerCisco {
		a = append(a, "--remote-peer-type", "cisco")
	}
	yes("--nm-configured", m.NMConfigured)
	a = append(a, "--encaps", m.Encapsulation.String())
	yes("--no-nat_keepalive", !m.NATKeepalive)
	add("--ikev1-natt", m.NATIKEv1Method)
	add("--tcp", m.EnableTCP)
	if m.NICOffload != def.NICOffload {
		add("--nic-offload", m.NICOffload.String())
	}
	add("--send-redirect", m.SendRedirect)
	add("--accept-redirect", m.AcceptRedirect)
	add("--accept-redirect-to", m.AcceptRedirectTo)
	add("--conn-mark", m.Mark)
	add("--conn-mark-in", m.MarkIn)
	add("--conn-mark-out", m.MarkOut)
	add("--vti-iface", m.VTIInterface)
	yes("--vti-routing", m.VTIRouting)
	yes("--vti-shared", m.VTIShared)
	switch s := strings.ToLower(m.IPsecInterface); s {
	case "no", "":
	case "yes":
		a = append(a, "--ipsec-interface", "1")
	default:
		a = append(a, "--ipsec-interface", s)
	}
	num("--metric", m.Metric)
	num("--mtu", m.MTU)
	num("--priority", m.Priority)
	num("--tfc", m.TFC)
	num("--reqid", m.ReqID)
	num("--nflog-group", m.NflogGroup)
	if m.SendCA != def.SendCA {
		add("--sendca", m.SendCA.String())
	}
	add("--policylabel", m.SecLabel)

	// What whack's command line cannot say (measured against 4.10).
	if m.AutoKeep {
		r.unexp["auto"] = "auto=keep sets a policy bit whack cannot set; loaded as auto=add"
	}
	if m.SendVendorID {
		r.unexp["send-vendorid"] = "no whack option"
	}
	if m.PPK != PPKNo {
		r.unexp["ppk"] = "no whack option"
	}
	if m.PAMAuthorize {
		r.unexp["pam-authorize"] = "this whack is built without PAM"
	}
	switch {
	case !m.IgnorePeerDNS:
	case r.v5():
		a = append(a, "--ignore-peer-dns")
	default:
		r.unexp["ignore-peer-dns"] = "--ignore-peer-dns aborts the 4.10 whack"
	}
	if m.TCPRemotePort != 4500 {
		r.unexp["tcp-remoteport"] = "--tcp-remote-port aborts whack (4.10 and 5.2)"
	}
	switch {
	case m.Connalias == "":
	case r.v5():
		r.unexp["connalias"] = "whack " + m.Version.String() + " takes --connalias but does not send it"
	default:
		r.unexp["connalias"] = "--connalias aborts the 4.10 whack"
	}
	if m.RedirectTo != "" {
		r.unexp["redirect-to"] = "whack reads --redirect-to as the redirect command"
	}
	return a
}
