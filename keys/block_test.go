package keys

import (
	"bytes"
	"math/big"
	"strings"
	"testing"
)

func TestSecretsEntryGolden(t *testing.T) {
	for _, name := range []string{"west", "fs1024e3"} {
		t.Run(name, func(t *testing.T) {
			k := loadKey(t, name+".pem")
			got, err := SecretsEntry(k, k.N.BitLen(), "west.example.com", "", fixedTime)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name+".secrets", got)
		})
	}
}

func TestBlockLayout(t *testing.T) {
	k := loadKey(t, "west.pem")
	b, err := SecretsEntry(k, 2048, "h", "@west", fixedTime)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if lines[0] != "@west : RSA\t{" {
		t.Errorf("first line %q, want %q", lines[0], "@west : RSA\t{")
	}
	if lines[len(lines)-2] != "\t}" || lines[len(lines)-1] != `# do not change the indenting of that "}"` {
		t.Errorf("block ends %q, want TAB } and the reminder", lines[len(lines)-2:])
	}
	for _, l := range lines[1 : len(lines)-1] {
		if !strings.HasPrefix(l, "\t") {
			t.Errorf("line %q does not start with a TAB", l)
		}
	}
	if !bytes.Contains(b, []byte("\t# RSA 2048 bits   h   Mon Nov 23 02:37:12 2026\n")) {
		t.Errorf("header missing or misformatted:\n%s", b)
	}
	// p > q as FreeS/WAN wrote them.
	var p, q *big.Int
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) == 2 && (f[0] == "Prime1:" || f[0] == "Prime2:") {
			n, ok := new(big.Int).SetString(strings.TrimPrefix(f[1], "0x"), 16)
			if !ok || len(strings.TrimPrefix(f[1], "0x"))%2 != 0 {
				t.Fatalf("bad number %q", f[1])
			}
			if f[0] == "Prime1:" {
				p = n
			} else {
				q = n
			}
		}
	}
	if p == nil || q == nil || p.Cmp(q) <= 0 {
		t.Errorf("Prime1 must be the larger prime")
	}
}
