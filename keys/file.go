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

// WriteFile writes a key file atomically with mode 0600: the data goes to
// a temporary file in the same directory, is synced, and is renamed over
// path, so a reader (or a crash, even kill -9) sees the old file or the new
// one, never half of one. Without overwrite an existing path is refused.
func WriteFile(path string, data []byte, overwrite bool) error {
	if !overwrite {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("writing key file %s: %w (use --force to replace it)", path, ErrExists)
		}
	}
	return replace(path, data)
}

// AppendFile adds data to the end of the file at path (created 0600 when
// absent) by writing old contents plus data to a new file and renaming it
// into place: the append is all or nothing. The result is mode 0600.
func AppendFile(path string, data []byte) error {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if len(old) > 0 && old[len(old)-1] != '\n' {
		old = append(old, '\n')
	}
	return replace(path, append(old, data...))
}

func replace(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".new-*")
	if err != nil {
		return fmt.Errorf("writing key file %s: %w", path, err)
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
		return fmt.Errorf("writing key file %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("writing key file %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("writing key file %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing key file %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("writing key file %s: %w", path, err)
	}
	ok = true
	// Make the rename itself durable.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
