package setup_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"goswan/tests/testenv"
)

// plutosOf returns the pids of the pluto processes using rundir.
func plutosOf(rundir string) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if strings.TrimSpace(string(comm)) == "pluto" && strings.Contains(string(cmdline), rundir) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestConcurrentStartStop: five setup start at once make one pluto; then
// starts and stops racing each other leave a consistent state: a pid file
// naming the one pluto that runs, or no pid file and no pluto.
func TestConcurrentStartStop(t *testing.T) {
	testenv.MustBeRoot(t)
	ns := testenv.NewNetNS(t, "gsc")
	ns.MustIP(t, "link", "add", "w0", "type", "veth", "peer", "name", "w1")
	ns.AddAddr(t, "w0", "192.0.2.101/24")
	ns.MustIP(t, "link", "set", "w0", "up")
	ns.MustIP(t, "link", "set", "w1", "up")
	s := newSide(t, ns, conns)

	race := func(verbs ...string) []string {
		outs := make([]string, len(verbs))
		var wg sync.WaitGroup
		for i, v := range verbs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, code := s.setup(t, v)
				if code != 0 {
					t.Errorf("setup %s: exit %d\n%s", v, code, out)
				}
				outs[i] = out
			}()
		}
		wg.Wait()
		return outs
	}
	outs := race("start", "start", "start", "start", "start")
	started := 0
	for _, o := range outs {
		if strings.Contains(o, "pluto started") {
			started++
		}
	}
	if pids := plutosOf(s.rundir); started != 1 || len(pids) != 1 || pids[0] != s.pid(t) {
		t.Fatalf("5 concurrent starts: %d started pluto, plutos running %v, pid file %d; want one\n%s", started, pids, s.pid(t), strings.Join(outs, "\n"))
	}
	if st := s.whack(t, "--status"); strings.Count(st, `"psk": 198.51.100.0/24`) != 1 {
		t.Errorf("conn psk not loaded exactly once:\n%s", st)
	}
	for round := range 3 {
		race("stop", "start", "restart", "stop", "start")
		pids := plutosOf(s.rundir)
		pid := s.pid(t)
		switch {
		case pid == 0 && len(pids) == 0:
		case len(pids) == 1 && pids[0] == pid:
			if st := s.whack(t, "--status"); strings.Count(st, `"psk": 198.51.100.0/24`) != 1 {
				t.Errorf("round %d: conn psk not loaded exactly once:\n%s", round, st)
			}
		default:
			t.Fatalf("round %d: pid file %d, plutos running %v: inconsistent", round, pid, pids)
		}
		t.Logf("round %d: pid file %d, plutos %v", round, pid, pids)
	}
	if _, code := s.setup(t, "stop"); code != 0 || len(plutosOf(s.rundir)) != 0 {
		t.Errorf("final stop: exit %d, plutos left %v", code, plutosOf(s.rundir))
	}
}
