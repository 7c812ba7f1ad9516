package oedns

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"goswan/keys/oe"
	"goswan/tests/testenv"
)

func loadPub(t *testing.T, name string) *rsa.PublicKey {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PublicKey)
}

// oeSetup writes the initiator-and-full OE configuration of the FreeS/WAN
// quickstart and an ipsec.secrets holding the host's public key under its
// id (a public-only RSA block: no private key is needed to check DNS).
func oeSetup(t *testing.T, pub *rsa.PublicKey, withOE bool) (confPath, secretsPath string) {
	t.Helper()
	dir := t.TempDir()
	confPath = filepath.Join(dir, "ipsec.conf")
	conn := "conn me-to-anyone\n\tleft=%defaultroute\n\tleftid=@xy.example.com\n\tleftrsasigkey=%dnsondemand\n\tright=%opportunistic\n\trightrsasigkey=%dnsondemand\n\tauto=route\n"
	if !withOE {
		conn = "conn west-east\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=secret\n\tauto=add\n"
	}
	if err := os.WriteFile(confPath, []byte("config setup\n\n"+conn), 0o644); err != nil {
		t.Fatal(err)
	}
	secretsPath = filepath.Join(dir, "ipsec.secrets")
	block := fmt.Sprintf("@xy.example.com : RSA {\n\tModulus: 0x%x\n\tPublicExponent: 0x%x\n\t}\n", pub.N.Bytes(), big.NewInt(int64(pub.E)).Bytes())
	if err := os.WriteFile(secretsPath, []byte(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return confPath, secretsPath
}

func publishSpecs(t *testing.T, n *testenv.Named, specs ...oe.Spec) {
	t.Helper()
	key, err := oe.NewTSIGKey(n.KeyName, n.KeyAlg, n.Secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range specs {
		rrs, err := s.Records()
		if err != nil {
			t.Fatal(err)
		}
		ups, err := oe.Plan(rrs, n.Zones)
		if err != nil {
			t.Fatal(err)
		}
		if err := (&oe.Client{Server: n.Addr, Key: key}).Send(context.Background(), ups); err != nil {
			t.Fatal(err)
		}
	}
}

func render(rs []oe.Result) string {
	var b strings.Builder
	write(&b, rs)
	return b.String()
}

// TestVerifyChecksNamed: verify's OE checks pass for a correct FreeS/WAN
// setup (KEY and TXT), in the forward map of the id and the reverse map of
// the address, and fail for a wrong key in DNS; in both, verify says that
// today's pluto needs a signed IPSECKEY at each place and that there is
// none.
func TestVerifyChecksNamed(t *testing.T) {
	n := testenv.StartNamed(t)
	host, other := loadPub(t, "host.pub.pem"), loadPub(t, "other.pub.pem")
	publishSpecs(t, n,
		oe.InitiatorOnly("xy.example.com", host, 300),
		oe.Full(netip.MustParseAddr("192.0.2.4"), host, 300),
		oe.Full(netip.MustParseAddr("192.0.2.6"), other, 300))
	confPath, secretsPath := oeSetup(t, host, true)
	ctx := context.Background()
	o := VerifyOptions{Config: confPath, Secrets: secretsPath, Nameserver: n.Addr, Timeout: 5 * time.Second,
		Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.4")}}
	got := render(VerifyChecks(ctx, o))
	want := `Opportunistic Encryption DNS checks:
Looking for KEY in forward map: xy.example.com    	[OK]
Does the machine have at least one non-private address?	[OK]
Looking for KEY in reverse map: 4.2.0.192.in-addr.arpa.	[OK]
Looking for TXT in reverse map: 4.2.0.192.in-addr.arpa.	[OK]
Checking signed IPSECKEY at 4.2.0.192.in-addr.arpa	[MISSING]
  record absent: no IPSECKEY record at 4.2.0.192.in-addr.arpa. (NOERROR); publish it with ipsec showhostkey --ipseckey --oe --publish
Checking signed IPSECKEY at xy.example.com        	[MISSING]
  record absent: no IPSECKEY record at xy.example.com. (NOERROR); publish it with ipsec showhostkey --ipseckey --id @xy.example.com --publish
`
	if got != want {
		t.Errorf("VerifyChecks (correct setup) =\n%s\nwant\n%s", got, want)
	}

	o.Addrs = []netip.Addr{netip.MustParseAddr("192.0.2.6"), netip.MustParseAddr("192.0.2.99")}
	rs := VerifyChecks(ctx, o)
	got = render(rs)
	for _, line := range []string{
		"Looking for KEY in reverse map: 6.2.0.192.in-addr.arpa.\t[FAILED]\n  DNS holds key AwEAA",
		"Looking for TXT in reverse map: 6.2.0.192.in-addr.arpa.\t[FAILED]\n",
		"Looking for KEY, TXT or IPSECKEY in reverse map: 99.2.0.192.in-addr.arpa.\t[MISSING]\n",
	} {
		if !strings.Contains(got, line) {
			t.Errorf("VerifyChecks (wrong key) lacks %q:\n%s", line, got)
		}
	}
	failed := 0
	for _, r := range rs {
		if r.Failed() {
			failed++
		}
	}
	if failed != 6 {
		t.Errorf("VerifyChecks (wrong key) has %d failures, want 3 for KEY/TXT and 3 for IPSECKEY:\n%s", failed, got)
	}

	// --hostname: the host's forward records and the reverse map of its A record.
	nsupdate := testenv.MustHaveCommand(t, "nsupdate")
	cmd := exec.Command(nsupdate, "-k", n.KeyFile)
	srv, port, _ := strings.Cut(n.Addr, ":")
	cmd.Stdin = strings.NewReader(fmt.Sprintf("server %s %s\nzone example.com\nupdate add xy.example.com. 300 IN A 192.0.2.4\nsend\n", srv, port))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nsupdate A: %v %s", err, out)
	}
	o.Addrs, o.Hostname = nil, "xy.example.com"
	got = render(VerifyChecks(ctx, o))
	if !strings.Contains(got, fmt.Sprintf("%-50s\t[OK]\n", "Looking for addresses of xy.example.com")) ||
		!strings.Contains(got, "Looking for TXT in reverse map: 4.2.0.192.in-addr.arpa.\t[OK]\n") || strings.Contains(got, "FAILED") ||
		!strings.Contains(got, "Checking signed IPSECKEY at 4.2.0.192.in-addr.arpa\t[MISSING]") {
		t.Errorf("VerifyChecks --hostname =\n%s", got)
	}
}

func TestVerifyChecksDisabledAndBroken(t *testing.T) {
	host := loadPub(t, "host.pub.pem")
	confPath, secretsPath := oeSetup(t, host, false)
	rs := VerifyChecks(context.Background(), VerifyOptions{Config: confPath, Secrets: secretsPath})
	if len(rs) != 1 || rs[0].Status != oe.Disabled || rs[0].Failed() {
		t.Errorf("VerifyChecks without OE = %+v, want one DISABLED line", rs)
	}
	confPath, _ = oeSetup(t, host, true)
	rs = VerifyChecks(context.Background(), VerifyOptions{Config: confPath, Secrets: filepath.Join(t.TempDir(), "none"), Nameserver: "127.0.0.1:1"})
	if got := render(rs); len(rs) != 2 || rs[1].Status != oe.Failed || !strings.Contains(got, "Checking for RSA key (") {
		t.Errorf("VerifyChecks without secrets =\n%s", got)
	}
}

// TestVerifyChecksImplicitGroups: a FreeS/WAN 2 site has no OE conn, only
// a policy group with entries; verify runs its OE checks all the same.
func TestVerifyChecksImplicitGroups(t *testing.T) {
	host := loadPub(t, "host.pub.pem")
	dir := t.TempDir()
	t.Setenv("IPSEC_CONFS", dir)
	confPath := filepath.Join(dir, "ipsec.conf")
	os.WriteFile(confPath, []byte("config setup\n\tipsecdir="+filepath.Join(dir, "none")+"\n"), 0o644)
	o := VerifyOptions{Config: confPath, Pub: host, Timeout: 100 * time.Millisecond, Addrs: []netip.Addr{},
		ResolvConf: filepath.Join(dir, "resolv.conf")}
	os.WriteFile(o.ResolvConf, []byte("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n"), 0o644)
	if rs := VerifyChecks(context.Background(), o); len(rs) != 1 || rs[0].Status != oe.Disabled {
		t.Fatalf("VerifyChecks without OE = %+v, want DISABLED", rs)
	}
	os.MkdirAll(filepath.Join(dir, "ipsec.d", "policies"), 0o755)
	os.WriteFile(filepath.Join(dir, "ipsec.d", "policies", "private-or-clear"), []byte("0.0.0.0/0\n"), 0o644)
	if rs := VerifyChecks(context.Background(), o); len(rs) < 2 || rs[0].Status == oe.Disabled {
		t.Errorf("VerifyChecks with an implicit private-or-clear group = %+v, want the OE checks", rs)
	}
}
