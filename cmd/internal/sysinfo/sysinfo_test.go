package sysinfo

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"goswan/tests/testenv"
)

func TestLookPathMissing(t *testing.T) {
	_, err := Real().LookPath("no-such-program-goswan")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("LookPath(missing) = %v, want ErrNotFound", err)
	}
	if _, err := Real().Run(context.Background(), "no-such-program-goswan"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Run(missing) = %v, want ErrNotFound", err)
	}
}

// TestXFRMProbeAgreesWithIP: the ESP and AH answers of the probe are the
// kernel's own, as iproute2 gets them adding the same SAs in a namespace of
// its own; and the probe leaves the namespace it runs in as it was.
func TestXFRMProbeAgreesWithIP(t *testing.T) {
	testenv.MustBeRoot(t)
	ns := testenv.NewNetNS(t, "gsprobe")
	before := Real().XFRM(context.Background())
	if before.Err != nil {
		t.Fatalf("XFRM netlink dump failed as root: %v", before.Err)
	}
	for _, tc := range []struct {
		proto string
		got   Support
		args  []string
	}{
		{"esp", before.ESP, []string{"enc", "cbc(aes)", "0x00000000000000000000000000000000"}},
		{"ah", before.AH, []string{"auth", "hmac(sha1)", "0x0000000000000000000000000000000000000000"}},
	} {
		args := append([]string{"-n", ns.Name, "xfrm", "state", "add", "src", "192.0.2.1", "dst", "192.0.2.2",
			"proto", tc.proto, "spi", "0x100", "mode", "transport"}, tc.args...)
		out, err := exec.Command("ip", args...).CombinedOutput()
		ipOK := err == nil
		if !tc.got.Known {
			t.Errorf("%s probe did not run: %v", tc.proto, tc.got.Err)
			continue
		}
		if tc.got.OK != ipOK {
			t.Errorf("%s: probe says usable=%v (%v), ip xfrm state add says %v (%s)",
				tc.proto, tc.got.OK, tc.got.Err, ipOK, strings.TrimSpace(string(out)))
		}
		t.Logf("%s usable: %v (%v)", tc.proto, tc.got.OK, tc.got.Err)
	}
	// The probe changes nothing where it runs: verify (which probes) in a
	// clean namespace leaves it without SAs or policies.
	if out, err := ns.Command(testenv.Binary(t), "verify", "--json").CombinedOutput(); !strings.Contains(string(out), "XFRM present") {
		t.Fatalf("ipsec verify in %s: %v\n%s", ns.Name, err, out)
	}
	for _, obj := range []string{"state", "policy"} {
		if out := ns.MustIP(t, "xfrm", obj); strings.TrimSpace(out) != "" {
			t.Errorf("after verify, ip xfrm %s in its namespace shows:\n%s", obj, out)
		}
	}
}

// TestFakeStaleSocket: a closed listener leaves a socket file that refuses
// connections, as a dead pluto does.
func TestFakeStaleSocket(t *testing.T) {
	f := &Fake{Root: t.TempDir()}
	l, err := f.Listen("/run/pluto/pluto.ctl")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		if c, err := l.Accept(); err == nil {
			c.Close()
		}
	}()
	if err := f.DialControl(context.Background(), "/run/pluto/pluto.ctl"); err != nil {
		t.Errorf("dial a listening socket: %v", err)
	}
	l.Close()
	if _, err := f.Stat("/run/pluto/pluto.ctl"); err != nil {
		t.Errorf("socket file gone after Close: %v", err)
	}
	if err := f.DialControl(context.Background(), "/run/pluto/pluto.ctl"); err == nil {
		t.Errorf("dial a stale socket succeeded")
	}
}
