// Package keys_test drives the built ipsec binary's key applets (ranbits,
// rsasigkey, newhostkey, showhostkey) end to end and checks them against
// the real Libreswan 4.10: its NSS tools, its showhostkey, two plutos that
// authenticate with our keys, and a real BIND serving our records.
package keys_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"goswan/tests/testenv"
)

// result is what one run of a program gave.
type result struct {
	stdout, stderr string
	code           int
}

// ipsec runs the built binary with args.
func ipsec(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return runCmd(t, env, testenv.Binary(t), args...)
}

func runCmd(t *testing.T, env []string, prog string, args ...string) result {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", prog, err)
	}
	return result{out.String(), errb.String(), code}
}

// must runs a program that has to succeed and returns its stdout.
func must(t *testing.T, prog string, args ...string) string {
	t.Helper()
	r := runCmd(t, nil, prog, args...)
	if r.code != 0 {
		t.Fatalf("%s %s: exit %d\n%s%s", filepath.Base(prog), strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// ok runs our binary, which has to succeed.
func ok(t *testing.T, args ...string) string {
	t.Helper()
	r := ipsec(t, nil, args...)
	if r.code != 0 {
		t.Fatalf("ipsec %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// newNSSDB makes an empty NSS database as `ipsec initnss` does.
func newNSSDB(t *testing.T) string {
	t.Helper()
	certutil := testenv.MustHaveCommand(t, "certutil")
	dir := filepath.Join(t.TempDir(), "nss")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	must(t, certutil, "-N", "-d", "sql:"+dir, "--empty-password")
	return dir
}

// writeFile writes a test input file.
func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// listField returns field n (1-based after "<NN>") of the first --list
// line: 3 is the key id, 5 the CKAID.
func listField(t *testing.T, list string, n int) string {
	t.Helper()
	line, _, _ := strings.Cut(list, "\n")
	_, rest, found := strings.Cut(line, ">")
	f := strings.Fields(rest)
	if !found || len(f) < n {
		t.Fatalf("unexpected --list output %q", list)
	}
	return f[n-1]
}
