package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// RunVM boots Debian's kernel under QEMU with scripts/esp-vm.sh on the test
// directory dir (which holds run.sh and what it needs) and returns what the
// VM printed on its console and the script's error. A machine that cannot
// start QEMU (the script's exit status 3) makes the test unavailable, which
// fails it in strict mode.
func RunVM(t testing.TB, dir string) ([]byte, error) {
	t.Helper()
	return RunVMTimeout(t, dir, 240*time.Second)
}

// RunVMTimeout is RunVM for a test whose guest needs longer than 240 s
// (VM_TIMEOUT of esp-vm.sh).
func RunVMTimeout(t testing.TB, dir string, limit time.Duration) ([]byte, error) {
	t.Helper()
	bash := MustHaveCommand(t, "bash")
	script := filepath.Join(ModuleRoot(), "scripts", "esp-vm.sh")
	console := filepath.Join(t.TempDir(), "console.log")
	ctx, cancel := context.WithTimeout(context.Background(), limit+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, script, dir)
	cmd.Env = append(os.Environ(), "CONSOLE_LOG="+console, fmt.Sprintf("VM_TIMEOUT=%d", int(limit.Seconds())))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("esp-vm.sh took %s:\n%s", time.Since(start).Round(time.Second), stderr.String())
	log, _ := os.ReadFile(console)
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 3 {
		Unavailable(t, "QEMU VM with an ESP kernel: %s", strings.TrimSpace(stderr.String()))
	}
	return log, err
}
