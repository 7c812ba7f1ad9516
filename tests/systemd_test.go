package tests

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"goswan/tests/testenv"
)

// unitFile returns scripts/systemd/goswan-ipsec.service as make install
// writes it, with the ipsec binary in sbindir.
func unitFile(t *testing.T, sbindir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(), "scripts", "systemd", "goswan-ipsec.service"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "@SBINDIR@", sbindir)
}

// TestSystemdUnitVerify: systemd's own checker finds nothing to say about
// the unit.
func TestSystemdUnitVerify(t *testing.T) {
	analyze := testenv.MustHaveCommand(t, "systemd-analyze")
	bin := testenv.Binary(t)
	dir := t.TempDir()
	unit := filepath.Join(dir, "goswan-ipsec.service")
	if err := os.WriteFile(unit, []byte(unitFile(t, filepath.Dir(bin))), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", unit).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify goswan-ipsec.service: %v\n%s", err, out)
	}
}

// execLine is one Exec*= line of a unit: its command line, and whether a
// failure is ignored ("-").
type execLine struct {
	argv       []string
	mayFail    bool
	directives string
}

// execLines returns the unit's Exec lines of one kind, in order, split as
// systemd splits them (words, "…" and '…' quoting).
func execLines(t *testing.T, unit, kind string) []execLine {
	t.Helper()
	var lines []execLine
	sc := bufio.NewScanner(strings.NewReader(unit))
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), kind+"=")
		if !ok {
			continue
		}
		l := execLine{directives: kind}
		if rest, ok := strings.CutPrefix(v, "-"); ok {
			l.mayFail, v = true, rest
		}
		var word strings.Builder
		inWord := false
		var quote rune
		for _, r := range v {
			switch {
			case quote != 0 && r == quote:
				quote = 0
			case quote != 0:
				word.WriteRune(r)
			case r == '"' || r == '\'':
				quote, inWord = r, true
			case r == ' ' || r == '\t':
				if inWord {
					l.argv = append(l.argv, word.String())
					word.Reset()
					inWord = false
				}
			default:
				word.WriteRune(r)
				inWord = true
			}
		}
		if inWord {
			l.argv = append(l.argv, word.String())
		}
		lines = append(lines, l)
	}
	if len(lines) == 0 {
		t.Fatalf("unit has no %s=", kind)
	}
	return lines
}

// freeswanConf is a FreeS/WAN-era ipsec.conf that Libreswan's reader
// refuses (plutoload= is a syntax error to it) and whose conn "flipped"
// only exists as goswan reads alsoflip= (Libreswan ignores alsoflip). Its
// conn "broken" has a bad subnet: it is reported, the others load.
const freeswanConf = `version 2.0

config setup
	plutoload=%%search
	plutostart=%%search
	interfaces=%%defaultroute
	klipsdebug=none
	plutodebug=none
	dnssec-enable=no
	nssdir=%[1]s/nss
	dumpdir=%[1]s
	ipsecdir=%[1]s
	logfile=%[1]s/pluto.log

conn %%default
	keyingtries=0
	authby=secret

conn net
	left=192.0.2.1
	leftsubnet=10.1.0.0/24
	right=192.0.2.2
	rightsubnet=10.2.0.0/24

conn flipped
	alsoflip=net
	auto=add

conn broken
	left=192.0.2.2
	right=192.0.2.9
	rightsubnet=10.300.0.0/24
	auto=add
`

