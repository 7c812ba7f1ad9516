package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"goswan/tests/testenv"
)

// manualKeyMarker makes up every key in these tests; it must never show.
const manualKeyMarker = "5ec7"

// manualNetns sets up two namespaces joined by veth (192.0.2.1 in a,
// 192.0.2.2 in b), a config dir with conf, and returns a function running
// `ip netns exec NS ipsec manual ARGS` that gives stdout+stderr and the
// exit status.
func manualNetns(t *testing.T, conf string) (a, b, dir string, run func(ns string, args ...string) (string, int)) {
	t.Helper()
	bin := testenv.Binary(t)
	a, b = testenv.Netns(t, "mana"), testenv.Netns(t, "manb")
	testenv.VethPair(t, a, "192.0.2.1/24", b, "192.0.2.2/24")
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ipsec.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	run = func(ns string, args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command("ip", append([]string{"netns", "exec", ns, bin, "manual", "--config", filepath.Join(dir, "ipsec.conf")}, args...)...)
		cmd.Env = append(os.Environ(), "IPSEC_CONFS="+dir, "IPSEC_EXECDIR="+dir)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("running ipsec manual: %v", err)
		}
		if strings.Contains(strings.ToLower(string(out)), manualKeyMarker) {
			t.Errorf("key material in ipsec manual output:\n%s", out)
		}
		return string(out), code
	}
	return a, b, dir, run
}

// updownLog is an updown script that appends PLUTO_VERB and a few
// variables to a log, and fails on the verb named by FAIL_VERB.
const updownLog = `#!/bin/sh
echo "$PLUTO_VERB me=$PLUTO_ME peer=$PLUTO_PEER if=$PLUTO_INTERFACE hop=$PLUTO_NEXT_HOP my=$PLUTO_MY_CLIENT_NET/$PLUTO_MY_CLIENT_MASK peer_client=$PLUTO_PEER_CLIENT conn=$PLUTO_CONNECTION" >> "$UPDOWN_LOG"
[ "$PLUTO_VERB" != "$FAIL_VERB" ]
`

