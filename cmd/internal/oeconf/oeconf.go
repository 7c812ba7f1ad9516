// Package oeconf reads a site's opportunistic-encryption configuration
// the way Libreswan's OE conns work: the policy groups (clear,
// clear-or-private, private-or-clear, private, block) and conns to
// %opportunistic, including those a FreeS/WAN site wrote or left implicit.
// `ipsec setup` loads what it returns; showhostkey --oe and verify read the
// same view to find where the host's keys must be published.
package oeconf

import (
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

// Group is one of the policy groups FreeS/WAN 2 defined implicitly and
// Libreswan's OE configuration (its test dnsoe-01, its packaged
// ipsec.d/policies) spells out: a conn of that name whose peers are the
// addresses listed in the group's policy file.
type Group struct {
	Name   string
	Oppo   bool   // tries OE (right=%opportunisticgroup); else a shunt to %group
	typ    string // type= of a shunt group
	shunt  string // failureshunt=/negotiationshunt= of an OE group
	auto   string
	reason string // for the note
}

// Groups are the policy groups, in the order Libreswan lists them.
var Groups = []Group{
	{Name: "clear", typ: "passthrough", auto: "ondemand", reason: "never encrypt"},
	{Name: "clear-or-private", Oppo: true, shunt: "passthrough", auto: "add", reason: "answer OE, send in the clear"},
	{Name: "private-or-clear", Oppo: true, shunt: "passthrough", auto: "ondemand", reason: "try OE, else the clear"},
	{Name: "private", Oppo: true, shunt: "drop", auto: "ondemand", reason: "OE or nothing"},
	{Name: "block", typ: "reject", auto: "ondemand", reason: "never talk"},
}

func FindGroup(name string) *Group {
	for i := range Groups {
		if Groups[i].Name == name {
			return &Groups[i]
		}
	}
	return nil
}

// PolicyDir is where pluto reads policy groups: ipsecdir/policies.
func PolicyDir(cfg *conf.Config) string {
	d := cfg.Setup.String("ipsecdir")
	if d == "" {
		d = nssdb.DefaultIPsecDir
	}
	return filepath.Join(d, "policies")
}

// Complete reads a FreeS/WAN-era OE configuration the way Libreswan's OE
// conns work: each policy-group conn (and each conn to %opportunistic)
// written the FreeS/WAN way (no authentication keywords; keys from DNS
// for both ends, which today's pluto cannot do for its own end) gets what
// Libreswan's conns say: the local key of ipsec.secrets, the peer's from
// DNS (rightrsasigkey=%dnsondemand, IPSECKEY records validated with DNSSEC),
// IKEv2 and the group's shunts. A group FreeS/WAN defined implicitly, with
// no conn in ipsec.conf but a non-empty policy file, gets its conn as
// FreeS/WAN 2 gave it one. Conns written for Libreswan are left alone. It
// returns the config to load and one note per conn it completed.
func Complete(cfg *conf.Config, secretsPath string) (*conf.Config, []string) {
	var notes []string
	own := ownKey(secretsPath)
	out := *cfg
	out.Conns = make([]*conf.Conn, 0, len(cfg.Conns)+len(Groups))
	have := map[string]bool{}
	for _, c := range cfg.Conns {
		have[c.Name] = true
		g := FindGroup(c.Name)
		if c.Err != nil || !freeswanOE(c, g) {
			out.Conns = append(out.Conns, c)
			continue
		}
		nc := copyConn(c)
		fill(nc, g, own)
		out.Conns = append(out.Conns, nc)
		notes = append(notes, fmt.Sprintf("%s: conn %q is a FreeS/WAN opportunistic conn; loaded as Libreswan's (%s)", c.Pos, c.Name, describe(nc)))
	}
	for i := range Groups {
		g := &Groups[i]
		if have[g.Name] {
			continue
		}
		file, b := GroupFile(cfg, g.Name)
		if len(PolicyEntries(b)) == 0 {
			continue
		}
		nc := &conf.Conn{Section: conf.Section{Kind: conf.KindConn, Name: g.Name}}
		nc.Set(conf.Value{Keyword: "auto", Raw: g.auto, From: g.Name, Origin: conf.FromConn})
		fill(nc, g, own)
		out.Conns = append(out.Conns, nc)
		notes = append(notes, fmt.Sprintf("policy group %s (%s) has no conn in ipsec.conf; added FreeS/WAN's implicit conn %q (%s)",
			file, g.reason, g.Name, describe(nc)))
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
func freeswanOE(c *conf.Conn, g *Group) bool {
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
func fill(c *conf.Conn, g *Group, own string) {
	set := func(kw, v string) {
		if !c.IsSet(kw) {
			c.Set(conf.Value{Keyword: kw, Raw: v, From: c.Name, Origin: conf.FromConn})
		}
	}
	force := func(kw, v string) {
		c.Set(conf.Value{Keyword: kw, Raw: v, From: c.Name, Origin: conf.FromConn})
	}
	set("left", "%defaultroute")
	if g != nil {
		// FreeS/WAN 2's group conns were implicit, with their auto=; a
		// site's section of the same name only overrode keywords.
		set("auto", g.auto)
	}
	if g != nil && !g.Oppo {
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

// GroupFile reads a policy group where pluto reads it, else where a
// FreeS/WAN site kept it (the configuration directory's ipsec.d/policies,
// which setup copies over).
func GroupFile(cfg *conf.Config, name string) (string, []byte) {
	for _, d := range []string{PolicyDir(cfg), filepath.Join(applet.ConfDir(), "ipsec.d", "policies")} {
		f := filepath.Join(d, name)
		if b, err := os.ReadFile(f); err == nil {
			return f, b
		}
	}
	return "", nil
}

// PolicyEntries lists the addresses and subnets of a policy file
// (comments and blank lines dropped).
func PolicyEntries(b []byte) []string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if i := strings.IndexByte(l, '#'); i >= 0 {
			l = l[:i]
		}
		out = append(out, strings.Fields(l)...)
	}
	return out
}
