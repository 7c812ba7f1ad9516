package tests

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"goswan/tests/testenv"
)

// runEnv runs a front end with exactly env and returns its output and
// exit status.
func runEnv(t *testing.T, env []string, argv ...string) (stdout, stderr string, status int, pid int) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		status = ee.ExitCode()
	case err != nil:
		t.Fatalf("%q: %v", argv, err)
	}
	return out.String(), errb.String(), status, cmd.Process.Pid
}

// TestPassThroughExec: the built ipsec replaces itself with a program of
// Libreswan's program directory (same process, as the shell's exec),
// with argv and exit status unchanged and the front end's environment.
func TestPassThroughExec(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	rec := filepath.Join(t.TempDir(), "record")
	script := `#!/bin/sh
{ echo "pid $$"; for a in "$0" "$@"; do echo "argv $a"; done; env | sed 's/^/env /'; } > "$RECORD"
exit 7
`
	if err := os.WriteFile(filepath.Join(dir, "ecdsasigkey"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=/usr/bin:/bin", "IPSEC_EXECDIR=" + dir, "RECORD=" + rec}
	_, stderr, status, pid := runEnv(t, env, bin, "--ctlsocket", "/run/x.ctl", "ecdsasigkey", "--seeddev", "/dev/urandom", "a b")
	if status != 7 {
		t.Fatalf("exit status %d, want the program's 7 (%s)", status, stderr)
	}
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	var argv []string
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		k, v, _ := strings.Cut(l, " ")
		switch k {
		case "argv":
			argv = append(argv, v)
		case "env":
			name, val, _ := strings.Cut(v, "=")
			got[name] = val
		default:
			got["$"+k] = v
		}
	}
	if want := []string{filepath.Join(dir, "ecdsasigkey"), "--seeddev", "/dev/urandom", "a b"}; !slices.Equal(argv, want) {
		t.Errorf("argv %q, want %q", argv, want)
	}
	if got["$pid"] != strconv.Itoa(pid) {
		t.Errorf("the program ran as pid %s, the front end was %d: not exec'ed", got["$pid"], pid)
	}
	for k, v := range map[string]string{"IPSEC_EXECDIR": dir, "CTLSOCKET": "/run/x.ctl", "IPSEC_CONF": "/etc/ipsec.conf",
		"IPSEC_RUNDIR": "/run/pluto", "IPSEC_VERSION": "0.1.0", "PATH": filepath.Dir(bin) + ":/usr/bin:/bin", "RECORD": rec} {
		if got[k] != v {
			t.Errorf("env %s = %q, want %q", k, got[k], v)
		}
	}
}

// TestCheckNSSLikeLibreswan: `ipsec checknss` and `ipsec initnss`, in
// every spelling, say and do what Libreswan's front end does: same
// output (directories aside), exit status and database files.
func TestCheckNSSLikeLibreswan(t *testing.T) {
	ls := testenv.MustHaveLibreswan(t)
	testenv.MustHaveCommand(t, "certutil")
	bin := testenv.Binary(t)
	tests := []struct {
		name  string
		args  []string
		setup func(t *testing.T, nss, confd string) // before the run
	}{
		{"checknss creates", []string{"checknss"}, nil},
		{"--checknss creates", []string{"--checknss"}, nil},
		{"initnss creates", []string{"initnss"}, nil},
		{"--checknss existing", []string{"--checknss"}, newDB},
		{"initnss existing", []string{"initnss"}, newDB},
		{"--initnss existing", []string{"--initnss"}, newDB},
		{"--nssdir", []string{"checknss", "--nssdir", "@NSS@"}, nil},
		{"-d existing", []string{"initnss", "-d", "@NSS@"}, newDB},
		{"--configdir", []string{"checknss", "--configdir", "@NSS@"}, nil},
		{"missing directory", []string{"checknss", "--nssdir", "@NSS@/none"}, nil},
		{"bad option", []string{"checknss", "--bogus"}, nil},
		{"old place moved", []string{"checknss"}, func(t *testing.T, nss, confd string) { newDB(t, confd, "") }},
		{"old place, initnss", []string{"initnss"}, func(t *testing.T, nss, confd string) { newDB(t, confd, "") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			type result struct {
				stdout, stderr string
				status         int
				files          []string
			}
			run := func(ipsec string) result {
				root := t.TempDir()
				nss, confd := filepath.Join(root, "nss"), filepath.Join(root, "ipsec.d")
				for _, d := range []string{nss, confd} {
					if err := os.Mkdir(d, 0o700); err != nil {
						t.Fatal(err)
					}
				}
				if tc.setup != nil {
					tc.setup(t, nss, confd)
				}
				args := []string{ipsec}
				for _, a := range tc.args {
					args = append(args, strings.ReplaceAll(a, "@NSS@", nss))
				}
				env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "IPSEC_NSSDIR=" + nss, "IPSEC_CONFDDIR=" + confd}
				out, errs, status, _ := runEnv(t, env, args...)
				var files []string
				filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
					if err == nil && !d.IsDir() {
						rel, _ := filepath.Rel(root, p)
						files = append(files, rel)
					}
					return nil
				})
				clean := func(s string) string { return strings.ReplaceAll(s, root, "ROOT") }
				return result{clean(out), clean(errs), status, files}
			}
			want, got := run(ls.Ipsec), run(bin)
			if got.stdout != want.stdout || got.stderr != want.stderr || got.status != want.status || !slices.Equal(got.files, want.files) {
				t.Errorf("ipsec %s:\ngoswan    %d %q %q %q\nLibreswan %d %q %q %q", strings.Join(tc.args, " "),
					got.status, got.stdout, got.stderr, got.files, want.status, want.stdout, want.stderr, want.files)
			}
		})
	}
}

