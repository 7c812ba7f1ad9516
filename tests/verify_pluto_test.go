package tests

import (
	"bytes"
	"errors"
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

// runInNetNS runs the built ipsec with args inside ns, with IPSEC_CONFS set,
// and returns stdout, stderr and the exit status.
func runInNetNS(t *testing.T, ns *testenv.NetNS, confs string, args ...string) (string, string, int) {
	t.Helper()
	cmd := ns.Command(append([]string{testenv.Binary(t)}, args...)...)
	cmd.Env = append(os.Environ(), "IPSEC_CONFS="+confs, "NO_COLOR=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out.String(), errb.String(), 0
	case errors.As(err, &ee):
		return out.String(), errb.String(), ee.ExitCode()
	}
	t.Fatalf("running ipsec %s: %v", strings.Join(args, " "), err)
	return "", "", -1
}

// waitUDPPorts waits until sockets are bound to every port in ns.
func waitUDPPorts(ns *testenv.NetNS, limit time.Duration, ports ...int) bool {
	deadline := time.Now().Add(limit)
	for {
		out, _ := ns.Command("cat", "/proc/net/udp", "/proc/net/udp6").Output()
		all := true
		for _, p := range ports {
			all = all && strings.Contains(string(out), fmt.Sprintf(":%04X ", p))
		}
		if all {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// resultOf returns the bracketed result of the verify line labelled label.
func resultOf(report, label string) string {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(label) + ` *\t\[([^\]]*)\]$`)
	if m := re.FindStringSubmatch(report); m != nil {
		return m[1]
	}
	return ""
}

// TestVerifyRealPluto starts Libreswan's pluto in its own network namespace
// with a private run directory: verify must find it running, answering and
// listening on 500 and 4500; once it is stopped, verify must report it
// FAILED and exit 1.
func TestVerifyRealPluto(t *testing.T) {
	p := testenv.StartPluto(t, &testenv.PlutoOptions{Args: []string{"--listen", "127.0.0.1"}})
	// pluto answers whack before it has opened its IKE sockets.
	if !waitUDPPorts(p.NetNS, 5*time.Second, 500, 4500) {
		t.Fatalf("pluto did not open udp 500 and 4500 in 5s; log:\n%s", p.Log())
	}
	args := []string{"verify", "--rundir", p.RunDir, "--config", p.Config}
	out, _, _ := runInNetNS(t, p.NetNS, p.Dir, args...)
	t.Logf("ipsec verify with pluto running:\n%s", out)
	for label, want := range map[string]string{
		"Checking that pluto is running":             "OK",
		" Pluto listening for IKE on udp 500":        "OK",
		" Pluto listening for IKE/NAT-T on udp 4500": "OK",
		"Pluto ipsec.conf syntax":                    "OK",
	} {
		if got := resultOf(out, label); got != want {
			udp, _ := p.NetNS.Command("cat", "/proc/net/udp", "/proc/net/udp6").Output()
			t.Errorf("with pluto running, %q = [%s], want [%s]\n%s\nudp sockets now:\n%s\npluto log:\n%s", label, got, want, out, udp, p.Log())
		}
	}
	if !strings.Contains(out, "control socket "+filepath.Join(p.RunDir, "pluto.ctl")) {
		t.Errorf("detail does not name the control socket:\n%s", out)
	}

	p.Stop(t)
	out, stderr, code := runInNetNS(t, p.NetNS, p.Dir, args...)
	if got := resultOf(out, "Checking that pluto is running"); got != "FAILED" {
		t.Errorf("with pluto stopped, pluto check = [%s], want [FAILED]\n%s", got, out)
	}
	if resultOf(out, " Pluto listening for IKE on udp 500") != "" {
		t.Errorf("port checks shown for a stopped pluto:\n%s", out)
	}
	if code != 1 || !strings.Contains(stderr, "ipsec verify: encountered") {
		t.Errorf("exit status %d, stderr %q; want 1 and the error count", code, stderr)
	}
}
