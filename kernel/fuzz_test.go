package kernel

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// seeds reads one value per line from testdata/FILE.
func seeds(f *testing.F, file string) {
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		f.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" {
			f.Add(l)
		}
	}
}

// scramble replaces every letter and digit of s with another of its kind
// (hex digits stay hex digits, base64 stays base64, the length stays):
// text with the same shape and none of the same material.
func scramble(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			b[i] = '0' + (c-'0'+1)%10
		case c >= 'a' && c <= 'f':
			b[i] = 'a' + (c-'a'+1)%6
		case c >= 'A' && c <= 'F':
			b[i] = 'A' + (c-'A'+1)%6
		case c >= 'g' && c <= 'z':
			b[i] = 'g' + (c-'g'+1)%20
		case c >= 'G' && c <= 'Z':
			b[i] = 'G' + (c-'G'+1)%20
		}
	}
	return string(b)
}

// FuzzParseKey: no panic; a key that parses has as many bits as its text
// says; an error says nothing about the key's characters: the same text
// with them scrambled (the 0x or 0s prefix kept) gives the same error.
// (Checking that the error does not contain the input flags inputs that
// are pieces of the fixed message, such as "key must".)
func FuzzParseKey(f *testing.F) {
	seeds(f, "keys.txt")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if err != nil {
			prefix := min(2, len(s))
			other := s[:prefix] + scramble(s[prefix:])
			if _, err2 := ParseKey(other); err2 == nil || err2.Error() != err.Error() {
				t.Fatalf("the error depends on the key's characters: ParseKey(%q) = %v, ParseKey(%q) = %v", s, err, other, err2)
			}
			return
		}
		if k.IsZero() {
			t.Fatalf("ParseKey(%q) gave an empty key", s)
		}
		if strings.HasPrefix(strings.ToLower(s), "0x") {
			digits := strings.ReplaceAll(s[2:], "_", "")
			if k.Bits() != 4*len(digits) {
				t.Fatalf("ParseKey(%q) = %d bits, want %d", s, k.Bits(), 4*len(digits))
			}
		}
	})
}

// FuzzParseAlgorithm: no panic; an accepted ESP algorithm has an
// authentication (integrity or AEAD) and a key length for each key.
func FuzzParseAlgorithm(f *testing.F) {
	seeds(f, "algorithms.txt")
	f.Fuzz(func(t *testing.T, s string) {
		if a, err := ParseESP(s); err == nil {
			if !a.AEAD() && a.AuthKeyBits() == 0 {
				t.Fatalf("ParseESP(%q) accepted encryption without authentication", s)
			}
			for _, b := range a.EncKeyBits() {
				if b <= 0 || b%8 != 0 {
					t.Fatalf("ParseESP(%q) wants a %d-bit key", s, b)
				}
			}
		}
		if a, err := ParseAH(s); err == nil && a.KeyBits() <= 0 {
			t.Fatalf("ParseAH(%q) has no key length", s)
		}
	})
}

// hexKey is a value that looks like key material, long enough that no
// message text contains it by chance.
var hexKey = regexp.MustCompile(`^0x[0-9a-fA-F_]{8,}$`)

// FuzzParseManual feeds conns (one keyword=value per line) to ParseManual
// and Plan: no panic; every error is positioned in the conn and does not
// depend on the key values' characters (the conn with them scrambled gives
// the same error: a key's text may still be part of another value that an
// error quotes, such as esp=0X00... spelt in lower case); every key in a
// rendered plan is [redacted].
func FuzzParseManual(f *testing.F) {
	for _, tc := range planCases {
		f.Add(strings.Join(tc.kv, "\n"))
	}
	f.Fuzz(func(t *testing.T, s string) {
		lines := strings.Split(s, "\n")
		scrambled := make([]string, len(lines))
		for i, l := range lines {
			k, v, _ := strings.Cut(l, "=")
			if strings.HasSuffix(k, "key") && hexKey.MatchString(v) {
				l = k + "=" + v[:2] + scramble(v[2:])
			}
			scrambled[i] = l
		}
		m, err := ParseManual(testConn("f", lines...))
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "test.conf:") {
				t.Fatalf("error not positioned: %v", err)
			}
			if _, err2 := ParseManual(testConn("f", scrambled...)); err2 == nil || err2.Error() != msg {
				t.Fatalf("the error depends on a key's characters:\n%v\nwith the keys scrambled:\n%v", err, err2)
			}
			return
		}
		for _, side := range []Side{Left, Right} {
			p, err := m.Plan(side, Options{})
			if err != nil {
				continue // %defaultroute left unresolved
			}
			for _, cmd := range p.UpCommands() {
				f := strings.Fields(cmd)
				for i, w := range f {
					if (w == "enc" || w == "aead" || w == "auth-trunc") && i+2 < len(f) && f[i+2] != Redacted {
						t.Fatalf("key not redacted: %s", cmd)
					}
				}
			}
		}
	})
}
