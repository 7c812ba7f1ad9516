package oedns

import (
	"bytes"
	"context"
	"crypto/rsa"
	"fmt"
	"math/big"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"goswan/keys"
	"goswan/keys/oe"
	"goswan/tests/testenv"
)

// expiredZone signs zone offline with BIND's dnssec-signzone, with
// signatures that expired in 2020, holding an IPSECKEY for pub at
// 7.ZONE; it returns the named.conf statement and the zone's DS.
func expiredZone(t *testing.T, zone string, pub *rsa.PublicKey) (stmt, ds string) {
	t.Helper()
	keygen := testenv.MustHaveCommand(t, "dnssec-keygen")
	signzone := testenv.MustHaveCommand(t, "dnssec-signzone")
	dir := t.TempDir()
	b64, err := keys.Base64(pub)
	if err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf("$TTL 300\n@ IN SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 300\n  IN NS ns1.example.com.\n7 IN IPSECKEY 10 0 2 . %s\n", b64)
	if err := os.WriteFile(filepath.Join(dir, "zone.db"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(argv ...string) string {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
		}
		return string(out)
	}
	run(keygen, "-q", "-K", dir, "-a", "ECDSAP256SHA256", "-f", "KSK", zone)
	// -P: dnssec-signzone would refuse to sign with signatures not valid now.
	run(signzone, "-P", "-K", dir, "-S", "-z", "-s", "20200101000000", "-e", "20200201000000",
		"-o", zone, "-f", "zone.signed", "zone.db")
	dsb, err := os.ReadFile(filepath.Join(dir, "dsset-"+zone+"."))
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("zone %q {\n\ttype primary;\n\tfile %q;\n};\n", zone, filepath.Join(dir, "zone.signed")), string(dsb)
}

// corrupt flips the first digit of each DS digest.
func corrupt(ds string) string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(ds), "\n") {
		f := strings.Fields(l)
		d := f[len(f)-1]
		c := "0"
		if d[0] == '0' {
			c = "1"
		}
		f[len(f)-1] = c + d[1:]
		out = append(out, strings.Join(f, " "))
	}
	return strings.Join(out, "\n") + "\n"
}