// newDB creates an NSS database in dir.
func newDB(t *testing.T, dir, _ string) {
	t.Helper()
	if out, err := exec.Command("certutil", "-N", "-d", "sql:"+dir, "--empty-password").CombinedOutput(); err != nil {
		t.Fatalf("certutil -N: %v: %s", err, out)
	}
}

// TestNflogLikeLibreswan: `ipsec checknflog` sets up the same iptables
// NFLOG rules with the same words as Libreswan 4.10's front end, for
// config setup's nflog-all= (goswan reads it from ipsec.conf itself,
// Libreswan through its addconn). Each front end runs in its own network
// namespace, with the test's ipsec.conf mounted over /etc/ipsec.conf in a
// private mount namespace (Libreswan's addconn reads only that file).
// `ipsec stopnflog` removes the rules; Libreswan 4.10's does not (it runs
// "iptablese", a typo), an intended difference.
func TestNflogLikeLibreswan(t *testing.T) {
	ls := testenv.MustHaveLibreswan(t)
	unshare := testenv.MustHaveCommand(t, "unshare")
	testenv.MustHaveCommand(t, "iptables")
	bin := testenv.Binary(t)
	dir := t.TempDir()
	withGroup := filepath.Join(dir, "group.conf")
	without := filepath.Join(dir, "none.conf")
	if err := os.WriteFile(withGroup, []byte("config setup\n\tnflog-all=50\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(without, []byte("config setup\n\tuniqueids=yes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// steps runs each command line of one front end in ns, with conf as
	// /etc/ipsec.conf, and returns what each printed and the rules after.
	steps := func(ipsec string, ns *testenv.NetNS, lines ...[]string) []string {
		var got []string
		for _, l := range lines {
			conf, args := l[0], l[1:]
			script := `mount --bind "$1" /etc/ipsec.conf && shift && exec "$@"`
			argv := append([]string{unshare, "-m", "--propagation", "private", "sh", "-c", script, "sh", conf,
				"ip", "netns", "exec", ns.Name, ipsec}, args...)
			out, _, status, _ := runEnv(t, []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, argv...)
			rules, _ := ns.Command("iptables", "-S").CombinedOutput()
			got = append(got, fmt.Sprintf("ipsec %s: %d %q", strings.Join(args, " "), status, out), string(rules))
		}
		return got
	}
	lines := [][]string{
		{without, "checknflog"},
		{withGroup, "checknflog"},
		{withGroup, "--checknflog"},
		{without, "checknflog"},
		{withGroup, "nflog"},
	}
	want := steps(ls.Ipsec, testenv.NewNetNS(t, "gsunit"), lines...)
	ours := testenv.NewNetNS(t, "gsunit")
	got := steps(bin, ours, lines...)
	for i := range lines {
		out, rules := 2*i, 2*i+1
		if got[out] != want[out] {
			t.Errorf("step %d:\ngoswan    %s\nLibreswan %s", i+1, got[out], want[out])
		}
		// From step 4 on Libreswan 4.10 has kept the rules it failed to
		// delete (the "iptablese" typo); goswan deletes them.
		if i < 3 && got[rules] != want[rules] {
			t.Errorf("step %d: rules\ngoswan\n%s\nLibreswan\n%s", i+1, got[rules], want[rules])
		}
		if i == 3 && strings.Contains(got[rules], "NFLOG") {
			t.Errorf("step 4: checknflog without nflog-all= left rules:\n%s", got[rules])
		}
	}
	after := steps(bin, ours, []string{withGroup, "stopnflog"})
	if after[0] != `ipsec stopnflog: 0 ""` || strings.Contains(after[1], "NFLOG") {
		t.Errorf("stopnflog: %s, rules left:\n%s", after[0], after[1])
	}
}

// TestPlutoUpdownThroughGoswan: with goswan first on PATH as the site's
// ipsec, pluto's default updown command (`ipsec _updown`) comes through
// goswan to Libreswan's updown, so routing a conn works; before, goswan
// answered "unknown IPsec command" and every auto=route conn ended
// "could not route". The conn is added and routed with Libreswan 5's
// verbs (`ipsec add`, `ipsec route`), which run goswan's auto.
func TestPlutoUpdownThroughGoswan(t *testing.T) {
	bin := testenv.Binary(t)
	t.Setenv("PATH", filepath.Dir(bin)+":"+os.Getenv("PATH"))
	if p, err := exec.LookPath("ipsec"); err != nil || p != bin {
		t.Fatalf("ipsec on PATH is %q (%v), want goswan's %s", p, err, bin)
	}
	ns, peer := testenv.NewNetNS(t, "gsunit"), testenv.NewNetNS(t, "gsunit")
	testenv.Veth(t, ns, "va", "192.0.2.1/24", peer, "vb", "192.0.2.2/24")
	p := testenv.StartPluto(t, &testenv.PlutoOptions{NetNS: ns,
		Secrets: "192.0.2.1 192.0.2.2 : PSK \"not-a-real-secret-0123456789\"\n"})
	conf := filepath.Join(p.Dir, "conns.conf")
	if err := os.WriteFile(conf, []byte(`conn r
	left=192.0.2.1
	leftsubnet=10.1.0.0/24
	leftsourceip=10.1.0.1
	right=192.0.2.2
	rightsubnet=10.2.0.0/24
	authby=secret
	auto=route
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"add", "--config", conf, "r"}, {"route", "--config", conf, "r"}} {
		cmd := ns.Command(append([]string{bin, "--rundir", p.RunDir}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("ipsec %s: %v\n%s\npluto log:\n%s", strings.Join(args, " "), err, out, p.Log())
		}
		t.Logf("ipsec %s:\n%s", strings.Join(args, " "), out)
	}
	p.WaitLog("route-client", 5*time.Second)
	log := p.Log()
	for _, bad := range []string{"unknown IPsec command", "could not route", "exited with status"} {
		if strings.Contains(log, bad) {
			t.Errorf("pluto log has %q:\n%s", bad, log)
		}
	}
	// leftsourceip= makes Libreswan's updown add the source address and a
	// route to the peer's subnet from it.
	if out, _ := ns.IP("route", "show", "10.2.0.0/24"); !strings.Contains(out, "src 10.1.0.1") {
		t.Errorf("no route to rightsubnet after ipsec route (Libreswan's updown did not run): %q\n%s", out, log)
	}
}
