package keys_test

import (
	"encoding/hex"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"goswan/secrets"
)

// TestNoSecretLeaks plants marker secrets (PSKs, XAUTH, PPK, a key file
// passphrase, a PKCS#12 password, the private fields of RSA keys) and runs
// every applet over them, well-formed and broken, checking that no marker
// reaches stdout, stderr or an error. rsasigkey's stdout and newhostkey
// --output - are exempt: printing the new key is their job.
func TestNoSecretLeaks(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	writeFile(t, pw, "MARKER-p12-password\n", 0o600)
	good := filepath.Join(dir, "good.secrets")
	writeFile(t, good, `10.0.0.1 10.0.0.2 : PSK "MARKER-psk-1"
@x : XAUTH "MARKER-xauth"
@p : PPKS "ppk-id" "MARKER-ppk-value-000"
: RSA file.pem "MARKER-passphrase"
`, 0o600)
	r := ipsec(t, nil, "newhostkey", "--output", good, "--bits", "2048", "--id", "@leak.example", "--pkcs12", filepath.Join(dir, "k.p12"), "--password-file", pw, "--pem", filepath.Join(dir, "k.pem"), "--verbose")
	if r.code != 0 {
		t.Fatalf("newhostkey: %d %s", r.code, r.stderr)
	}
	outputs := []result{r}
	markers := []string{"MARKER"}
	f, err := secrets.Load(good)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range f.Entries {
		if e.Key != nil {
			k := e.Key.Private.Reveal()
			for _, n := range []*big.Int{k.D, k.Primes[0], k.Primes[1], k.Precomputed.Dp, k.Precomputed.Dq, k.Precomputed.Qinv} {
				h := hex.EncodeToString(n.Bytes())
				markers = append(markers, h[:32], strings.ToUpper(h[:32]))
			}
		}
	}
	if len(markers) < 3 {
		t.Fatal("no RSA key planted")
	}

	// A broken copy: every entry damaged in a different way, secrets still
	// in the text.
	src, _ := os.ReadFile(good)
	brokenText := strings.ReplaceAll(string(src), "\t}\n", "}\n")
	brokenText = strings.Replace(brokenText, "Prime2:", "Prime9:", 1)
	brokenText += "@y : PSK MARKER-unquoted-secret\n@z : PSK \"MARKER-unterminated\n@w : PSK \"MARKER-a\" \"MARKER-b\"\n@v : BOGUS \"MARKER-after-kw\"\n"
	broken := filepath.Join(dir, "broken.secrets")
	writeFile(t, broken, brokenText, 0o600)

	for _, file := range []string{good, broken} {
		for _, f := range append(showFormats, []string{"--list"}, []string{"--dump"}, []string{"--key"}, []string{"--txt", "192.0.2.1"}, []string{"--dhclient"}, []string{"--left", "--verbose"}) {
			for _, sel := range [][]string{nil, {"--id", "@leak.example"}, {"--id", "@x"}} {
				args := append(append([]string{"showhostkey", "--file", file}, f...), sel...)
				outputs = append(outputs, ipsec(t, nil, args...))
			}
		}
		outputs = append(outputs, ipsec(t, nil, "newhostkey", "--output", file, "--bits", "2048", "--id", "@leak.example"))
	}
	outputs = append(outputs, ipsec(t, nil, "showhostkey", "--pem-in", filepath.Join(dir, "k.pem"), "--dump"))
	outputs = append(outputs, ipsec(t, nil, "showhostkey", "--pem-in", pw, "--left"))
	r = ipsec(t, nil, "rsasigkey", "--verbose", "2048")
	outputs = append(outputs, result{stderr: r.stderr, code: r.code})

	brokenSeen := false
	for _, o := range outputs {
		brokenSeen = brokenSeen || strings.Contains(o.stderr, "broken.secrets:")
		for _, m := range markers {
			if strings.Contains(o.stdout, m) || strings.Contains(o.stderr, m) {
				t.Errorf("secret %q leaked:\nstdout: %s\nstderr: %s", m, o.stdout, o.stderr)
			}
		}
	}
	if !brokenSeen {
		t.Errorf("the broken file produced no positioned errors: the test proves nothing")
	}
}
