package keys

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "k.pem")
	if err := WriteFile(p, []byte("one"), false); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("two"), false); !errors.Is(err, ErrExists) {
		t.Errorf("second WriteFile without overwrite = %v, want ErrExists", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "one" {
		t.Errorf("refused write changed the file to %q", b)
	}
	if err := WriteFile(p, []byte("two"), true); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if err := AppendFile(p, []byte("three\n")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "two\nthree\n" {
		t.Errorf("after append: %q", b)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 || ents[0].Name() != ".k.pem.lock" || ents[1].Name() != "k.pem" {
		t.Errorf("files after writing = %v, want only .k.pem.lock and k.pem (temporary files left behind?)", ents)
	}
}
