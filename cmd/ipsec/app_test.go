package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// testFrontEnd is a front end with buffers for its output and the given
// environment; programs run as children instead of replacing the test.
func testFrontEnd(env ...string) (*frontEnd, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	fe := &frontEnd{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, environ: env}
	fe.exec = forkExec(fe)
	return fe, &out, &errb
}

// forkExec runs a program as a child with the front end's output and
// returns its exit status, as execve would leave it to the caller.
func forkExec(fe *frontEnd) func(path string, argv, env []string) int {
	return func(path string, argv, env []string) int {
		cmd := &exec.Cmd{Path: path, Args: argv, Env: env, Stdout: fe.stdout, Stderr: fe.stderr}
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			return exitNotFound
		}
		return 0
	}
}

func runArgs(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	fe, out, errb := testFrontEnd(os.Environ()...)
	status = fe.run(args)
	return out.String(), errb.String(), status
}

func TestAppletNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range applets {
		c := a.command()
		if c.Name != a.name {
			t.Errorf("applet registered as %q builds command %q", a.name, c.Name)
		}
		if seen[c.Name] {
			t.Errorf("applet %q registered twice", c.Name)
		}
		seen[c.Name] = true
		if c.Usage == "" {
			t.Errorf("applet %q has no one-line summary", c.Name)
		}
	}
	for _, v := range verbs {
		for _, n := range append([]string{v.name}, v.aliases...) {
			if seen[n] {
				t.Errorf("verb %q is also an applet or another verb", n)
			}
			seen[n] = true
		}
	}
}

func TestDispatch(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "ipsec.conf")
	if err := os.WriteFile(conf, []byte("conn a\n\tleft=192.0.2.1\n\tauto=add\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
	}{
		{"front end", []string{"/usr/sbin/ipsec", "addconn", "--listall", "--config", conf}},
		{"ipsec_ link", []string{"/usr/libexec/ipsec/ipsec_addconn", "--listall", "--config", conf}},
		{"bare link", []string{"addconn", "--listall", "--config", conf}},
		{"global --config", []string{"ipsec", "--config", conf, "addconn", "--listall"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, status := runArgs(t, tc.args...)
			if status != 0 || out != "a\n" {
				t.Errorf("run(%q) = %q, %q, %d; want \"a\\n\", 0", tc.args, out, errs, status)
			}
		})
	}
}

// TestUnderscoreApplet: an applet whose name starts with "_" (pluto's
// `ipsec _updown`) dispatches like any other and is not listed by --help.
func TestUnderscoreApplet(t *testing.T) {
	saved := applets
	t.Cleanup(func() { applets = saved })
	applets = append(applets[:len(applets):len(applets)], appletEntry{"_probe", func() *cli.Command {
		return &cli.Command{Name: "_probe", Usage: "a test applet", Action: func(c *cli.Context) error {
			fmt.Fprintf(c.App.Writer, "probe %v\n", c.Args().Slice())
			return nil
		}}
	}})
	out, errs, status := runArgs(t, "ipsec", "_probe", "x")
	if status != 0 || out != "probe [x]\n" {
		t.Errorf("ipsec _probe x = %q, %q, %d; want \"probe [x]\\n\", 0", out, errs, status)
	}
	out, _, status = runArgs(t, "/usr/libexec/ipsec/_probe", "y")
	if status != 0 || out != "probe [y]\n" {
		t.Errorf("_probe y (link) = %q, %d", out, status)
	}
	help, _, _ := runArgs(t, "ipsec", "--help")
	if strings.Contains(help, "_probe") {
		t.Errorf("ipsec --help lists the hidden applet _probe:\n%s", help)
	}
}

