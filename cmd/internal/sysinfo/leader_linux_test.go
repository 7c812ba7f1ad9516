package sysinfo

import (
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"goswan/tests/testenv"
)

// leader records what TestMain saw probing from the thread-group leader.
var leader struct {
	onLeader      bool
	before, after string
}

// TestMain probes once from the main goroutine locked to its thread, the
// thread-group leader when the process starts, before any test runs: the
// probe must not move that thread (and so /proc/self/net) into its
// throwaway namespace.
func TestMain(m *testing.M) {
	runtime.LockOSThread()
	leader.onLeader = unix.Gettid() == unix.Getpid()
	if leader.onLeader {
		b, _ := os.ReadFile("/proc/self/net/dev")
		leader.before = string(b)
		probeInThrowawayNetNS()
		b, _ = os.ReadFile("/proc/self/net/dev")
		leader.after = string(b)
	}
	runtime.UnlockOSThread()
	testenv.Main(m)
}

func TestProbeLeavesLeaderNetNS(t *testing.T) {
	if !leader.onLeader {
		t.Fatal("TestMain did not run on the thread-group leader, so the case could not be set up")
	}
	if leader.before != leader.after {
		t.Errorf("after the probe, /proc/self/net/dev changed (the leader thread moved namespace):\nbefore:\n%s\nafter:\n%s", leader.before, leader.after)
	}
}
