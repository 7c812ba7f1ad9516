package tests

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"goswan/tests/testenv"
)

// oeRun runs the built ipsec binary with a minimal environment and returns
// stdout, stderr and the exit status.
func oeRun(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	bin := testenv.Binary(t)
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "IPSEC_CONFS=" + t.TempDir()}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running ipsec %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// oePEM is a fixed public key (a FreeS/WAN-style e=3 2048-bit key), and
// oeOtherPEM a second one playing the wrong key in DNS.
var (
	oePEM      = filepath.Join("testdata", "oedns", "host.pub.pem")
	oeOtherPEM = filepath.Join("testdata", "oedns", "other.pub.pem")
)

// oeKeyB64 is the key as DNS records carry it, from our own --key output.
func oeKeyB64(t *testing.T, pem string) string {
	t.Helper()
	out, errs, code := oeRun(t, "showhostkey", "--pem-in", pem, "--key", "--owner", "x.example.com")
	if code != 0 {
		t.Fatalf("showhostkey --key: %d %s", code, errs)
	}
	f := strings.Fields(out[strings.LastIndex(out, "KEY"):])
	return f[len(f)-1]
}

func nospace(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, `" "`, "")), "")
}

// TestShowhostkeyPublishRoles publishes each OE role of the FreeS/WAN
// quickstart with `ipsec showhostkey --publish` to a real named, twice,
// reads the records back with dig, and checks them with --check.
func TestShowhostkeyPublishRoles(t *testing.T) {
	n := testenv.StartNamed(t)
	key := oeKeyB64(t, oePEM)
	inline := n.KeyName + ":" + n.KeyAlg + ":" + n.Secret
	for _, tc := range []struct {
		name  string
		args  []string // record choice and owner
		zones int
		dig   [][2]string // name, type that must hold the key (or, for PTR, the name)
	}{
		{"initiator-only", []string{"--owner", "xy.example.com", "--key"}, 1,
			[][2]string{{"xy.example.com", "KEY"}}},
		{"full", []string{"--owner", "192.0.2.4", "--key", "--txt", "192.0.2.4"}, 1,
			[][2]string{{"4.2.0.192.in-addr.arpa", "KEY"}, {"4.2.0.192.in-addr.arpa", "TXT"}}},
		{"gateway-for-subnet", []string{"--owner", "192.0.2.1", "--key", "--txt", "192.0.2.1", "--subnet", "198.51.100.0/28", "--ptr-domain", "example.com"}, 2,
			[][2]string{{"1.2.0.192.in-addr.arpa", "KEY"}, {"1.100.51.198.in-addr.arpa", "TXT"}, {"14.100.51.198.in-addr.arpa", "TXT"}, {"14.100.51.198.in-addr.arpa", "PTR"}}},
		{"gateway-slash24-nokey", []string{"--owner", "192.0.2.1", "--key", "--txt", "192.0.2.1", "--txt-nokey", "--subnet", "198.51.100.0/24"}, 2,
			[][2]string{{"1.2.0.192.in-addr.arpa", "KEY"}, {"254.100.51.198.in-addr.arpa", "TXT"}}},
		{"ipseckey", []string{"--owner", "192.0.2.5", "--ipseckey", "--gateway", "192.0.2.5"}, 1,
			[][2]string{{"5.2.0.192.in-addr.arpa", "IPSECKEY"}}},
		{"ipseckey-forward", []string{"--owner", "xy.example.com", "--ipseckey", "--txt", "@xy.example.com"}, 1,
			[][2]string{{"xy.example.com", "IPSECKEY"}, {"xy.example.com", "TXT"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i, tsig := range []string{n.KeyFile, inline} { // the key file, then NAME:ALG:SECRET
				args := append([]string{"showhostkey", "--pem-in", oePEM}, tc.args...)
				args = append(args, "--publish", "--server", n.Addr, "--tsig-key", tsig, "--ttl", "600")
				out, errs, code := oeRun(t, args...)
				if code != 0 || errs != "" {
					t.Fatalf("publish #%d: exit %d\nstdout: %s\nstderr: %s", i+1, code, out, errs)
				}
				if got := strings.Count(out, "published "); got != tc.zones {
					t.Errorf("publish #%d printed %d zone lines, want %d:\n%s", i+1, got, tc.zones, out)
				}
				if strings.Contains(out+errs, n.Secret) {
					t.Fatalf("output holds the TSIG secret")
				}
			}
			for _, d := range tc.dig {
				got := strings.TrimSpace(n.Dig(t, d[0], d[1]))
				lines := strings.Split(got, "\n")
				if len(lines) != 1 {
					t.Errorf("dig %s %s after publishing twice = %d records, want 1 (idempotent):\n%s", d[0], d[1], len(lines), got)
				}
				want := key
				switch {
				case d[1] == "PTR":
					want = "198-51-100-14.example.com."
				case strings.HasSuffix(tc.name, "-nokey") && d[1] == "TXT":
					want = `"X-IPsec-Server(10)=192.0.2.1"`
				}
				if !strings.Contains(nospace(got), want) || strings.Fields(got)[1] != "600" {
					t.Errorf("dig %s %s = %s, want TTL 600 and %.30s...", d[0], d[1], got, want)
				}
			}
			args := append([]string{"showhostkey", "--pem-in", oePEM}, tc.args...)
			out, errs, code := oeRun(t, append(args, "--check", "--nameserver", n.Addr)...)
			if code != 0 || strings.Contains(out, "[FAILED]") || strings.Contains(out, "[MISSING]") {
				t.Errorf("--check after publishing: exit %d\n%s%s", code, out, errs)
			}
		})
	}
	// The KEY record reads back as FreeS/WAN's verify expected it.
	if got := n.Dig(t, "xy.example.com", "KEY"); !strings.Contains(got, "KEY\t16896 4 1 "+key[:20]) {
		t.Errorf("dig KEY = %s, want 16896 4 1 %s...", got, key[:20])
	}
}

// TestShowhostkeyPublishRefused: bad credentials and missing ones are
// refused with one clear line and a non-zero status, the secret never
// shows, and the zone is unchanged.
func TestShowhostkeyPublishRefused(t *testing.T) {
	n := testenv.StartNamedConfig(t, testenv.NamedConfig{InsecureZones: []string{"open.example"}})
	const marker = "TUFSS0VSLVNFQ1JFVC1ETlMtMDAwMDAwMDAwMDAwMDA="
	wrongFile := filepath.Join(t.TempDir(), "wrong.key")
	if err := os.WriteFile(wrongFile, []byte(`key "ipsec-test-key" { algorithm hmac-sha256; secret "`+marker+`"; };`), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"showhostkey", "--pem-in", oePEM, "--owner", "refused.example.com", "--key", "--publish"}
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		wantErr string
	}{
		{"wrong-secret-file", []string{"--server", n.Addr, "--tsig-key", wrongFile}, 1,
			"ipsec showhostkey: update of zone example.com rejected by " + n.Addr + ": NOTAUTH (BADSIG): the secret of TSIG key \"ipsec-test-key\" differs from the server's\n"},
		{"wrong-secret-inline", []string{"--server", n.Addr, "--tsig-key", "ipsec-test-key:hmac-sha256:" + marker}, 1, "NOTAUTH (BADSIG)"},
		{"wrong-algorithm", []string{"--server", n.Addr, "--tsig-key", "ipsec-test-key:hmac-sha512:" + n.Secret}, 1, "NOTAUTH (BADKEY)"},
		{"missing-key", []string{"--server", n.Addr}, 2,
			"ipsec showhostkey: refusing to send an unsigned update: give --tsig-key FILE|NAME:ALG:SECRET (or --insecure if the server accepts unsigned updates)\n"},
		{"insecure-refused", []string{"--server", n.Addr, "--insecure"}, 1,
			"ipsec showhostkey: update of zone example.com refused by " + n.Addr + ": REFUSED: the server does not accept unsigned updates; give --tsig-key\n"},
		{"no-server", []string{"--tsig-key", n.KeyFile}, 2, "--publish needs --server HOST[:PORT]"},
		{"unreadable-key", []string{"--server", n.Addr, "--tsig-key", "/nonexistent/k.key"}, 1, "TSIG key is neither an existing key file nor NAME:ALG:SECRET"},
		{"not-authoritative", []string{"--server", n.Addr, "--tsig-key", n.KeyFile, "--zone", "example.org"}, 1, "refused.example.com. is in no zone given (example.org): add --zone for it"},
		{"key-and-insecure", []string{"--server", n.Addr, "--tsig-key", n.KeyFile, "--insecure"}, 2, "--tsig-key and --insecure contradict each other"},
		{"closed-port", []string{"--server", "127.0.0.1:1", "--tsig-key", n.KeyFile, "--zone", "example.com", "--timeout", "1s"}, 1, "no name server at 127.0.0.1:1 (connection refused)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := oeRun(t, append(base, tc.args...)...)
			if code != tc.code || !strings.Contains(errs, tc.wantErr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errs, tc.code, tc.wantErr)
			}
			if strings.Count(errs, "\n") != 1 {
				t.Errorf("stderr is %d lines, want one:\n%s", strings.Count(errs, "\n"), errs)
			}
			if strings.Contains(out+errs, marker) || strings.Contains(out+errs, n.Secret) {
				t.Errorf("output holds a TSIG secret")
			}
		})
	}
	if got := strings.TrimSpace(n.Dig(t, "refused.example.com", "KEY")); got != "" {
		t.Errorf("refused updates changed the zone: %s", got)
	}
	// --insecure where the server allows it.
	out, errs, code := oeRun(t, "showhostkey", "--pem-in", oePEM, "--owner", "host.open.example", "--key",
		"--publish", "--server", n.Addr, "--insecure")
	if code != 0 || !strings.Contains(n.Dig(t, "host.open.example", "KEY"), "16896 4 1") {
		t.Errorf("--insecure publish: exit %d %s %s", code, out, errs)
	}
}

