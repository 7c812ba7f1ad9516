package keys

import (
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"
)

func testKey(e int) *rsa.PublicKey {
	n := new(big.Int).Lsh(big.NewInt(1), 1023)
	n.Add(n, big.NewInt(12345))
	return &rsa.PublicKey{N: n, E: e}
}

func TestRFC3110Prefixes(t *testing.T) {
	tests := []struct {
		name   string
		e      int
		prefix string // base64 prefix the spec documents
	}{
		{"F4", 65537, "AwEAA"},
		{"e=3", 3, "AQO"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pub := testKey(tc.e)
			blob, err := RFC3110(pub)
			if err != nil {
				t.Fatal(err)
			}
			s := base64.StdEncoding.EncodeToString(blob)
			if !strings.HasPrefix(s, tc.prefix) {
				t.Errorf("RFC3110 base64 = %.12s..., want prefix %s", s, tc.prefix)
			}
			back, err := ParseRFC3110(blob)
			if err != nil {
				t.Fatalf("ParseRFC3110: %v", err)
			}
			if back.E != pub.E || back.N.Cmp(pub.N) != 0 {
				t.Errorf("round trip changed the key")
			}
			if id := KeyID(pub); len(id) != 9 || !strings.HasPrefix(s, id) {
				t.Errorf("KeyID = %q, want the first 9 base64 characters of %.12s", id, s)
			}
		})
	}
}

func TestParseRFC3110Rejects(t *testing.T) {
	tests := []struct {
		name string
		blob []byte
	}{
		{"empty", nil},
		{"short three-byte form", []byte{0, 1}},
		{"exponent overruns", []byte{5, 1, 0}},
		{"tiny modulus", []byte{1, 3, 0xc0, 1, 2, 3}},
	}
	for _, tc := range tests {
		if _, err := ParseRFC3110(tc.blob); err == nil {
			t.Errorf("ParseRFC3110(%s) = nil error, want one", tc.name)
		}
	}
}
