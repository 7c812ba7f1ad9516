package conf

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeBenchConfig writes an ipsec.conf with n conns in dir, the shape
// scripts/bench-conf.sh also generates: a %default, a shared conn every
// conn pulls in with also=, and the conns spread over ten included files.
func writeBenchConfig(tb testing.TB, dir string, n int) string {
	tb.Helper()
	var main strings.Builder
	main.WriteString("config setup\n\tuniqueids=yes\n\nconn %default\n\tikelifetime=8h\n\tkeyingtries=3\n\tauthby=secret\n\nconn shared\n\tleft=192.0.2.1\n\tleftid=@gw.example.com\n\tleftsubnet=10.0.0.0/16\n\n")
	main.WriteString("include conns/*.conf\n")
	if err := os.MkdirAll(filepath.Join(dir, "conns"), 0o755); err != nil {
		tb.Fatal(err)
	}
	const files = 10
	for f := 0; f < files; f++ {
		var b strings.Builder
		for i := f; i < n; i += files {
			fmt.Fprintf(&b, "conn c%d\n\talso=shared\n\tright=198.51.%d.%d\n\trightsubnet=172.%d.%d.0/24\n\trightid=@peer%d.example.net\n\tauto=add\n\n",
				i, (i/250)%256, i%250+1, 16+(i/256)%16, i%256, i)
		}
		if err := os.WriteFile(filepath.Join(dir, "conns", fmt.Sprintf("part%02d.conf", f)), []byte(b.String()), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	path := filepath.Join(dir, "ipsec.conf")
	if err := os.WriteFile(path, []byte(main.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func benchmarkResolve(b *testing.B, n int) {
	path := writeBenchConfig(b, b.TempDir(), n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		cfg, err := Load(path, nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(cfg.Conns) != n+1 {
			b.Fatalf("got %d conns, want %d", len(cfg.Conns), n+1)
		}
	}
}

func BenchmarkResolve1k(b *testing.B)   { benchmarkResolve(b, 1000) }
func BenchmarkResolve10k(b *testing.B)  { benchmarkResolve(b, 10000) }
func BenchmarkResolve100k(b *testing.B) { benchmarkResolve(b, 100000) }

func TestBenchConfigResolves(t *testing.T) {
	path := writeBenchConfig(t, t.TempDir(), 25)
	cfg, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Conn("c7")
	if c == nil || c.Err != nil || c.String("leftsubnet") != "10.0.0.0/16" || c.String("keyingtries") != "3" {
		t.Fatalf("bench conn c7 = %+v", c)
	}
}

func BenchmarkFormat100k(b *testing.B) {
	path := writeBenchConfig(b, b.TempDir(), 100000)
	cfg, err := Load(path, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := Format(io.Discard, cfg); err != nil {
			b.Fatal(err)
		}
	}
}
