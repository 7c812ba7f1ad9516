package setup

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"goswan/cmd/internal/applet"
	"goswan/cmd/internal/nssdb"
	"goswan/conf"
	"goswan/keys"
	"goswan/secrets"
)

// oeGroup is one of the policy groups FreeS/WAN 2 defined implicitly and
// Libreswan's OE configuration (its test dnsoe-01, its packaged
// ipsec.d/policies) spells out: a conn of that name whose peers are the
// addresses listed in the group's policy file.
type oeGroup struct {
	name   string
	oppo   bool   // tries OE (right=%opportunisticgroup); else a shunt to %group
	typ    string // type= of a shunt group
	shunt  string // failureshunt=/negotiationshunt= of an OE group
	auto   string
	reason string // for the note
}

var oeGroups = []oeGroup{
	{name: "clear", typ: "passthrough", auto: "ondemand", reason: "never encrypt"},
	{name: "clear-or-private", oppo: true, shunt: "passthrough", auto: "add", reason: "answer OE, send in the clear"},
	{name: "private-or-clear", oppo: true, shunt: "passthrough", auto: "ondemand", reason: "try OE, else the clear"},
	{name: "private", oppo: true, shunt: "drop", auto: "ondemand", reason: "OE or nothing"},
	{name: "block", typ: "reject", auto: "ondemand", reason: "never talk"},
}

func findGroup(name string) *oeGroup {
	for i := range oeGroups {
		if oeGroups[i].name == name {
			return &oeGroups[i]
		}
	}
	return nil
}

// policyDir is where pluto reads policy groups: ipsecdir/policies.
func policyDir(cfg *conf.Config) string {
	d := cfg.Setup.String("ipsecdir")
	if d == "" {
		d = nssdb.DefaultIPsecDir
	}
	return filepath.Join(d, "policies")
}

// completeOE reads a FreeS/WAN-era OE configuration the way Libreswan's OE
// conns work: each policy-group conn (and each conn to %opportunistic)
// written the FreeS/WAN way (no authentication keywords; keys from DNS
// for both ends, which today's pluto cannot do for its own end) gets what
// Libreswan's conns say: the local key of ipsec.secrets, the peer's from
// DNS (rightrsasigkey=%dnsondemand, IPSECKEY records validated with DNSSEC),
// IKEv2 and the group's shunts. A group FreeS/WAN defined implicitly, with
// no conn in ipsec.conf but a non-empty policy file, gets its conn as
// FreeS/WAN 2 gave it one. Conns written for Libreswan are left alone. It
// returns the config to load and one note per conn it completed.
func completeOE(cfg *conf.Config, secretsPath string) (*conf.Config, []string) {
	var notes []string
	own := ownKey(secretsPath)
	out := *cfg
	out.Conns = make([]*conf.Conn, 0, len(cfg.Conns)+len(oeGroups))
	have := map[string]bool{}
	for _, c := range cfg.Conns {
		have[c.Name] = true
		g := findGroup(c.Name)
		if c.Err != nil || !freeswanOE(c, g) {
			out.Conns = append(out.Conns, c)
			continue
		}
		nc := copyConn(c)
		fill(nc, g, own)
		out.Conns = append(out.Conns, nc)
		notes = append(notes, fmt.Sprintf("%s: conn %q is a FreeS/WAN opportunistic conn; loaded as Libreswan's (%s)", c.Pos, c.Name, describe(nc)))
	}
	for i := range oeGroups {
		g := &oeGroups[i]
		if have[g.name] {
			continue
		}
		file, b := groupFile(cfg, g.name)
		if len(policyEntries(b)) == 0 {
			continue
		}
		nc := &conf.Conn{Section: conf.Section{Kind: conf.KindConn, Name: g.name}}
		nc.Set(conf.Value{Keyword: "auto", Raw: g.auto, From: g.name, Origin: conf.FromConn})
		fill(nc, g, own)
		out.Conns = append(out.Conns, nc)
		notes = append(notes, fmt.Sprintf("policy group %s (%s) has no conn in ipsec.conf; added FreeS/WAN's implicit conn %q (%s)",
			file, g.reason, g.name, describe(nc)))
	}
	if len(notes) > 0 && own == "" {
		notes = append(notes, "no RSA host key in "+secretsPath+" for the opportunistic conns: make one with ipsec newhostkey, publish it with ipsec showhostkey --ipseckey --oe --publish")
	}
	return &out, notes
}

// freeswanOE reports whether c is an OE conn written for FreeS/WAN: a
// policy-group conn without right= (FreeS/WAN 2 sites override only auto=
// and the like), or a conn to %opportunistic / %opportunisticgroup / a
// group that names no authentication of its own.
func freeswanOE(c *conf.Conn, g *oeGroup) bool {
	right := strings.ToLower(c.String("right"))
	if g != nil && right == "" {
		return true
	}
	if !strings.HasPrefix(right, "%opportunistic") && !(g != nil && right == "%group") {
		return false
	}
	for _, kw := range []string{"leftauth", "rightauth", "authby", "leftckaid", "leftcert"} {
		if c.IsSet(kw) {
			return false
		}
	}
	k := strings.ToLower(c.String("leftrsasigkey"))
	return k == "" || strings.HasPrefix(k, "%dns")
}

