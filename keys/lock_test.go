package keys

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestLockTimeout(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ipsec.secrets")
	l, err := LockFile(p, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	start := time.Now()
	_, err = LockFile(p, 200*time.Millisecond)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("LockFile while held = %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("LockFile gave up after %v, want about 200ms", d)
	}
	want := fmt.Sprintf("locking %s: locked by another writer (waited 200ms)", LockPath(p))
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	l.Unlock()
	l2, err := LockFile(p, 200*time.Millisecond)
	if err != nil {
		t.Fatalf("LockFile after Unlock: %v", err)
	}
	l2.Unlock()
}

// TestAppendFileConcurrent: appends from many goroutines (each its own
// open file description, as separate processes have) all land.
func TestAppendFileConcurrent(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s")
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := AppendFile(p, fmt.Appendf(nil, "line %d\n", i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	b, _ := os.ReadFile(p)
	for i := range 20 {
		if !strings.Contains(string(b), fmt.Sprintf("line %d\n", i)) {
			t.Errorf("line %d lost: %q", i, b)
		}
	}
}

// TestWriteFileUmask0 checks the key file is 0600 even under a umask of 0,
// through an O_EXCL temporary name that is gone afterwards.
func TestWriteFileUmask0(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	p := filepath.Join(dir, "k")
	if err := WriteFile(p, []byte("x"), false); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{p, LockPath(p)} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v under umask 0, want 0600", f, fi.Mode().Perm())
		}
	}
}

// TestUpdateFileError: an error from the change leaves the file as it was.
func TestUpdateFileError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "k")
	os.WriteFile(p, []byte("old"), 0o600)
	boom := errors.New("boom")
	if err := UpdateFile(p, func([]byte, bool) ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("UpdateFile = %v, want boom", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Errorf("file = %q after a failed update, want old", b)
	}
}
