package conf

import "testing"

// TestLookupManualKeywords: FreeS/WAN's conn-wide manual keys (espenckey)
// and their per-direction forms (leftespenckey) share a name; the bare one
// must stay conn-wide, not become rightespenckey.
func TestLookupManualKeywords(t *testing.T) {
	tests := []struct {
		written, canonical string
		side               Side
	}{
		{"espenckey", "espenckey", NoSide},
		{"espauthkey", "espauthkey", NoSide},
		{"ahkey", "ahkey", NoSide},
		{"leftespenckey", "leftespenckey", Left},
		{"rightespauthkey", "rightespauthkey", Right},
		{"leftahkey", "leftahkey", Left},
		{"rightespspi", "rightespspi", Right},
		{"subnet", "rightsubnet", Right},
		{"leftsubnet", "leftsubnet", Left},
	}
	for _, tc := range tests {
		k, side, canonical := LookupKeyword(tc.written)
		if k == nil || canonical != tc.canonical || side != tc.side {
			t.Errorf("LookupKeyword(%q) = %v, %v, %q; want %v, %q", tc.written, k != nil, side, canonical, tc.side, tc.canonical)
		}
	}
}
