package conf

import (
	"bytes"
	"os"
	"testing"

	"goswan/conf/keywordtable"
)

// TestKeywordTableFresh fails when zkeywords.go was not regenerated after
// keywords.tsv changed (go generate ./conf).
func TestKeywordTableFresh(t *testing.T) {
	in, err := os.Open("keywords.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	want, err := keywordtable.Generate(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("zkeywords.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("zkeywords.go is stale; run go generate ./conf")
	}
}

func TestLookupKeyword(t *testing.T) {
	tests := []struct {
		written, canonical string
		side               Side
	}{
		{"leftsubnet", "leftsubnet", Left},
		{"RIGHTSUBNET", "rightsubnet", Right},
		{"left", "left", Left},
		{"subnet", "rightsubnet", Right},
		{"espenckey", "espenckey", NoSide},
		{"espauthkey", "espauthkey", NoSide},
		{"ahkey", "ahkey", NoSide},
		{"leftespenckey", "leftespenckey", Left},
		{"rightespauthkey", "rightespauthkey", Right},
		{"leftahkey", "leftahkey", Left},
		{"rightespspi", "rightespspi", Right},
		{"auto", "auto", NoSide},
		{"keylife", "keylife", NoSide},
	}
	for _, tc := range tests {
		k, side, canonical := LookupKeyword(tc.written)
		if k == nil || canonical != tc.canonical || side != tc.side {
			t.Errorf("LookupKeyword(%q) = %v, %v, %q; want %q side %v", tc.written, k != nil, side, canonical, tc.canonical, tc.side)
		}
	}
	for _, bad := range []string{"left-subnet", "lefftsubnet", "", "leftleft"} {
		if k, _, _ := LookupKeyword(bad); k != nil {
			t.Errorf("LookupKeyword(%q) found %q, want nothing", bad, k.Name)
		}
	}
}

// TestKeywordTableConsistent checks the table's own invariants.
func TestKeywordTableConsistent(t *testing.T) {
	for _, k := range keywordTable {
		if k.MapTo != "" && lookupCanonical(k.MapTo) == nil {
			t.Errorf("keyword %q maps to unknown %q", k.Name, k.MapTo)
		}
		if (k.Type == TypeEnum || k.Type == TypeEnumList) && len(k.Values) == 0 {
			t.Errorf("enum keyword %q has no values", k.Name)
		}
		if k.LeftRight && k.Name != "left" && len(k.Name) < 5 {
			t.Errorf("left/right keyword %q has no left prefix", k.Name)
		}
	}
}
