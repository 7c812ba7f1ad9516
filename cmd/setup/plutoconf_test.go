package setup

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"goswan/cmd/internal/pluto"
	"goswan/conf"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestPlutoConfigGolden: config setup → pluto command line, generated
// Libreswan config and warnings, for Libreswan 4.10 and 5.2.
func TestPlutoConfigGolden(t *testing.T) {
	for _, tc := range []struct {
		name, golden string
		v            pluto.Version
	}{
		{"legacy-setup", "legacy-setup", pluto.V4_10},
		{"legacy-setup", "legacy-setup-5.2", pluto.V5_2},
		{"empty-setup", "empty-setup", pluto.V4_10},
		{"empty-setup", "empty-setup-5.2", pluto.V5_2},
	} {
		name := tc.name
		cfg, err := conf.Load(filepath.Join("testdata", name+".conf"), &conf.Options{})
		if err != nil {
			t.Fatal(err)
		}
		args, text, warns := plutoConfig(&cfg.Setup, tc.v, "/run/pluto", "/etc/ipsec.secrets")
		var b strings.Builder
		fmt.Fprintf(&b, "pluto %s\n\n%s\n", strings.Join(args, " "), text)
		for _, w := range warns {
			fmt.Fprintf(&b, "warning: %s\n", w)
		}
		golden := filepath.Join("testdata", tc.golden+".golden")
		if *update {
			os.WriteFile(golden, []byte(b.String()), 0o644)
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if b.String() != string(want) {
			t.Errorf("%s differs (-update after checking):\n%s", golden, b.String())
		}
	}
}

// TestPlan: which conns start adds, routes, initiates and starts manually.
func TestPlan(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "ipsec.conf")
	os.WriteFile(f, []byte(`config setup
	plutoload="a"
	manualstart=m2

conn a
	left=192.0.2.1
	right=192.0.2.2
conn b
	left=192.0.2.1
	right=192.0.2.2
	auto=add
conn r
	left=192.0.2.1
	right=192.0.2.2
	auto=route
conn s
	left=192.0.2.1
	right=192.0.2.2
	auto=start
conn m1
	left=192.0.2.1
	right=192.0.2.2
	auto=manual
	spi=0x200
conn m2
	left=192.0.2.1
	right=192.0.2.2
	spi=0x300
`), 0o644)
	cfg, err := conf.Load(f, &conf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := makePlan(cfg)
	names := func(cs []*conf.Conn) string {
		var n []string
		for _, c := range cs {
			n = append(n, c.Name)
		}
		return strings.Join(n, " ")
	}
	// plutoload lists a, so auto=add/route are not searched; plutostart
	// is unset (= %search) so auto=start still starts s.
	if got := names(p.add); got != "a s" {
		t.Errorf("add %q, want \"a s\"", got)
	}
	if got := names(p.route); got != "" {
		t.Errorf("route %q, want none", got)
	}
	if got := names(p.initiate); got != "s" {
		t.Errorf("initiate %q, want s", got)
	}
	if got := strings.Join(p.manual, " "); got != "m1 m2" {
		t.Errorf("manual %q, want \"m1 m2\"", got)
	}
}
