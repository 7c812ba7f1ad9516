package oe

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// markerSecret is planted in every test key; no output or error may hold it.
const markerSecret = "TUFSS0VSLVNFQ1JFVC1ETlMtMDAwMDAwMDAwMDAwMDA="

func TestParseTSIGFile(t *testing.T) {
	for _, tc := range []struct {
		file, name, alg string
	}{
		{"tsig-keygen.key", "ipsec-test-key.", dns.HmacSHA256},
		{"comments.key", "update.example.com.", dns.HmacSHA512},
		{"Kipsec-test-key.+163+12345.private", "ipsec-test-key.", dns.HmacSHA256},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", "tsig", tc.file)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			k, err := ParseTSIGFile(path, b)
			if err != nil {
				t.Fatalf("ParseTSIGFile(%s) = %v", tc.file, err)
			}
			if k.Name != tc.name || k.Algorithm != tc.alg || k.secret != markerSecret {
				t.Errorf("ParseTSIGFile(%s) = %q %q, want %q %q and the file's secret", tc.file, k.Name, k.Algorithm, tc.name, tc.alg)
			}
			for _, s := range []string{k.String(), fmt.Sprintf("%v %+v %#v %s %q %x", k, k, k, k, k, k)} {
				if strings.Contains(s, markerSecret) {
					t.Errorf("formatting the key leaks its secret: %s", s)
				}
			}
		})
	}
}

func TestParseTSIGFileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, wantErr string
	}{
		{"empty", "", `k.key: no key statement`},
		{"not-key", "options { };", `k.key:1:1: expected "key", found "options"`},
		{"no-semicolon", "key \"a\" {\n\talgorithm hmac-sha256;\n\tsecret \"" + markerSecret + "\"\n};\n", `k.key:4:1: expected ";", found "}"`},
		{"unterminated", "key \"a\" {\n\tsecret \"" + markerSecret + "\n", `k.key:2:9: unterminated quoted string`},
		{"unclosed", "key \"a\" {\n\tsecret \"" + markerSecret + "\";\n", `k.key:3:1: key "a" is not closed with "};"`},
		{"no-secret", "key \"a\" { algorithm hmac-sha256; };", `k.key:1:1: key "a" has no secret`},
		{"no-alg", "key \"a\" { secret \"" + markerSecret + "\"; };", `k.key:1:1: key "a" has no algorithm`},
		{"bad-alg", "key \"a\" {\n algorithm hmac-sha3;\n secret \"" + markerSecret + "\"; };", `k.key:2:12: unknown TSIG algorithm "hmac-sha3"`},
		{"md5", "key \"a\" { algorithm hmac-md5; secret \"" + markerSecret + "\"; };", `k.key:1:21: TSIG algorithm "hmac-md5" is no longer supported`},
		{"bad-base64", "key \"a\" { algorithm hmac-sha256; secret \"" + markerSecret[:10] + "!\"; };", `k.key:1:41: TSIG secret is not valid base64`},
		{"unquoted-secret", "key \"a\" { algorithm hmac-sha256; secret " + markerSecret + "; };", `k.key:1:41: secret must be a quoted string`},
		{"unknown-option", "key \"a\" { algorithm hmac-sha256; secrets \"" + markerSecret + "\"; };", `k.key:1:34: unknown key option "secrets"`},
		{"two-keys", "key a { algorithm hmac-sha256; secret \"" + markerSecret + "\"; };\nkey b { algorithm hmac-sha256; secret \"" + markerSecret + "\"; };", `k.key:1:1: 2 key statements`},
		{"comment", "/* key a {", `k.key:1:1: unterminated /* comment`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTSIGFile("k.key", []byte(tc.in))
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Errorf("ParseTSIGFile(%q) = %v, want %q", tc.in, err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), markerSecret[:10]) {
				t.Errorf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestLoadTSIGKeyInline(t *testing.T) {
	for _, tc := range []struct {
		name, in, keyName, alg, wantErr string
	}{
		{"name-alg-secret", "ipsec-test-key:hmac-sha512:" + markerSecret, "ipsec-test-key.", dns.HmacSHA512, ""},
		{"nsupdate-y", "hmac-sha1:ipsec-test-key:" + markerSecret, "ipsec-test-key.", dns.HmacSHA1, ""},
		{"name-secret", "ipsec-test-key:" + markerSecret, "ipsec-test-key.", dns.HmacSHA256, ""},
		{"file", filepath.Join("testdata", "tsig", "tsig-keygen.key"), "ipsec-test-key.", dns.HmacSHA256, ""},
		{"missing-file", "/nonexistent/tsig.key", "", "", "neither an existing key file nor NAME:ALG:SECRET"},
		{"bad-alg", "k:hmac-foo:" + markerSecret, "", "", "the middle field of NAME:ALG:SECRET is not a TSIG algorithm"},
		{"fields-swapped", "k:" + markerSecret + ":hmac-sha256", "", "", "the middle field of NAME:ALG:SECRET is not a TSIG algorithm"},
		{"md5-inline", "k:hmac-md5:" + markerSecret, "", "", `TSIG algorithm "hmac-md5" is no longer supported`},
		{"bad-secret", "k:hmac-sha256:" + markerSecret[:7], "", "", "not valid base64"},
		{"empty-secret", "k:", "", "", "TSIG secret is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := LoadTSIGKey(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("LoadTSIGKey(%q) = %v, want %q", tc.name, err, tc.wantErr)
				}
				if strings.Contains(err.Error(), markerSecret[:7]) {
					t.Errorf("error leaks the secret: %v", err)
				}
				return
			}
			if err != nil || k.Name != tc.keyName || k.Algorithm != tc.alg || k.secret != markerSecret {
				t.Errorf("LoadTSIGKey(%s) = %v, %v, want %s %s", tc.name, k, err, tc.keyName, tc.alg)
			}
		})
	}
}

// FuzzParseTSIGFile checks the key-file parser never panics, places its
// errors inside the input and never repeats the secret of a key it read.
func FuzzParseTSIGFile(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "tsig", "*"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`key "a" { algorithm hmac-sha256; secret "` + markerSecret + `"; }`))
	f.Fuzz(func(t *testing.T, src []byte) {
		k, err := ParseTSIGFile("f.key", src)
		if err != nil {
			if strings.Contains(err.Error(), markerSecret) {
				t.Errorf("error leaks the secret: %v", err)
			}
			lines := strings.Count(string(src), "\n") + 1
			for _, line := range strings.Split(err.Error(), "\n") {
				var l, c int
				if n, _ := fmt.Sscanf(line, "f.key:%d:%d:", &l, &c); n == 2 && (l < 1 || l > lines) {
					t.Errorf("error position outside the input: %s", line)
				}
			}
			return
		}
		if k.IsZero() || strings.Contains(k.String(), k.secret) {
			t.Errorf("parsed key %v is empty or prints its secret", k)
		}
	})
}
