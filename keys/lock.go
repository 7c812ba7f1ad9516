package keys

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// LockTimeout is how long a writer waits for another writer of the same
// file before giving up with ErrLocked.
const LockTimeout = 30 * time.Second

// ErrLocked is returned when a lock stays held by someone else for the
// whole wait.
var ErrLocked = errors.New("locked by another writer")

// Lock is an exclusive advisory lock (flock) on a lock file. Writers that
// replace a file by rename cannot lock the file itself (the inode changes
// under them), so they agree on a lock file beside it.
type Lock struct {
	f    *os.File
	name string
}

// LockPath is the lock file that guards path: ".NAME.lock" in the same
// directory. It is created 0600 and never removed: removing it would let
// two writers hold locks on two different inodes.
func LockPath(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".lock")
}

// LockFile takes the lock guarding path, waiting at most wait; a lock that
// stays held fails with ErrLocked naming the lock file.
func LockFile(path string, wait time.Duration) (*Lock, error) {
	return lockAt(LockPath(path), wait)
}

// LockDir takes a lock named name inside dir (a run directory whose
// contents one program at a time may change).
func LockDir(dir, name string, wait time.Duration) (*Lock, error) {
	return lockAt(filepath.Join(dir, name), wait)
}

func lockAt(name string, wait time.Duration) (*Lock, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|unix.O_CLOEXEC, 0o600)
	if err != nil {
		// flock needs no write access: an existing lock file on a
		// read-only file system still locks, and the write then fails
		// naming the file it could not write.
		if ro, rerr := os.OpenFile(name, os.O_RDONLY|unix.O_CLOEXEC, 0); rerr == nil {
			f, err = ro, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", name, err)
	}
	deadline := time.Now().Add(wait)
	delay := time.Millisecond
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return &Lock{f: f, name: name}, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", name, err)
		}
		if !time.Now().Before(deadline) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w (waited %v)", name, ErrLocked, wait)
		}
		time.Sleep(delay)
		if delay < 50*time.Millisecond {
			delay *= 2
		}
	}
}

// Unlock releases the lock; the lock file stays.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the last descriptor releases the flock
	l.f = nil
	return err
}
