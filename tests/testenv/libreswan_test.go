package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestPlutoPairPSKVersions runs the harness's own proof against every
// release: two plutos establish an IKE SA with a conn each release's own
// addconn loaded.
func TestPlutoPairPSKVersions(t *testing.T) {
	for _, v := range LibreswanVersions {
		t.Run(v, func(t *testing.T) {
			ls := MustHaveLibreswanVersion(t, v)
			if ls.Version != v {
				t.Fatalf("MustHaveLibreswanVersion(%q).Version = %q", v, ls.Version)
			}
			west, east := NetNSPair(t)
			conn := "conn psk\n\tleft=" + WestAddr + "\n\tleftid=@west\n\tright=" + EastAddr +
				"\n\trightid=@east\n\tauthby=secret\n\tauto=add\n"
			secrets := `@west @east : PSK "0123456789abcdef0123456789abcdef"` + "\n"
			var ps []*Pluto
			for _, ns := range []*NetNS{west, east} {
				p := StartPluto(t, &PlutoOptions{NetNS: ns, Libreswan: &ls, Config: DefaultPlutoConfig + conn, Secrets: secrets})
				if out, err := p.Addconn("", "--autoall"); err != nil {
					t.Fatalf("%v\n%s", err, out)
				}
				ps = append(ps, p)
			}
			if !ps[0].WaitLog("Libreswan Version "+v+" ", 5*time.Second) {
				t.Errorf("pluto is not Libreswan %s:\n%s", v, ps[0].Log())
			}
			// 5.2's whack --initiate waits for the Child SA, which this
			// kernel (no ESP) never installs: a minute of retries.
			ps[0].MustWhack(t, "--name", "psk", "--initiate", "--asynchronous")
			if !ps[0].WaitLog("initiator established IKE SA", 5*time.Second) {
				t.Fatalf("no IKE SA:\n%s", ps[0].Log())
			}
			if !ps[1].WaitLog("responder established IKE SA", 5*time.Second) {
				t.Fatalf("responder did not establish:\n%s", ps[1].Log())
			}
		})
	}
}

// TestLibreswan5WrappersLeaveNoMount checks that running 5.2's pluto
// leaves no mount on the host: its wrapper mounts inside a private mount
// namespace only.
func TestLibreswan5WrappersLeaveNoMount(t *testing.T) {
	ls := MustHaveLibreswanVersion(t, "5.2")
	before, _ := os.ReadFile("/proc/self/mountinfo")
	for _, p := range []string{ls.Pluto, ls.Whack} {
		out, err := exec.Command(p, "--version").CombinedOutput()
		if !strings.Contains(string(out), "Libreswan 5.2") {
			t.Fatalf("%s --version: %v\n%s", p, err, out)
		}
	}
	after, _ := os.ReadFile("/proc/self/mountinfo")
	if strings.Contains(string(after), ls.Root) || len(after) != len(before) {
		t.Errorf("mounts changed on the host:\n%s", after)
	}
}

// TestMustHaveLibreswanVersionUnknown: a release that is nowhere here is
// unavailable (skipped locally), with the releases that are here named.
func TestMustHaveLibreswanVersionUnknown(t *testing.T) {
	if Strict() {
		t.Skip("skipping: in strict mode the helper fails instead of skipping, which is what this would show")
	}
	ok := t.Run("3.0", func(t *testing.T) { MustHaveLibreswanVersion(t, "3.0") })
	if !ok {
		t.Errorf("an unknown release failed the test instead of skipping it")
	}
}
