package tests

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"goswan/secrets"
	"goswan/tests/testenv"
)

// TestNewhostkeyConcurrentWriters starts ten newhostkey processes on one
// secrets file at once: every one succeeds and all ten keys are in the
// file, which parses.
func TestNewhostkeyConcurrentWriters(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "ipsec.secrets")
	const n = 10
	var wg sync.WaitGroup
	errs := make([]string, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			cmd := exec.Command(bin, "newhostkey", "--quiet", "--bits", "2048", "--output", out,
				"--hostname", "writers.example", "--id", fmt.Sprintf("@h%d.example.com", i))
			if b, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Sprintf("writer %d: %v: %s", i, err, b)
			}
		}()
	}
	close(start)
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Error(e)
		}
	}
	f, err := secrets.Load(out)
	if err != nil {
		t.Fatalf("secrets.Load(%s) after %d writers: %v", out, n, err)
	}
	got := map[string]bool{}
	for _, e := range f.ByKind(secrets.RSA) {
		for _, id := range e.IDs {
			got[id.String()] = true
		}
	}
	for i := range n {
		if id := fmt.Sprintf("@h%d.example.com", i); !got[id] {
			t.Errorf("key for %s lost (file has %d RSA keys)", id, len(f.ByKind(secrets.RSA)))
		}
	}
	fi, _ := os.Stat(out)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s mode %v, want 0600", out, fi.Mode().Perm())
	}
	assertOnlyFiles(t, dir, "ipsec.secrets", ".ipsec.secrets.lock")
}

// TestNewhostkeyKilled kills newhostkey with SIGKILL at random moments
// while other writers keep appending: the file always parses, and holds
// every key whose writer reported success.
func TestNewhostkeyKilled(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "ipsec.secrets")
	rng := rand.New(rand.NewPCG(1, 2))
	var done []string
	for i := range 8 {
		id := fmt.Sprintf("@k%d.example.com", i)
		cmd := exec.Command(bin, "newhostkey", "--quiet", "--bits", "2048", "--output", out,
			"--hostname", "killed.example", "--id", id)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wait := make(chan error, 1)
		go func() { wait <- cmd.Wait() }()
		select {
		case err := <-wait:
			if err == nil {
				done = append(done, id)
			}
		case <-time.After(time.Duration(rng.IntN(400)) * time.Millisecond):
			cmd.Process.Signal(syscall.SIGKILL)
			if err := <-wait; err == nil {
				done = append(done, id)
			}
		}
		if _, err := os.Stat(out); err != nil {
			continue // killed before the first write
		}
		f, err := secrets.Load(out)
		if err != nil {
			t.Fatalf("after writer %d: %s does not parse: %v", i, out, err)
		}
		have := map[string]bool{}
		for _, e := range f.ByKind(secrets.RSA) {
			for _, id := range e.IDs {
				have[id.String()] = true
			}
		}
		for _, id := range done {
			if !have[id] {
				t.Errorf("after writer %d: key %s reported stored is missing", i, id)
			}
		}
	}
	// kill -9 can leave an O_EXCL temporary file, never a damaged secrets file.
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() != "ipsec.secrets" && e.Name() != ".ipsec.secrets.lock" && !strings.HasPrefix(e.Name(), ".ipsec.secrets.new-") {
			t.Errorf("unexpected file %s", e.Name())
		}
	}
	t.Logf("%d of 8 writers completed before their kill", len(done))
}

