package pluto

import (
	"strings"
	"testing"

	"goswan/conf"
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
