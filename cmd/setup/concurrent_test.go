package setup_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

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

// TestStartPlutoKilledMidLoad kills pluto while setup start loads 1,500
// conns: start fails naming the conns loaded and not, and leaves no pid
// file or socket claiming a pluto runs.
func TestStartPlutoKilledMidLoad(t *testing.T) {
	testenv.MustBeRoot(t)
	ns := testenv.NewNetNS(t, "gsk")
	ns.MustIP(t, "link", "add", "w0", "type", "veth", "peer", "name", "w1")
	ns.AddAddr(t, "w0", "192.0.2.101/24")
	ns.MustIP(t, "link", "set", "w0", "up")
	var b strings.Builder
	b.WriteString("conn %default\n\tleft=192.0.2.101\n\tleftid=@west\n\tauthby=secret\n\tauto=add\n\n")
	for i := range 1500 {
		fmt.Fprintf(&b, "conn c%d\n\tright=198.18.%d.%d\n\trightid=@peer%d\n\n", i, i/250, i%250+1, i)
	}
	s := newSide(t, ns, b.String())
	type result struct {
		out  string
		code int
	}
	done := make(chan result, 1)
	go func() {
		out, code := s.setup(t, "start")
		done <- result{out, code}
	}()
	if !s.p.WaitLog(`"c100"`, 60*time.Second) {
		t.Fatalf("pluto never logged conn c100:\n%s", s.p.Log())
	}
	pids := plutosOf(s.rundir)
	if len(pids) != 1 {
		t.Fatalf("plutos running: %v, want one", pids)
	}
	t.Logf("killing pluto %d (pid file %d)", pids[0], s.pid(t))
	syscall.Kill(pids[0], syscall.SIGKILL)
	var r result
	select {
	case r = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("setup start still running 60 s after pluto was killed")
	}
	if r.code == 0 {
		t.Fatalf("setup start succeeded although pluto was killed:\n%s", r.out)
	}
	for _, want := range []string{"pluto is not answering", "loaded (", "not loaded (", "pid file and socket are removed"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("setup start output lacks %q:\n%s", want, lastLines(r.out, 8))
		}
	}
	for _, f := range []string{"pluto.pid", "pluto.ctl"} {
		if _, err := os.Stat(filepath.Join(s.rundir, f)); err == nil {
			t.Errorf("%s left in the run directory after pluto died", f)
		}
	}
	if out, code := s.setup(t, "status"); code != 3 {
		t.Errorf("status after the failed start: exit %d, want 3 (stopped)\n%s", code, out)
	}
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}