func TestFrontEndOptions(t *testing.T) {
	t.Setenv("IPSEC_CONFS", "/srv/ipsec")
	t.Setenv("IPSEC_EXECDIR", "/opt/goswan/libexec/ipsec")
	tests := []struct {
		args       []string
		wantOut    string
		wantErr    string
		wantStatus int
	}{
		{[]string{"ipsec", "--versioncode"}, "0.1.0\n", "", 0},
		{[]string{"ipsec", "--confdir"}, "/srv/ipsec\n", "", 0},
		{[]string{"ipsec", "--directory"}, "/opt/goswan/libexec/ipsec\n", "", 0},
		{[]string{"ipsec", "directory"}, "/opt/goswan/libexec/ipsec\n", "", 0},
		{[]string{"ipsec", "readwriteconff"}, "", "ipsec: unknown IPsec command \"readwriteconff\" (did you mean \"readwriteconf\"?) (\"ipsec --help\" for list)\n", 2},
		{[]string{"ipsec", "statu"}, "", "ipsec: unknown IPsec command \"statu\" (did you mean \"status\"?) (\"ipsec --help\" for list)\n", 2},
		{[]string{"ipsec", "xyzzy"}, "", "ipsec: unknown IPsec command \"xyzzy\" (\"ipsec --help\" for list)\n", 2},
		{[]string{"ipsec", "--checknsss"}, "", "ipsec: unknown option \"--checknsss\" (did you mean \"--checknss\"?) (perhaps command name was omitted?)\n", 2},
		{[]string{"ipsec", "--rundir"}, "", "ipsec: option --rundir needs a value\n", 2},
		{[]string{"ipsec", "addconn", "--version"}, "ipsec addconn 0.1.0\n", "", 0},
		{[]string{"ipsec", "addconn", "--bogus"}, "", "ipsec addconn: flag provided but not defined: -bogus (\"ipsec addconn --help\" for usage)\n", 2},
		{[]string{"ipsec", "addconn"}, "", "", 2},
		{[]string{"ipsec", "rereadcrls"}, "ipsec auto: --rereadcrls and /etc/ipsec.d/crls/ are obsoleted. did you mean: ipsec crls\n", "", 1},
		{[]string{"ipsec", "up", "--help"}, "ipsec up [--config FILE] [--ctlsocket FILE] [--asynchronous] [--remote-host ADDR] [--verbose] [--dry-run] CONN\n", "", 0},
		{[]string{"ipsec", "status", "--bogus"}, "", "ipsec: status: unknown option \"--bogus\" (usage: ipsec status [CONN] [--ctlsocket FILE] [--utc] [--dry-run])\n", 2},
	}
	for _, tc := range tests {
		out, errs, status := runArgs(t, tc.args...)
		if status != tc.wantStatus || out != tc.wantOut || (tc.wantErr != "" && errs != tc.wantErr) {
			t.Errorf("run(%q) = %q, %q, %d; want %q, %q, %d", tc.args, out, errs, status, tc.wantOut, tc.wantErr, tc.wantStatus)
		}
	}
}

func TestHelpListsEveryApplet(t *testing.T) {
	out, _, status := runArgs(t, "ipsec", "--help")
	if status != 0 {
		t.Errorf("ipsec --help exit status %d, want 0", status)
	}
	for _, a := range applets {
		if strings.HasPrefix(a.name, "_") {
			continue // hidden, as Libreswan hides its _ programs (TestUnderscoreApplet)
		}
		c := a.command()
		if !strings.Contains(out, c.Name+" ") || !strings.Contains(out, c.Usage) {
			t.Errorf("ipsec --help does not list %q with its summary:\n%s", c.Name, out)
		}
	}
	for _, v := range verbs {
		if !strings.Contains(out, "\t"+v.name+" ") {
			t.Errorf("ipsec --help does not list the verb %q:\n%s", v.name, out)
		}
	}
	_, _, status = runArgs(t, "ipsec")
	if status != 2 {
		t.Errorf("ipsec without arguments: exit status %d, want 2", status)
	}
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"--version", "version"} {
		out, _, status := runArgs(t, "ipsec", arg)
		if status != 0 || !strings.HasPrefix(out, "goswan 0.1.0 ") {
			t.Errorf("ipsec %s = %q, %d", arg, out, status)
		}
	}
}
