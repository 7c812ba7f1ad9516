package keys_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"goswan/tests/testenv"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestShowhostkeyGolden prints every format of the fixed key in
// examples/hostkey.secrets (a fixed key: Go's generator cannot be seeded)
// and compares with testdata/showhostkey/*.golden.
func TestShowhostkeyGolden(t *testing.T) {
	file := filepath.Join(testenv.ModuleRoot(), "examples", "hostkey.secrets")
	pemKey := filepath.Join(testenv.ModuleRoot(), "keys", "testdata", "east.pem")
	// An `RSA file` entry whose key shows too.
	dir := t.TempDir()
	withFile := filepath.Join(dir, "file.secrets")
	writeFile(t, withFile, "@east.example : RSA "+pemKey+"\n", 0o600)
	cases := []struct {
		name string
		args []string
	}{
		{"left", []string{"--file", file, "--left"}},
		{"right-rsaid", []string{"--file", file, "--right", "--rsaid", "AwEAAa0VJ"}},
		{"left-pubkey", []string{"--file", file, "--left", "--pubkey"}},
		{"list", []string{"--file", file, "--list"}},
		{"key", []string{"--file", file, "--key"}},
		{"key-owner", []string{"--file", file, "--key", "--owner", "gw.example.net"}},
		{"txt", []string{"--file", file, "--txt", "192.0.2.1"}},
		{"txt-fqdn-prec", []string{"--file", file, "--txt", "@gw.example.com", "--precedence", "20", "--owner", "5.2.0.192.in-addr.arpa"}},
		{"ipseckey", []string{"--file", file, "--ipseckey"}},
		{"ipseckey-v6", []string{"--file", file, "--gateway", "2001:db8::1", "--precedence", "5", "--ckaid", "837D"}},
		{"ipseckey-name", []string{"--file", file, "--gateway", "gw.example.com"}},
		{"pem", []string{"--file", file, "--pem"}},
		{"dhclient", []string{"--file", file, "--dhclient"}},
		{"verbose", []string{"--file", file, "--left", "--verbose", "--ckaid", "837d15"}},
		{"pem-in", []string{"--pem-in", pemKey, "--left"}},
		{"rsa-file", []string{"--file", withFile, "--id", "@east.example", "--ipseckey"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ok(t, append([]string{"showhostkey"}, tc.args...)...)
			path := filepath.Join("testdata", "showhostkey", tc.name+".golden")
			if *update {
				os.MkdirAll(filepath.Dir(path), 0o755)
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("showhostkey %s:\n got: %q\nwant: %q", strings.Join(tc.args, " "), got, want)
			}
		})
	}
}