// TestSystemdUnitRuns runs the unit's Exec lines in order, as systemd
// would, in a network namespace with a private run directory, on a
// FreeS/WAN-era ipsec.conf: the NSS database is created, pluto runs as
// the main process and tells systemd it is ready (sd_notify) and alive
// (watchdog), the conns are loaded as goswan reads them, and the stop
// lines shut pluto down and leave no SA or policy.
func TestSystemdUnitRuns(t *testing.T) {
	ls := testenv.MustHaveLibreswan(t)
	testenv.MustHaveCommand(t, "certutil")
	bin := testenv.Binary(t)
	ns := testenv.NewNetNS(t, "gsunit")
	ns.AddAddr(t, "lo", "192.0.2.2/32")
	dir := t.TempDir()
	conf := filepath.Join(dir, "ipsec.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(freeswanConf, dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ipsec.secrets"), []byte("192.0.2.1 192.0.2.2 : PSK \"not-a-real-secret-0123456789\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "nss"), 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(ls.Addconn, "--config", conf, "--checkconfig").CombinedOutput(); err == nil {
		t.Fatalf("Libreswan's addconn accepts the FreeS/WAN-era file; the test proves nothing\n%s", out)
	}

	notify := filepath.Join(dir, "notify")
	sock, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: notify, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	messages := make(chan string, 100)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := sock.Read(buf)
			if err != nil {
				close(messages)
				return
			}
			messages <- string(buf[:n])
		}
	}()

	rundir := filepath.Join(dir, "run")
	env := []string{
		"PATH=" + filepath.Dir(bin) + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"IPSEC_CONFS=" + dir, "IPSEC_RUNDIR=" + rundir, "IPSEC_NSSDIR=" + filepath.Join(dir, "nss"),
		"IPSEC_CONFDDIR=" + filepath.Join(dir, "ipsec.d"),
		"NOTIFY_SOCKET=" + notify, "WATCHDOG_USEC=2000000",
	}
	unit := unitFile(t, filepath.Dir(bin))
	run := func(l execLine, extraEnv ...string) string {
		t.Helper()
		cmd := ns.Command(l.argv...)
		cmd.Env = append(append([]string(nil), env...), extraEnv...)
		out, err := cmd.CombinedOutput()
		if err != nil && !l.mayFail {
			t.Fatalf("%s=%s: %v\n%s", l.directives, strings.Join(l.argv, " "), err, out)
		}
		return string(out)
	}
	for _, l := range execLines(t, unit, "ExecStartPre") {
		run(l)
	}
	if _, err := os.Stat(filepath.Join(dir, "nss", "cert9.db")); err != nil {
		t.Errorf("ExecStartPre did not create the NSS database: %v", err)
	}

	start := execLines(t, unit, "ExecStart")[0]
	main := ns.Command(start.argv...)
	main.Env = env
	logf, err := os.Create(filepath.Join(dir, "main.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	main.Stdout, main.Stderr = logf, logf
	if err := main.Start(); err != nil {
		t.Fatal(err)
	}
	// exited is closed when the main process is gone; mainErr then says
	// how it ended.
	exited := make(chan struct{})
	var mainErr error
	go func() { mainErr = main.Wait(); close(exited) }()
	defer func() {
		select {
		case <-exited:
		default:
			main.Process.Kill()
			<-exited
		}
	}()
	mainLog := func() string {
		b, _ := os.ReadFile(logf.Name())
		p, _ := os.ReadFile(filepath.Join(dir, "pluto.log"))
		return string(b) + string(p)
	}
	await := func(what string) {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for {
			select {
			case m, ok := <-messages:
				if !ok {
					t.Fatalf("notify socket closed before %s", what)
				}
				if strings.Contains(m, what) {
					return
				}
			case <-exited:
				t.Fatalf("ExecStart exited (%v) before %s:\n%s", mainErr, what, mainLog())
			case <-deadline:
				t.Fatalf("no %s from pluto within 30s:\n%s", what, mainLog())
			}
		}
	}
	await("READY=1")
	// The main process is pluto itself (ip netns exec, then ipsec setup
	// exec'ed pluto): what systemd watches is what it started.
	if comm := plutoComm(main.Process.Pid); comm != "pluto" {
		t.Errorf("main process %d is %q, want pluto", main.Process.Pid, comm)
	}
	await("WATCHDOG=1")

	for _, l := range execLines(t, unit, "ExecStartPost") {
		// One conn that cannot load must not fail the unit: the line
		// is "-", and the error names the conn and its position.
		if !l.mayFail {
			t.Errorf("%s=%s fails the unit when one conn cannot load; want \"-\"", l.directives, strings.Join(l.argv, " "))
		}
		out := run(l)
		wantErr := conf + `:32:14: rightsubnet: "10.300.0.0/24" is not a subnet`
		if !strings.Contains(out, wantErr) || !strings.Contains(out, `1 conn not loaded (errors above): "broken"`) {
			t.Errorf("%s output lacks the broken conn's error %q:\n%s", l.directives, wantErr, out)
		}
	}
	out, _ := ns.Command(ls.Whack, "--ctlsocket", filepath.Join(rundir, "pluto.ctl"), "--status").CombinedOutput()
	want := `"flipped": 10.2.0.0/24===192.0.2.2...192.0.2.1===10.1.0.0/24`
	if !strings.Contains(string(out), want) {
		t.Errorf("whack --status lacks %q (goswan's reading of alsoflip=):\n%s", want, out)
	}

	for _, l := range execLines(t, unit, "ExecStop") {
		run(l)
	}
	status := 0
	select {
	case <-exited:
		var ee *exec.ExitError
		if errors.As(mainErr, &ee) {
			status = ee.ExitCode()
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("pluto did not exit after ExecStop:\n%s", mainLog())
	}
	for _, l := range execLines(t, unit, "ExecStopPost") {
		run(l, "EXIT_STATUS="+strconv.Itoa(status))
	}
	if out := ns.MustIP(t, "xfrm", "policy"); strings.TrimSpace(out) != "" {
		t.Errorf("policies left after stop:\n%s", out)
	}
}

// plutoComm is the command name of a process, following the one level of
// `ip netns exec`, which execs its command too.
func plutoComm(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// TestSetupThroughSystemctl: on a host run by systemd where goswan's unit
// is enabled, `ipsec setup start|stop|restart` hand over to systemctl, as
// Libreswan's setup does, with systemctl's exit status; where it is not
// enabled, setup runs by itself. The host is faked in a private mount
// namespace: /run/systemd/system marks systemd as init, /run/pluto is
// empty (so a stop run by setup itself touches nothing real), and
// systemctl is a script that records its arguments.
func TestSetupThroughSystemctl(t *testing.T) {
	testenv.MustBeRoot(t)
	unshare := testenv.MustHaveCommand(t, "unshare")
	bin := testenv.Binary(t)
	fake := t.TempDir()
	rec := filepath.Join(fake, "record")
	systemctl := `#!/bin/sh
echo "$*" >> "$RECORD"
case "$1" in
is-enabled) exit $ENABLED ;;
esac
exit $STATUS
`
	if err := os.WriteFile(filepath.Join(fake, "systemctl"), []byte(systemctl), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		verb, enabled, status string
		wantOut, wantRecord   string
		wantStatus            int
	}{
		{"start", "0", "0", "Redirecting to: systemctl start goswan-ipsec.service\n",
			"is-enabled --quiet goswan-ipsec.service\nstart goswan-ipsec.service\n", 0},
		{"restart", "0", "0", "Redirecting to: systemctl restart goswan-ipsec.service\n",
			"is-enabled --quiet goswan-ipsec.service\nrestart goswan-ipsec.service\n", 0},
		{"stop", "0", "5", "Redirecting to: systemctl stop goswan-ipsec.service\n",
			"is-enabled --quiet goswan-ipsec.service\nstop goswan-ipsec.service\n", 5},
		{"stop", "1", "0", "IPsec not running; stop is a no-op\n",
			"is-enabled --quiet goswan-ipsec.service\n", 0},
	}
	for _, tc := range tests {
		t.Run(tc.verb+" enabled="+tc.enabled, func(t *testing.T) {
			os.Remove(rec)
			script := `mount -t tmpfs none /run/systemd && mkdir /run/systemd/system &&
mkdir -p /run/pluto && mount -t tmpfs none /run/pluto && exec "$@"`
			cmd := exec.Command(unshare, "-m", "--propagation", "private", "sh", "-c", script, "sh", bin, "setup", tc.verb)
			cmd.Env = []string{"PATH=" + fake + ":/usr/sbin:/usr/bin:/sbin:/bin", "RECORD=" + rec,
				"ENABLED=" + tc.enabled, "STATUS=" + tc.status}
			var out, errb strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			status := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				status = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(rec)
			if out.String() != tc.wantOut || status != tc.wantStatus || string(got) != tc.wantRecord {
				t.Errorf("ipsec setup %s = %q, status %d, systemctl %q; want %q, %d, %q (stderr %s)",
					tc.verb, out.String(), status, got, tc.wantOut, tc.wantStatus, tc.wantRecord, errb.String())
			}
		})
	}
}
