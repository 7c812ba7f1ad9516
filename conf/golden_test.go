package conf

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// render is what a golden file holds for a configuration: the canonical
// output of what is usable, then every diagnostic, each line labelled by
// what it belongs to: "error: " the file (nothing is usable), "setup
// error: " config setup, "conn error: " a conn that does not load.
func render(t *testing.T, dir, name string) []byte {
	t.Helper()
	cfg, err := Load(name, &Options{FS: os.DirFS(dir)})
	var b bytes.Buffer
	if cfg != nil && err == nil {
		if err := Format(&b, cfg); err != nil {
			t.Fatal(err)
		}
	}
	diag := func(kind string, e error) {
		if e != nil {
			for _, line := range strings.Split(e.Error(), "\n") {
				b.WriteString(kind + line + "\n")
			}
		}
	}
	if cfg != nil {
		for _, w := range cfg.Warnings {
			diag("warning: ", w)
		}
		diag("setup error: ", cfg.Setup.Err)
		for _, c := range cfg.Conns {
			diag("conn error: ", c.Err)
		}
	}
	diag("error: ", err)
	return b.Bytes()
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./conf -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestGolden checks good configurations of every dialect against their
// canonical form and diagnostics, and that the canonical form is a fixed
// point: formatting it again changes nothing.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/golden/*.conf")
	if len(files) == 0 {
		t.Fatal("no testdata/golden/*.conf")
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			got := render(t, "testdata/golden", name)
			checkGolden(t, strings.TrimSuffix(f, ".conf")+".golden", got)
			cfg, err := Load(name, &Options{FS: os.DirFS("testdata/golden")})
			if err != nil {
				return
			}
			var once, twice bytes.Buffer
			Format(&once, cfg)
			again, err := Parse("formatted.conf", once.Bytes(), nil)
			if err != nil {
				t.Fatalf("formatted output does not parse: %v\n%s", err, once.Bytes())
			}
			Format(&twice, again)
			if !bytes.Equal(once.Bytes(), twice.Bytes()) {
				t.Errorf("Format is not idempotent:\n--- once\n%s\n--- twice\n%s", once.Bytes(), twice.Bytes())
			}
		})
	}
}

// TestErrorMessages pins the exact text and position of every diagnostic.
func TestErrorMessages(t *testing.T) {
	files, _ := filepath.Glob("testdata/errors/*.conf")
	if len(files) == 0 {
		t.Fatal("no testdata/errors/*.conf")
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			got := render(t, "testdata/errors", name)
			if !bytes.Contains(got, []byte("error: ")) {
				t.Errorf("%s gave no error:\n%s", name, got)
			}
			checkGolden(t, strings.TrimSuffix(f, ".conf")+".err", got)
		})
	}
}
