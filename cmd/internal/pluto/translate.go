package pluto

import (
	"fmt"
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

// Env supplies what a translation needs from the running system. Tests give
// fixed answers; the applets use System().
type Env struct {
	// DefaultRoute resolves %defaultroute for the address family.
	DefaultRoute func(ipv6 bool) (Route, error)
	// IfaceAddr resolves %IFACE (e.g. left=%eth0).
	IfaceAddr func(name string, ipv6 bool) (netip.Addr, error)
	// LookupHost resolves a DNS name (nil: names are not resolved).
	LookupHost func(name string) ([]netip.Addr, error)
}

// Translation is what `ipsec auto --add` sends to pluto for one conn.
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
	// Unexpressed lists the keywords whack's command line cannot carry, each
	// with the reason; the caller warns once per conn.
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

// Translate turns a resolved conn into whack argument lists (without the
// program name and control socket). It is pure apart from env, which
// resolves %defaultroute and %IFACE. Errors are positioned at the value
// that caused them.
func Translate(c *conf.Conn, env *Env) (*Translation, error) {
	if c.Err != nil {
		return nil, c.Err
	}
	tr := &translator{c: c, env: env, used: map[string]bool{}, unexp: map[string]string{}}
	return tr.run()
}

type translator struct {
	c     *conf.Conn
	env   *Env
	errs  token.ErrorList
	used  map[string]bool   // keywords consumed
	unexp map[string]string // keyword -> why it cannot be expressed

	ipv6Host, ipv6Client bool
	ikev1, shunt         bool
}

// first returns the value of the first of several spellings that is set
// (FreeS/WAN, Openswan and Libreswan names for one field).
func (t *translator) first(kws ...string) (conf.Value, bool) {
	for _, kw := range kws {
		t.used[kw] = true
	}
	for _, kw := range kws {
		if v, ok := t.c.Get(kw); ok {
			return v, true
		}
	}
	return conf.Value{}, false
}

func (t *translator) errf(v conf.Value, format string, args ...any) {
	t.errs.Addf(v.Pos, "conn %q: %s=%s: %s", t.c.Name, v.Keyword, v.Raw, fmt.Sprintf(format, args...))
}

// boolOf reads a yes/no keyword (any of its spellings).
func (t *translator) boolOf(kws ...string) (val, set bool) {
	v, ok := t.first(kws...)
	if !ok {
		return false, false
	}
	b, err := conf.ParseBool(strings.ToLower(v.Raw))
	if err != nil {
		t.errf(v, "%v", err)
		return false, false
	}
	return b, true
}

func (t *translator) unexpressed(kw, why string) {
	t.used[kw] = true
	if _, ok := t.c.Get(kw); ok {
		t.unexp[kw] = why
	}
}

func (t *translator) run() (*Translation, error) {
	c := t.c
	out := &Translation{Name: c.Name}
	if c.IsManual() {
		return nil, &token.Error{Pos: c.Pos, Msg: fmt.Sprintf("conn %q is manually keyed; use ipsec manual", c.Name)}
	}
	t.used["auto"], t.used["also"], t.used["alsoflip"] = true, true, true

	policy := t.policy()
	var wide []string
	if t.ipv6Host {
		wide = append(wide, "--ipv6")
	}
	if t.ipv6Client {
		wide = append(wide, "--tunnelipv6")
	}
	left := t.end("left", "right")
	right := t.end("right", "left")
	rest := t.connWide()
	keys := t.keys(left, right)

	leftSubs := t.subnets("left", left)
	rightSubs := t.subnets("right", right)
	t.noteUnknown()
	if err := t.errs.Err(); err != nil {
		return nil, err
	}
	multi := len(leftSubs) > 1 || len(rightSubs) > 1 || left.hasSubnets || right.hasSubnets
	for li, ls := range leftSubs {
		for ri, rs := range rightSubs {
			name := c.Name
			if multi {
				name = fmt.Sprintf("%s/%dx%d", c.Name, subIndex(left, li), subIndex(right, ri))
			}
			lc, rc := pairClients(left, ls, right, rs)
			args := []string{"--name", name}
			args = append(args, wide...)
			args = append(args, policy...)
			args = append(args, left.args(lc)...)
			args = append(args, "--to")
			args = append(args, right.args(rc)...)
			args = append(args, rest...)
			// addconn replaces an existing conn of the same name in the
			// same message; --delete in the add command does the same.
			args = append(args, "--delete")
			out.Conns = append(out.Conns, args)
			out.Names = append(out.Names, name)
		}
	}
	out.Keys = keys
	for kw, why := range t.unexp {
		out.Unexpressed = append(out.Unexpressed, kw+" ("+why+")")
	}
	sort.Strings(out.Unexpressed)
	return out, nil
}

func subIndex(e *end, i int) int {
	if !e.hasSubnets {
		return 0
	}
	return i + 1
}

// policy derives the policy flags from type, authby, phase2, pfs, compress,
// ikev2, rekey, fragmentation and esn, with addconn's defaults.
func (t *translator) policy() []string {
	var f []string
	typ := "tunnel"
	typeSet := false
	if v, ok := t.first("type"); ok {
		typeSet = true
		typ = strings.ToLower(v.Raw)
	}
	switch typ {
	case "tunnel", "transport":
	case "passthrough", "pass":
		t.shunt = true
		f = append(f, "--pass")
	case "drop":
		t.shunt = true
		f = append(f, "--drop")
	case "reject":
		t.shunt = true
		f = append(f, "--reject")
	default:
		v, _ := t.first("type")
		t.errf(v, "unknown type (tunnel, transport, passthrough, drop or reject)")
	}

	// IKE version.
	if v, ok := t.first("ikev2"); ok {
		switch strings.ToLower(v.Raw) {
		case "no", "never", "permit":
			t.ikev1 = true
		case "yes", "propose", "insist", "always":
		default:
			t.errf(v, "expected yes, no, insist, propose, permit, never or always")
		}
	}
	if v, ok := t.first("keyexchange"); ok {
		switch strings.ToLower(v.Raw) {
		case "ike", "ikev2":
		case "ikev1":
			t.ikev1 = true
		default:
			t.errf(v, "expected ike, ikev1 or ikev2")
		}
	}
	if t.ikev1 {
		f = append(f, "--ikev1")
	}

	// Authentication.
	if v, ok := t.first("authby"); ok {
		for _, a := range strings.FieldsFunc(strings.ToLower(v.Raw), func(r rune) bool { return r == ',' || r == ' ' || r == '|' || r == '\t' }) {
			switch a {
			case "secret", "psk":
				f = append(f, "--psk")
			case "rsasig", "rsa":
				f = append(f, "--rsasig")
			case "rsa-sha1":
				f = append(f, "--rsa-sha1")
			case "rsa-sha2", "rsa-sha2_256", "rsa-sha2_384", "rsa-sha2_512",
				"ecdsa", "ecdsa-sha2", "ecdsa-sha2_256", "ecdsa-sha2_384", "ecdsa-sha2_512":
				f = append(f, "--"+a)
			case "null":
				f = append(f, "--auth-null")
			case "never":
				f = append(f, "--auth-never")
			default:
				t.errf(v, "unknown authentication method %q", a)
			}
		}
	}

	if !t.shunt {
		phase2 := "esp"
		if v, ok := t.first("phase2"); ok {
			phase2 = strings.ToLower(v.Raw)
		}
		switch phase2 {
		case "esp":
			f = append(f, "--encrypt")
		case "ah":
			f = append(f, "--authenticate")
		default:
			v, _ := t.first("phase2")
			t.errf(v, "expected esp or ah")
		}
		if typ == "tunnel" {
			f = append(f, "--tunnel")
		}
		if pfs, set := t.boolOf("pfs"); pfs || !set {
			f = append(f, "--pfs")
		}
		if comp, _ := t.boolOf("compress"); comp {
			f = append(f, "--compress")
		}
		frag := "yes"
		if v, ok := t.first("fragmentation"); ok {
			frag = strings.ToLower(v.Raw)
		}
		switch frag {
		case "yes":
			f = append(f, "--ikefrag-allow")
		case "force":
			f = append(f, "--ikefrag-allow", "--ikefrag-force")
		case "no":
		default:
			v, _ := t.first("fragmentation")
			t.errf(v, "expected yes, no or force")
		}
		esn := "either"
		if v, ok := t.first("esn"); ok {
			esn = strings.ToLower(v.Raw)
		}
		switch esn {
		case "either":
			f = append(f, "--esn", "--no-esn")
		case "yes":
			f = append(f, "--esn")
		case "no":
			f = append(f, "--no-esn")
		default:
			v, _ := t.first("esn")
			t.errf(v, "expected yes, no or either")
		}
		if typeSet {
			// addconn arms the trap shunt when type= is given anywhere;
			// invisible in --status but real.
			f = append(f, "--initiateontraffic")
		}
	} else {
		t.used["phase2"], t.used["pfs"], t.used["compress"] = true, true, true
		t.used["fragmentation"], t.used["esn"] = true, true
	}
	if rekey, set := t.boolOf("rekey"); set && !rekey {
		f = append(f, "--dontrekey")
	}
	t.family()
	return f
}

// family decides whether --ipv6 / --tunnelipv6 must precede the ends.
func (t *translator) family() {
	if v, ok := t.first("hostaddrfamily", "connaddrfamily", "endaddrfamily"); ok {
		t.ipv6Host = isV6Word(v.Raw)
	}
	if v, ok := t.first("clientaddrfamily", "tunneladdrfamily"); ok {
		t.ipv6Client = isV6Word(v.Raw)
	}
	for _, side := range []string{"left", "right"} {
		if v, ok := t.c.Get(side); ok {
			if a, err := netip.ParseAddr(v.Raw); err == nil && a.Is6() && !a.Is4In6() {
				t.ipv6Host = true
			}
		}
		for _, kw := range []string{side + "subnet", side + "subnets"} {
			if v, ok := t.c.Get(kw); ok && strings.Contains(v.Raw, ":") && !strings.HasPrefix(v.Raw, "vhost:") && !strings.HasPrefix(v.Raw, "vnet:") {
				t.ipv6Client = true
			}
		}
	}
	if t.ipv6Host && !t.ipv6Client {
		// A v6 host with no subnets has v6 host clients.
		hasSub := false
		for _, kw := range []string{"leftsubnet", "rightsubnet", "leftsubnets", "rightsubnets"} {
			hasSub = hasSub || t.c.IsSet(kw)
		}
		t.ipv6Client = !hasSub
	}
}

func isV6Word(s string) bool {
	switch strings.ToLower(s) {
	case "ipv6", "inet6", "v6":
		return true
	}
	return false
}

// end is one side of a conn.
type end struct {
	side       string
	host       string // as passed to --host
	hostAddr   netip.Addr
	id         string
	flags      []string // end options after --host and --client
	hasSubnets bool     // leftsubnets= was used
	srcClient  string   // host route implied by sourceip without subnet
	nexthop    string
	keyOpts    []pubkey
}

type pubkey struct {
	kw, key string
	add     bool
}

func (t *translator) end(side, other string) *end {
	e := &end{side: side}
	hv, ok := t.first(side)
	if !ok || strings.TrimSpace(hv.Raw) == "" {
		t.errs.Addf(t.c.Pos, "conn %q: %s= is not set", t.c.Name, side)
		return e
	}
	e.host = hv.Raw
	low := strings.ToLower(hv.Raw)
	switch {
	case low == "%defaultroute":
		r, err := t.resolveDefault()
		if err != nil {
			t.errf(hv, "cannot resolve the default route: %v", err)
			break
		}
		e.host, e.hostAddr = r.Addr.String(), r.Addr
		if r.Gateway.IsValid() {
			e.nexthop = r.Gateway.String()
		}
	case low == "%any", low == "%any4", low == "%any6", low == "%opportunistic", low == "%group", low == "%opportunisticgroup":
		e.host = low
		if low == "%any4" || low == "%any6" {
			e.host = "%any"
		}
	case strings.HasPrefix(low, "%"):
		if t.env == nil || t.env.IfaceAddr == nil {
			t.errf(hv, "cannot resolve interface %s", hv.Raw[1:])
			break
		}
		a, err := t.env.IfaceAddr(hv.Raw[1:], t.ipv6Host)
		if err != nil {
			t.errf(hv, "%v", err)
			break
		}
		e.host, e.hostAddr = a.String(), a
	default:
		if a, err := netip.ParseAddr(hv.Raw); err == nil {
			e.hostAddr = a
		}
	}

	add := func(opt string, kws ...string) {
		if v, ok := t.first(kws...); ok && v.Raw != "" {
			e.flags = append(e.flags, opt, v.Raw)
		}
	}
	yes := func(opt string, kws ...string) {
		if b, _ := t.boolOf(kws...); b {
			e.flags = append(e.flags, opt)
		}
	}
	if v, ok := t.first(side + "id"); ok && v.Raw != "" {
		// In ipsec.conf ",," is a comma inside a DN attribute; Libreswan's
		// config reader turns it into "\,", which is what pluto parses.
		e.id = strings.ReplaceAll(v.Raw, ",,", `\,`)
		e.flags = append(e.flags, "--id", e.id)
	}
	add("--cert", side+"cert")
	add("--ckaid", side+"ckaid")
	add("--ca", side+"ca")
	// addconn sends "always" unless told otherwise; whack's own default is
	// ifasked.
	sc := "always"
	if v, ok := t.first(side + "sendcert"); ok {
		switch s := strings.ToLower(v.Raw); s {
		case "sendifasked", "ifasked":
			sc = "ifasked"
		case "alwayssend", "always", "yes":
			sc = "always"
		case "never", "no":
			sc = s
		default:
			t.errf(v, "expected always, sendifasked or never")
		}
	}
	e.flags = append(e.flags, "--sendcert", sc)
	if v, ok := t.first(side + "nexthop"); ok {
		switch strings.ToLower(v.Raw) {
		case "%defaultroute":
			if r, err := t.resolveDefault(); err != nil {
				t.errf(v, "cannot resolve the default route: %v", err)
			} else if r.Gateway.IsValid() {
				e.nexthop = r.Gateway.String()
			}
		default:
			e.nexthop = v.Raw
		}
	}
	if e.nexthop != "" {
		e.flags = append(e.flags, "--nexthop", e.nexthop)
	}
	if v, ok := t.first(side + "sourceip"); ok && v.Raw != "" {
		e.flags = append(e.flags, "--srcip", v.Raw)
		if !t.c.IsSet(side+"subnet") && !t.c.IsSet(side+"subnets") {
			if a, err := netip.ParseAddr(v.Raw); err == nil {
				e.srcClient = netip.PrefixFrom(a, a.BitLen()).String()
			}
		}
	}
	add("--vtiip", side+"vti")
	add("--updown", side+"updown")
	if b, _ := t.boolOf(side + "firewall"); b {
		t.unexp[side+"firewall"] = "FreeS/WAN ipfwadm hook; Libreswan's _updown has no equivalent"
	}
	add("--clientprotoport", side+"protoport")
	add("--ikeport", side+"ikeport")
	if v, ok := t.first(side + "auth"); ok {
		switch a := strings.ToLower(v.Raw); a {
		case "secret", "psk":
			e.flags = append(e.flags, "--authby", "psk")
		case "rsasig", "rsa", "ecdsa", "null", "eaponly":
			e.flags = append(e.flags, "--authby", a)
		case "never":
			t.unexp[side+"auth"] = "whack rejects --authby never"
		default:
			t.errf(v, "unknown authentication method")
		}
	}
	add("--autheap", side+"autheap")
	yes("--xauthserver", side+"xauthserver")
	yes("--xauthclient", side+"xauthclient")
	yes("--modecfgserver", side+"modecfgserver")
	yes("--modecfgclient", side+"modecfgclient")
	if v, ok := t.first(side+"username", side+"xauthusername", side+"xauthname"); ok && v.Raw != "" {
		if side == "right" && t.c.String("leftusername")+t.c.String("leftxauthusername")+t.c.String("leftxauthname") != "" {
			t.unexp[v.Keyword] = "whack takes --username once per command"
		} else {
			e.flags = append(e.flags, "--username", v.Raw)
		}
	}
	add("--addresspool", side+"addresspool")
	if b, _ := t.boolOf(side + "cat"); b {
		t.unexp[side+"cat"] = "no whack option"
	}
	for _, kw := range []string{side + "ecdsakey", side + "pubkey", side + "eddsakey"} {
		if v, ok := t.first(kw); ok && isLiteralKey(v.Raw) {
			t.unexp[kw] = "whack has no option for non-RSA raw keys"
		}
	}
	t.unexpressed(side+"subnetwithin", "FreeS/WAN --clientwithin is gone from Libreswan")
	t.unexpressed(side+"modecfgdns1", "replaced by modecfgdns=")
	t.unexpressed(side+"modecfgdns2", "replaced by modecfgdns=")
	t.unexpressed(side+"modecfgwins1", "WINS is not supported by Libreswan")
	t.unexpressed(side+"modecfgwins2", "WINS is not supported by Libreswan")
	t.unexpressed(side+"interface-ip", "Libreswan 5 keyword")
	t.unexpressed(side+"updown-config", "Libreswan 5 keyword")
	t.unexpressed(side+"groundhog", "Libreswan test keyword")

	// Raw public keys.
	if v, ok := t.first(side + "rsasigkey"); ok {
		switch low := strings.ToLower(v.Raw); {
		case low == "%dnsondemand", low == "%dns", low == "%dnsonload":
			e.flags = append(e.flags, "--dnskeyondemand")
		case isLiteralKey(v.Raw):
			e.keyOpts = append(e.keyOpts, pubkey{kw: side + "rsasigkey", key: v.Raw})
		}
	}
	if v, ok := t.first(side + "rsasigkey2"); ok && isLiteralKey(v.Raw) {
		e.keyOpts = append(e.keyOpts, pubkey{kw: side + "rsasigkey2", key: v.Raw, add: true})
	}
	return e
}

// isLiteralKey tells a key written out (0s base64 / 0x hex) from the magic
// values %cert, %none, %dns... and the FreeS/WAN "no key" 0x00.
func isLiteralKey(s string) bool {
	if s == "0x00" || len(s) < 3 {
		return false
	}
	return strings.HasPrefix(s, "0s") || strings.HasPrefix(s, "0x")
}

func (t *translator) resolveDefault() (Route, error) {
	if t.env == nil || t.env.DefaultRoute == nil {
		return Route{}, fmt.Errorf("no routing information")
	}
	return t.env.DefaultRoute(t.ipv6Host)
}

// subnets returns the end's client subnets: leftsubnets entries, the single
// leftsubnet, or one empty entry (no client).
func (t *translator) subnets(side string, e *end) []string {
	if v, ok := t.first(side + "subnets"); ok {
		list := conf.SplitList(strings.Trim(v.Raw, "{}"))
		if len(list) > 0 {
			e.hasSubnets = true
			return list
		}
	}
	if v, ok := t.first(side + "subnet"); ok && v.Raw != "" {
		if strings.EqualFold(v.Raw, "%no") {
			return []string{""}
		}
		if p, err := conf.ParseSubnet(v.Raw); err == nil {
			return []string{p.String()}
		}
		return []string{v.Raw}
	}
	return []string{e.srcClient}
}

// pairClients applies whack's rule that both ends have a client or
// neither: the end without one gets its host as a /32 (/128), which is what
// addconn's message means.
func pairClients(l *end, lc string, r *end, rc string) (string, string) {
	// whack gives a %opportunistic end the client 0/0 by itself.
	lHas := lc != "" || l.host == "%opportunistic"
	rHas := rc != "" || r.host == "%opportunistic"
	if lHas == rHas {
		return lc, rc
	}
	if !lHas {
		lc = hostClient(l, strings.Contains(rc, ":"))
	} else if !rHas {
		rc = hostClient(r, strings.Contains(lc, ":"))
	}
	return lc, rc
}

func hostClient(e *end, v6 bool) string {
	if e.hostAddr.IsValid() {
		return netip.PrefixFrom(e.hostAddr, e.hostAddr.BitLen()).String()
	}
	if v6 {
		return "::/128"
	}
	return "0.0.0.0/32"
}

func (e *end) args(client string) []string {
	a := []string{"--host", e.host}
	if client != "" {
		a = append(a, "--client", client)
	}
	return append(a, e.flags...)
}

// keys builds the whack commands that load literal RSA keys under the end's
// ID (or address), left end first as FreeS/WAN did.
func (t *translator) keys(ends ...*end) [][]string {
	var out [][]string
	for _, e := range ends {
		for _, k := range e.keyOpts {
			id := e.id
			if id == "" {
				id = e.host
			}
			if id == "" || strings.HasPrefix(id, "%") {
				t.unexp[k.kw] = "the end has no ID to file the key under"
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

// connWide translates the connection-wide keywords other than policy.
func (t *translator) connWide() []string {
	var a []string
	add := func(opt string, kws ...string) {
		if v, ok := t.first(kws...); ok && v.Raw != "" {
			a = append(a, opt, v.Raw)
		}
	}
	yes := func(opt string, kws ...string) {
		if b, _ := t.boolOf(kws...); b {
			a = append(a, opt)
		}
	}
	no := func(opt string, kws ...string) {
		if b, set := t.boolOf(kws...); set && !b {
			a = append(a, opt)
		}
	}
	secs := func(opt string, unit time.Duration, max time.Duration, kws ...string) {
		v, ok := t.first(kws...)
		if !ok {
			return
		}
		d, err := conf.ParseDuration(strings.ToLower(v.Raw), unit)
		if err != nil {
			t.errf(v, "%v", err)
			return
		}
		if max > 0 && (d > max || d == 0) {
			// pluto clamps what addconn sends (0, i.e. %forever,
			// becomes the maximum); whack would refuse it.
			d = max
		}
		if unit == time.Millisecond {
			a = append(a, opt, strconv.FormatInt(d.Milliseconds(), 10)+"ms")
		} else {
			a = append(a, opt, strconv.FormatInt(int64(d/time.Second), 10))
		}
	}
	integer := func(opt string, kws ...string) {
		v, ok := t.first(kws...)
		if !ok {
			return
		}
		n, err := parseCount(v.Raw)
		if err != nil {
			t.errf(v, "%v", err)
			return
		}
		a = append(a, opt, strconv.FormatUint(n, 10))
	}
	day := 24 * time.Hour

	secs("--ikelifetime", time.Second, day, "ikelifetime")
	secs("--ipsec-lifetime", time.Second, day, "salifetime", "ipsec-lifetime", "keylife", "lifetime")
	secs("--rekeymargin", time.Second, 0, "rekeymargin")
	if v, ok := t.first("rekeyfuzz"); ok {
		n := strings.TrimSuffix(v.Raw, "%")
		if _, err := strconv.ParseUint(n, 10, 32); err != nil {
			t.errf(v, "expected a percentage N%%")
		} else {
			a = append(a, "--rekeyfuzz", n)
		}
	}
	integer("--keyingtries", "keyingtries")
	yes("--reauth", "reauth")
	integer("--replay-window", "replay-window")
	secs("--retransmit-timeout", time.Second, 0, "retransmit-timeout")
	secs("--retransmit-interval", time.Millisecond, 0, "retransmit-interval")
	integer("--ipsec-max-bytes", "ipsec-max-bytes")
	integer("--ipsec-max-packets", "ipsec-max-packets")

	// DPD: IKEv1 needs delay and timeout together; IKEv2 uses only the
	// delay (liveness) and whack warns about a timeout.
	_, hasDelay := t.c.Get("dpddelay")
	_, hasTimeout := t.c.Get("dpdtimeout")
	switch {
	case t.ikev1 && hasDelay && hasTimeout:
		secs("--dpddelay", time.Second, 0, "dpddelay")
		secs("--dpdtimeout", time.Second, 0, "dpdtimeout")
	case !t.ikev1 && hasDelay:
		secs("--dpddelay", time.Second, 0, "dpddelay")
		t.used["dpdtimeout"] = true
	default:
		t.used["dpddelay"], t.used["dpdtimeout"] = true, true
	}
	dpd := "hold"
	if v, ok := t.first("dpdaction"); ok {
		switch s := strings.ToLower(v.Raw); s {
		case "hold", "clear", "restart":
			dpd = s
		case "restart_by_peer":
			dpd = "restart"
		default:
			t.errf(v, "expected hold, clear or restart")
		}
	}
	a = append(a, "--dpdaction", dpd)

	if v, ok := t.first("failureshunt"); ok {
		switch strings.ToLower(v.Raw) {
		case "none":
		case "passthrough", "pass":
			a = append(a, "--failpass")
		case "drop", "hold":
			a = append(a, "--faildrop")
		case "reject":
			a = append(a, "--failreject")
		default:
			t.errf(v, "expected none, passthrough, drop or reject")
		}
	}
	if v, ok := t.first("negotiationshunt"); ok {
		switch strings.ToLower(v.Raw) {
		case "passthrough", "pass":
			a = append(a, "--negopass")
		case "hold", "drop":
		default:
			t.errf(v, "expected hold or passthrough")
		}
	}
	add("--ike", "ike")
	esp, hasEsp := t.first("esp", "phase2alg", "ah")
	if hasEsp && esp.Raw != "" {
		a = append(a, "--esp", esp.Raw)
	}
	if v, ok := t.first("pfsgroup"); ok {
		if hasEsp && esp.Raw != "" {
			a = append(a, "--pfsgroup", v.Raw)
		} else {
			t.unexp["pfsgroup"] = "needs esp= (write esp=ALG;" + v.Raw + ")"
		}
	}
	no("--no-ikepad", "ikepad")
	yes("--allow-narrowing", "narrowing")
	yes("--mobike", "mobike")
	yes("--intermediate", "intermediate")
	yes("--aggressive", "aggressive", "aggrmode")
	yes("--modecfgpull", "modecfgpull")
	add("--modecfgdns", "modecfgdns")
	add("--modecfgdomains", "modecfgdomains", "modecfgdomain")
	add("--modecfgbanner", "modecfgbanner")
	add("--xauthby", "xauthby")
	add("--xauthfail", "xauthfail")
	yes("--overlapip", "overlapip")
	yes("--decap-dscp", "decap-dscp")
	yes("--nopmtudisc", "nopmtudisc")
	yes("--ms-dh-downgrade", "ms-dh-downgrade")
	yes("--dns-match-id", "dns-match-id")
	no("--allow-cert-without-san-id", "require-id-on-certificate")
	yes("--sha2-truncbug", "sha2-truncbug", "sha2_truncbug")
	yes("--send-no-esp-tfc", "send-no-esp-tfc")
	yes("--initialcontact", "initial-contact")
	yes("--cisco-unity", "cisco-unity")
	yes("--fake-strongswan", "fake-strongswan")
	if v, ok := t.first("remote-peer-type", "remote_peer_type"); ok && strings.EqualFold(v.Raw, "cisco") {
		a = append(a, "--remote-peer-type", "cisco")
	}
	yes("--nm-configured", "nm-configured", "nm_configured")
	enc := "auto"
	if v, ok := t.first("encapsulation"); ok {
		enc = strings.ToLower(v.Raw)
		t.used["forceencaps"] = true
	} else if b, _ := t.boolOf("forceencaps"); b {
		enc = "yes"
	}
	a = append(a, "--encaps", enc)
	no("--no-nat_keepalive", "nat-keepalive")
	add("--ikev1-natt", "nat-ikev1-method")
	add("--tcp", "enable-tcp")
	add("--nic-offload", "nic-offload")
	add("--send-redirect", "send-redirect")
	add("--accept-redirect", "accept-redirect")
	add("--accept-redirect-to", "accept-redirect-to")
	add("--conn-mark", "mark")
	add("--conn-mark-in", "mark-in")
	add("--conn-mark-out", "mark-out")
	add("--vti-iface", "vti-interface")
	yes("--vti-routing", "vti-routing")
	yes("--vti-shared", "vti-shared")
	if v, ok := t.first("ipsec-interface"); ok {
		switch s := strings.ToLower(v.Raw); s {
		case "no", "":
		case "yes":
			a = append(a, "--ipsec-interface", "1")
		default:
			a = append(a, "--ipsec-interface", s)
		}
	}
	integer("--metric", "metric")
	integer("--mtu", "mtu")
	integer("--priority", "priority")
	integer("--tfc", "tfc")
	integer("--reqid", "reqid")
	integer("--nflog-group", "nflog", "nflog-group")
	add("--sendca", "sendca")
	add("--policylabel", "sec-label", "policy-label", "policy_label")

	t.fitRekeyMargin(&a)

	// What whack's command line cannot say (measured against 4.10).
	if t.c.Auto() == "keep" {
		t.unexp["auto"] = "auto=keep sets a policy bit whack cannot set; loaded as auto=add"
	}
	if b, _ := t.boolOf("send-vendorid"); b {
		t.unexp["send-vendorid"] = "no whack option"
	}
	if v, ok := t.first("ppk"); ok && !strings.EqualFold(v.Raw, "no") {
		t.unexp["ppk"] = "no whack option"
	}
	if b, _ := t.boolOf("pam-authorize"); b {
		t.unexp["pam-authorize"] = "this whack is built without PAM"
	}
	if b, _ := t.boolOf("ignore-peer-dns"); b {
		t.unexp["ignore-peer-dns"] = "--ignore-peer-dns aborts the 4.10 whack"
	}
	t.unexpressed("tcp-remoteport", "--tcp-remote-port aborts the 4.10 whack")
	t.unexpressed("connalias", "--connalias aborts the 4.10 whack")
	t.unexpressed("redirect-to", "whack reads --redirect-to as the redirect command")
	t.unexpressed("disablearrivalcheck", "FreeS/WAN KLIPS option, gone from Libreswan")
	t.unexpressed("_plutodevel", "FreeS/WAN debugging option")
	t.unexpressed("ppk-ids", "Libreswan 5 keyword")
	return a
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

// ignoredByLibreswan are keywords Libreswan 4.10 accepts and ignores (or
// the conf engine already warned about as obsolete), so losing them on the
// way to whack changes nothing.
var ignoredByLibreswan = map[string]bool{
	"sareftrack": true, "loopback": true, "labeled_ipsec": true, "keyexchange": true,
	"rekeystart": true, "rekeytries": true, "firstmsgid": true, "cisco-split": true,
}

// noteUnknown records every set keyword the translation did not consume,
// so that nothing is dropped silently.
func (t *translator) noteUnknown() {
	for _, kw := range t.c.Keywords() {
		if t.used[kw] || ignoredByLibreswan[kw] || strings.HasPrefix(kw, "x-") || strings.HasPrefix(kw, "x_") {
			continue
		}
		if _, done := t.unexp[kw]; !done {
			t.unexp[kw] = "no whack option"
		}
	}
}

// fitRekeyMargin handles lifetimes whack refuses: unless rekey=no, whack
// wants each lifetime above rekeymargin × (100 + rekeyfuzz) / 100, while
// pluto loads such a conn from addconn unchanged. The margin is lowered
// just enough for whack, with a warning naming the keyword.
func (t *translator) fitRekeyMargin(a *[]string) {
	if rekey, set := t.boolOf("rekey"); set && !rekey {
		return
	}
	get := func(opt string, def int64) (int64, int) {
		for i := 0; i+1 < len(*a); i++ {
			if (*a)[i] == opt {
				n, err := strconv.ParseInt((*a)[i+1], 10, 64)
				if err == nil {
					return n, i
				}
			}
		}
		return def, -1
	}
	margin, mi := get("--rekeymargin", 540)
	fuzz, _ := get("--rekeyfuzz", 100)
	ike, _ := get("--ikelifetime", 28800)
	ipsec, _ := get("--ipsec-lifetime", 28800)
	life := min(ike, ipsec)
	if life > margin*(100+fuzz)/100 {
		return
	}
	fit := life*100/(100+fuzz) - 1
	if fit < 0 {
		fit = 0
	}
	if mi >= 0 {
		(*a)[mi+1] = strconv.FormatInt(fit, 10)
	} else {
		*a = append(*a, "--rekeymargin", strconv.FormatInt(fit, 10))
	}
	t.unexp["rekeymargin"] = fmt.Sprintf("a lifetime of %ds is not above rekeymargin %ds × (100%%+rekeyfuzz %d%%), which whack refuses; sent rekeymargin %ds", life, margin, fuzz, fit)
}
