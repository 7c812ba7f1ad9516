package pluto

import (
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"goswan/conf"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixedEnv answers %defaultroute and %eth0 the way the differential test's
// namespace is set up.
var fixedEnv = &Env{
	DefaultRoute: func(bool) (Route, error) {
		return Route{Addr: netip.MustParseAddr("192.0.2.2"), Gateway: netip.MustParseAddr("192.0.2.1")}, nil
	},
	IfaceAddr: func(name string, _ bool) (netip.Addr, error) {
		if name == "eth0" {
			return netip.MustParseAddr("192.0.2.2"), nil
		}
		return netip.Addr{}, fmt.Errorf("no interface %s", name)
	},
	// The namespace has no DNS server: every lookup fails at once.
	LookupHost: func(name string) ([]netip.Addr, error) {
		return nil, fmt.Errorf("lookup %s: no DNS", name)
	},
}

// readCorpus loads a conn file with the conf engine.
func readCorpus(t testing.TB, path string) []*conf.Conn {
	t.Helper()
	conns, err := loadCorpus(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return conns
}

// loadCorpus returns the conns of a file and the engine's file-level
// errors (the conns that did load are still returned).
func loadCorpus(path string) ([]*conf.Conn, error) {
	cfg, err := conf.Load(path, &conf.Options{})
	if cfg == nil {
		return nil, err
	}
	return cfg.Conns, err
}

// render is the golden form of a translation.
func render(c *conf.Conn, tr *Translation, err error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "conn %s\n", c.Name)
	if err != nil {
		fmt.Fprintf(&b, "\terror: %v\n", err)
		return b.String()
	}
	for _, a := range tr.Conns {
		fmt.Fprintf(&b, "\twhack %s\n", Quote(a))
	}
	for _, a := range tr.Keys {
		fmt.Fprintf(&b, "\twhack %s\n", Quote(a))
	}
	if w := tr.Warning(); w != "" {
		fmt.Fprintf(&b, "\twarning: %s\n", w)
	}
	return b.String()
}

func TestTranslateGolden(t *testing.T) {
	for _, name := range []string{"corpus", "legacy", "errors"} {
		t.Run(name, func(t *testing.T) {
			conns, err := loadCorpus(filepath.Join("testdata", name+".conf"))
			var b strings.Builder
			if err != nil {
				// The conf engine's own diagnostics are part of the
				// golden: they must stay positioned.
				fmt.Fprintf(&b, "load errors:\n%v\n\n", err)
			}
			for _, c := range conns {
				tr, err := Translate(c, fixedEnv)
				b.WriteString(render(c, tr, err))
				b.WriteString("\n")
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got := b.String(); got != string(want) {
				t.Errorf("translation differs from %s (run with -update after checking):\n%s", golden, diffLines(string(want), got))
			}
		})
	}
}

// diffLines shows the first differing lines, enough to find the change.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	n := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n-%s\n+%s\n", i+1, wl, gl)
			if n++; n > 10 {
				break
			}
		}
	}
	return b.String()
}

// TestTranslateEveryKeyword checks that the corpus sets every conn keyword
// the translator knows, so the golden file covers each mapping.
func TestTranslateNothingSilent(t *testing.T) {
	// A keyword the translator has never heard of must be reported, not
	// dropped.
	var c conf.Conn
	c.Name = "x"
	c.Set(conf.Value{Keyword: "left", Raw: "192.0.2.1"})
	c.Set(conf.Value{Keyword: "right", Raw: "192.0.2.2"})
	c.Set(conf.Value{Keyword: "brand-new-keyword", Raw: "1"})
	tr, err := Translate(&c, fixedEnv)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tr.Warning(), "brand-new-keyword") {
		t.Fatalf("unknown keyword dropped silently: %q", tr.Warning())
	}
}
