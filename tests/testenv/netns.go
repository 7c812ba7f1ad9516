package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// NetNS is a network namespace a test created for itself. Its name holds
// the test process's pid, so parallel test binaries never collide, and it is
// deleted (with every process still inside it) in t.Cleanup.
type NetNS struct {
	Name string
}

var netnsSeq atomic.Int64

// NewNetNS creates a fresh namespace named PREFIX-PID-N with lo up. It needs
// root and the ip command; without them it skips (fails in strict mode).
func NewNetNS(t testing.TB, prefix string) *NetNS {
	t.Helper()
	MustBeRoot(t)
	ip := MustHaveCommand(t, "ip")
	if prefix == "" {
		prefix = "gs"
	}
	// Interface-style names stay short: netns names end up in paths only,
	// but keep them readable in `ip netns list`.
	name := fmt.Sprintf("%s-%d-%d", prefix, os.Getpid(), netnsSeq.Add(1))
	if out, err := exec.Command(ip, "netns", "add", name).CombinedOutput(); err != nil {
		Unavailable(t, "cannot create network namespace %s: %v: %s", name, err, strings.TrimSpace(string(out)))
	}
	n := &NetNS{Name: name}
	t.Cleanup(func() { n.destroy(t, ip) })
	n.MustIP(t, "link", "set", "lo", "up")
	return n
}

// destroy kills what still runs inside the namespace (processes this test
// started there) and deletes it.
func (n *NetNS) destroy(t testing.TB, ip string) {
	out, _ := exec.Command(ip, "netns", "pids", n.Name).Output()
	pids := strings.Fields(string(out))
	for _, p := range pids {
		if pid, err := strconv.Atoi(p); err == nil {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	for _, p := range pids {
		if pid, err := strconv.Atoi(p); err == nil {
			waitGone(pid, 2*time.Second)
		}
	}
	if out, err := exec.Command(ip, "netns", "del", n.Name).CombinedOutput(); err != nil {
		t.Errorf("deleting network namespace %s: %v: %s", n.Name, err, out)
	}
}

// waitGone waits until pid no longer exists (or was reaped elsewhere).
func waitGone(pid int, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if err := syscall.Kill(pid, 0); err != nil {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// Command returns a command that runs argv inside the namespace.
func (n *NetNS) Command(argv ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.Name}, argv...)...)
}

// IP runs `ip -n NAME args...` and returns its combined output.
func (n *NetNS) IP(args ...string) (string, error) {
	out, err := exec.Command("ip", append([]string{"-n", n.Name}, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("ip -n %s %s: %v: %s", n.Name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// MustIP is IP that fails the test on error.
func (n *NetNS) MustIP(t testing.TB, args ...string) string {
	t.Helper()
	return IP(t, n.Name, args...)
}

// Netns is NewNetNS for tests that pass namespaces around by name.
func Netns(t testing.TB, tag string) string {
	t.Helper()
	return NewNetNS(t, tag).Name
}

// NetnsPath is the bind mount of the namespace called name.
func NetnsPath(name string) string { return "/run/netns/" + name }

// IP runs `ip -n NS ARGS...` in the namespace called ns and returns its
// output, failing t on error.
func IP(t testing.TB, ns string, args ...string) string {
	t.Helper()
	out, err := (&NetNS{Name: ns}).IP(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// VethPair joins the namespaces called a and b with a veth pair va/vb; see
// Veth.
func VethPair(t testing.TB, a, aAddr, b, bAddr string) {
	t.Helper()
	Veth(t, &NetNS{Name: a}, "va", aAddr, &NetNS{Name: b}, "vb", bAddr)
}

// AddAddr puts a CIDR address ("192.0.2.1/24") on dev inside the namespace.
func (n *NetNS) AddAddr(t testing.TB, dev, cidr string) {
	t.Helper()
	n.MustIP(t, "addr", "add", cidr, "dev", dev)
}

// Veth joins two namespaces with a veth pair whose ends are created inside
// them (nothing appears in the host namespace), gives each end its address
// (CIDR form, e.g. "192.0.2.101/24") and sets both up. The devices are
// called devA and devB.
func Veth(t testing.TB, a *NetNS, devA, addrA string, b *NetNS, devB, addrB string) {
	t.Helper()
	out, err := exec.Command("ip", "link", "add", devA, "netns", a.Name, "type", "veth",
		"peer", "name", devB, "netns", b.Name).CombinedOutput()
	if err != nil {
		Unavailable(t, "cannot create veth pair: %v: %s", err, strings.TrimSpace(string(out)))
	}
	a.AddAddr(t, devA, addrA)
	b.AddAddr(t, devB, addrB)
	a.MustIP(t, "link", "set", devA, "up")
	b.MustIP(t, "link", "set", devB, "up")
}

// Addresses of the standard two-namespace testbed (documentation range).
const (
	WestAddr = "192.0.2.101"
	EastAddr = "192.0.2.102"
)

// NetNSPair creates two namespaces, west and east, joined by a veth pair:
// west has WestAddr/24 on w0, east has EastAddr/24 on e0.
func NetNSPair(t testing.TB) (west, east *NetNS) {
	t.Helper()
	west = NewNetNS(t, "gsw")
	east = NewNetNS(t, "gse")
	Veth(t, west, "w0", WestAddr+"/24", east, "e0", EastAddr+"/24")
	return west, east
}

// Path is the namespace's bind mount, for netlink.NewHandleAt.
func (n *NetNS) Path() string { return NetnsPath(n.Name) }
