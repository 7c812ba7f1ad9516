package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/health"
	"goswan/cmd/internal/sysinfo"
)

// emptyRoot is a machine with nothing on it: every check must still answer.
func emptyRoot(t *testing.T) *sysinfo.Fake {
	return &sysinfo.Fake{Root: t.TempDir()}
}

func opts() Options {
	return Options{Config: "/etc/ipsec.conf", Secrets: "/etc/ipsec.secrets", RunDir: DefaultRunDir, NSSDir: DefaultNSSDir}
}

// TestLayout checks Libreswan's layout: label padded to 50 columns, a tab,
// the result in brackets; no colour unless asked.
func TestLayout(t *testing.T) {
	var b bytes.Buffer
	failed, err := Run(context.Background(), emptyRoot(t), opts(), &b)
	if err != nil {
		t.Fatal(err)
	}
	if failed == 0 {
		t.Errorf("Run on an empty root = 0 failures, want some")
	}
	out := b.String()
	if !strings.HasPrefix(out, health.Heading+"\n\n") {
		t.Errorf("output does not start with %q:\n%s", health.Heading, out)
	}
	line := regexp.MustCompile(`^(.{50,})\t\[([A-Z/ ]+)\]$`)
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "\t[") {
			n++
			if !line.MatchString(l) {
				t.Errorf("result line %q does not match the layout", l)
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d result lines:\n%s", n, out)
	}
	if strings.Contains(out, "\033[") {
		t.Errorf("colour without --colour")
	}
	if !strings.Contains(out, "Checking that pluto is running                    \t[FAILED]") {
		t.Errorf("pluto check missing or not FAILED:\n%s", out)
	}
	b.Reset()
	o := opts()
	o.Colour = true
	Run(context.Background(), emptyRoot(t), o, &b)
	if !strings.Contains(b.String(), "[\033[91mFAILED\033[0m]") {
		t.Errorf("no red FAILED with colour on")
	}
}

// TestJSON: one object per check with name, status and, for failures, a
// detail or hint; the failure count agrees with the text report.
func TestJSON(t *testing.T) {
	var b bytes.Buffer
	o := opts()
	o.JSON = true
	failed, err := Run(context.Background(), emptyRoot(t), o, &b)
	if err != nil {
		t.Fatal(err)
	}
	var checks []struct {
		Name, Status, Result, Detail, Hint string
	}
	if err := json.Unmarshal(b.Bytes(), &checks); err != nil {
		t.Fatalf("output is not a JSON array: %v\n%s", err, b.String())
	}
	nFailed := 0
	for _, c := range checks {
		if c.Name == "" || c.Status == "" || c.Result == "" {
			t.Errorf("incomplete check %+v", c)
		}
		if c.Status == "failed" {
			nFailed++
			if c.Detail == "" && c.Hint == "" {
				t.Errorf("failed check %q has neither detail nor hint", c.Name)
			}
		}
	}
	if nFailed != failed {
		t.Errorf("JSON has %d failed checks, Run returned %d", nFailed, failed)
	}
}

// TestColourWanted: never with NO_COLOR, never into a file or /dev/null.
func TestColourWanted(t *testing.T) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	for _, tc := range []struct {
		name    string
		w       io.Writer
		noColor bool
	}{
		{"buffer", &bytes.Buffer{}, false},
		{"dev null", devnull, false},
		{"NO_COLOR", devnull, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.noColor {
				t.Setenv("NO_COLOR", "1")
			}
			app := &cli.App{Writer: tc.w}
			if colourWanted(cli.NewContext(app, nil, nil)) {
				t.Errorf("colourWanted = true, want false")
			}
		})
	}
}

// TestNoSecretsInReport: broken manual keys in ipsec.conf and a broken
// entry in ipsec.secrets are reported by position, never by value.
func TestNoSecretsInReport(t *testing.T) {
	f := emptyRoot(t)
	for name, content := range map[string]string{
		"/etc/ipsec.conf": "conn m\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tspi=0x200\n\tesp=3des-md5-96\n" +
			"\tespenckey=0xVFYMARKENC\n\tespauthkey=VFYMARKAUTH\n\tahkey=0x0123\n\tauto=manual\n",
		"/etc/ipsec.secrets": "@a : PSK \"VFYMARKPSK\n@b : PSK 0xVFYMARKHEX\n@c : XAUTH VFYMARKBARE extra\n",
	} {
		if err := f.WriteFile(name, content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, js := range []bool{false, true} {
		var b bytes.Buffer
		o := opts()
		o.JSON = js
		if _, err := Run(context.Background(), f, o, &b); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "VFYMARK") {
			t.Errorf("report (json=%v) shows a secret:\n%s", js, b.String())
		}
		if !strings.Contains(b.String(), "/etc/ipsec.secrets:1:") || !strings.Contains(b.String(), "/etc/ipsec.conf:6:") {
			t.Errorf("report (json=%v) lacks the positions of the errors:\n%s", js, b.String())
		}
	}
}
