package kernel

import (
	"os"
	"path/filepath"
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

// FuzzParseKey: no panic; a key that parses has as many bits as its text
// says; an error never repeats the text (it may be a key).
func FuzzParseKey(f *testing.F) {
	seeds(f, "keys.txt")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if err != nil {
			if len(s) >= 4 && strings.Contains(err.Error(), s) {
				t.Fatalf("error %q repeats the input", err)
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
