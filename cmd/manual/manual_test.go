package manual

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
)

var update = flag.Bool("update", false, "rewrite golden files")

const marker = "5ec7"

// runManual runs the applet as `ipsec manual ARGS` and returns stdout,
// stderr and the exit status.
func runManual(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	app := &cli.App{
		Name:           "ipsec",
		Writer:         &out,
		ErrWriter:      &errb,
		Commands:       []*cli.Command{Command()},
		ExitErrHandler: func(*cli.Context, error) {},
	}
	err := app.Run(append([]string{"ipsec", "manual"}, args...))
	code := applet.Report(&errb, "manual", err)
	return out.String(), errb.String(), code
}

// TestShowonlyGolden prints plans without touching the kernel (--iam
// gives the orientation) and compares them with the goldens.
func TestShowonlyGolden(t *testing.T) {
	conf := filepath.Join("testdata", "ipsec.conf")
	tests := []struct {
		name string
		args []string
	}{
		{"man-up-left", []string{"--iam", "192.0.2.1@eth0", "--up", "man"}},
		{"man-up-right", []string{"--iam", "192.0.2.2@eth1", "--up", "man"}},
		{"man-up-other", []string{"--iam", "192.0.2.1@eth0", "--other", "--up", "man"}},
		{"man-down-left", []string{"--iam", "192.0.2.1@eth0", "--down", "man"}},
		{"man-route", []string{"--iam", "192.0.2.1@eth0", "--route", "man"}},
		{"trans-up", []string{"--iam", "192.0.2.2@eth0", "--up", "trans"}},
		{"ah-up-v6", []string{"--iam", "2001:db8::1@eth0", "--up", "ah"}},
		{"ah-unroute", []string{"--iam", "2001:db8::1@eth0", "--unroute", "ah"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := runManual(append([]string{"--config", conf, "--showonly"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", code, errs)
			}
			if strings.Contains(strings.ToLower(out+errs), marker) {
				t.Fatalf("key material in output:\n%s%s", out, errs)
			}
			golden := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test -update writes it)", err)
			}
			if out != string(want) {
				t.Errorf("output differs from %s:\n%s", golden, out)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	conf := filepath.Join("testdata", "ipsec.conf")
	tests := []struct {
		name     string
		args     []string
		code     int
		wantErrs []string
	}{
		{"no op", []string{"man"}, 2, []string{"nothing to do"}},
		{"two ops", []string{"--up", "--down", "man"}, 2, []string{"--up and --down cannot be combined"}},
		{"no conn", []string{"--up"}, 2, []string{"no conn named"}},
		{"bad iam", []string{"--iam", "eth0", "--up", "man"}, 2, []string{"want ADDRESS@INTERFACE"}},
		{"unknown conn", []string{"--showonly", "--iam", "192.0.2.1@eth0", "--up", "mann"}, 1, []string{`no conn "mann"`, `did you mean "man"?`}},
		{"weak", []string{"--showonly", "--iam", "192.0.2.1@eth0", "--up", "weak"}, 1, []string{
			"testdata/ipsec.conf:38:2: esp=\"aes128\" refused: encryption without authentication",
			`ipsec manual: fatal error in "weak"`}},
		{"not manual", []string{"--showonly", "--iam", "192.0.2.1@eth0", "--up", "auto"}, 1, []string{"not a manually keyed conn"}},
		{"not this host", []string{"--showonly", "--iam", "198.51.100.7@eth0", "--up", "man"}, 1, []string{"neither left=192.0.2.1 nor right=192.0.2.2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := runManual(append([]string{"--config", conf}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, errs)
			}
			for _, w := range tc.wantErrs {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			if strings.Contains(strings.ToLower(out+errs), marker) {
				t.Errorf("key material in output:\n%s%s", out, errs)
			}
		})
	}
}

func TestObsoleteSyntax(t *testing.T) {
	_, errs, code := runManual("--config", filepath.Join("testdata", "ipsec.conf"), "--showonly", "--iam", "192.0.2.1@eth0", "man", "up")
	if code != 0 || !strings.Contains(errs, "obsolete command syntax used") {
		t.Errorf("ipsec manual man up: exit %d, stderr %q", code, errs)
	}
}
