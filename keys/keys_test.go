package keys

import (
	"bytes"
	"crypto/rsa"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixedTime is the date the goldens carry.
var fixedTime = time.Date(2026, time.November, 23, 2, 37, 12, 0, time.UTC)

// loadKey reads a fixed test key (Go 1.26 ignores the reader of
// rsa.GenerateKey, so goldens need keys from files).
func loadKey(t testing.TB, name string) *rsa.PrivateKey {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	_, privs, err := ParsePEM(b)
	if err != nil || privs[0] == nil {
		t.Fatalf("ParsePEM(%s): %v", name, err)
	}
	return privs[0]
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n got:\n%s\nwant:\n%s", name, got, want)
	}
}
