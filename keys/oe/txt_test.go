package oe

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseServerTXT(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     ServerTXT
		ok       bool
		wantErr  string
	}{
		{"with-key", "X-IPsec-Server(10)=192.0.2.1 AQOF8tZ2", ServerTXT{10, "192.0.2.1", "AQOF8tZ2"}, true, ""},
		{"split-key", "X-IPsec-Server(10)=192.0.2.1 AQOF 8tZ2\t+buF", ServerTXT{10, "192.0.2.1", "AQOF8tZ2+buF"}, true, ""},
		{"no-key", "X-IPsec-Server(20)=@gw.example.com", ServerTXT{20, "@gw.example.com", ""}, true, ""},
		{"lower-case", "x-ipsec-server(0)=2001:db8::1", ServerTXT{0, "2001:db8::1", ""}, true, ""},
		{"other-txt", "v=spf1 -all", ServerTXT{}, false, ""},
		{"no-paren", "X-IPsec-Server(10=1.2.3.4", ServerTXT{}, true, `lacks ")"`},
		{"bad-precedence", "X-IPsec-Server(x)=1.2.3.4", ServerTXT{}, true, `precedence "x"`},
		{"too-big", "X-IPsec-Server(70000)=1.2.3.4", ServerTXT{}, true, `precedence "70000"`},
		{"no-equals", "X-IPsec-Server(10) 1.2.3.4", ServerTXT{}, true, `lacks "="`},
		{"no-gateway", "X-IPsec-Server(10)=", ServerTXT{}, true, "names no gateway"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := ParseServerTXT(tc.in)
			if ok != tc.ok || (err == nil) != (tc.wantErr == "") || err != nil && !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("ParseServerTXT(%q) = %v, %v, %v, want ok=%v err %q", tc.in, got, ok, err, tc.ok, tc.wantErr)
			}
			if err == nil && got != tc.want {
				t.Errorf("ParseServerTXT(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzParseServerTXT: no panic, and a parsed record survives
// String → parse unchanged.
func FuzzParseServerTXT(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "txt", "*.txt"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Add("x-ipsec-server(")
	f.Fuzz(func(t *testing.T, s string) {
		rec, ok, err := ParseServerTXT(s)
		if !ok || err != nil {
			return
		}
		again, ok2, err2 := ParseServerTXT(rec.String())
		if !ok2 || err2 != nil || again != rec {
			t.Errorf("round trip of %q: %+v -> %q -> %+v, %v", s, rec, rec.String(), again, err2)
		}
	})
}
