package pluto

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// dumpFields writes a struct one field per line (zero fields left out, so
// that a golden shows what a conn sets), descending into nested structs
// with dotted names.
func dumpFields(b *strings.Builder, prefix string, v reflect.Value) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f, fv := t.Field(i), v.Field(i)
		if !f.IsExported() || fv.IsZero() {
			continue
		}
		name := prefix + f.Name
		switch x := fv.Interface().(type) {
		case time.Duration, fmt.Stringer:
			fmt.Fprintf(b, "\t%s: %v\n", name, x)
			continue
		}
		switch fv.Kind() {
		case reflect.Struct:
			dumpFields(b, name+".", fv)
		case reflect.Slice:
			if fv.Type() == reflect.TypeOf([]byte(nil)) {
				fmt.Fprintf(b, "\t%s: %d bytes\n", name, fv.Len())
				continue
			}
			for j := 0; j < fv.Len(); j++ {
				e := fv.Index(j)
				if e.Kind() == reflect.Struct && !e.Type().Implements(reflect.TypeOf((*fmt.Stringer)(nil)).Elem()) {
					dumpFields(b, fmt.Sprintf("%s[%d].", name, j), e)
				} else {
					fmt.Fprintf(b, "\t%s[%d]: %v\n", name, j, e.Interface())
				}
			}
		default:
			fmt.Fprintf(b, "\t%s: %v\n", name, fv.Interface())
		}
	}
}

// goldenCheck compares got with testdata/name (or rewrites it with -update).
func goldenCheck(t *testing.T, name, got string) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Errorf("differs from %s (run with -update after checking):\n%s", golden, diffLines(string(want), got))
	}
}

// renderers are the model's outputs, each as golden text for one release.
var renderers = []struct {
	name    string
	version Version
	render  func(m *Conn) (string, error)
}{
	{"model", V4_10, func(m *Conn) (string, error) {
		var b strings.Builder
		dumpFields(&b, "", reflect.ValueOf(*m))
		return b.String(), nil
	}},
	{"model5", V5_2, func(m *Conn) (string, error) {
		var b strings.Builder
		dumpFields(&b, "", reflect.ValueOf(*m))
		return b.String(), nil
	}},
	{"message410", V4_10, func(m *Conn) (string, error) {
		msgs, err := m.Messages410()
		if err != nil {
			return "", err
		}
		var b strings.Builder
		for i, msg := range msgs {
			fmt.Fprintf(&b, "\tmessage %d\n", i)
			dumpFields(&b, "", reflect.ValueOf(*msg))
		}
		return b.String(), nil
	}},
	{"message52", V5_2, func(m *Conn) (string, error) {
		msgs, err := m.Messages52()
		if err != nil {
			return "", err
		}
		var b strings.Builder
		for i, msg := range msgs {
			fmt.Fprintf(&b, "\tmessage %d\n", i)
			dumpFields(&b, "", reflect.ValueOf(*msg))
		}
		return b.String(), nil
	}},
	{"conf5", V5_2, func(m *Conn) (string, error) {
		var b bytes.Buffer
		err := m.WriteConf5(&b)
		return b.String(), err
	}},
	{"argv5.2", V5_2, argvGolden},
	{"argv5.3", V5_3, argvGolden},
	{"argv5.4", V5_4, argvGolden},
}

func argvGolden(m *Conn) (string, error) {
	var b strings.Builder
	tr := m.Argv()
	for _, a := range append(tr.Conns, tr.Keys...) {
		fmt.Fprintf(&b, "\twhack %s\n", Quote(a))
	}
	if w := tr.Warning(); w != "" {
		fmt.Fprintf(&b, "\twarning: %s\n", w)
	}
	return b.String(), nil
}

// TestRenderGolden renders every corpus conn with each renderer: the
// typed model one field per line (4.10 and 5.2 defaults), the 4.10 and
// 5.2 messages one field per line, the canonical 5.x conn, and whack's command
// lines of 5.2, 5.3 and 5.4 (4.10's are translate_test.go's goldens).
// None needs root or Libreswan.
func TestRenderGolden(t *testing.T) {
	for _, r := range renderers {
		t.Run(r.name, func(t *testing.T) {
			var b strings.Builder
			for _, corpus := range []string{"corpus", "legacy"} {
				conns, _ := loadCorpus(filepath.Join("testdata", corpus+".conf"))
				for _, c := range conns {
					fmt.Fprintf(&b, "conn %s (%s)\n", c.Name, corpus)
					m, err := FromConf(c, fixedEnv, r.version)
					if err != nil {
						fmt.Fprintf(&b, "\terror: %v\n\n", err)
						continue
					}
					out, err := r.render(m)
					if err != nil {
						fmt.Fprintf(&b, "\trefused: %v\n\n", err)
						continue
					}
					b.WriteString(out + "\n")
				}
			}
			goldenCheck(t, r.name+".golden", b.String())
		})
	}
}
