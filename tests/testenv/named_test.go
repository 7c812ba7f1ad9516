package testenv

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestStartNamed starts a private named, asks it for each zone's SOA with
// dig, and checks the process is gone after the test's cleanup.
func TestStartNamed(t *testing.T) {
	var pid int
	t.Run("serve", func(t *testing.T) {
		n := StartNamedConfig(t, NamedConfig{InsecureZones: []string{"open.example"}, ReadOnlyZones: []string{"ro.example"}})
		for _, z := range n.Zones {
			if got := n.Dig(t, z, "SOA"); !strings.Contains(got, "\tSOA\tns1.example.com. hostmaster.example.com. 1 ") {
				t.Errorf("dig %s SOA = %q", z, got)
			}
		}
		b, err := os.ReadFile(filepath.Join(n.Dir, "named.pid"))
		if err != nil {
			t.Fatal(err)
		}
		if pid, err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
			t.Fatal(err)
		}
		key, _ := os.ReadFile(n.KeyFile)
		if fi, err := os.Stat(n.KeyFile); err != nil || fi.Mode().Perm() != 0o600 || !strings.Contains(string(key), n.Secret) {
			t.Errorf("key file %s: mode %v, %v", n.KeyFile, fi.Mode(), err)
		}
	})
	if pid == 0 {
		return
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("named (pid %d) still runs after its test ended", pid)
	}
}
