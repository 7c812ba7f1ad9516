package pluto

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"goswan/conf"
	"goswan/tests/testenv"
)

// knownDifferences are conns whose `whack --status` cannot match addconn's
// through whack's command line, with the reason (measured on 4.10).
var knownDifferences = map[string]string{
	"ex4-pass":      "--client on a shunt conn sets TUNNEL; the CLI cannot clear it",
	"anyclient":     "%any end needs --client 0.0.0.0/32 (conn_prio 16,32 instead of 16,0)",
	"rw-modecfg":    "%any end needs --client 0.0.0.0/32 (conn_prio 16,32 instead of 16,0)",
	"unexpressed":   "send-vendorid, ppk, ignore-peer-dns, connalias, tcp-remoteport have no usable whack option (warned)",
	"keep":          "auto=keep's UP bit has no whack option (warned)",
	"subnets":       "addconn gives NAME/LxR the alias NAME; --connalias aborts whack",
	"subnets-both":  "addconn gives NAME/LxR the alias NAME; --connalias aborts whack",
	"forceencaps":   "intended: goswan honours Openswan's forceencaps=yes as encapsulation=yes; Libreswan 4.10 ignores it",
	"opportunistic": "whack refuses authby=null with %opportunisticgroup (only Digital Signatures); addconn loads it",
}

// statusLines returns pluto's status lines about conn name (and its
// NAME/LxR instances), minus the serial numbers that differ between any
// two loads.
func statusLines(status, name string) []string {
	var out []string
	prefix1, prefix2 := `000 "`+name+`"`, `000 "`+name+`/`
	for _, l := range strings.Split(status, "\n") {
		if !strings.HasPrefix(l, prefix1) && !strings.HasPrefix(l, prefix2) {
			continue
		}
		if strings.Contains(l, "conn serial:") {
			continue
		}
		out = append(out, l)
	}
	return out
}

var keyDate = regexp.MustCompile(`^000 \w{3} \d+ [\d:]+ \d{4}, `)

// pubkeyLines is --listpubkeys without the load time.
func pubkeyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		out = append(out, keyDate.ReplaceAllString(l, "000 "))
	}
	return out
}

// diffPluto makes a pluto for the differential test: its own namespace
// with 192.0.2.2 on eth0 and a default route via 192.0.2.1,
// which is what fixedEnv answers for %defaultroute.
func diffPluto(t *testing.T) *testenv.Pluto {
	ns := testenv.NewNetNS(t, "gsd")
	// No dummy driver on the test kernel: a veth pair with both ends
	// inside the namespace does the same.
	ns.MustIP(t, "link", "add", "eth0", "type", "veth", "peer", "name", "eth1")
	ns.AddAddr(t, "eth0", "192.0.2.2/24")
	ns.MustIP(t, "link", "set", "eth0", "up")
	ns.MustIP(t, "link", "set", "eth1", "up")
	ns.MustIP(t, "route", "add", "default", "via", "192.0.2.1")
	return testenv.StartPluto(t, &testenv.PlutoOptions{NetNS: ns})
}

// TestDifferentialStatus loads every conn of the corpus once through our
// whack command lines and once through Libreswan's addconn, each into its
// own pluto, and compares `whack --status` for that conn.
func TestDifferentialStatus(t *testing.T) {
	testenv.MustBeRoot(t)
	conns := readCorpus(t, filepath.Join("testdata", "corpus.conf"))
	// This corpus is deliberately made of edge cases (one keyword family
	// per conn, including every known difference), so its identical rate
	// is lower than a real configuration's; every unlisted difference
	// fails the test regardless.
	runDifferential(t, "testdata/corpus.conf", conns, 0.85)
}

// runDifferential loads conns (all from file) into two plutos and compares.
func runDifferential(t *testing.T, file string, conns []*conf.Conn, target float64) {
	ours, theirs := diffPluto(t), diffPluto(t)
	abs, _ := filepath.Abs(file)
	cfg := filepath.Join(theirs.Dir, "addconn.conf")
	if err := os.WriteFile(cfg, []byte(testenv.DefaultPlutoConfig+"include "+abs+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range conns {
		tr, err := Translate(c, fixedEnv)
		if err != nil {
			t.Errorf("conn %s: %v", c.Name, err)
			continue
		}
		for _, a := range append(tr.Conns, tr.Keys...) {
			// A refusal shows up as missing status lines below,
			// where the listed differences are allowed for.
			if out, err := ours.Whack(a...); err != nil {
				t.Logf("conn %s: %v\n%s", c.Name, err, out)
			}
		}
		names = append(names, c.Name)
	}
	// addconn resolves %defaultroute itself, so it runs in the namespace.
	args := append([]string{theirs.Libreswan.Addconn, "--config", cfg, "--ctlsocket", theirs.Ctl}, names...)
	start := time.Now()
	out, err := theirs.NetNS.Command(args...).CombinedOutput()
	t.Logf("addconn took %v", time.Since(start))
	if err != nil {
		t.Logf("addconn: %v\n%s", err, out)
	}
	so, st := ours.MustWhack(t, "--status"), theirs.MustWhack(t, "--status")
	same, differ := 0, 0
	sort.Strings(names)
	for _, n := range names {
		a, b := statusLines(so, n), statusLines(st, n)
		if strings.Join(a, "\n") == strings.Join(b, "\n") {
			if len(a) == 0 {
				// Both refused it (e.g. ipsec-interface on a kernel
				// without XFRM interfaces); the errors were logged.
				t.Logf("conn %s: refused by both", n)
			}
			same++
			if why, ok := knownDifferences[n]; ok {
				t.Logf("conn %s is listed as differing (%s) but is identical now", n, why)
			}
			continue
		}
		differ++
		if why, ok := knownDifferences[n]; ok {
			t.Logf("conn %s differs as expected: %s", n, why)
			continue
		}
		t.Errorf("conn %s: status differs\n--- addconn\n%s\n+++ goswan\n%s", n, strings.Join(b, "\n"), strings.Join(a, "\n"))
	}
	ko, kt := ours.MustWhack(t, "--listpubkeys"), theirs.MustWhack(t, "--listpubkeys")
	if strings.Join(pubkeyLines(ko), "\n") != strings.Join(pubkeyLines(kt), "\n") {
		t.Errorf("--listpubkeys differs\n--- addconn\n%s\n+++ goswan\n%s", kt, ko)
	}
	rate := float64(same) / float64(same+differ)
	t.Logf("%d conns: %d identical, %d differ (%.1f%% identical)", same+differ, same, differ, 100*rate)
	if rate < target {
		t.Errorf("only %.1f%% identical, target %.0f%%", 100*rate, 100*target)
	}
	_ = exec.Command
}
