package conf

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"goswan/conf/token"
)

func addSeeds(f *testing.F) {
	for _, pattern := range []string{"testdata/golden/*.conf", "testdata/errors/*.conf", "testdata/fuzz-seeds/*.conf"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
}

// FuzzScan checks that the lexer never panics and that every diagnostic
// points inside the input.
func FuzzScan(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		var errs token.ErrorList
		lines := scan("f.conf", src, &errs)
		nlines := bytes.Count(src, []byte{'\n'}) + 1
		for _, e := range errs {
			if e.Pos.Line < 1 || e.Pos.Line > nlines || e.Pos.Column < 1 {
				t.Errorf("diagnostic outside the input: %v", e)
			}
		}
		for _, l := range lines {
			if l.wordPos.Line < 1 || l.wordPos.Line > nlines {
				t.Errorf("line position outside the input: %v", l.wordPos)
			}
		}
	})
}

// FuzzParse checks that parsing never panics, that every diagnostic names
// the input, and that what is usable survives Format: it parses again,
// with no errors (every printed conn is usable again), to the same
// canonical text.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		cfg, err := Parse("f.conf", src, &Options{FS: emptyFS{}})
		if err != nil {
			for _, e := range err.(token.ErrorList) {
				if !strings.HasPrefix(e.Pos.Filename, "f.conf") {
					t.Errorf("error names another file: %v", e)
				}
			}
			return
		}
		if err := cfg.Err(); err != nil {
			for _, e := range err.(token.ErrorList) {
				if !strings.HasPrefix(e.Pos.Filename, "f.conf") {
					t.Errorf("error names another file: %v", e)
				}
			}
		}
		var once, twice bytes.Buffer
		if err := Format(&once, cfg); err != nil {
			t.Fatal(err)
		}
		again, err := Parse("g.conf", once.Bytes(), nil)
		if err != nil {
			t.Fatalf("Format output does not parse: %v\ninput %q\noutput:\n%s", err, src, once.Bytes())
		}
		if err := again.Err(); err != nil {
			t.Fatalf("Format output has errors: %v\ninput %q\noutput:\n%s", err, src, once.Bytes())
		}
		if len(again.Conns) != len(cfg.Usable()) {
			t.Fatalf("Format output has %d conns, want the %d usable ones\ninput %q", len(again.Conns), len(cfg.Usable()), src)
		}
		Format(&twice, again)
		if !bytes.Equal(once.Bytes(), twice.Bytes()) {
			t.Fatalf("Format not idempotent for %q:\n--- once\n%s\n--- twice\n%s", src, once.Bytes(), twice.Bytes())
		}
	})
}

// emptyFS has no files: fuzzed include lines read nothing from the host.
type emptyFS struct{}

func (emptyFS) Open(name string) (fs.File, error) { return nil, fs.ErrNotExist }
