package token

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
)

func TestReadFileBounds(t *testing.T) {
	long := strings.Repeat("x", MaxLineLen+1)
	tests := []struct {
		name, in, wantErr string
	}{
		{"ok", "a\nb\n", ""},
		{"longest line", strings.Repeat("x", MaxLineLen) + "\n", ""},
		{"long first line", long, "f:1:65537: line longer than 65536 bytes; refused"},
		{"long later line", "a\n\n" + long + "\nb\n", "f:3:65537: line longer than 65536 bytes; refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{"f": {Data: []byte(tc.in)}}
			got, err := ReadFile(fsys, "f", "f")
			if tc.wantErr == "" {
				if err != nil || string(got) != tc.in {
					t.Fatalf("ReadFile = %d bytes, %v; want the input", len(got), err)
				}
				return
			}
			var perr *Error
			if !errors.As(err, &perr) || err.Error() != tc.wantErr {
				t.Fatalf("ReadFile error = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestReadFileNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err) // a FIFO is the case under test: no skipping
	}
	for _, tc := range []struct{ name, want string }{
		{fifo, fifo + ": not a regular file (FIFO); refused"},
		{"/dev/zero", "/dev/zero: not a regular file (character device); refused"},
		{dir, dir + ": not a regular file (directory); refused"},
	} {
		_, err := ReadFile(nil, tc.name, tc.name)
		if err == nil || err.Error() != tc.want {
			t.Errorf("ReadFile(%s) = %v, want %q", tc.name, err, tc.want)
		}
		_, err = ReadFile(os.DirFS("/"), strings.TrimPrefix(tc.name, "/"), tc.name)
		if err == nil || err.Error() != tc.want {
			t.Errorf("ReadFile(DirFS, %s) = %v, want %q", tc.name, err, tc.want)
		}
	}
}