// TestShowhostkeyCheckWrongKey: DNS holding another key makes --check
// print FAILED and exit 1.
func TestShowhostkeyCheckWrongKey(t *testing.T) {
	n := testenv.StartNamed(t)
	_, errs, code := oeRun(t, "showhostkey", "--pem-in", oeOtherPEM, "--owner", "192.0.2.7", "--key", "--txt", "192.0.2.7",
		"--publish", "--server", n.Addr, "--tsig-key", n.KeyFile)
	if code != 0 {
		t.Fatalf("publish: %d %s", code, errs)
	}
	out, errs, code := oeRun(t, "showhostkey", "--pem-in", oePEM, "--owner", "192.0.2.7", "--key", "--txt", "192.0.2.7",
		"--check", "--nameserver", n.Addr)
	if code != 1 || strings.Count(out, "[FAILED]") != 2 || !strings.Contains(errs, "2 of 2 checks failed") {
		t.Errorf("--check with the wrong key in DNS: exit %d\n%s%s", code, out, errs)
	}
	out, _, code = oeRun(t, "showhostkey", "--pem-in", oePEM, "--owner", "192.0.2.8", "--key", "--check", "--nameserver", n.Addr)
	if code != 1 || !strings.Contains(out, "Checking KEY at 8.2.0.192.in-addr.arpa.") || !strings.Contains(out, "[MISSING]") {
		t.Errorf("--check with nothing in DNS: exit %d\n%s", code, out)
	}
}

