package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runArgs(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	var out, errb bytes.Buffer
	status = run(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), status
}

func TestAppletNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, mk := range applets {
		c := mk()
		if seen[c.Name] {
			t.Errorf("applet %q registered twice", c.Name)
		}
		seen[c.Name] = true
		if c.Usage == "" {
			t.Errorf("applet %q has no one-line summary", c.Name)
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
		{[]string{"ipsec", "readwriteconff"}, "", "ipsec: unknown IPsec command \"readwriteconff\" (did you mean \"readwriteconf\"?) (\"ipsec --help\" for the list of commands)\n", 2},
		{[]string{"ipsec", "xyzzy"}, "", "ipsec: unknown IPsec command \"xyzzy\" (\"ipsec --help\" for the list of commands)\n", 2},
		{[]string{"ipsec", "addconn", "--version"}, "ipsec addconn 0.1.0\n", "", 0},
		{[]string{"ipsec", "addconn", "--bogus"}, "", "ipsec addconn: flag provided but not defined: -bogus (\"ipsec addconn --help\" for usage)\n", 2},
		{[]string{"ipsec", "addconn"}, "", "", 2},
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
	for _, mk := range applets {
		c := mk()
		if !strings.Contains(out, c.Name+" ") || !strings.Contains(out, c.Usage) {
			t.Errorf("ipsec --help does not list %q with its summary:\n%s", c.Name, out)
		}
	}
	_, _, status = runArgs(t, "ipsec")
	if status != 2 {
		t.Errorf("ipsec without arguments: exit status %d, want 2", status)
	}
}

func TestVersion(t *testing.T) {
	out, _, status := runArgs(t, "ipsec", "--version")
	if status != 0 || !strings.HasPrefix(out, "goswan 0.1.0 ") {
		t.Errorf("ipsec --version = %q, %d", out, status)
	}
}
