package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
)

var netnsSeq atomic.Int64

// Netns creates a network namespace named goswan-TAG-PID-N with lo up, and
// deletes it (with every XFRM object and interface in it) when t ends. It
// returns the name; /run/netns/NAME is its path.
func Netns(t testing.TB, tag string) string {
	t.Helper()
	MustBeRoot(t)
	ipPath := MustHaveCommand(t, "ip")
	name := fmt.Sprintf("goswan-%s-%d-%d", tag, os.Getpid(), netnsSeq.Add(1))
	if out, err := exec.Command(ipPath, "netns", "add", name).CombinedOutput(); err != nil {
		Unavailable(t, "cannot create network namespace %s: %v: %s", name, err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command(ipPath, "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("deleting network namespace %s: %v: %s", name, err, out)
		}
	})
	if out, err := exec.Command(ipPath, "-n", name, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("ip -n %s link set lo up: %v: %s", name, err, out)
	}
	return name
}

// NetnsPath is the bind mount of a namespace made by Netns.
func NetnsPath(name string) string { return "/run/netns/" + name }

// IP runs `ip -n NS ARGS...` and returns its output, failing t on error.
func IP(t testing.TB, ns string, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", append([]string{"-n", ns}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip -n %s %s: %v: %s", ns, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// VethPair joins namespaces a and b with a veth pair (created directly
// inside them, so no name can collide in the host namespace), gives the
// ends the addresses (CIDR form) and brings them up.
func VethPair(t testing.TB, a, aAddr, b, bAddr string) {
	t.Helper()
	IP(t, a, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", b)
	IP(t, a, "addr", "add", aAddr, "dev", "va")
	IP(t, b, "addr", "add", bAddr, "dev", "vb")
	IP(t, a, "link", "set", "va", "up")
	IP(t, b, "link", "set", "vb", "up")
}