// TestShowhostkeyDryRun prints the update in nsupdate syntax, sends
// nothing, and never prints the secret; the key comes from ipsec.secrets
// picked by --id, which also names the owner.
func TestShowhostkeyDryRun(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "tsig.key")
	const marker = "TUFSS0VSLVNFQ1JFVC1ETlMtMDAwMDAwMDAwMDAwMDA="
	if err := os.WriteFile(keyFile, []byte(`key "k" { algorithm hmac-sha256; secret "`+marker+`"; };`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errs, code := oeRun(t, "showhostkey", "--pem-in", oePEM, "--owner", "192.0.2.1", "--txt", "192.0.2.1", "--subnet", "198.51.100.0/30",
		"--publish", "--dry-run", "--zone", "100.51.198.in-addr.arpa", "--tsig-key", keyFile, "--ttl", "300")
	if code != 0 {
		t.Fatalf("dry run: exit %d %s", code, errs)
	}
	want := "; signed with TSIG key \"k\" (hmac-sha256, secret [redacted])\nzone 100.51.198.in-addr.arpa.\nupdate delete 1.100.51.198.in-addr.arpa. TXT\nupdate add 1.100.51.198.in-addr.arpa. 300 IN TXT \"X-IPsec-Server(10)=192.0.2.1\" \" "
	if !strings.HasPrefix(out, want) || strings.Count(out, "update add") != 2 || !strings.HasSuffix(out, "send\n") || strings.Contains(out, marker) {
		t.Errorf("dry run output:\n%s\nwant it to start:\n%s", out, want)
	}
}

// oeConfDir writes ipsec.conf (the quickstart's OE conn with
// leftid=@xy.example.com) and ipsec.secrets holding the public half of
// pemFile under @xy.example.com, and returns the directory for
// IPSEC_CONFS.
func oeConfDir(t *testing.T, pemFile string) string {
	t.Helper()
	dir := t.TempDir()
	conf := "config setup\n\nconn me-to-anyone\n\tleft=%defaultroute\n\tleftid=@xy.example.com\n\tleftrsasigkey=%dnsondemand\n\tright=%opportunistic\n\trightrsasigkey=%dnsondemand\n\tauto=route\n"
	if err := os.WriteFile(filepath.Join(dir, "ipsec.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(pemFile)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pub := k.(*rsa.PublicKey)
	sec := fmt.Sprintf("@xy.example.com : RSA {\n\tModulus: 0x%x\n\tPublicExponent: 0x%x\n\t}\n", pub.N.Bytes(), big.NewInt(int64(pub.E)).Bytes())
	if err := os.WriteFile(filepath.Join(dir, "ipsec.secrets"), []byte(sec), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestVerifyOEChecks: `ipsec verify` reports OK for OE records that hold
// the local key and FAILED when DNS holds another key.
func TestVerifyOEChecks(t *testing.T) {
	n := testenv.StartNamed(t)
	for _, args := range [][]string{
		{"--owner", "xy.example.com", "--key"},
		{"--owner", "192.0.2.4", "--key", "--txt", "192.0.2.4"},
	} {
		a := append([]string{"showhostkey", "--pem-in", oePEM}, args...)
		if _, errs, code := oeRun(t, append(a, "--publish", "--server", n.Addr, "--tsig-key", n.KeyFile)...); code != 0 {
			t.Fatalf("publish %v: %s", args, errs)
		}
	}
	nsupdate := testenv.MustHaveCommand(t, "nsupdate")
	srv, port, _ := strings.Cut(n.Addr, ":")
	cmd := exec.Command(nsupdate, "-k", n.KeyFile)
	cmd.Stdin = strings.NewReader(fmt.Sprintf("server %s %s\nzone example.com\nupdate add xy.example.com. 300 IN A 192.0.2.4\nsend\n", srv, port))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nsupdate: %v %s", err, out)
	}
	verify := func(pemFile string) string {
		t.Helper()
		bin := testenv.Binary(t)
		c := exec.Command(bin, "verify", "--nocolour", "--nameserver", n.Addr, "--hostname", "xy.example.com")
		c.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "IPSEC_CONFS=" + oeConfDir(t, pemFile)}
		out, _ := c.Output() // non-zero: the local checks (pluto ...) fail here
		return string(out)
	}
	line := func(label, word string) string { return fmt.Sprintf("%-50s\t[%s]\n", label, word) }
	got := verify(oePEM)
	for _, want := range []string{
		"Opportunistic Encryption DNS checks:\n",
		line("Looking for KEY in forward map: xy.example.com", "OK"),
		line("Looking for addresses of xy.example.com", "OK"),
		line("Looking for KEY in reverse map: 4.2.0.192.in-addr.arpa.", "OK"),
		line("Looking for TXT in reverse map: 4.2.0.192.in-addr.arpa.", "OK"),
	} {
		if !strings.Contains(got, want) {
			t.Errorf("ipsec verify (correct key) lacks %q:\n%s", want, got)
		}
	}
	got = verify(oeOtherPEM)
	for _, want := range []string{
		line("Looking for KEY in forward map: xy.example.com", "FAILED"),
		line("Looking for KEY in reverse map: 4.2.0.192.in-addr.arpa.", "FAILED"),
		line("Looking for TXT in reverse map: 4.2.0.192.in-addr.arpa.", "FAILED"),
		"not the local key AwEAA",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("ipsec verify (wrong key in DNS) lacks %q:\n%s", want, got)
		}
	}
}

// TestShowhostkeyPublishFromSecrets takes the key from ipsec.secrets,
// picked by --id, which also names the owner: @FQDN its forward name, an
// address its reverse-map name.
func TestShowhostkeyPublishFromSecrets(t *testing.T) {
	n := testenv.StartNamed(t)
	dir := oeConfDir(t, oePEM) // ipsec.secrets: @xy.example.com : RSA { ... }
	secretsFile := filepath.Join(dir, "ipsec.secrets")
	b, err := os.ReadFile(secretsFile)
	if err != nil {
		t.Fatal(err)
	}
	// The same key under the host's address too.
	if err := os.WriteFile(secretsFile, append(b, []byte(strings.Replace(string(b), "@xy.example.com", "192.0.2.4", 1))...), 0o600); err != nil {
		t.Fatal(err)
	}
	key := oeKeyB64(t, oePEM)
	for _, tc := range []struct {
		id, rtype, name string
		args            []string
	}{
		{"@xy.example.com", "KEY", "xy.example.com", []string{"--key"}},
		{"192.0.2.4", "TXT", "4.2.0.192.in-addr.arpa", []string{"--txt", "192.0.2.4"}},
	} {
		args := append([]string{"showhostkey", "--file", secretsFile, "--id", tc.id}, tc.args...)
		out, errs, code := oeRun(t, append(args, "--publish", "--server", n.Addr, "--tsig-key", n.KeyFile)...)
		if code != 0 {
			t.Fatalf("publish --id %s: exit %d %s%s", tc.id, code, out, errs)
		}
		if got := n.Dig(t, tc.name, tc.rtype); !strings.Contains(nospace(got), key) {
			t.Errorf("dig %s %s = %s, want the key from ipsec.secrets", tc.name, tc.rtype, got)
		}
		out, errs, code = oeRun(t, append(args, "--check", "--nameserver", n.Addr)...)
		if code != 0 || !strings.Contains(out, "[OK]") {
			t.Errorf("check --id %s: exit %d %s%s", tc.id, code, out, errs)
		}
	}
	// An id with no key in the file is Libreswan's "no key" status, 20.
	_, errs, code := oeRun(t, "showhostkey", "--file", secretsFile, "--id", "@nobody.example.com", "--key",
		"--publish", "--server", n.Addr, "--tsig-key", n.KeyFile)
	if code != 20 {
		t.Errorf("publish for an unknown id: exit %d %s, want 20", code, errs)
	}
}

// TestShowhostkeyPublishUsage: inconsistent flags are usage errors (exit
// 2) found before any key is read or anything is sent.
func TestShowhostkeyPublishUsage(t *testing.T) {
	base := []string{"showhostkey", "--pem-in", oePEM}
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"publish-and-check", []string{"--owner", "a.example.com", "--key", "--publish", "--check"}, "give --publish or --check, not both"},
		{"server-with-check", []string{"--owner", "a.example.com", "--key", "--check", "--server", "127.0.0.1"}, "--server applies to --publish only"},
		{"nameserver-with-publish", []string{"--owner", "a.example.com", "--key", "--publish", "--nameserver", "127.0.0.1", "--dry-run", "--zone", "example.com"}, "--nameserver applies to --check only"},
		{"no-record-type", []string{"--owner", "a.example.com", "--publish", "--dry-run", "--zone", "example.com"}, "choose the records with --key, --txt GATEWAY and/or --ipseckey"},
		{"no-owner", []string{"--key", "--publish", "--dry-run", "--zone", "example.com"}, "need the owner: --id @FQDN or --id ADDRESS (or --owner)"},
		{"bad-subnet", []string{"--owner", "192.0.2.1", "--txt", "192.0.2.1", "--subnet", "198.51.100.0", "--publish", "--dry-run", "--zone", "example.com"}, `--subnet "198.51.100.0" is not an address/prefix-length`},
		{"ptr-without-subnet", []string{"--owner", "192.0.2.1", "--txt", "192.0.2.1", "--ptr-domain", "example.com", "--check"}, "--ptr-domain needs --subnet"},
		{"left-published", []string{"--owner", "a.example.com", "--key", "--left", "--publish", "--dry-run", "--zone", "example.com"}, "--left is not a DNS record"},
		{"dry-run-no-zone", []string{"--owner", "a.example.com", "--key", "--publish", "--dry-run"}, "--dry-run without --server needs --zone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := oeRun(t, append(base, tc.args...)...)
			if code != 2 || !strings.Contains(errs, tc.wantErr) || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, out, errs, tc.wantErr)
			}
		})
	}
}
