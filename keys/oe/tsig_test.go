package oe

import (
	"bytes"
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
// errors inside the input and says nothing about a secret it read: the
// file with its secrets scrambled gives the same error or the same key
// (name, algorithm and how it prints).
// A secret's text may still appear in an error as part of another field
// (a key named like the secret is named that, and names are not secret),
// which is why the check is not that the error lacks some marker text.
func FuzzParseTSIGFile(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "tsig", "*"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`key "a" { algorithm hmac-sha256; secret "` + markerSecret + `"; }`))
	// Named K<name>+<alg>+<id>.private so dnssec-keygen's format can parse.
	const file = "Kf.+163+00001.private"
	f.Fuzz(func(t *testing.T, src []byte) {
		k, err := ParseTSIGFile(file, src)
		other := scrambleSecrets(src)
		k2, err2 := ParseTSIGFile(file, other)
		samePath := bytes.Contains(src, []byte(privateKeyFormat)) == bytes.Contains(other, []byte(privateKeyFormat))
		if samePath && (fmt.Sprint(err) != fmt.Sprint(err2) || k.String() != k2.String() || k.Name != k2.Name || k.Algorithm != k2.Algorithm) {
			t.Errorf("the result depends on the secret's characters:\n%q: %v, %v\n%q: %v, %v", src, k, err, other, k2, err2)
		}
		if err != nil {
			lines := strings.Count(string(src), "\n") + 1
			for _, line := range strings.Split(err.Error(), "\n") {
				var l, c int
				if n, _ := fmt.Sscanf(line, file+":%d:%d:", &l, &c); n == 2 && (l < 1 || l > lines) {
					t.Errorf("error position outside the input: %s", line)
				}
			}
			return
		}
		if k.IsZero() {
			t.Errorf("parsed an empty key from %q", src)
		}
	})
}

const privateKeyFormat = "Private-key-format:"

// scrambleSecrets returns src with every letter and digit of its secrets
// replaced by another of its kind (base64 stays base64, lengths and so
// positions stay): the same file but for the secrets' material.
func scrambleSecrets(src []byte) []byte {
	out := bytes.Clone(src)
	for _, sp := range secretSpans(src) {
		for i := sp[0]; i < sp[1]; i++ {
			c := out[i]
			switch {
			case c >= '0' && c <= '9':
				out[i] = '0' + (c-'0'+1)%10
			case c >= 'a' && c <= 'z':
				out[i] = 'a' + (c-'a'+1)%26
			case c >= 'A' && c <= 'Z':
				out[i] = 'A' + (c-'A'+1)%26
			}
		}
	}
	return out
}

// secretSpans gives the byte ranges of src that hold secrets, found the
// way ParseTSIGFile walks the file: the value of a Key: line in
// dnssec-keygen's format; otherwise the word or quoted string after each
// secret option of a key statement (with the blanks and comments before
// it, which change nothing), up to where the parser stops.
func secretSpans(src []byte) [][2]int {
	var spans [][2]int
	if bytes.Contains(src, []byte(privateKeyFormat)) {
		off := 0
		for _, line := range bytes.SplitAfter(src, []byte("\n")) {
			if k, v, ok := bytes.Cut(line, []byte(":")); ok && string(k) == "Key" {
				spans = append(spans, [2]int{off + len(k) + 1, off + len(k) + 1 + len(v)})
			}
			off += len(line)
		}
		return spans
	}
	s := keyScanner{src: src, line: 1, col: 1}
	end := 0
	next := func() (keyToken, [2]int, bool) {
		t, err := s.next()
		span := [2]int{end, s.off}
		end = s.off
		return t, span, err == nil && !t.eof
	}
	is := func(t keyToken, w string) bool { return !t.quoted && t.text == w }
	for {
		if t, _, ok := next(); !ok || !is(t, "key") {
			return spans
		}
		if name, _, ok := next(); !ok || is(name, "{") || is(name, ";") {
			return spans
		}
		if t, _, ok := next(); !ok || !is(t, "{") {
			return spans
		}
		for {
			opt, _, ok := next()
			if !ok {
				return spans
			}
			if is(opt, "}") {
				break
			}
			_, span, ok := next()
			if !is(opt, "secret") && !is(opt, "algorithm") {
				return spans
			}
			if is(opt, "secret") {
				spans = append(spans, span)
			}
			if !ok {
				return spans
			}
			if t, _, ok := next(); !ok || !is(t, ";") {
				return spans
			}
		}
		if t, _, ok := next(); !ok || !is(t, ";") {
			return spans
		}
	}
}
