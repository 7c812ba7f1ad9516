package tests

import (
	"os/exec"
	"strings"
	"testing"

	"goswan/tests/testenv"
)

// TestLookDifferential runs Libreswan 4.10's ipsec look and ours in the
// same namespace and compares what both report.
//
// Intended differences:
//   - SAs: Libreswan prints `ip xfrm state` verbatim, keys included; we
//     print a compact form with [redacted] keys and traffic counters, so
//     only the "src A dst B" heads are compared.
//   - Policies: Libreswan's "ptype main" is left out (every policy we show
//     is main; sub policies are not used on Linux today).
//   - Libreswan prints the iptables mangle and filter tables; we print no
//     firewall (updown scripts own it, and reading it needs iptables).
//   - Routes: Libreswan prints every route; we print the default route and
//     those that involve IPsec, so ours must be a subset of its lines.
func TestLookDifferential(t *testing.T) {
	ls := testenv.MustHaveLibreswan(t)
	bin := testenv.Binary(t)
	ns := testenv.Netns(t, "lookdiff")
	testenv.IP(t, ns, "link", "add", "va", "type", "veth", "peer", "name", "vb")
	testenv.IP(t, ns, "addr", "add", "192.0.2.1/24", "dev", "va")
	testenv.IP(t, ns, "link", "set", "va", "up")
	testenv.IP(t, ns, "route", "add", "default", "via", "192.0.2.254")
	testenv.IP(t, ns, "route", "add", "10.0.2.0/24", "via", "192.0.2.2")
	for _, dir := range []string{"out", "fwd"} {
		testenv.IP(t, ns, "xfrm", "policy", "add", "src", "10.0.1.0/24", "dst", "10.0.2.0/24", "dir", dir,
			"tmpl", "src", "192.0.2.1", "dst", "192.0.2.2", "proto", "esp", "reqid", "5", "mode", "tunnel")
	}
	testenv.IP(t, ns, "xfrm", "policy", "add", "src", "10.0.2.0/24", "dst", "10.0.1.0/24", "dir", "in",
		"tmpl", "src", "192.0.2.2", "dst", "192.0.2.1", "proto", "ah", "reqid", "6", "mode", "transport")
	testenv.IP(t, ns, "xfrm", "state", "allocspi", "src", "192.0.2.2", "dst", "192.0.2.1", "proto", "esp",
		"mode", "tunnel", "reqid", "5", "min", "0x100", "max", "0x100")

	look := func(prog ...string) map[string][]string {
		t.Helper()
		out, err := exec.Command("ip", append([]string{"netns", "exec", ns}, prog...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(prog, " "), err, out)
		}
		parts := map[string][]string{}
		cur := "head"
		for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
			switch l {
			case "XFRM state:", "XFRM policy:", "XFRM done", "ROUTING TABLES", "IPSEC mangle TABLES", "iptables filter TABLE", "NSS_CERTIFICATES":
				cur = l
				continue
			}
			parts[cur] = append(parts[cur], strings.TrimRight(l, " "))
		}
		return parts
	}
	theirs, ours := look(ls.Ipsec, "look"), look(bin, "look")

	if len(theirs["head"]) != 1 || len(ours["head"]) != 1 ||
		strings.Fields(theirs["head"][0])[0] != strings.Fields(ours["head"][0])[0] {
		t.Errorf("first lines differ: Libreswan %q, ours %q", theirs["head"], ours["head"])
	}
	heads := func(lines []string) string {
		var out []string
		for _, l := range lines {
			if strings.HasPrefix(l, "src ") {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	if a, b := heads(theirs["XFRM state:"]), heads(ours["XFRM state:"]); a != b {
		t.Errorf("SAs differ:\nLibreswan:\n%s\nours:\n%s", a, b)
	}
	var theirPolicies []string
	for _, l := range theirs["XFRM policy:"] {
		theirPolicies = append(theirPolicies, strings.Replace(l, " ptype main", "", 1))
	}
	if a, b := strings.Join(theirPolicies, "\n"), strings.Join(ours["XFRM policy:"], "\n"); a != b {
		t.Errorf("policies differ:\nLibreswan:\n%s\nours:\n%s", a, b)
	}
	all := strings.Join(theirs["ROUTING TABLES"], "\n")
	for _, r := range ours["ROUTING TABLES"] {
		if !strings.Contains(all, r) {
			t.Errorf("our route %q is not in Libreswan's:\n%s", r, all)
		}
	}
	if len(ours["ROUTING TABLES"]) != 2 {
		t.Errorf("our routes = %q, want the default route and 10.0.2.0/24", ours["ROUTING TABLES"])
	}
}
