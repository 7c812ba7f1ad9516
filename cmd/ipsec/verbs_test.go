package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// recorder is a fake Libreswan program: it writes its argv, one per line,
// then its environment to $RECORD, and exits with $EXIT_STATUS.
const recorder = `#!/bin/sh
{ for a in "$0" "$@"; do printf 'argv %s\n' "$a"; done; env | sed 's/^/env /'; } > "$RECORD"
exit ${EXIT_STATUS:-0}
`

// fakeExecDir makes a program directory holding recorders named names.
func fakeExecDir(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(recorder), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// record reads what a recorder wrote: its argv and its environment.
func record(t *testing.T, file string) (argv []string, env map[string]string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the program did not run: %v", err)
	}
	env = map[string]string{}
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if a, ok := strings.CutPrefix(l, "argv "); ok {
			argv = append(argv, a)
		} else if kv, ok := strings.CutPrefix(l, "env "); ok {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
	}
	return argv, env
}

// TestVerbs: what each front-end verb runs, goswan applet or Libreswan
// program with its argv, in both spellings where Libreswan has two.
func TestVerbs(t *testing.T) {
	dir := fakeExecDir(t, "whack", "pluto", "addconn")
	whack := filepath.Join(dir, "whack")
	ctl := "--ctlsocket"
	def := "/run/pluto/pluto.ctl"
	tests := []struct {
		args        []string
		wantApplet  []string // goswan applet run, or
		wantProgram []string // program argv executed, or
		wantBuiltin string   // the front end's own
	}{
		{args: []string{"start"}, wantApplet: []string{"setup", "start"}},
		{args: []string{"--start"}, wantApplet: []string{"setup", "start"}},
		{args: []string{"stop"}, wantApplet: []string{"setup", "stop"}},
		{args: []string{"--stop"}, wantApplet: []string{"setup", "stop"}},
		{args: []string{"restart"}, wantApplet: []string{"setup", "restart"}},
		{args: []string{"--restart"}, wantApplet: []string{"setup", "restart"}},
		{args: []string{"--rundir", "/r", "restart"}, wantApplet: []string{"setup", "--rundir", "/r", "restart"}},
		{args: []string{"--config", "/c.conf", "start", "--dry-run"}, wantApplet: []string{"setup", "--config", "/c.conf", "--showonly", "start"}},
		{args: []string{"start", "west"}, wantApplet: []string{"auto", "--start", "west"}},
		{args: []string{"start", "--asynchronous", "west"}, wantApplet: []string{"auto", "--asynchronous", "--start", "west"}},
		{args: []string{"add", "west"}, wantApplet: []string{"auto", "--add", "west"}},
		{args: []string{"--add", "west"}, wantApplet: []string{"auto", "--add", "west"}},
		{args: []string{"add", "west", "--config", "/c.conf", "--ctlsocket", "/s.ctl", "--verbose"}, wantApplet: []string{"auto", "--config", "/c.conf", "--ctlsocket", "/s.ctl", "--verbose", "--add", "west"}},
		{args: []string{"add", "--checkconfig"}, wantApplet: []string{"addconn", "--checkconfig"}},
		{args: []string{"checkconfig", "--config", "/c.conf"}, wantApplet: []string{"addconn", "--config", "/c.conf", "--checkconfig"}},
		{args: []string{"replace", "west"}, wantApplet: []string{"auto", "--replace", "west"}},
		{args: []string{"delete", "west"}, wantApplet: []string{"auto", "--delete", "west"}},
		{args: []string{"up", "west"}, wantApplet: []string{"auto", "--up", "west"}},
		{args: []string{"initiate", "west"}, wantApplet: []string{"auto", "--up", "west"}},
		{args: []string{"up", "--asynchronous", "west", "--remote-host", "192.0.2.9"}, wantApplet: []string{"auto", "--asynchronous", "--remote-host", "192.0.2.9", "--up", "west"}},
		{args: []string{"down", "west"}, wantApplet: []string{"auto", "--down", "west"}},
		{args: []string{"route", "west"}, wantApplet: []string{"auto", "--route", "west"}},
		{args: []string{"unroute", "west"}, wantApplet: []string{"auto", "--unroute", "west"}},
		{args: []string{"ondemand", "west"}, wantApplet: []string{"auto", "--ondemand", "west"}},
		{args: []string{"--rundir", "/r", "up", "west"}, wantApplet: []string{"auto", "--ctlsocket", "/r/pluto.ctl", "--up", "west"}},
		{args: []string{"auto", "--status"}, wantApplet: []string{"auto", "--status"}},
		{args: []string{"status"}, wantProgram: []string{whack, ctl, def, "--status"}},
		{args: []string{"--status"}, wantProgram: []string{whack, ctl, def, "--status"}},
		{args: []string{"--rundir", "/r", "status"}, wantProgram: []string{whack, ctl, "/r/pluto.ctl", "--status"}},
		{args: []string{"--ctlsocket", "/s.ctl", "status"}, wantProgram: []string{whack, ctl, "/s.ctl", "--status"}},
		{args: []string{"trafficstatus"}, wantProgram: []string{whack, ctl, def, "--trafficstatus"}},
		{args: []string{"--trafficstatus"}, wantProgram: []string{whack, ctl, def, "--trafficstatus"}},
		{args: []string{"traffic"}, wantProgram: []string{whack, ctl, def, "--trafficstatus"}},
		{args: []string{"--traffic"}, wantProgram: []string{whack, ctl, def, "--trafficstatus"}},
		{args: []string{"trafficstatus", "west"}, wantProgram: []string{whack, ctl, def, "--name", "west", "--trafficstatus"}},
		{args: []string{"globalstatus"}, wantProgram: []string{whack, ctl, def, "--globalstatus"}},
		{args: []string{"--globalstatus"}, wantProgram: []string{whack, ctl, def, "--globalstatus"}},
		{args: []string{"shuntstatus"}, wantProgram: []string{whack, ctl, def, "--shuntstatus"}},
		{args: []string{"--shuntstatus"}, wantProgram: []string{whack, ctl, def, "--shuntstatus"}},
		{args: []string{"briefstatus"}, wantProgram: []string{whack, ctl, def, "--briefstatus"}},
		{args: []string{"--briefstatus"}, wantProgram: []string{whack, ctl, def, "--briefstatus"}},
		{args: []string{"showstates"}, wantProgram: []string{whack, ctl, def, "--showstates"}},
		{args: []string{"--showstates"}, wantProgram: []string{whack, ctl, def, "--showstates"}},
		{args: []string{"fips"}, wantProgram: []string{whack, ctl, def, "--fipsstatus"}},
		{args: []string{"--fips"}, wantProgram: []string{whack, ctl, def, "--fipsstatus"}},
		{args: []string{"fipsstatus"}, wantProgram: []string{whack, ctl, def, "--fipsstatus"}},
		{args: []string{"secrets"}, wantProgram: []string{whack, ctl, def, "--rereadsecrets"}},
		{args: []string{"--secrets"}, wantProgram: []string{whack, ctl, def, "--rereadsecrets"}},
		{args: []string{"crls"}, wantProgram: []string{whack, ctl, def, "--fetchcrls"}},
		{args: []string{"--crls"}, wantProgram: []string{whack, ctl, def, "--fetchcrls"}},
		{args: []string{"fetchcrls"}, wantProgram: []string{whack, ctl, def, "--fetchcrls"}},
		{args: []string{"--fetchcrls"}, wantProgram: []string{whack, ctl, def, "--fetchcrls"}},
		{args: []string{"listall", "--utc"}, wantProgram: []string{whack, ctl, def, "--utc", "--listall"}},
		{args: []string{"connectionstatus", "west"}, wantProgram: []string{whack, ctl, def, "--name", "west", "--connectionstatus"}},
		{args: []string{"whack", "--listen"}, wantProgram: []string{whack, ctl, def, "--listen"}},
		{args: []string{"--rundir", "/r", "whack", "--status"}, wantProgram: []string{whack, ctl, "/r/pluto.ctl", "--status"}},
		{args: []string{"whack", "--ctlsocket", "/s.ctl", "--status"}, wantProgram: []string{whack, ctl, "/s.ctl", "--status"}},
		{args: []string{"checknss"}, wantBuiltin: "checknss"},
		{args: []string{"--checknss"}, wantBuiltin: "checknss"},
		{args: []string{"initnss"}, wantBuiltin: "checknss"},
		{args: []string{"--initnss"}, wantBuiltin: "checknss"},
		{args: []string{"checknflog"}, wantBuiltin: "checknflog"},
		{args: []string{"--checknflog"}, wantBuiltin: "checknflog"},
		{args: []string{"nflog"}, wantBuiltin: "checknflog"},
		{args: []string{"stopnflog"}, wantBuiltin: "stopnflog"},
		{args: []string{"--stopnflog"}, wantBuiltin: "stopnflog"},
		{args: []string{"pluto", "--nofork"}, wantProgram: []string{filepath.Join(dir, "pluto"), "--nofork"}},
		{args: []string{"addconn", "--checkconfig"}, wantApplet: []string{"addconn", "--checkconfig"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			fe, _, _ := testFrontEnd("IPSEC_EXECDIR="+dir, "PATH=/usr/bin:/bin")
			act, err := fe.resolve(tc.args)
			if err != nil {
				t.Fatalf("resolve(%q): %v", tc.args, err)
			}
			if !slices.Equal(act.Applet, tc.wantApplet) || !slices.Equal(act.Argv, tc.wantProgram) {
				t.Errorf("resolve(%q) = applet %q, program %q; want applet %q, program %q",
					tc.args, act.Applet, act.Argv, tc.wantApplet, tc.wantProgram)
			}
			if act.Builtin != tc.wantBuiltin {
				t.Errorf("resolve(%q).Builtin = %q, want %q", tc.args, act.Builtin, tc.wantBuiltin)
			}
			if tc.wantProgram != nil && act.Program != tc.wantProgram[0] {
				t.Errorf("resolve(%q).Program = %q, want %q", tc.args, act.Program, tc.wantProgram[0])
			}
		})
	}
}

