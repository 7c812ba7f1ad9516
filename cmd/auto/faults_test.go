package auto_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"goswan/tests/testenv"
)

// manyConns writes an ipsec.conf of n auto=add PSK conns c0..c(n-1).
func manyConns(t *testing.T, n int) string {
	var b strings.Builder
	b.WriteString("config setup\n\nconn %default\n\tleft=192.0.2.101\n\tleftid=@west\n\tauthby=secret\n\tauto=add\n\n")
	for i := range n {
		fmt.Fprintf(&b, "conn c%d\n\tright=198.18.%d.%d\n\trightid=@peer%d\n\n", i, i/250, i%250+1, i)
	}
	cfg := filepath.Join(t.TempDir(), "ipsec.conf")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestAddallConcurrent runs two auto --addall at once against one pluto:
// both succeed and pluto holds each conn once.
func TestAddallConcurrent(t *testing.T) {
	testenv.MustBeRoot(t)
	p := testenv.StartPluto(t, nil)
	const n = 40
	cfg := manyConns(t, n)
	var wg sync.WaitGroup
	res := make([]string, 2)
	codes := make([]int, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(testenv.Binary(t), "auto", "--config", cfg, "--ctlsocket", p.Ctl, "--addall")
			b, err := cmd.CombinedOutput()
			res[i] = string(b)
			if ee, ok := err.(*exec.ExitError); ok {
				codes[i] = ee.ExitCode()
			} else if err != nil {
				codes[i] = -1
			}
		}()
	}
	wg.Wait()
	for i := range 2 {
		if codes[i] != 0 {
			t.Errorf("auto --addall #%d: exit %d\n%s", i, codes[i], res[i])
		}
	}
	st := p.MustWhack(t, "--status")
	for i := range n {
		// One line per conn instance carries its policy: "cN": ...===...
		re := regexp.MustCompile(fmt.Sprintf(`(?m)"c%d": 192\.0\.2\.101`, i))
		if got := len(re.FindAllString(st, -1)); got != 1 {
			t.Errorf("conn c%d appears %d times in pluto, want once", i, got)
		}
	}
	if t.Failed() {
		t.Logf("pluto status:\n%s", st)
	}
}

// TestAddallPlutoKilled kills pluto (SIGKILL) while auto --addall loads
// 1,500 conns: auto stops within a bounded time, fails, and names the
// conns loaded and those not, which together are all of them.
func TestAddallPlutoKilled(t *testing.T) {
	testenv.MustBeRoot(t)
	p := testenv.StartPluto(t, nil)
	const n = 1500
	cfg := manyConns(t, n)
	b, err := os.ReadFile(filepath.Join(p.RunDir, "pluto.pid"))
	if err != nil {
		t.Fatalf("pluto pid file: %v", err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	cmd := exec.Command(testenv.Binary(t), "auto", "--config", cfg, "--ctlsocket", p.Ctl, "--addall")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if !p.WaitLog(`"c100"`, 60*time.Second) {
		t.Fatalf("pluto never logged conn c100:\n%s", p.Log())
	}
	syscall.Kill(pid, syscall.SIGKILL)
	start := time.Now()
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("auto --addall still running 60 s after pluto was killed")
	}
	t.Logf("auto stopped %v after pluto was killed", time.Since(start).Round(time.Millisecond))
	if err == nil {
		t.Fatalf("auto --addall succeeded although pluto was killed:\n%s", errb.String())
	}
	e := errb.String()
	if !strings.Contains(e, "pluto is not answering") {
		t.Errorf("error does not say pluto stopped answering:\n%.2000s", e)
	}
	m := regexp.MustCompile(`(?m)\bloaded \((\d+)\): .*\n.*not loaded \((\d+)\): (c\d+)`).FindStringSubmatch(e)
	if m == nil {
		t.Fatalf("no loaded / not loaded lists in:\n%.2000s", e)
	}
	loaded, _ := strconv.Atoi(m[1])
	notLoaded, _ := strconv.Atoi(m[2])
	t.Logf("loaded %d, not loaded %d, first not loaded %s", loaded, notLoaded, m[3])
	if loaded+notLoaded != n || loaded < 100 || notLoaded == 0 {
		t.Errorf("loaded %d + not loaded %d, want %d in all, at least 100 loaded and some not", loaded, notLoaded, n)
	}
}