func writeUpdown(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "updown")
	if err := os.WriteFile(p, []byte(updownLog), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestManualNetnsPolicies brings a passthrough conn (policies only, which
// every kernel here can hold) up and down in each namespace, checks the
// kernel's policies with ip xfrm and the updown calls.
func TestManualNetnsPolicies(t *testing.T) {
	dir0 := t.TempDir()
	updown := writeUpdown(t, dir0)
	logFile := filepath.Join(dir0, "log")
	conf := `conn pass
	left=192.0.2.1
	right=192.0.2.2
	leftsubnet=10.0.1.0/24
	rightsubnet=10.0.2.0/24
	type=passthrough
	auto=manual
	leftupdown="UPDOWN_LOG=` + logFile + ` ` + updown + `"
	rightupdown="UPDOWN_LOG=` + logFile + ` ` + updown + `"
`
	a, b, _, run := manualNetns(t, conf)
	for _, ns := range []string{a, b} {
		if out, code := run(ns, "--up", "pass"); code != 0 {
			t.Fatalf("--up in %s: exit %d\n%s", ns, code, out)
		}
	}
	// A second --up fails without touching what the first installed.
	if out, code := run(a, "--up", "pass"); code != 1 || !strings.Contains(out, `conn "pass" already up`) {
		t.Errorf("second --up: exit %d\n%s", code, out)
	}
	pa := testenv.IP(t, a, "xfrm", "policy")
	if !strings.Contains(pa, "src 10.0.1.0/24 dst 10.0.2.0/24 \n\tdir out priority 1040") ||
		!strings.Contains(pa, "src 10.0.2.0/24 dst 10.0.1.0/24 \n\tdir fwd priority 1040") {
		t.Errorf("ns a policies:\n%s", pa)
	}
	pb := testenv.IP(t, b, "xfrm", "policy")
	if !strings.Contains(pb, "src 10.0.2.0/24 dst 10.0.1.0/24 \n\tdir out priority 1040") {
		t.Errorf("ns b policies (right end's out policy missing):\n%s", pb)
	}
	for _, ns := range []string{a, b} {
		if out, code := run(ns, "--down", "pass"); code != 0 {
			t.Fatalf("--down in %s: exit %d\n%s", ns, code, out)
		}
		if out := testenv.IP(t, ns, "xfrm", "policy"); strings.TrimSpace(out) != "" {
			t.Errorf("policies left in %s after --down:\n%s", ns, out)
		}
	}
	log, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	want := `prepare-client me=192.0.2.1 peer=192.0.2.2 if=va hop=192.0.2.2 my=10.0.1.0/255.255.255.0 peer_client=10.0.2.0/24 conn=pass
route-client me=192.0.2.1 peer=192.0.2.2 if=va hop=192.0.2.2 my=10.0.1.0/255.255.255.0 peer_client=10.0.2.0/24 conn=pass
up-client me=192.0.2.1 peer=192.0.2.2 if=va hop=192.0.2.2 my=10.0.1.0/255.255.255.0 peer_client=10.0.2.0/24 conn=pass
prepare-client me=192.0.2.2 peer=192.0.2.1 if=vb hop=192.0.2.1 my=10.0.2.0/255.255.255.0 peer_client=10.0.1.0/24 conn=pass
route-client me=192.0.2.2 peer=192.0.2.1 if=vb hop=192.0.2.1 my=10.0.2.0/255.255.255.0 peer_client=10.0.1.0/24 conn=pass
up-client me=192.0.2.2 peer=192.0.2.1 if=vb hop=192.0.2.1 my=10.0.2.0/255.255.255.0 peer_client=10.0.1.0/24 conn=pass
down-client me=192.0.2.1 peer=192.0.2.2 if=va hop=192.0.2.2 my=10.0.1.0/255.255.255.0 peer_client=10.0.2.0/24 conn=pass
down-client me=192.0.2.2 peer=192.0.2.1 if=vb hop=192.0.2.1 my=10.0.2.0/255.255.255.0 peer_client=10.0.1.0/24 conn=pass
`
	if string(log) != want {
		t.Errorf("updown calls:\n%s\nwant:\n%s", log, want)
	}
}

// TestManualNetnsUpdownFailure: when updown's up fails, --up must take
// the conn down again (down verb, policies removed) and exit 1.
func TestManualNetnsUpdownFailure(t *testing.T) {
	dir0 := t.TempDir()
	updown := writeUpdown(t, dir0)
	logFile := filepath.Join(dir0, "log")
	conf := `conn pass
	left=192.0.2.1
	right=192.0.2.2
	type=drop
	leftupdown="FAIL_VERB=up-host UPDOWN_LOG=` + logFile + ` ` + updown + `"
	spi=0x200
`
	a, _, _, run := manualNetns(t, conf)
	out, code := run(a, "--up", "pass")
	if code != 1 || !strings.Contains(out, `PLUTO_VERB=up-host) failed: exit status 1; conn "pass" taken down again`) {
		t.Errorf("--up with failing updown: exit %d\n%s", code, out)
	}
	if p := testenv.IP(t, a, "xfrm", "policy"); strings.TrimSpace(p) != "" {
		t.Errorf("policies left after failed --up:\n%s", p)
	}
	log, _ := os.ReadFile(logFile)
	var verbs []string
	for _, l := range strings.Split(strings.TrimSpace(string(log)), "\n") {
		verbs = append(verbs, strings.Fields(l)[0])
	}
	if got := strings.Join(verbs, " "); got != "prepare-host route-host up-host down-host" {
		t.Errorf("updown verbs = %s", got)
	}
}

// TestManualNetnsESP brings up a real ESP conn. Where the kernel lacks ESP
// (this project's CI hosts; the QEMU test covers a kernel with it) the
// applet must say so, exit 1 and leave nothing installed.
func TestManualNetnsESP(t *testing.T) {
	conf := `conn esp
	left=%defaultroute
	right=192.0.2.2
	leftnexthop=%defaultroute
	type=transport
	spibase=0x200
	esp=aes128-sha2_256
	espenckey=0x` + strings.Repeat(manualKeyMarker, 8) + `
	espauthkey=0x` + strings.Repeat(manualKeyMarker, 16) + `
	leftupdown=%disabled
	rightupdown=%disabled
`
	a, _, _, run := manualNetns(t, conf)
	testenv.IP(t, a, "route", "add", "default", "via", "192.0.2.2")
	out, code := run(a, "--show", "--up", "esp")
	if strings.Contains(out, "kernel lacks ESP") {
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		if !strings.Contains(out, "ipsec manual: kernel lacks ESP: adding SA 192.0.2.2 esp spi 0x00000200") {
			t.Errorf("error does not name the SA:\n%s", out)
		}
		for _, what := range []string{"policy", "state"} {
			if p := testenv.IP(t, a, "xfrm", what); strings.TrimSpace(p) != "" {
				t.Errorf("%s left after failed --up:\n%s", what, p)
			}
		}
		t.Logf("kernel without ESP, as expected here:\n%s", out)
		return
	}
	if code != 0 {
		t.Fatalf("--up: exit %d\n%s", code, out)
	}
	if s := testenv.IP(t, a, "xfrm", "state"); strings.Count(s, "proto esp") != 2 {
		t.Errorf("want 2 ESP SAs:\n%s", s)
	}
	if out, code := run(a, "--down", "esp"); code != 0 {
		t.Fatalf("--down: exit %d\n%s", code, out)
	}
	for _, what := range []string{"policy", "state"} {
		if p := testenv.IP(t, a, "xfrm", what); strings.TrimSpace(p) != "" {
			t.Errorf("%s left after --down:\n%s", what, p)
		}
	}
}

// TestManualNetnsDefaultUpdown: with no leftupdown=, ipsec manual runs
// goswan's own _updown (what pluto's default `ipsec _updown` runs): a peer
// client with no route to it gets one at route time, as Libreswan's
// _updown.xfrm does ("routing is mandatory"). The conn with `ipsec _updown
// --route yes` gets its route although one exists, and --unroute removes it.
func TestManualNetnsDefaultUpdown(t *testing.T) {
	conf := `conn pass
	left=192.0.2.1
	right=192.0.2.2
	leftsubnet=10.0.1.0/24
	rightsubnet=10.0.2.0/24
	type=passthrough
	auto=manual

conn forced
	left=192.0.2.1
	right=192.0.2.2
	leftsubnet=10.0.3.0/24
	rightsubnet=10.0.4.0/24
	type=passthrough
	leftupdown="ipsec _updown --route yes"
	auto=manual
`
	a, _, _, run := manualNetns(t, conf)
	testenv.IP(t, a, "route", "add", "unreachable", "10.0.2.0/24")
	out, code := run(a, "--show", "--up", "pass")
	if code != 0 {
		t.Fatalf("--up: exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "PLUTO_VERB=route-client ipsec _updown") || strings.Contains(out, "no updown script") {
		t.Errorf("--up does not run the default updown:\n%s", out)
	}
	if r := testenv.IP(t, a, "route", "show", "10.0.2.0/24"); !strings.Contains(r, "10.0.2.0/24 dev va scope link") {
		t.Errorf("route after --up = %q, want 10.0.2.0/24 dev va scope link", r)
	}
	for _, op := range []string{"--down", "--unroute"} {
		if out, code := run(a, op, "pass"); code != 0 {
			t.Fatalf("%s: exit %d\n%s", op, code, out)
		}
	}
	// Libreswan's script deletes a route at unroute only when the conn
	// asks for routes (source IP, MTU, --route yes); this one stays there
	// too.
	if r := testenv.IP(t, a, "route", "show", "10.0.2.0/24"); !strings.Contains(r, "10.0.2.0/24 dev va scope link") {
		t.Errorf("route after --unroute = %q, want it kept as Libreswan keeps it", r)
	}

	if out, code := run(a, "--up", "forced"); code != 0 {
		t.Fatalf("--up forced: exit %d\n%s", code, out)
	}
	if r := testenv.IP(t, a, "route", "show", "10.0.4.0/24"); !strings.Contains(r, "10.0.4.0/24 dev va scope link") {
		t.Errorf("route of forced after --up = %q, want 10.0.4.0/24 dev va scope link", r)
	}
	for _, op := range []string{"--down", "--unroute"} {
		if out, code := run(a, op, "forced"); code != 0 {
			t.Fatalf("%s forced: exit %d\n%s", op, code, out)
		}
	}
	if r := testenv.IP(t, a, "route", "show", "10.0.4.0/24"); strings.TrimSpace(r) != "" {
		t.Errorf("route of forced left after --unroute: %q", r)
	}
}
