package tests

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"goswan/tests/testenv"
)

// TestLookNetns runs ipsec look in a namespace holding one policy, one
// (larval) SA and routes, and checks each part of the report.
func TestLookNetns(t *testing.T) {
	bin := testenv.Binary(t)
	ns := testenv.Netns(t, "look")
	testenv.IP(t, ns, "link", "add", "va", "type", "veth", "peer", "name", "vb")
	testenv.IP(t, ns, "addr", "add", "192.0.2.1/24", "dev", "va")
	testenv.IP(t, ns, "link", "set", "va", "up")
	testenv.IP(t, ns, "route", "add", "default", "via", "192.0.2.254")
	testenv.IP(t, ns, "route", "add", "10.0.2.0/24", "via", "192.0.2.2")
	testenv.IP(t, ns, "route", "add", "172.16.0.0/12", "via", "192.0.2.9")
	testenv.IP(t, ns, "xfrm", "policy", "add", "src", "10.0.1.0/24", "dst", "10.0.2.0/24", "dir", "out",
		"tmpl", "src", "192.0.2.1", "dst", "192.0.2.2", "proto", "esp", "reqid", "5", "mode", "tunnel")
	// A larval SA (no keys) is what this kernel can hold without ESP.
	testenv.IP(t, ns, "xfrm", "state", "allocspi", "src", "192.0.2.2", "dst", "192.0.2.1", "proto", "esp",
		"mode", "tunnel", "reqid", "5", "min", "0x100", "max", "0x100")

	out, err := exec.Command("ip", "netns", "exec", ns, bin, "look").CombinedOutput()
	if err != nil {
		t.Fatalf("ipsec look: %v\n%s", err, out)
	}
	got := string(out)
	first, rest, _ := strings.Cut(got, "\n")
	if !regexp.MustCompile(`^\S+ \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \S+ \d{4}$`).MatchString(first) {
		t.Errorf("first line %q is not \"HOST DATE\"", first)
	}
	want := `XFRM state:
src 192.0.2.2 dst 192.0.2.1
	proto esp spi 0x00000100 reqid 5 mode tunnel
	replay-window 0
	traffic: 0 bytes, 0 packets
XFRM policy:
src 10.0.1.0/24 dst 10.0.2.0/24
	dir out priority 0
	tmpl src 192.0.2.1 dst 192.0.2.2
		proto esp reqid 5 mode tunnel
XFRM done
ROUTING TABLES
default via 192.0.2.254 dev va
10.0.2.0/24 via 192.0.2.2 dev va
`
	if rest != want {
		t.Errorf("ipsec look:\n%s\nwant:\n%s", rest, want)
	}
	out, err = exec.Command("ip", "netns", "exec", ns, bin, "look", "policy").CombinedOutput()
	if err != nil || strings.Contains(string(out), "XFRM state:") || !strings.Contains(string(out), "XFRM policy:") {
		t.Errorf("ipsec look policy: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "look", "bogus")
	out, _ = cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(out), `unknown part "bogus"`) {
		t.Errorf("ipsec look bogus: exit %d\n%s", cmd.ProcessState.ExitCode(), out)
	}
}
