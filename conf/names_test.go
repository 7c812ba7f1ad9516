package conf

import (
	"fmt"
	"testing"

	"goswan/conf/token"
)

// TestConnIndex checks the first definition of a name wins, through the
// table's growth, and that names not added are not found.
func TestConnIndex(t *testing.T) {
	p := &parser{src: &source{}}
	x := newConnIndex(p.src, 1) // grows many times
	for round := 0; round < 2; round++ {
		for i := 0; i < 1000; i++ {
			s := p.newSection(KindConn, fmt.Sprintf("c%d", i), token.Position{Line: round*1000 + i + 1})
			if first := x.add(s); first.Name != s.Name || first.Pos.Line != i+1 {
				t.Fatalf("round %d: add(%q) = %q at line %d, want the first definition", round, s.Name, first.Name, first.Pos.Line)
			}
		}
	}
	if x.n != 1000 {
		t.Errorf("%d names, want 1000", x.n)
	}
	for i := 0; i < 1000; i++ {
		if s := x.get(fmt.Sprintf("c%d", i)); s == nil || s.Pos.Line != i+1 {
			t.Fatalf("get(c%d) = %v", i, s)
		}
	}
	if s := x.get("c1000"); s != nil {
		t.Errorf("get(c1000) = %q, want nil", s.Name)
	}
}
