package tests

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"goswan/tests/testenv"
)

// TestVerifyDifferentialSysctls runs Libreswan 4.10's verify and ours in
// the same fresh network namespace, whose XFRM and IPv4 sysctls are its
// own, set once to healthy values and once to faulty ones: for every check
// both make on those values, both must give the same result word.
//
// Intended differences (not compared): "Version check and ipsec on-path"
// (the ipsec on PATH is Libreswan's, which ours reports as OTHER IPSEC),
// "Checking for IPsec support in kernel" (Libreswan looks for a /proc file,
// ours asks the kernel to hold an ESP SA and says ESP MISSING on a kernel
// without ESP), "Checking that pluto is running" (Libreswan: any process
// named pluto on the machine; ours: the pid file and control socket of one
// run directory), "Pluto ipsec.conf syntax" and the obsolete-keyword check
// (Libreswan always reads /etc/ipsec.conf).
func TestVerifyDifferentialSysctls(t *testing.T) {
	ls := testenv.MustHaveLibreswan(t)
	ns := testenv.NewNetNS(t, "gsvdiff")
	set := func(values map[string]string) {
		t.Helper()
		var script strings.Builder
		for file, v := range values {
			fmt.Fprintf(&script, "echo %s > %s\n", v, file)
		}
		if out, err := ns.Command("sh", "-c", script.String()).CombinedOutput(); err != nil {
			t.Fatalf("setting sysctls in %s: %v: %s", ns.Name, err, out)
		}
	}
	compared := []string{
		"         ICMP default/send_redirects",
		"         ICMP default/accept_redirects",
		"         XFRM larval drop",
		"Checking rp_filter",
		" /proc/sys/net/ipv4/conf/lo/rp_filter",
		" /proc/sys/net/ipv4/conf/all/rp_filter",
		"Checking 'ip' command",
		"Checking 'iptables' command",
		"Checking 'prelink' command does not interfere with FIPS",
	}
	conf := "/proc/sys/net/ipv4/conf/"
	for _, sc := range []struct {
		name   string
		values map[string]string
	}{
		{"healthy", map[string]string{
			conf + "default/send_redirects": "0", conf + "default/accept_redirects": "0",
			conf + "all/rp_filter": "0", conf + "default/rp_filter": "0", conf + "lo/rp_filter": "0",
			"/proc/sys/net/core/xfrm_larval_drop": "1",
		}},
		{"faulty", map[string]string{
			conf + "default/send_redirects": "1", conf + "default/accept_redirects": "1",
			conf + "all/rp_filter": "1", conf + "lo/rp_filter": "1",
			"/proc/sys/net/core/xfrm_larval_drop": "0",
		}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			set(sc.values)
			theirs, _ := exec.Command("ip", "netns", "exec", ns.Name, ls.Ipsec, "verify").CombinedOutput()
			cmd := ns.Command(testenv.Binary(t), "verify", "--nocolour")
			cmd.Env = append(os.Environ(), "IPSEC_CONFS="+t.TempDir())
			ours, _ := cmd.CombinedOutput()
			for _, label := range compared {
				want, got := resultOf(string(theirs), label), resultOf(string(ours), label)
				if want != got {
					t.Errorf("%q: Libreswan [%s], ours [%s]", strings.TrimSpace(label), want, got)
				}
				// Per-file rp_filter lines appear only when it is on.
				if want == "" && (sc.name == "faulty" || !strings.HasPrefix(label, " /proc")) {
					t.Errorf("%q: no result from Libreswan, nothing compared", strings.TrimSpace(label))
				}
			}
			if t.Failed() {
				t.Logf("Libreswan:\n%s\nours:\n%s", theirs, ours)
			}
		})
	}
}
