package pluto

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"goswan/conf"
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

// TestDefaultNexthop: left=%defaultroute in conn %default gives an end
// the default route's gateway as nexthop even when the conn's own left=
// (or an also= section's) overrides the host; only a nexthop= of the
// conn undoes it. Libreswan 4.10 and 5.2 alike (measured by the
// differential tests on default-left-also.conf).
func TestDefaultNexthop(t *testing.T) {
	cfg, err := conf.Parse("n.conf", []byte(`conn %default
	left=%defaultroute
conn also
	right=198.51.100.1
	also=t
conn t
	left=192.0.2.9
conn own
	left=192.0.2.9
	right=198.51.100.2
conn any
	left=%any
	right=198.51.100.3
conn own-nexthop
	left=192.0.2.9
	leftnexthop=192.0.2.254
	right=198.51.100.4
conn flipped
	left=198.51.100.5
	right=192.0.2.9
`), &conf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	gw := netip.MustParseAddr("192.0.2.1")
	for _, tc := range []struct {
		conn          string
		left, nexthop netip.Addr
	}{
		{"also", netip.MustParseAddr("192.0.2.9"), gw},
		{"own", netip.MustParseAddr("192.0.2.9"), gw},
		{"any", netip.Addr{}, gw},
		{"own-nexthop", netip.MustParseAddr("192.0.2.9"), netip.MustParseAddr("192.0.2.254")},
		{"flipped", netip.MustParseAddr("198.51.100.5"), gw},
	} {
		for _, v := range []Version{V4_10, V5_2} {
			m, err := FromConf(cfg.Conn(tc.conn), fixedEnv, v)
			if err != nil {
				t.Fatalf("conn %s: %v", tc.conn, err)
			}
			if m.Left.Addr != tc.left || m.Left.Nexthop != tc.nexthop || m.Right.Nexthop.IsValid() {
				t.Errorf("%v: conn %s: left %v nexthop %v (right nexthop %v), want %v nexthop %v", v, tc.conn,
					m.Left.Addr, m.Left.Nexthop, m.Right.Nexthop, tc.left, tc.nexthop)
			}
		}
	}
	// A host without a default route leaves the nexthop unset, as addconn
	// does, and the conn still builds.
	noRoute := &Env{DefaultRoute: func(bool) (Route, error) { return Route{}, fmt.Errorf("no default route") }}
	if m, err := FromConf(cfg.Conn("own"), noRoute, V4_10); err != nil {
		t.Errorf("without a default route: %v", err)
	} else if m.Left.Nexthop.IsValid() {
		t.Errorf("without a default route: nexthop %v, want unset", m.Left.Nexthop)
	}
}
