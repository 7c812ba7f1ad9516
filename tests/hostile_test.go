package tests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"goswan/tests/testenv"
)

// Hostile inputs must be refused with a positioned error in bounded time
// and memory. The bounds asserted are the (2 s, 200 MB) on a
// child process measured through its rusage (CPU time and peak resident
// memory, which on Linux includes what the child inherited at fork: an
// upper bound); they are generous, not benchmarks.
const (
	hostileMaxTime  = 2 * time.Second
	hostileMaxRSSKB = 200 << 10
	// hostileSecret is planted in every secrets input; it must appear in
	// no output.
	hostileSecret = "hostile-marker-Zq81"
)

type hostileCase struct {
	name string
	// setup creates the input in dir and returns the applet argv.
	setup func(t *testing.T, dir string) []string
}

func confArgs(f string) []string { return []string{"addconn", "--checkconfig", "--config", f} }
func secretsArgs(f string) []string {
	return []string{"showhostkey", "--list", "--file", f}
}

func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// sparseLine makes name a file of one line of size bytes: prefix, then
// 1 MiB of 'x', then a hole up to size (so a 1 GB line costs no disk).
func sparseLine(t *testing.T, name, prefix string, size int64) string {
	t.Helper()
	writeFile(t, name, prefix+strings.Repeat("x", 1<<20))
	if err := os.Truncate(name, size); err != nil {
		t.Fatal(err)
	}
	return name
}

