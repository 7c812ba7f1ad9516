package tests

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

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
