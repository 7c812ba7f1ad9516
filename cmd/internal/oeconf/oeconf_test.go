package oeconf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"goswan/conf"
	"goswan/keys"
)

// TestComplete: FreeS/WAN-era OE conns come out as Libreswan's OE conns
// (own key from ipsec.secrets, the peer's from DNS, IKEv2, the group's
// shunts), implicit groups with entries get their conn, and conns written
// for Libreswan stay as they are.
func TestComplete(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("IPSEC_CONFS", dir)
	pol := filepath.Join(dir, "ipsec.d", "policies")
	os.MkdirAll(pol, 0o755)
	os.WriteFile(filepath.Join(pol, "private"), []byte("# FreeS/WAN policy group\n192.0.2.0/24\n"), 0o644)
	os.WriteFile(filepath.Join(pol, "clear"), []byte("\n"), 0o644)
	secretsPath := filepath.Join(dir, "ipsec.secrets")
	k, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	entry, err := keys.SecretsEntry(k, 2048, "h", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(secretsPath, entry, 0o600)
	key, _ := keys.RSASigKey(&k.PublicKey)
	cfgPath := filepath.Join(dir, "ipsec.conf")
	os.WriteFile(cfgPath, []byte(`config setup
	ipsecdir=`+filepath.Join(dir, "pluto.d")+`

conn block
	auto=ignore

conn private-or-clear
	auto=route

conn me-to-anyone
	left=%defaultroute
	right=%opportunistic
	auto=route

conn private-libreswan
	left=%defaultroute
	leftauth=rsasig
	leftrsasigkey=`+key+`
	right=%opportunisticgroup
	rightauth=rsasig
	rightrsasigkey=%dnsondemand
	auto=ondemand
`), 0o644)
	cfg, err := conf.Load(cfgPath, &conf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, notes := Complete(cfg, secretsPath)
	get := func(name, kw string) string {
		c := out.Conn(name)
		if c == nil {
			t.Fatalf("no conn %q after completeOE; notes:\n%s", name, strings.Join(notes, "\n"))
		}
		return c.String(kw)
	}
	for _, tc := range []struct{ conn, kw, want string }{
		{"private-or-clear", "right", "%opportunisticgroup"},
		{"private-or-clear", "leftrsasigkey", key},
		{"private-or-clear", "rightrsasigkey", "%dnsondemand"},
		{"private-or-clear", "rightauth", "rsasig"},
		{"private-or-clear", "ikev2", "insist"},
		{"private-or-clear", "failureshunt", "passthrough"},
		{"private-or-clear", "auto", "route"},
		{"block", "type", "reject"},
		{"block", "right", "%group"},
		{"block", "auto", "ignore"},
		{"private", "failureshunt", "drop"},
		{"private", "negotiationshunt", "drop"},
		{"private", "auto", "ondemand"},
		{"private", "leftrsasigkey", key},
		{"me-to-anyone", "right", "%opportunistic"},
		{"me-to-anyone", "leftrsasigkey", key},
		{"me-to-anyone", "rightrsasigkey", "%dnsondemand"},
		{"private-libreswan", "ikev2", ""},
	} {
		if got := get(tc.conn, tc.kw); got != tc.want {
			t.Errorf("completeOE: conn %q %s=%q, want %q", tc.conn, tc.kw, got, tc.want)
		}
	}
	if out.Conn("clear") != nil {
		t.Errorf("completeOE added conn clear for an empty policy group")
	}
	if len(notes) != 4 {
		t.Errorf("completeOE notes = %d, want 4 (block, private-or-clear, me-to-anyone, private):\n%s", len(notes), strings.Join(notes, "\n"))
	}
	if cfg.Conn("private-or-clear").IsSet("rightauth") {
		t.Errorf("completeOE changed the loaded config's conn in place")
	}
}