// TestVerbExitStatus: a verb run by a Libreswan program exits with that
// program's status; one run by goswan with goswan's.
func TestVerbExitStatus(t *testing.T) {
	dir := fakeExecDir(t, "whack")
	rec := filepath.Join(t.TempDir(), "record")
	conf := filepath.Join(t.TempDir(), "ipsec.conf")
	if err := os.WriteFile(conf, []byte("conn west\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, status := range []string{"0", "1", "3", "20"} {
		for _, verb := range []string{"status", "--trafficstatus", "whack"} {
			fe, _, _ := testFrontEnd("IPSEC_EXECDIR="+dir, "RECORD="+rec, "EXIT_STATUS="+status, "PATH=/usr/bin:/bin")
			if got := fe.run([]string{"ipsec", verb}); got != atoi(status) {
				t.Errorf("ipsec %s with whack exiting %s: status %d", verb, status, got)
			}
		}
	}
	// goswan's auto: the conn is checked and found; whack (the recorder)
	// is then told to add it, and its status is auto's.
	fe, _, errb := testFrontEnd("IPSEC_EXECDIR="+dir, "RECORD="+rec, "EXIT_STATUS=0", "PATH=/usr/bin:/bin")
	if got := fe.run([]string{"ipsec", "add", "--config", conf, "--ctlsocket", filepath.Join(t.TempDir(), "none.ctl"), "nosuch"}); got == 0 {
		t.Errorf("ipsec add nosuch: status 0, want failure (%s)", errb)
	}
	if !strings.Contains(errb.String(), `conn "nosuch" not found`) {
		t.Errorf("ipsec add nosuch: stderr %q, want goswan's auto's message", errb)
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// TestPassThrough: a command that is neither applet nor verb runs the
// program of that name from the program directory with argv and exit
// status unchanged and both front ends' environment.
func TestPassThrough(t *testing.T) {
	dir := fakeExecDir(t, "_stackmanager", "algparse")
	rec := filepath.Join(t.TempDir(), "record")
	self := "/opt/goswan/sbin/ipsec"
	tests := []struct {
		name    string
		args    []string
		env     []string
		status  string
		wantEnv map[string]string
	}{
		{name: "defaults", args: []string{"_stackmanager", "start", "--verbose", "a b"}, status: "0",
			wantEnv: map[string]string{"IPSEC_EXECDIR": dir, "IPSEC_LIBDIR": dir, "IPSEC_DIR": dir,
				"IPSEC_CONFS": "/etc", "IPSEC_CONF": "/etc/ipsec.conf", "IPSEC_RUNDIR": "/run/pluto",
				"CTLSOCKET": "/run/pluto/pluto.ctl", "IPSEC_VERSION": "0.1.0", "EF_DISABLE_BANNER": "1",
				"PATH": "/opt/goswan/sbin:/usr/bin:/bin", "KEEP": "me"}},
		{name: "caller's settings", args: []string{"algparse", "-v", "esp=aes"}, status: "3",
			env: []string{"IPSEC_CONFS=/srv", "IPSEC_RUNDIR=/run/x", "IPSEC_VERSION=4.10"},
			wantEnv: map[string]string{"IPSEC_CONFS": "/srv", "IPSEC_CONF": "/srv/ipsec.conf",
				"IPSEC_RUNDIR": "/run/x", "CTLSOCKET": "/run/x/pluto.ctl", "IPSEC_VERSION": "4.10"}},
		{name: "front-end options", args: []string{"--ctlsocket", "/s.ctl", "--config", "/c.conf", "algparse"}, status: "42",
			wantEnv: map[string]string{"CTLSOCKET": "/s.ctl", "IPSEC_CONF": "/c.conf"}},
		{name: "PATH kept", args: []string{"algparse"}, status: "0", env: []string{"PATH=/opt/goswan/sbin:/bin"},
			wantEnv: map[string]string{"PATH": "/opt/goswan/sbin:/bin"}},
		{name: "PATH with a longer name", args: []string{"algparse"}, status: "0", env: []string{"PATH=/opt/goswan/sbin2:/bin"},
			wantEnv: map[string]string{"PATH": "/opt/goswan/sbin:/opt/goswan/sbin2:/bin"}},
		{name: "--rundir", args: []string{"--rundir", "/r", "_stackmanager", "stop"}, status: "1",
			wantEnv: map[string]string{"CTLSOCKET": "/r/pluto.ctl", "IPSEC_RUNDIR": "/run/pluto"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(rec)
			env := append([]string{"IPSEC_EXECDIR=" + dir, "RECORD=" + rec, "EXIT_STATUS=" + tc.status,
				"PATH=/usr/bin:/bin", "KEEP=me"}, tc.env...)
			fe, _, errb := testFrontEnd(env...)
			fe.self = self
			status := fe.run(append([]string{"ipsec"}, tc.args...))
			if status != atoi(tc.status) {
				t.Errorf("status %d, want %s (%s)", status, tc.status, errb)
			}
			argv, gotEnv := record(t, rec)
			i := slices.IndexFunc(tc.args, func(a string) bool { return !strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "/") })
			want := append([]string{filepath.Join(dir, tc.args[i])}, tc.args[i+1:]...)
			if !slices.Equal(argv, want) {
				t.Errorf("argv = %q, want %q", argv, want)
			}
			for k, v := range tc.wantEnv {
				if gotEnv[k] != v {
					t.Errorf("env %s = %q, want %q", k, gotEnv[k], v)
				}
			}
		})
	}
}

// TestPassThroughSkipsSelf: goswan linked into a program directory is not
// taken for a Libreswan program (it would call itself forever).
func TestPassThroughSkipsSelf(t *testing.T) {
	dir := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, filepath.Join(dir, "pluto")); err != nil {
		t.Fatal(err)
	}
	fe, _, _ := testFrontEnd("IPSEC_EXECDIR=" + dir)
	fe.self = self
	if p := fe.findProgram("pluto"); p == filepath.Join(dir, "pluto") {
		t.Errorf("findProgram(pluto) = %q: goswan itself", p)
	}
}

// TestUnknownSuggestsPrograms: "did you mean" knows Libreswan's programs.
func TestUnknownSuggestsPrograms(t *testing.T) {
	dir := fakeExecDir(t, "ecdsasigkey")
	fe, _, errb := testFrontEnd("IPSEC_EXECDIR=" + dir)
	if status := fe.run([]string{"ipsec", "ecdsasigkye"}); status != 2 {
		t.Errorf("status %d, want 2", status)
	}
	want := "ipsec: unknown IPsec command \"ecdsasigkye\" (did you mean \"ecdsasigkey\"?) (\"ipsec --help\" for list)\n"
	if errb.String() != want {
		t.Errorf("stderr %q, want %q", errb, want)
	}
}

// TestHelpListsPrograms: `ipsec --help` lists the programs of Libreswan's
// program directory that Libreswan's lists, not its _ helpers and not
// names goswan answers itself.
func TestHelpListsPrograms(t *testing.T) {
	dir := fakeExecDir(t, "algparse", "ecdsasigkey", "_stackmanager", "whack", "setup", "old.orig")
	fe, out, _ := testFrontEnd("IPSEC_EXECDIR=" + dir)
	if status := fe.run([]string{"ipsec", "--help"}); status != 0 {
		t.Fatalf("ipsec --help: status %d", status)
	}
	_, progs, ok := strings.Cut(out.String(), "Libreswan's programs, run from "+dir+":\n")
	if !ok {
		t.Fatalf("ipsec --help lists no programs of %s:\n%s", dir, out)
	}
	progs, _, _ = strings.Cut(progs, "\n\n")
	if got := strings.Fields(progs); !slices.Equal(got, []string{"algparse", "ecdsasigkey"}) {
		t.Errorf("ipsec --help lists programs %q, want [algparse ecdsasigkey]", got)
	}
}
