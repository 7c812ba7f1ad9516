package keys

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrExists is returned when a key file would be overwritten without
// permission.
var ErrExists = errors.New("file exists")

// WriteFile writes a key file atomically with mode 0600 under the file's
// lock (LockFile): the data goes to a temporary file in the same
// directory, is synced, and is renamed over path, so a reader (or a crash,
// even kill -9) sees the old file or the new one, never half of one.
// Without overwrite an existing path is refused; the check is made under
// the lock, so of two writers racing for a new file one wins and the other
// is refused.
func WriteFile(path string, data []byte, overwrite bool) error {
	return UpdateFile(path, func(old []byte, exists bool) ([]byte, error) {
		if exists && !overwrite {
			return nil, fmt.Errorf("writing key file %s: %w (use --force to replace it)", path, ErrExists)
		}
		return data, nil
	})
}

// AppendFile adds data to the end of the file at path (created 0600 when
// absent) by writing old contents plus data to a new file and renaming it
// into place, under the file's lock: the append is all or nothing, and
// concurrent appends all land.
func AppendFile(path string, data []byte) error {
	return UpdateFile(path, func(old []byte, _ bool) ([]byte, error) {
		return appendLine(old, data), nil
	})
}

func appendLine(old, data []byte) []byte {
	out := make([]byte, 0, len(old)+1+len(data))
	out = append(out, old...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return append(out, data...)
}

// UpdateFile is the read-modify-write every writer of a shared file goes
// through: it takes the file's lock (waiting at most LockTimeout), reads
// the current contents under it, and atomically replaces the file with
// what change returns (mode 0600). An error from change leaves the file as
// it was.
func UpdateFile(path string, change func(old []byte, exists bool) ([]byte, error)) error {
	l, err := LockFile(path, LockTimeout)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer l.Unlock()
	old, err := os.ReadFile(path)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	data, err := change(old, exists)
	if err != nil {
		return err
	}
	return replace(path, data)
}

// replace writes data to path through an O_EXCL temporary name (mode 0600
// from creation, whatever the umask) and a rename.
func replace(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".new-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	// CreateTemp makes the file 0600 already; say it for the reader.
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	ok = true
	// Make the rename itself durable.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
