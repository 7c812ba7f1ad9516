package pluto

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"goswan/conf"
	"goswan/tests/testenv"
)

// autoallLoadsBroken is why a conn that "did not load properly" differs
// under --autoall (measured on 4.10): addconn NAME refuses such a conn,
// but addconn --autoall sends it anyway with the bad keyword left out, so
// pluto gets a conn the admin did not write (bad-subnet without its
// leftsubnet= is host to host; conflict keeps one of two subnets).
const autoallLoadsBroken = "intended: bad values are errors, not silent defaults; Libreswan 4.10's addconn NAME refuses this conn, " +
	"but its --autoall loads it with the bad keyword dropped"

// libreswanRejectsFile is why the good conns of a file with a mistake that
// Libreswan 4.10's parser treats as fatal for the whole file differ.
const libreswanRejectsFile = "intended: errors belong to the conn; Libreswan 4.10 refuses the whole file for one conn's unknown keyword " +
	"(syntax error) or invalid enum value (exit 1), goswan loads every other conn"

// mixedDifferences are the intended differences of the mixed configs, by
// file, mode and conn, with the reason.
var mixedDifferences = map[string]string{
	"site.conf:autoall:net-a": "intended: a name defined twice is its first definition everywhere in goswan (with a warning naming both); " +
		"Libreswan 4.10's addconn NAME loads the first too, but its --autoall sends both and pluto keeps the last",
	"site.conf:autoall:bad-subnet":               autoallLoadsBroken,
	"site.conf:autoall:bad-sourceip":             autoallLoadsBroken,
	"site.conf:autoall:conflict":                 autoallLoadsBroken,
	"fragments.conf:autoall:tunnel-bad":          autoallLoadsBroken,
	"libreswan-rejects-file.conf:names:good-1":   libreswanRejectsFile,
	"libreswan-rejects-file.conf:names:good-2":   libreswanRejectsFile,
	"libreswan-rejects-file.conf:autoall:good-1": libreswanRejectsFile,
	"libreswan-rejects-file.conf:autoall:good-2": libreswanRejectsFile,
}

// TestDifferentialMixedConfigs loads files that mix good conns with
// broken, duplicated and dangling ones (testdata/mixed) twice: by name
// (`ipsec auto --add NAMES` beside Libreswan 4.10's `addconn NAMES`) and
// all at once (`ipsec auto --addall` beside `addconn --autoall`), each
// side into its own pluto, and compares `whack --status` conn by conn.
// Every good conn must match; every conn goswan reports as unusable must
// be one that Libreswan does not load either; ipsec auto must exit 1 and
// name each skipped conn.
func TestDifferentialMixedConfigs(t *testing.T) {
	testenv.MustBeRoot(t)
	files, _ := filepath.Glob(filepath.Join("testdata", "mixed", "*.conf"))
	if len(files) == 0 {
		t.Fatal("no testdata/mixed/*.conf")
	}
	bin := testenv.Binary(t)
	ours, theirs := diffPluto(t, nil), diffPluto(t, nil)
	execdir := filepath.Dir(ours.Libreswan.Whack)
	var good, skipped, expected int
	for _, f := range files {
		abs, _ := filepath.Abs(f)
		cfg, err := conf.Load(abs, &conf.Options{})
		if err != nil {
			t.Fatalf("%s: file error: %v", f, err)
		}
		if cfg.Err() == nil {
			t.Errorf("%s: nothing is broken; a mixed config needs unusable conns", f)
		}
		wrapper := filepath.Join(theirs.Dir, "wrapper.conf")
		if err := os.WriteFile(wrapper, withoutDNSSEC(t, abs), 0o644); err != nil {
			t.Fatal(err)
		}
		// By name: every conn that would be added, and every broken one.
		var names []string
		for _, c := range cfg.Conns {
			if c.Err != nil || AutoAdd(c) {
				names = append(names, c.Name)
			}
		}
		for _, mode := range []string{"names", "autoall"} {
			oursArgs := []string{bin, "auto", "--config", abs, "--ctlsocket", ours.Ctl, "--execdir", execdir}
			theirsArgs := []string{theirs.Libreswan.Addconn, "--config", wrapper, "--ctlsocket", theirs.Ctl}
			if mode == "names" {
				oursArgs = append(append(oursArgs, "--add"), names...)
				theirsArgs = append(theirsArgs, names...)
			} else {
				oursArgs = append(oursArgs, "--addall")
				theirsArgs = append(theirsArgs, "--autoall")
			}
			out, err := ours.NetNS.Command(oursArgs...).CombinedOutput()
			if code := exitCode(err); code != 1 {
				t.Errorf("%s: ipsec auto (%s): exit %d, want 1 (conns were skipped)\n%s", f, mode, code, out)
			}
			for _, c := range cfg.Unusable() {
				if !strings.Contains(string(out), abs+":") || !strings.Contains(string(out), `"`+c.Name+`"`) {
					t.Errorf("%s: ipsec auto (%s) does not report conn %q:\n%s", f, mode, c.Name, out)
				}
			}
			theirOut, err := theirs.NetNS.Command(theirsArgs...).CombinedOutput()
			if err != nil {
				t.Logf("%s: addconn (%s): %v\n%s", f, mode, err, theirOut)
			}
			so, st := ours.MustWhack(t, "--status"), theirs.MustWhack(t, "--status")
			seen := map[string]bool{}
			var all []string
			for _, c := range cfg.Conns {
				if !seen[c.Name] {
					seen[c.Name] = true
					all = append(all, c.Name)
				}
			}
			sort.Strings(all)
			for _, n := range all {
				a, b := statusLines(so, n), statusLines(st, n)
				c := cfg.Conn(n)
				key := filepath.Base(f) + ":" + mode + ":" + n
				same := strings.Join(a, "\n") == strings.Join(b, "\n")
				switch {
				case c.Err != nil && len(a) > 0:
					t.Errorf("%s: unusable conn reached pluto:\n%s", key, strings.Join(a, "\n"))
				case c.Err != nil && len(b) > 0:
					if why, ok := mixedDifferences[key]; ok {
						expected++
						t.Logf("%s differs as expected: %s", key, why)
						continue
					}
					t.Errorf("%s: goswan refuses the conn (%v) but Libreswan loads it:\n%s", key, c.Err, strings.Join(b, "\n"))
				case c.Err != nil:
					skipped++
					if why, ok := mixedDifferences[key]; ok {
						t.Errorf("%s is listed as differing (%s) but both refuse it", key, why)
					}
				case !same:
					if why, ok := mixedDifferences[key]; ok {
						expected++
						t.Logf("%s differs as expected: %s", key, why)
						continue
					}
					t.Errorf("%s: status differs\n--- addconn\n%s\n+++ goswan\n%s", key, strings.Join(b, "\n"), strings.Join(a, "\n"))
				case len(a) > 0:
					good++
					if why, ok := mixedDifferences[key]; ok {
						t.Errorf("%s is listed as differing (%s) but is identical", key, why)
					}
				}
			}
			for _, n := range all {
				ours.Whack("--name", n, "--delete")
				theirs.Whack("--name", n, "--delete")
			}
		}
	}
	t.Logf("%d files, 2 modes: %d good conns identical to addconn's, %d unusable conns refused by both, %d listed differences",
		len(files), good, skipped, expected)
	if good == 0 || skipped == 0 {
		t.Errorf("nothing compared")
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}
