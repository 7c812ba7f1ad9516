package secrets

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// marker is in every secret of testdata: it must never reach a dump, an
// error or a warning.
const marker = "MARKER"

// dump renders a parse result for goldens. It prints secrets with %v and
// %#v on purpose: the redacting types must hide them.
func dump(f *File, err error) string {
	var b strings.Builder
	for _, e := range f.Entries {
		fmt.Fprintf(&b, "%s: %s", e.Pos, e.Kind)
		for _, id := range e.IDs {
			fmt.Fprintf(&b, " [%s %s]", id.Kind, id)
		}
		switch {
		case e.Key != nil:
			fmt.Fprintf(&b, " bits=%d e=%d host=%q ckaid=%s private=%v (%#v)", e.Key.Public.N.BitLen(), e.Key.Public.E, e.Key.Host, e.Key.CKAID, !e.Key.Private.IsZero(), e.Key.Private)
		case e.KeyFile != "":
			fmt.Fprintf(&b, " file=%s passphrase=%v prompt=%v", e.KeyFile, e.Passphrase, e.Prompt)
		default:
			fmt.Fprintf(&b, " secret=%v %#v len=%d", e.Secret, e.Secret, e.Secret.Len())
		}
		if e.PPKID != "" {
			fmt.Fprintf(&b, " ppkid=%q", e.PPKID)
		}
		if e.PINSlot != "" {
			fmt.Fprintf(&b, " slot=%s", e.PINSlot)
		}
		for _, s := range e.Spans {
			fmt.Fprintf(&b, " span=%d:%d+%d", s.Pos.Line, s.Pos.Column, s.Len)
		}
		b.WriteByte('\n')
	}
	for _, w := range f.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	if err != nil {
		fmt.Fprintf(&b, "%s\n", err)
	}
	return b.String()
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if strings.Contains(got, marker) {
		t.Errorf("%s: a secret leaked into the output:\n%s", path, got)
	}
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestParseGolden(t *testing.T) {
	fsys := os.DirFS("testdata")
	// censor.secrets belongs to the censor's tests: it is deliberately broken.
	for _, name := range []string{"freeswan.secrets", "libreswan.secrets", "rsa-block.secrets"} {
		t.Run(name, func(t *testing.T) {
			f, err := Parse(fsys, name)
			if err != nil {
				t.Errorf("Parse(%s): %v", name, err)
			}
			checkGolden(t, filepath.Join("testdata", strings.TrimSuffix(name, ".secrets")+".golden"), dump(f, err))
		})
	}
}

func TestParseErrors(t *testing.T) {
	fsys := os.DirFS("testdata/errors")
	files, _ := fs.Glob(fsys, "*.secrets")
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			f, err := Parse(fsys, name)
			if err == nil {
				t.Errorf("Parse(%s) = nil error, want errors", name)
			}
			checkGolden(t, filepath.Join("testdata/errors", strings.TrimSuffix(name, ".secrets")+".err"), dump(f, err))
		})
	}
}

// TestSpansCoverSecrets checks that blanking every span removes every
// planted secret: what a censor relies on.
func TestSpansCoverSecrets(t *testing.T) {
	for _, name := range []string{"freeswan.secrets", "libreswan.secrets", "rsa-block.secrets"} {
		src, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := ParseSource(nil, name, src)
		_ = err // the include fails without a file system; spans are what matter
		lines := bytes.Split(src, []byte("\n"))
		for _, e := range f.Entries {
			for _, s := range e.Spans {
				l := lines[s.Pos.Line-1]
				for i := s.Pos.Column - 1; i < s.Pos.Column-1+s.Len; i++ {
					l[i] = '*'
				}
			}
		}
		out := bytes.Join(lines, []byte("\n"))
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, marker) || strings.Contains(l, "TUFSS0VS") || strings.Contains(l, "4d41524b") {
				t.Errorf("%s: secret left after blanking spans: %q", name, l)
			}
		}
		if name == "rsa-block.secrets" && bytes.Contains(out, []byte("PrivateExponent: 0x")) {
			t.Errorf("RSA private field not covered by a span")
		}
	}
}

func TestIncludeDepth(t *testing.T) {
	fsys := fstestMap{"loop.secrets": "include loop.secrets\n"}
	_, err := Parse(fsys.FS(), "loop.secrets")
	if err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Errorf("self-include: err = %v, want nested too deeply", err)
	}
}

func TestLoadAbsoluteInclude(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x.secrets"), []byte("@x : PSK \"MARKER-abs-include\"\n"), 0o600)
	top := filepath.Join(t.TempDir(), "ipsec.secrets")
	os.WriteFile(top, []byte("include "+dir+"/*.secrets\n@y : PSK 0x4142434445464748\n"), 0o600)
	f, err := Load(top)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != 2 || f.Entries[0].IDs[0].Value != "x" || len(f.Files) != 2 {
		t.Errorf("Load: %s", dump(f, err))
	}
	if f.Entries[0].Pos.Filename != filepath.Join(dir, "x.secrets") {
		t.Errorf("included entry at %s, want its absolute file", f.Entries[0].Pos)
	}
}
