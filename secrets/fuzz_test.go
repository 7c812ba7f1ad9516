package secrets

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"goswan/conf/token"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func containsMarker(s string) bool { return strings.Contains(s, marker) }

// FuzzParse: no panic; every error position lies inside the input; no
// secret (the planted marker in a quoted PSK) in any error or warning.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"testdata", "testdata/errors"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.secrets"))
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if strings.Contains(string(src), "MARKERZZ") {
			return // the input itself names the marker outside a secret
		}
		in := append([]byte(`@z : PSK "MARKERZZ"`+"\n"), src...)
		fl, err := ParseSource(fstestMap{}.FS(), "f.secrets", in)
		lines := strings.Count(string(in), "\n") + 1
		var msgs []string
		if err != nil {
			msgs = append(msgs, err.Error())
			if list, ok := err.(token.ErrorList); ok {
				for _, e := range list {
					if e.Pos.Line < 1 || e.Pos.Line > lines || e.Pos.Column < 1 {
						t.Errorf("error position %s outside the input", e.Pos)
					}
				}
			}
		}
		for _, w := range fl.Warnings {
			msgs = append(msgs, w.Error())
			if w.Pos.Line < 1 || w.Pos.Line > lines {
				t.Errorf("warning position %s outside the input", w.Pos)
			}
		}
		for _, m := range msgs {
			if strings.Contains(m, "MARKERZZ") {
				t.Errorf("secret in diagnostic: %s", m)
			}
		}
		out := sprintf("%v %+v", fl.Entries, fl.Entries)
		for _, e := range fl.Entries {
			out += sprintf("%v %#v %v", *e, e.Secret, e.Key)
		}
		if strings.Contains(out, "MARKERZZ") {
			t.Errorf("secret printed by fmt")
		}
	})
}
