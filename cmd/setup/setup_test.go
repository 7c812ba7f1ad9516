package setup_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"goswan/tests/testenv"
)

// side is one end: a prepared (not started) pluto file set, the config
// that `ipsec setup` reads, and the run dir it uses.
type side struct {
	p      *testenv.Pluto
	cfg    string
	rundir string
	ls     *testenv.Libreswan // nil: the host's, found by setup itself
}

func newSide(t *testing.T, ns *testenv.NetNS, conns string) *side {
	return newSideWith(t, ns, nil, "", conns)
}

// newSideSetup is newSide with more config setup lines (each "\tkw=value\n").
func newSideSetup(t *testing.T, ns *testenv.NetNS, setupExtra, conns string) *side {
	return newSideWith(t, ns, nil, setupExtra, conns)
}

// newSideWith is newSideSetup for the Libreswan installation ls (nil: the
// host's); setup gets ls's programs with --execdir.
func newSideWith(t *testing.T, ns *testenv.NetNS, ls *testenv.Libreswan, setupExtra, conns string) *side {
	p := testenv.PreparePluto(t, &testenv.PlutoOptions{NetNS: ns, Libreswan: ls,
		Secrets: `@west @east : PSK "0123456789abcdef0123456789abcdef"` + "\n"})
	s := &side{p: p, cfg: filepath.Join(p.Dir, "setup.conf"), rundir: filepath.Join(p.Dir, "setuprun"), ls: ls}
	text := fmt.Sprintf(`config setup
	nssdir=%s
	dumpdir=%s
	ipsecdir=%s
	secretsfile=%s
	logfile=%s
	dnssec-enable=no
	uniqueids=yes
	interfaces=%%defaultroute
	klipsdebug=none
%s
%s`, p.NSSDir, p.DumpDir, p.Dir, p.Secrets, p.LogFile, setupExtra, conns)
	if err := os.WriteFile(s.cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	// Whatever pluto setup started is shut down even if the test fails
	// half way; the namespace's removal kills anything left.
	t.Cleanup(func() { s.setup(t, "stop") })
	return s
}

// setup runs `ipsec setup ... VERB` inside the side's namespace.
func (s *side) setup(t *testing.T, args ...string) (string, int) {
	t.Helper()
	full := []string{testenv.Binary(t), "setup", "--config", s.cfg, "--rundir", s.rundir}
	if s.ls != nil {
		full = append(full, "--execdir", s.ls.ExecDir)
	}
	full = append(full, args...)
	cmd := s.p.NetNS.Command(full...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), code
}

func (s *side) whack(t *testing.T, args ...string) string {
	t.Helper()
	out, _ := exec.Command(s.p.Libreswan.Whack, append([]string{"--rundir", s.rundir}, args...)...).CombinedOutput()
	return string(out)
}

func (s *side) pid(t *testing.T) int {
	b, err := os.ReadFile(filepath.Join(s.rundir, "pluto.pid"))
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

const conns = `conn psk
	left=192.0.2.101
	leftid=@west
	leftsubnet=198.51.100.0/24
	right=192.0.2.102
	rightid=@east
	rightsubnet=203.0.113.0/24
	authby=secret
	auto=add

conn later
	left=192.0.2.101
	right=192.0.2.102
	authby=secret
	auto=ignore

conn shunt
	type=passthrough
	authby=never
	left=192.0.2.101
	leftsubnet=192.0.2.101/32
	right=192.0.2.102
	rightsubnet=192.0.2.102/32
	auto=route
`

// TestRoundTrip: status/stop on a stopped system are answered and no-ops;
// start loads auto=add and routes auto=route; a second start is a no-op;
// restart gives a new pluto; stop removes it and its pid file.
func TestRoundTrip(t *testing.T) {
	forEachLibreswan(t, testRoundTrip)
}

// forEachLibreswan runs test as a subtest per Libreswan release
// (testenv.LibreswanVersions).
func forEachLibreswan(t *testing.T, test func(*testing.T, *testenv.Libreswan)) {
	for _, v := range testenv.LibreswanVersions {
		t.Run(v, func(t *testing.T) {
			ls := testenv.MustHaveLibreswanVersion(t, v)
			test(t, &ls)
		})
	}
}

func testRoundTrip(t *testing.T, ls *testenv.Libreswan) {
	testenv.MustBeRoot(t)
	ns := testenv.NewNetNS(t, "gss")
	ns.MustIP(t, "link", "add", "w0", "type", "veth", "peer", "name", "w1")
	ns.AddAddr(t, "w0", "192.0.2.101/24")
	ns.MustIP(t, "link", "set", "w0", "up")
	ns.MustIP(t, "link", "set", "w1", "up")
	s := newSideWith(t, ns, ls, "", conns)

	if out, code := s.setup(t, "status"); code != 3 || !strings.Contains(out, "IPsec stopped") {
		t.Fatalf("status before start: exit %d %q; want 3, IPsec stopped", code, out)
	}
	if out, code := s.setup(t, "stop"); code != 0 || !strings.Contains(out, "no-op") {
		t.Fatalf("stop while stopped: exit %d %q; want 0 and a no-op note", code, out)
	}
	out, code := s.setup(t, "start")
	if code != 0 {
		t.Fatalf("start: exit %d\n%s\npluto log:\n%s", code, out, s.p.Log())
	}
	for _, w := range []string{"interfaces", "klipsdebug= ignored"} {
		if !strings.Contains(out, w) {
			t.Errorf("start did not warn %q:\n%s", w, out)
		}
	}
	pid := s.pid(t)
	if pid == 0 {
		t.Fatalf("no pid file after start:\n%s", out)
	}
	st := s.whack(t, "--status")
	if !strings.Contains(st, `"psk":`) || strings.Contains(st, `"later":`) {
		t.Errorf("auto=add conn not loaded or auto=ignore conn loaded:\n%s", st)
	}
	// 4.10 and 5.x word a routed shunt differently.
	routed := `"shunt": 192.0.2.101...192.0.2.102; prospective erouted`
	if ls.Version != "4.10" {
		routed = `"shunt":   routing: routed-never-negotiate;`
	}
	if !strings.Contains(st, routed) {
		t.Errorf("auto=route conn not routed:\n%s", st)
	}
	if out, code := s.setup(t, "status"); code != 0 || !strings.Contains(out, fmt.Sprintf("pluto pid %d", pid)) {
		t.Errorf("status while running: exit %d %q", code, out)
	}
	if out, code := s.setup(t, "start"); code != 0 || !strings.Contains(out, "no-op") || s.pid(t) != pid {
		t.Errorf("second start: exit %d %q, pid %d -> %d; want a no-op", code, out, pid, s.pid(t))
	}
	if out, code := s.setup(t, "restart"); code != 0 || s.pid(t) == pid || s.pid(t) == 0 {
		t.Fatalf("restart: exit %d, pid %d -> %d\n%s", code, pid, s.pid(t), out)
	}
	pid = s.pid(t)
	if out, code := s.setup(t, "stop"); code != 0 || !strings.Contains(out, "IPsec stopped") {
		t.Fatalf("stop: exit %d %q", code, out)
	}
	if s.pid(t) != 0 {
		t.Errorf("pid file left after stop")
	}
	if running(pid) {
		t.Errorf("pluto %d still running after stop", pid)
	}
	if _, code := s.setup(t, "status"); code != 3 {
		t.Errorf("status after stop: exit %d, want 3", code)
	}
}

// TestStartSkipsUnusable: a file whose config setup has a bad value and
// whose conns include a bad subnet, a dangling also= in an auto=ignore
// conn and a name defined twice still starts pluto with the good conns
// loaded and routed (the first definition of the name); each unusable conn is
// reported at FILE:LINE:COL and the exit status is 1.
func TestStartSkipsUnusable(t *testing.T) {
	testenv.MustBeRoot(t)
	ns := testenv.NewNetNS(t, "gss")
	ns.MustIP(t, "link", "add", "w0", "type", "veth", "peer", "name", "w1")
	ns.AddAddr(t, "w0", "192.0.2.101/24")
	ns.MustIP(t, "link", "set", "w0", "up")
	ns.MustIP(t, "link", "set", "w1", "up")
	broken := conns + `
conn psk
	left=192.0.2.101
	right=192.0.2.109
	authby=secret
	auto=add

conn badsubnet
	left=192.0.2.101
	leftsubnet=10.0.0.0/33
	right=192.0.2.102
	authby=secret
	auto=add

conn dangling
	also=nosuch
	auto=ignore
`
	s := newSideSetup(t, ns, "\tuniqueids=maybe\n", broken)
	out, code := s.setup(t, "start")
	if code != 1 {
		t.Fatalf("start: exit %d, want 1\n%s\npluto log:\n%s", code, out, s.p.Log())
	}
	if s.pid(t) == 0 {
		t.Fatalf("pluto not started:\n%s", out)
	}
	for _, w := range []string{
		s.cfg + `:11:12: uniqueids: "maybe" is not yes or no`,
		"ipsec setup: warning: config setup: the keywords above are ignored",
		s.cfg + `:38:1: warning: conn "psk" is defined again (first at ` + s.cfg + `:13:1): this definition is ignored`,
		s.cfg + `:46:13: leftsubnet: "10.0.0.0/33" is not a subnet (address/length)`,
		s.cfg + `:52:7: also="nosuch": no conn "nosuch" (needed by conn "dangling")`,
		`ipsec setup: 2 conns not loaded (errors above): "badsubnet" "dangling"`,
	} {
		if !strings.Contains(out, w+"\n") {
			t.Errorf("start output lacks %q:\n%s", w, out)
		}
	}
	st := s.whack(t, "--status")
	if !strings.Contains(st, `"psk": 198.51.100.0/24===192.0.2.101[@west]...192.0.2.102[@east]===203.0.113.0/24`) {
		t.Errorf("the first definition of psk was not loaded:\n%s", st)
	}
	if strings.Contains(st, "192.0.2.109") {
		t.Errorf("the second definition of psk reached pluto:\n%s", st)
	}
	if !strings.Contains(st, `"shunt": 192.0.2.101...192.0.2.102; prospective erouted`) {
		t.Errorf("auto=route conn not routed:\n%s", st)
	}
	for _, n := range []string{"badsubnet", "dangling", "later"} {
		if strings.Contains(st, `"`+n+`":`) {
			t.Errorf("unusable conn %q reached pluto:\n%s", n, st)
		}
	}
	// start while running is a no-op, exit 0, as documented, whatever
	// the file's conns.
	if out, code := s.setup(t, "start"); code != 0 || !strings.Contains(out, "no-op") {
		t.Errorf("second start: exit %d\n%s", code, out)
	}
}

// TestStalePidFile: a pid file naming a dead process is reported by status
// (LSB 1) and cleaned by start.
func TestStalePidFile(t *testing.T) {
	testenv.MustBeRoot(t)
	ns := testenv.NewNetNS(t, "gss")
	s := newSide(t, ns, "")
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(s.rundir, 0o700)
	os.WriteFile(filepath.Join(s.rundir, "pluto.pid"), []byte(strconv.Itoa(dead.Process.Pid)+"\n"), 0o644)
	if out, code := s.setup(t, "status"); code != 1 || !strings.Contains(out, "not running") {
		t.Errorf("status with stale pid file: exit %d %q; want 1", code, out)
	}
	out, code := s.setup(t, "start")
	if code != 0 || !strings.Contains(out, "stale pid file") || s.pid(t) == dead.Process.Pid {
		t.Fatalf("start over stale pid file: exit %d\n%s\n%s", code, out, s.p.Log())
	}
	if _, code := s.setup(t, "stop"); code != 0 {
		t.Errorf("stop: exit %d", code)
	}
}

// TestMissingPluto: one clear line and LSB status 5.
func TestMissingPluto(t *testing.T) {
	out, errb := &bytes.Buffer{}, &bytes.Buffer{}
	cmd := exec.Command(testenv.Binary(t), "setup", "--execdir", t.TempDir(), "start")
	cmd.Stdout, cmd.Stderr = out, errb
	err := cmd.Run()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 5 {
		t.Fatalf("exit %v, want 5", err)
	}
	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "install Libreswan") {
		t.Errorf("stderr %q; want one line telling to install Libreswan", errb.String())
	}
}

// TestShowOnly prints the pluto command and the whack commands, runs
// nothing.
func TestShowOnly(t *testing.T) {
	testenv.MustBeRoot(t)
	ns := testenv.NewNetNS(t, "gss")
	s := newSide(t, ns, conns)
	out, code := s.setup(t, "--showonly", "start")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, w := range []string{"/pluto --config", "--name psk", "--name shunt --route", "--listen"} {
		if !strings.Contains(out, w) {
			t.Errorf("--showonly output lacks %q:\n%s", w, out)
		}
	}
	if s.pid(t) != 0 {
		t.Errorf("--showonly started pluto")
	}
}

// TestStartUpBothEnds: `ipsec setup start` on two ends, the initiator with
// auto=start, brings the IKE SA up by itself.
func TestStartUpBothEnds(t *testing.T) {
	forEachLibreswan(t, testStartUpBothEnds)
}

func testStartUpBothEnds(t *testing.T, ls *testenv.Libreswan) {
	testenv.MustBeRoot(t)
	w, e := testenv.NetNSPair(t)
	east := newSideWith(t, e, ls, "", conns)
	west := newSideWith(t, w, ls, "", strings.Replace(conns, "auto=add", "auto=start", 1))
	if out, code := east.setup(t, "start"); code != 0 {
		t.Fatalf("east start: %d\n%s", code, out)
	}
	if out, code := west.setup(t, "start"); code != 0 {
		t.Fatalf("west start: %d\n%s", code, out)
	}
	// The log, not --showstates: 5.x deletes the IKE SA again when the
	// Child SA fails, which it does on a kernel without ESP.
	if !west.p.WaitLog("initiator established IKE SA", 10*time.Second) {
		t.Fatalf("no IKE SA after setup start with auto=start\nwest:\n%s\neast:\n%s", west.p.Log(), east.p.Log())
	}
}

// TestNotRoot: start refuses to run for an ordinary user, as FreeS/WAN's
// setup did; status works for anyone.
func TestNotRoot(t *testing.T) {
	testenv.MustBeRoot(t) // to switch to an ordinary user
	bin := testenv.Binary(t)
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Dir(bin), 0o755)
	run := func(verb string) (string, int) {
		cmd := exec.Command(bin, "setup", "--rundir", filepath.Join(dir, "run"), "--config", filepath.Join(dir, "none.conf"), verb)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return string(out), code
	}
	if out, code := run("start"); code != 1 || !strings.Contains(out, "must be superuser") {
		t.Errorf("start as nobody: exit %d %q", code, out)
	}
	if out, code := run("status"); code != 3 {
		t.Errorf("status as nobody: exit %d %q, want 3", code, out)
	}
}

// running reports whether pid is a live process. A pluto that exited but
// that init has not reaped yet is a zombie: not running (on some hosts
// init reaps orphans late, and kill -0 succeeds on a zombie).
func running(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}
