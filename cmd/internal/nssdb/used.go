package nssdb

import (
	"crypto/rsa"
	"strings"

	"goswan/conf"
	"goswan/keys"
	"goswan/secrets"
)

// HostKey is a private RSA key of ipsec.secrets that a conn uses.
type HostKey struct {
	Entry *secrets.Entry
	Key   *rsa.PrivateKey
	// By names the conn that uses it, for messages.
	By string
}

// UsedKeys returns the `: RSA { ... }` keys with a private half that the
// given conns authenticate with, each once, in secrets-file order. A conn
// uses a key when its leftrsasigkey=/rightrsasigkey= is the key's public
// key, its leftckaid=/rightckaid= the key's CKAID, or, for a conn that
// authenticates with RSA signatures, its leftid=/rightid= is one of the
// entry's indices; the default key (an entry with no index) is used by any
// such conn, as pluto picks it when no index matches.
func UsedKeys(conns []*conf.Conn, f *secrets.File) []HostKey {
	var out []HostKey
	for _, e := range f.Entries {
		if e.Kind != secrets.RSA || e.Key == nil || e.Key.Private.IsZero() {
			continue
		}
		k := e.Key.Private.Reveal()
		for _, c := range conns {
			if c.Err != nil || c.IsManual() {
				continue
			}
			if usesKey(c, e, &k.PublicKey) {
				out = append(out, HostKey{Entry: e, Key: k, By: c.Name})
				break
			}
		}
	}
	return out
}

func usesKey(c *conf.Conn, e *secrets.Entry, pub *rsa.PublicKey) bool {
	ckaid := keys.CKAID(pub)
	for _, side := range []string{"left", "right"} {
		if v := c.String(side + "rsasigkey"); v != "" && !strings.HasPrefix(v, "%") {
			if p, err := keys.ParseRSASigKey(v); err == nil && p.N.Cmp(pub.N) == 0 && p.E == pub.E {
				return true
			}
		}
		if v := strings.ToLower(c.String(side + "ckaid")); len(v) >= 8 && strings.HasPrefix(ckaid, v) {
			return true
		}
	}
	if !authenticatesWithRSA(c) {
		return false
	}
	if len(e.IDs) == 0 {
		return true
	}
	for _, side := range []string{"left", "right"} {
		v := c.String(side + "id")
		if v == "" {
			v = c.String(side)
		}
		if id, err := secrets.ParseID(v, false); err == nil && e.HasID(id) {
			return true
		}
	}
	return false
}

// authenticatesWithRSA: authby= names RSA signatures (or is unset, whose
// default is rsasig in FreeS/WAN and Libreswan), or an end's auth= does;
// shunt conns authenticate nothing.
func authenticatesWithRSA(c *conf.Conn) bool {
	switch strings.ToLower(c.String("type")) {
	case "passthrough", "pass", "drop", "reject":
		return false
	}
	for _, side := range []string{"left", "right"} {
		if strings.EqualFold(c.String(side+"auth"), "rsasig") {
			return true
		}
	}
	a := strings.ToLower(c.String("authby"))
	if a == "" {
		return true
	}
	for _, w := range conf.SplitList(strings.ReplaceAll(a, "|", ",")) {
		if strings.HasPrefix(w, "rsa") {
			return true
		}
	}
	return false
}