// fill sets what a Libreswan OE conn has and c lacks.
func fill(c *conf.Conn, g *oeGroup, own string) {
	set := func(kw, v string) {
		if !c.IsSet(kw) {
			c.Set(conf.Value{Keyword: kw, Raw: v, From: c.Name, Origin: conf.FromConn})
		}
	}
	force := func(kw, v string) {
		c.Set(conf.Value{Keyword: kw, Raw: v, From: c.Name, Origin: conf.FromConn})
	}
	set("left", "%defaultroute")
	if g != nil && !g.oppo {
		set("type", g.typ)
		set("authby", "never")
		set("right", "%group")
		return
	}
	set("type", "tunnel")
	if strings.EqualFold(c.String("right"), "%opportunistic") || !c.IsSet("right") {
		if g != nil {
			force("right", "%opportunisticgroup")
		} else {
			set("right", "%opportunistic")
		}
	}
	if !c.IsSet("ikev2") && !c.IsSet("keyexchange") {
		set("ikev2", "insist")
	}
	set("leftauth", "rsasig")
	set("rightauth", "rsasig")
	if k := strings.ToLower(c.String("leftrsasigkey")); (k == "" || strings.HasPrefix(k, "%dns")) && own != "" {
		force("leftrsasigkey", own)
	}
	if k := strings.ToLower(c.String("rightrsasigkey")); k == "" || k == "%dns" {
		force("rightrsasigkey", "%dnsondemand")
	}
	if g != nil {
		set("failureshunt", g.shunt)
		set("negotiationshunt", g.shunt)
	}
}

func copyConn(c *conf.Conn) *conf.Conn {
	nc := &conf.Conn{Section: conf.Section{Kind: c.Kind, Name: c.Name, Pos: c.Pos}, Also: c.Also}
	for _, v := range c.All() {
		nc.Set(v)
	}
	return nc
}

func describe(c *conf.Conn) string {
	var parts []string
	for _, kw := range []string{"type", "right", "leftauth", "rightrsasigkey", "failureshunt", "auto"} {
		if v := c.String(kw); v != "" {
			parts = append(parts, kw+"="+v)
		}
	}
	if c.IsSet("leftrsasigkey") && !strings.HasPrefix(c.String("leftrsasigkey"), "%") {
		if pub, err := keys.ParseRSASigKey(c.String("leftrsasigkey")); err == nil {
			parts = append(parts, "host key "+keys.KeyID(pub))
		}
	}
	return strings.Join(parts, " ")
}

// ownKey is the host's default RSA key (the `: RSA {` entry without an
// index, else the first one) as a leftrsasigkey= value, or "".
func ownKey(path string) string {
	f, err := secrets.Load(path)
	if f == nil || (err != nil && len(f.Entries) == 0) {
		return ""
	}
	var pick *secrets.Entry
	for _, e := range f.ByKind(secrets.RSA) {
		if e.Key == nil || e.Key.Public == nil {
			continue
		}
		if len(e.IDs) == 0 {
			pick = e
			break
		}
		if pick == nil {
			pick = e
		}
	}
	if pick == nil {
		return ""
	}
	s, err := keys.RSASigKey(pick.Key.Public)
	if err != nil {
		return ""
	}
	return s
}

// groupFile reads a policy group where pluto reads it, else where a
// FreeS/WAN site kept it (the configuration directory's ipsec.d/policies,
// which installPolicies copies over).
func groupFile(cfg *conf.Config, name string) (string, []byte) {
	for _, d := range []string{policyDir(cfg), filepath.Join(applet.ConfDir(), "ipsec.d", "policies")} {
		f := filepath.Join(d, name)
		if b, err := os.ReadFile(f); err == nil {
			return f, b
		}
	}
	return "", nil
}

// policyEntries lists the addresses and subnets of a policy file
// (comments and blank lines dropped).
func policyEntries(b []byte) []string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if i := strings.IndexByte(l, '#'); i >= 0 {
			l = l[:i]
		}
		out = append(out, strings.Fields(l)...)
	}
	return out
}

// installPolicies puts the policy groups where pluto reads them
// (ipsecdir/policies): a FreeS/WAN site's files from the configuration
// directory's ipsec.d/policies when pluto's directory is elsewhere, and an
// empty file for each group conn that has none, as Libreswan's package
// ships them. It says what it installed.
func (s *setup) installPolicies(cfg *conf.Config) error {
	dst := policyDir(cfg)
	src := filepath.Join(applet.ConfDir(), "ipsec.d", "policies")
	var groups []string
	for _, c := range cfg.Conns {
		if findGroup(c.Name) != nil && c.Auto() != "ignore" {
			groups = append(groups, c.Name)
		}
	}
	if len(groups) == 0 {
		return nil
	}
	if s.showonly {
		s.say("# install policy groups %s in %s", strings.Join(groups, " "), dst)
		return nil
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, g := range groups {
		to := filepath.Join(dst, g)
		if _, err := os.Stat(to); err == nil {
			if b, err := os.ReadFile(filepath.Join(src, g)); err == nil && filepath.Clean(src) != filepath.Clean(dst) {
				if cur, _ := os.ReadFile(to); !bytes.Equal(cur, b) {
					s.warn(fmt.Sprintf("policy group %s differs from %s; pluto reads %s", filepath.Join(src, g), to, to))
				}
			}
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, g))
		from := filepath.Join(src, g)
		if err != nil {
			b, from = nil, ""
		}
		if err := writeAtomic(to, b); err != nil {
			return err
		}
		if from != "" {
			s.say("installed policy group %s from %s (%d entries)", to, from, len(policyEntries(b)))
		} else {
			s.say("installed empty policy group %s", to)
		}
	}
	return nil
}