// TestWritersMode0600 checks every file newhostkey writes (secrets, PEM,
// PKCS#12) and barf --output is 0600 under a umask of 0 and goes through
// an O_EXCL temporary name (no file but the result and the lock remain).
func TestWritersMode0600(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("secret-pw\n"), 0o600)
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	cmd := exec.Command(bin, "newhostkey", "--quiet", "--bits", "2048",
		"--output", filepath.Join(dir, "ipsec.secrets"), "--hostname", "mode.example",
		"--pem", filepath.Join(dir, "key.pem"), "--pkcs12", filepath.Join(dir, "key.p12"), "--password-file", pw)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("newhostkey: %v: %s", err, b)
	}
	conf := filepath.Join(dir, "ipsec.conf")
	os.WriteFile(conf, []byte("config setup\n"), 0o600)
	cmd = exec.Command(bin, "barf", "--timeout", "2s", "--output", filepath.Join(dir, "barf.out"))
	cmd.Env = append(os.Environ(), "IPSEC_CONFS="+dir)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Logf("barf: %v: %s", err, lastLines(b, 5))
	}
	for _, f := range []string{"ipsec.secrets", "key.pem", "key.p12", "barf.out"} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v under umask 0, want 0600", f, fi.Mode().Perm())
		}
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".new-") || strings.HasPrefix(e.Name(), ".barf-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func lastLines(b []byte, n int) []byte {
	l := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return bytes.Join(l, []byte("\n"))
}

// assertOnlyFiles fails unless dir holds exactly names.
func assertOnlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if !want[e.Name()] {
			t.Errorf("%s: unexpected file %s left behind", dir, e.Name())
		}
		delete(want, e.Name())
	}
	for n := range want {
		t.Errorf("%s: %s missing", dir, n)
	}
}

// TestNewhostkeyDiskFull runs newhostkey on a secrets file in a small tmpfs
// that is full (mounted in a private mount namespace, so it disappears with
// the child), then on one remounted read-only: each fails naming the path,
// and the old file is byte for byte intact.
func TestNewhostkeyDiskFull(t *testing.T) {
	testenv.MustBeRoot(t)
	unshare := testenv.MustHaveCommand(t, "unshare")
	bin := testenv.Binary(t)
	mnt := t.TempDir()
	script := `set -e
mount -t tmpfs -o size=256k goswan-full "$M"
printf '# old\n: PSK "old-secret"\n' > "$M/ipsec.secrets"
chmod 600 "$M/ipsec.secrets"
before=$(sha256sum < "$M/ipsec.secrets")
dd if=/dev/zero of="$M/filler" bs=4k 2>/dev/null || true
set +e
"$BIN" newhostkey --quiet --bits 2048 --hostname full.example --id @full.example --output "$M/ipsec.secrets"
echo "full-status=$?"
[ "$(sha256sum < "$M/ipsec.secrets")" = "$before" ] && echo full-intact
rm -f "$M/filler"
mount -o remount,ro "$M"
"$BIN" newhostkey --quiet --bits 2048 --hostname full.example --id @ro.example --output "$M/ipsec.secrets"
echo "ro-status=$?"
[ "$(sha256sum < "$M/ipsec.secrets")" = "$before" ] && echo ro-intact
echo "files: $(ls -A "$M" | tr '\n' ' ')"
`
	cmd := exec.Command(unshare, "--mount", "--propagation", "private", "sh", "-c", script)
	cmd.Env = append(os.Environ(), "M="+mnt, "BIN="+bin)
	b, err := cmd.CombinedOutput()
	out := string(b)
	if err != nil {
		t.Fatalf("mount namespace script: %v\n%s", err, out)
	}
	for _, want := range []string{
		"full-status=1", "full-intact", "ro-status=1", "ro-intact",
		"writing " + mnt + "/ipsec.secrets: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "no space left on device") {
		t.Errorf("disk-full error does not say so:\n%s", out)
	}
	if !strings.Contains(out, "read-only file system") {
		t.Errorf("read-only error does not say so:\n%s", out)
	}
	if strings.Contains(out, "old-secret") {
		t.Errorf("secret leaked into output:\n%s", out)
	}
	if !strings.Contains(out, "files: .ipsec.secrets.lock ipsec.secrets \n") {
		t.Errorf("temporary file left in the full file system:\n%s", out)
	}
}
