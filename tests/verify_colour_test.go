package tests

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"goswan/tests/testenv"
)

// TestVerifyColour runs verify on a real pseudo-terminal (script(1)):
// coloured there, not with NO_COLOR or --nocolour, never into a pipe.
func TestVerifyColour(t *testing.T) {
	script := testenv.MustHaveCommand(t, "script")
	bin := testenv.Binary(t)
	confs := t.TempDir()
	for _, tc := range []struct {
		name, cmd string
		env       []string
		colour    bool
	}{
		{"terminal", bin + " verify", nil, true},
		{"NO_COLOR", bin + " verify", []string{"NO_COLOR=1"}, false},
		{"--nocolour", bin + " verify --nocolour", nil, false},
		{"pipe", bin + " verify | cat", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(script, "-q", "-e", "-c", tc.cmd, "/dev/null")
			env := []string{"IPSEC_CONFS=" + confs}
			for _, e := range os.Environ() {
				if !strings.HasPrefix(e, "NO_COLOR=") {
					env = append(env, e)
				}
			}
			cmd.Env = append(env, tc.env...)
			out, _ := cmd.CombinedOutput()
			if got := strings.Contains(string(out), "\033[9"); got != tc.colour {
				t.Errorf("colour = %v, want %v:\n%q", got, tc.colour, out)
			}
			if !strings.Contains(string(out), "Checking rp_filter") {
				t.Fatalf("no report from %q:\n%s", tc.cmd, out)
			}
		})
	}
}
