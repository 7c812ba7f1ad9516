package pluto

import (
	"errors"
	"io/fs"
	"os"
	"time"

	"goswan/keys"
)

// RunDirLockWait bounds how long setup and auto wait for each other: a
// start loading many conns holds the lock for a while.
const RunDirLockWait = 5 * time.Minute

// LockRunDir serialises the programs that change one pluto: setup start,
// stop and restart, and auto's loads, so two starts make one pluto and
// two auto --addall load each conn once. The lock is
// DIR/.goswan.lock; a run directory that does not exist (no pluto) needs
// none, and nil is returned.
func LockRunDir(dir string, wait time.Duration) (*keys.Lock, error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return keys.LockDir(dir, ".goswan.lock", wait)
}