func mkfifo(t *testing.T, name string) string {
	t.Helper()
	if err := syscall.Mkfifo(name, 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

var hostileCases = []hostileCase{
	{"conf-1g-line", func(t *testing.T, d string) []string {
		return confArgs(sparseLine(t, d+"/ipsec.conf", "conn a\n\tleftid=", 1<<30))
	}},
	{"conf-dev-zero", func(t *testing.T, d string) []string { return confArgs("/dev/zero") }},
	{"conf-dev-urandom", func(t *testing.T, d string) []string { return confArgs("/dev/urandom") }},
	{"conf-include-dev-zero", func(t *testing.T, d string) []string {
		return confArgs(writeFile(t, d+"/ipsec.conf", "config setup\ninclude /dev/zero\n"))
	}},
	{"conf-include-dev-urandom", func(t *testing.T, d string) []string {
		return confArgs(writeFile(t, d+"/ipsec.conf", "config setup\ninclude /dev/urandom\n"))
	}},
	{"conf-fifo", func(t *testing.T, d string) []string { return confArgs(mkfifo(t, d+"/ipsec.conf")) }},
	{"conf-include-fifo", func(t *testing.T, d string) []string {
		mkfifo(t, d+"/fifo.conf")
		return confArgs(writeFile(t, d+"/ipsec.conf", "config setup\ninclude fifo.conf\n"))
	}},
	{"conf-include-symlink-loop", func(t *testing.T, d string) []string {
		os.Symlink("loop-b.conf", d+"/loop-a.conf")
		os.Symlink("loop-a.conf", d+"/loop-b.conf")
		return confArgs(writeFile(t, d+"/ipsec.conf", "config setup\ninclude loop-a.conf\n"))
	}},
	{"conf-also-10000-deep", func(t *testing.T, d string) []string {
		var b strings.Builder
		b.WriteString("conn top\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=secret\n\tauto=add\n\talso=c0\n")
		for i := range 10000 {
			fmt.Fprintf(&b, "conn c%d\n\talso=c%d\n", i, i+1)
		}
		b.WriteString("conn c10000\n\trightid=@end\n")
		return confArgs(writeFile(t, d+"/ipsec.conf", b.String()))
	}},
	{"conf-include-100000-glob", func(t *testing.T, d string) []string {
		inc := d + "/ipsec.d"
		os.Mkdir(inc, 0o700)
		for i := range 100000 {
			if err := os.WriteFile(fmt.Sprintf("%s/c%06d.conf", inc, i), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return confArgs(writeFile(t, d+"/ipsec.conf", "config setup\ninclude ipsec.d/*.conf\n"))
	}},
	{"conf-non-utf8", func(t *testing.T, d string) []string {
		return confArgs(writeFile(t, d+"/ipsec.conf", "conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tleftid=@caf\xe9\xff\n"))
	}},
	{"conf-nul", func(t *testing.T, d string) []string {
		return confArgs(writeFile(t, d+"/ipsec.conf", "conn a\n\tleft=192.0.2.1\x00\n\tright=192.0.2.2\n"))
	}},
	{"conf-crlf", func(t *testing.T, d string) []string {
		return confArgs(writeFile(t, d+"/ipsec.conf", "conn a\r\n\tleft=192.0.2.1\r\n\tright=192.0.2.2\r\n\tbogus=1\r\n"))
	}},
	{"secrets-1g-line", func(t *testing.T, d string) []string {
		return secretsArgs(sparseLine(t, d+"/ipsec.secrets", ": PSK \""+hostileSecret, 1<<30))
	}},
	{"secrets-dev-zero", func(t *testing.T, d string) []string { return secretsArgs("/dev/zero") }},
	{"secrets-dev-urandom", func(t *testing.T, d string) []string { return secretsArgs("/dev/urandom") }},
	{"secrets-fifo", func(t *testing.T, d string) []string { return secretsArgs(mkfifo(t, d+"/ipsec.secrets")) }},
	{"secrets-include-dev-zero", func(t *testing.T, d string) []string {
		return secretsArgs(writeFile(t, d+"/ipsec.secrets", ": PSK \""+hostileSecret+"\"\ninclude /dev/zero\n"))
	}},
	{"secrets-include-fifo", func(t *testing.T, d string) []string {
		mkfifo(t, d+"/fifo.secrets")
		return secretsArgs(writeFile(t, d+"/ipsec.secrets", ": PSK \""+hostileSecret+"\"\ninclude "+d+"/fifo.secrets\n"))
	}},
	{"secrets-include-symlink-loop", func(t *testing.T, d string) []string {
		os.Symlink("loop-b.secrets", d+"/loop-a.secrets")
		os.Symlink("loop-a.secrets", d+"/loop-b.secrets")
		return secretsArgs(writeFile(t, d+"/ipsec.secrets", ": PSK \""+hostileSecret+"\"\ninclude "+d+"/loop-a.secrets\n"))
	}},
	{"secrets-1m-quoted-psk", func(t *testing.T, d string) []string {
		psk := hostileSecret + strings.Repeat("s", 1<<20)
		return secretsArgs(writeFile(t, d+"/ipsec.secrets", "@a @b : PSK \""+psk+"\"\n"))
	}},
	{"secrets-non-utf8", func(t *testing.T, d string) []string {
		return secretsArgs(writeFile(t, d+"/ipsec.secrets", "@caf\xe9 : PSK \""+hostileSecret+"\xff\"\n"))
	}},
	{"secrets-nul", func(t *testing.T, d string) []string {
		return secretsArgs(writeFile(t, d+"/ipsec.secrets", "@a : PSK \""+hostileSecret+"\x00\"\n"))
	}},
	{"secrets-crlf", func(t *testing.T, d string) []string {
		return secretsArgs(writeFile(t, d+"/ipsec.secrets", "@a @b : PSK \""+hostileSecret+"\"\r\n@c : XYZ\r\n"))
	}},
}

// TestHostileInput runs each hostile input through the built binary in a
// child process: it must fail with the golden diagnostics (the case's
// directory shown as $DIR), within hostileMaxTime and hostileMaxRSSKB, and
// never print the planted secret.
func TestHostileInput(t *testing.T) {
	bin := testenv.Binary(t)
	for _, tc := range hostileCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := tc.setup(t, dir)
			ctx, cancel := context.WithTimeout(context.Background(), 10*hostileMaxTime)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Dir = dir
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			start := time.Now()
			err := cmd.Run()
			elapsed := time.Since(start)
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("%v: %v (want a failure exit)\n%s", args, err, out.String())
			}
			if ctx.Err() != nil {
				t.Fatalf("%v: killed after %v", args, elapsed)
			}
			ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
			rss := ru.Maxrss // KiB on Linux
			// CPU time, not wall time, is held to the bound: on a shared
			// machine the wall clock measures the other load too (the
			// child is killed at 10x the bound all the same).
			cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			t.Logf("%s: %v wall, %v CPU, %d KiB peak, exit %d", tc.name, elapsed.Round(time.Millisecond), cpu.Round(time.Millisecond), rss, ee.ExitCode())
			if cpu > hostileMaxTime {
				t.Errorf("took %v of CPU time, want at most %v", cpu, hostileMaxTime)
			}
			if rss > hostileMaxRSSKB {
				t.Errorf("peak memory %d KiB, want at most %d KiB", rss, hostileMaxRSSKB)
			}
			got := strings.ReplaceAll(out.String(), dir, "$DIR")
			if strings.Contains(got, hostileSecret) {
				t.Errorf("output shows the planted secret:\n%s", got)
			}
			// A flood (one diagnostic per conn of a 10,000-deep chain)
			// is kept as its head and its length.
			if lines := strings.SplitAfter(got, "\n"); len(lines) > 21 {
				got = strings.Join(lines[:10], "") + fmt.Sprintf("... (%d lines in all)\n", len(lines)-1)
			}
			golden := filepath.Join("testdata", "hostile", tc.name+".err")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Errorf("%v output:\n%s\nwant (%s):\n%s", args, got, golden, want)
			}
		})
	}
}
