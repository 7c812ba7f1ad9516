package tests

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"goswan/tests/testenv"
)

// siteChecks are the checks testdata/site/run.sh prints as "SITE: NAME:
// ok"; each must be there. The sibling pieces a check needs are named so
// that a failure says what is missing.
var siteChecks = []struct{ name, needs string }{
	{"broken conn reported at its position", "per-conn errors (branch perconn)"},
	{"setup start exits non-zero for the skipped conn", "per-conn errors (branch perconn)"},
	{"office-a (auto=start) established", "per-conn errors (branch perconn): one bad conn must not keep the others out"},
	{"office-c (auto=start) established", "per-conn errors (branch perconn)"},
	{"office-b (auto=route) routed, not yet up", ""},
	{"office-b prospective route installed", "per-conn errors (branch perconn), and ipsec _updown answering pluto's route-client"},
	{"west route office-a with source", "ipsec _updown (route-client with leftsourceip)"},
	{"east route office-a with source", "ipsec _updown"},
	{"west source address office-a", "ipsec _updown (addsource)"},
	{"east source address office-a", "ipsec _updown (addsource)"},
	{"west route office-b with source", "ipsec _updown"},
	{"east route office-b with source", "ipsec _updown"},
	{"west source address office-b", "ipsec _updown"},
	{"east source address office-b", "ipsec _updown"},
	{"west route office-c with source", "ipsec _updown"},
	{"east route office-c with source", "ipsec _updown"},
	{"west source address office-c", "ipsec _updown"},
	{"east source address office-c", "ipsec _updown"},
	{"no route for the second twice or broken", ""},
	{"ping office-a", ""},
	{"ping office-c", ""},
	{"office-b up on traffic", ""},
	{"ping office-b", ""},
	{"ESP SAs in the kernel", ""},
	{"no updown failure in /var/log/pluto.log", "ipsec _updown"},
	{"no updown failure in /var/log/pluto-east.log", "ipsec _updown"},
	{"ipsec status", "front-end verbs (branch frontend)"},
	{"ipsec trafficstatus", "front-end verbs (branch frontend)"},
	{"ipsec whack --trafficstatus", "front-end verbs (branch frontend)"},
	{"ipsec verify", ""},
	{"ipsec barf", ""},
	{"ipsec look", ""},
	{"pw clean after stop", "ipsec _updown (unroute-client, delsource)"},
	{"pe clean after stop", "ipsec _updown (unroute-client, delsource)"},
}

// TestSiteVM is issue 13's site test. In the QEMU VM with a kernel that
// has ESP, goswan installed by `make install` is the `ipsec` first on
// PATH, Libreswan 4.10's programs are where its package puts them
// (/usr/sbin/ipsec, /usr/libexec/ipsec/*), and the updown is the default
// one (`ipsec _updown`, found by pluto through PATH, so goswan's). A
// FreeS/WAN-era configuration (testdata/site: version 2, %default, also=
// fragments, include) with three tunnels, a conn with a bad value and a
// name defined twice goes through `ipsec setup start`; the tunnels come up
// (auto=start, and auto=route on traffic), pings cross, updown's routes and
// source addresses are there and pluto's log has no updown failure; the
// site's everyday commands work; `ipsec setup stop` leaves nothing of ours.
func TestSiteVM(t *testing.T) {
	if testing.Short() && !testenv.Strict() {
		t.Skip("skipping: the QEMU test boots a VM (a few minutes) and -short was given")
	}
	testenv.MustBeRoot(t)
	ls := testenv.MustHaveLibreswanVersion(t, "4.10")
	certutil := testenv.MustHaveCommand(t, "certutil")
	testenv.MustHaveCommand(t, "ldd")
	testenv.MustHaveCommand(t, "make")
	dir := filepath.Join(t.TempDir(), "t")
	root := filepath.Join(dir, "root")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}

	// goswan, installed as a site installs it.
	install := exec.Command("make", "install", "DESTDIR="+root, "PREFIX=/usr/local", "BIN="+filepath.Join(dir, "build", "ipsec"))
	install.Dir = testenv.ModuleRoot()
	install.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(root, "usr/local/sbin/ipsec")); err != nil {
		t.Fatalf("make install did not install /usr/local/sbin/ipsec: %v", err)
	}

	// Libreswan 4.10 as its package installs it: the front end, every
	// program of its directory, and the libraries they load.
	progs := []string{ls.Ipsec}
	entries, err := os.ReadDir(ls.ExecDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		progs = append(progs, filepath.Join(ls.ExecDir, e.Name()))
	}
	testenv.CopyWithLibs(t, root, append(progs, testenv.HostNSSModules(t, root)...)...)

	// The site's configuration, and an NSS database per gateway (the VM
	// has no certutil).
	if err := os.CopyFS(root, os.DirFS(filepath.Join("testdata", "site"))); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(root, "run.sh"))
	for _, nss := range []string{"var/lib/ipsec/nss", "etc/east/nss"} {
		p := filepath.Join(root, nss)
		os.MkdirAll(p, 0o700)
		if out, err := exec.Command(certutil, "-N", "-d", "sql:"+p, "--empty-password").CombinedOutput(); err != nil {
			t.Fatalf("certutil: %v\n%s", err, out)
		}
	}
	tunnels, err := os.ReadFile(filepath.Join("testdata", "site", "etc", "ipsec.d", "tunnels.conf"))
	if err != nil {
		t.Fatal(err)
	}
	broken := 0
	for i, l := range strings.Split(string(tunnels), "\n") {
		if strings.Contains(l, "203.0.113.300") {
			broken = i + 1
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "site.env"), []byte(fmt.Sprintf("BROKEN_LINE=%d\n", broken)), 0o644); err != nil {
		t.Fatal(err)
	}
	runSh, err := os.ReadFile(filepath.Join("testdata", "site", "run.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "run.sh"), runSh, 0o755); err != nil {
		t.Fatal(err)
	}

	log, vmErr := testenv.RunVMTimeout(t, dir, 540*time.Second)
	if bytes.Contains(log, []byte("site-test-0123456789")) {
		t.Errorf("the PSK appears on the VM console")
	}
	for _, c := range siteChecks {
		if bytes.Contains(log, []byte("SITE: "+c.name+": ok")) {
			continue
		}
		why := "not reported (the VM did not get there)"
		if m := regexp.MustCompile(`(?m)^SITE: ` + regexp.QuoteMeta(c.name) + `: FAIL(.*)$`).FindSubmatch(log); m != nil {
			why = "failed:" + string(m[1])
		}
		if c.needs != "" {
			why += "; needs " + c.needs
		}
		t.Errorf("%s: %s", c.name, why)
	}
	if bytes.Contains(log, []byte("unknown IPsec command")) {
		t.Errorf("an ipsec command was unknown to goswan's front end (front-end verbs, branch frontend):\n%s", grepLines(log, "unknown IPsec command"))
	}
	if vmErr != nil || t.Failed() || testing.Verbose() {
		t.Logf("esp-vm.sh: %v; console:\n%s", vmErr, consoleTail(log))
	}
	if vmErr != nil && !t.Failed() {
		t.Errorf("esp-vm.sh: %v", vmErr)
	}
}

func grepLines(b []byte, s string) string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
