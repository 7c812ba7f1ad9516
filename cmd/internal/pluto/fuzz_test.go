package pluto

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"goswan/conf"
	"goswan/conf/token"
)

// FuzzTranslate sets one keyword of a valid conn to an arbitrary value:
// the translation must return arguments or an error, never panic, and
// never emit an empty option value that would shift whack's parsing.
func FuzzTranslate(f *testing.F) {
	for _, s := range [][2]string{
		{"left", "%defaultroute"}, {"rightsubnets", "{10.0.0.0/8 10.1.0.0/16}"},
		{"ikelifetime", "1.5h"}, {"ipsec-max-bytes", "1Gi"}, {"authby", "secret|rsasig"},
		{"leftrsasigkey", "0sAwEAAQ=="}, {"type", "passthrough"}, {"leftid", "CN=a,, b"},
		{"rekeyfuzz", "50%"}, {"salifetime", "0"}, {"right", "%eth0"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, kw, val string) {
		var c conf.Conn
		c.Name = "f"
		c.Set(conf.Value{Keyword: "left", Raw: "192.0.2.1"})
		c.Set(conf.Value{Keyword: "right", Raw: "192.0.2.2"})
		c.Set(conf.Value{Keyword: strings.ToLower(kw), Raw: val})
		tr, err := Translate(&c, fixedEnv)
		if err != nil {
			return
		}
		for _, args := range append(tr.Conns, tr.Keys...) {
			for i, a := range args {
				if a == "" && i > 0 && strings.HasPrefix(args[i-1], "--") {
					t.Fatalf("empty value for %s in %q", args[i-1], args)
				}
			}
		}
	})
}

// FuzzRender takes ipsec.conf text through conf to every renderer of the
// model for every release family: no panic, a refusal is always a
// positioned error inside the input or ErrNotEncodable naming what, and
// the canonical 5.x conn reads back through conf.
func FuzzRender(f *testing.F) {
	for _, name := range []string{"corpus.conf", "legacy.conf", "errors.conf"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		for _, part := range strings.Split(string(b), "\nconn ") {
			f.Add("conn " + strings.TrimPrefix(part, "conn "))
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		cfg, _ := conf.Parse("f.conf", []byte(text), &conf.Options{})
		if cfg == nil {
			return
		}
		for _, c := range cfg.Conns {
			for _, v := range []Version{V4_10, V5_2, V5_3, V5_4} {
				m, err := FromConf(c, fixedEnv, v)
				if err != nil {
					var list token.ErrorList
					var one *token.Error
					if !errors.As(err, &list) && !errors.As(err, &one) {
						t.Fatalf("FromConf(%s, %v): unpositioned error %v", c.Name, v, err)
					}
					continue
				}
				if _, err := m.Messages410(); err != nil && !errors.Is(err, ErrNotEncodable) {
					t.Fatalf("Messages410(%s): unexplained refusal %v", c.Name, err)
				}
				tr := m.Argv()
				for _, args := range tr.Conns {
					for i, a := range args {
						if a == "" && i > 0 && strings.HasPrefix(args[i-1], "--") {
							t.Fatalf("empty value for %s in %q", args[i-1], args)
						}
					}
				}
				var b bytes.Buffer
				if err := m.WriteConf5(&b); err != nil {
					t.Fatal(err)
				}
				if _, err := conf.Parse("canonical.conf", b.Bytes(), &conf.Options{}); err != nil && !strings.Contains(err.Error(), "warning") {
					// The canonical conn is conf text: it must parse
					// wherever the conn did (positions in it are ours).
					if strings.Contains(err.Error(), "syntax") || strings.Contains(err.Error(), "unterminated") {
						t.Fatalf("canonical conn does not parse: %v\n%s", err, b.String())
					}
				}
			}
		}
	})
}