// TestSignedVerdicts: `showhostkey --check --ipseckey --anchors` and
// verify's OE checks name the right broken link of the DNSSEC chain, for
// each way it breaks, against a real named signing its zones itself
// (dnssec-policy) and one zone signed offline with expired signatures.
func TestSignedVerdicts(t *testing.T) {
	testenv.MustHaveCommand(t, "nsupdate")
	host, other := loadPub(t, "host.pub.pem"), loadPub(t, "other.pub.pem")
	const (
		parent   = "0.192.in-addr.arpa"
		child    = "2.0.192.in-addr.arpa"
		unsigned = "100.51.198.in-addr.arpa"
		expired  = "113.0.203.in-addr.arpa"
	)
	stmt, expiredDS := expiredZone(t, expired, host)
	start := time.Now()
	n := testenv.StartNamedConfig(t, testenv.NamedConfig{Zones: []string{unsigned},
		SignedZones: []string{parent, child}, Raw: stmt})
	t.Logf("named up, %s and %s signed, after %v", parent, child, time.Since(start).Round(time.Millisecond))
	ipseckey := func(a string, pub *rsa.PublicKey) oe.Spec {
		return oe.Spec{ID: a, Pub: pub, TTL: 300, IPSECKEY: true, Precedence: keys.DefaultPrecedence}
	}
	publishSpecs(t, n, ipseckey("192.0.2.4", host), ipseckey("192.0.2.6", other), ipseckey("198.51.100.5", host))

	dir := t.TempDir()
	anchorFile := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	childDS := n.DS(t, child)
	anchors := map[string]string{
		"child":    anchorFile("child.ds", childDS),
		"parent":   anchorFile("parent.ds", n.DS(t, parent)),
		"wrong":    anchorFile("wrong.ds", corrupt(childDS)),
		"expired":  anchorFile("expired.ds", expiredDS),
		"none":     anchorFile("none", ""),
		"unsigned": anchorFile("unsigned.ds", childDS+n.DS(t, parent)),
	}
	confPath, _ := oeSetup(t, host, true)
	secretsPath := filepath.Join(dir, "ipsec.secrets")
	block := fmt.Sprintf(": RSA {\n\tModulus: 0x%x\n\tPublicExponent: 0x%x\n\t}\n", host.N.Bytes(), big.NewInt(int64(host.E)).Bytes())
	if err := os.WriteFile(secretsPath, []byte(block), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := testenv.Binary(t)

	type verdict struct {
		status string // OK, FAILED, MISSING
		link   string // the detail's first words
	}
	check := func(t *testing.T, addr, anchor string, want verdict) {
		t.Helper()
		owner := oe.Reverse(netip.MustParseAddr(addr))
		label := "Checking signed IPSECKEY at " + strings.TrimSuffix(owner, ".")
		wantLine := fmt.Sprintf("%-50s\t[%s]\n  %s: ", label, want.status, want.link)

		cmd := exec.Command(bin, "showhostkey", "--file", secretsPath, "--ipseckey", "--owner", addr,
			"--check", "--nameserver", n.Addr, "--anchors", anchors[anchor])
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if !strings.Contains(out.String(), wantLine) {
			t.Errorf("showhostkey --check (%s, anchors %s) lacks %q:\n%s", addr, anchor, wantLine, out.String())
		}
		if i := strings.Index(out.String(), label); i >= 0 {
			t.Logf("%s", strings.TrimSpace(out.String()[i:]))
		}
		if (err == nil) != (want.status == "OK") {
			t.Errorf("showhostkey --check (%s, anchors %s): exit %v, want success only for OK", addr, anchor, err)
		}

		rs := VerifyChecks(context.Background(), VerifyOptions{Config: confPath, Secrets: secretsPath,
			Nameserver: n.Addr, Timeout: 5 * time.Second, Addrs: []netip.Addr{netip.MustParseAddr(addr)},
			Anchors: []string{anchors[anchor]}})
		if got := render(rs); !strings.Contains(got, wantLine) {
			t.Errorf("verify (%s, anchors %s) lacks %q:\n%s", addr, anchor, wantLine, got)
		}
	}
	for _, tc := range []struct {
		name, addr, anchor string
		want               verdict
	}{
		{"secure by the zone's anchor", "192.0.2.4", "child", verdict{"OK", "secure"}},
		{"unsigned zone", "198.51.100.5", "unsigned", verdict{"FAILED", "unsigned zone"}},
		{"no DS in the parent", "192.0.2.4", "parent", verdict{"FAILED", "no DS in the parent"}},
		{"anchor mismatch", "192.0.2.4", "wrong", verdict{"FAILED", "anchor mismatch"}},
		{"expired signatures", "203.0.113.7", "expired", verdict{"FAILED", "expired signatures"}},
		{"record absent", "192.0.2.9", "child", verdict{"MISSING", "record absent"}},
		{"record with another key", "192.0.2.6", "child", verdict{"FAILED", "record with another key"}},
		{"no trust anchor", "192.0.2.4", "none", verdict{"FAILED", "no trust anchor"}},
	} {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) { check(t, tc.addr, tc.anchor, tc.want) })
	}

	// The parent delegates with a DS: the chain now validates from the
	// parent's anchor down.
	nsupdate := exec.Command(testenv.MustHaveCommand(t, "nsupdate"), "-k", n.KeyFile)
	var upd strings.Builder
	fmt.Fprintf(&upd, "server 127.0.0.1 %d\nzone %s\nupdate add %s. 300 IN NS ns1.example.com.\n", n.Port, parent, child)
	for _, l := range strings.Split(strings.TrimSpace(childDS), "\n") {
		f := strings.Fields(l)
		fmt.Fprintf(&upd, "update add %s 300 %s\n", f[0], strings.Join(f[1:], " "))
	}
	upd.WriteString("send\n")
	nsupdate.Stdin = strings.NewReader(upd.String())
	if out, err := nsupdate.CombinedOutput(); err != nil {
		t.Fatalf("nsupdate DS: %v\n%s", err, out)
	}
	t.Run("secure_through_the_parent's_DS", func(t *testing.T) {
		// named signs the new DS within a moment.
		deadline := time.Now().Add(5 * time.Second)
		for {
			res := &oe.Resolver{Servers: []string{n.Addr}}
			a, _ := oe.LoadAnchors(anchors["parent"])
			_, c := (&oe.Validator{Resolver: res, Anchors: a}).Validate(context.Background(), "4.2.0.192.in-addr.arpa", 45 /* IPSECKEY */)
			if c.Link == oe.Secure || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		check(t, "192.0.2.4", "parent", verdict{"OK", "secure"})
	})
}
