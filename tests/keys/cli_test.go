package keys_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"goswan/secrets"
	"goswan/tests/testenv"
)

func TestRanbits(t *testing.T) {
	tests := []struct {
		args []string
		re   string
		code int
	}{
		{[]string{"ranbits", "8"}, `^0x[0-9a-f]{2}\n$`, 0},
		{[]string{"ranbits", "33"}, `^0x[0-9a-f]{8}_[0-9a-f]{2}\n$`, 0},
		{[]string{"ranbits", "128"}, `^0x([0-9a-f]{8}_){3}[0-9a-f]{8}\n$`, 0},
		{[]string{"ranbits", "--bytes", "5"}, `^0x[0-9a-f]{8}_[0-9a-f]{2}\n$`, 0},
		{[]string{"ranbits", "--continuous", "64"}, `^0x[0-9a-f]{16}\n$`, 0},
		{[]string{"ranbits", "--quick", "--continuous", "--bytes", "3"}, `^0x[0-9a-f]{6}\n$`, 0},
		{[]string{"ranbits", "0"}, `^$`, 1},
		{[]string{"ranbits", "12abc"}, `^$`, 1},
		{[]string{"ranbits"}, `^$`, 2},
		{[]string{"ranbits", "--bogus", "8"}, `^$`, 2},
	}
	for _, tc := range tests {
		r := ipsec(t, nil, tc.args...)
		if r.code != tc.code || !regexp.MustCompile(tc.re).MatchString(r.stdout) {
			t.Errorf("ipsec %s = exit %d, %q (stderr %q); want exit %d matching %s", strings.Join(tc.args, " "), r.code, r.stdout, r.stderr, tc.code, tc.re)
		}
	}
	// Far over FreeS/WAN's 20000-bit cap: 1 MiB streams out whole.
	r := ipsec(t, nil, "ranbits", "--bytes", "--continuous", "1048576")
	if r.code != 0 || len(r.stdout) != 2+2*1048576+1 {
		t.Errorf("ranbits --bytes 1048576: exit %d, %d bytes of output", r.code, len(r.stdout))
	}
	// Links work as FreeS/WAN's did: ipsec_ranbits and ranbits.
	for _, link := range []string{"ipsec_ranbits", "ranbits"} {
		r := runCmd(t, nil, filepath.Join(filepath.Dir(testenv.Binary(t)), link), "16")
		if r.code != 0 || !regexp.MustCompile(`^0x[0-9a-f]{4}\n$`).MatchString(r.stdout) {
			t.Errorf("%s 16 = exit %d, %q", link, r.code, r.stdout)
		}
	}
}

func TestRsasigkey(t *testing.T) {
	r := ipsec(t, nil, "rsasigkey", "--hostname", "h.example", "2048")
	if r.code != 0 {
		t.Fatalf("rsasigkey: exit %d: %s", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "\t# RSA 2048 bits   h.example   ") {
		t.Errorf("header: %q", strings.SplitN(r.stdout, "\n", 2)[0])
	}
	// The block is the body of a valid ipsec.secrets entry.
	f, err := secrets.ParseSource(nil, "x", []byte(": RSA {\n"+r.stdout+"\t}\n"))
	if err != nil || len(f.Entries) != 1 || f.Entries[0].Key.Private.IsZero() || f.Entries[0].Key.Public.N.BitLen() != 2048 {
		t.Errorf("rsasigkey output is not a valid key block: %v", err)
	}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"rsasigkey", "2050"}, 1},
		{[]string{"rsasigkey", "1024"}, 1},
		{[]string{"rsasigkey", "20016"}, 1},
		{[]string{"rsasigkey", "abc"}, 1},
		{[]string{"rsasigkey", "--random", "/tmp/not-random", "2048"}, 2},
		{[]string{"rsasigkey", "2048", "4096"}, 2},
	} {
		if r := ipsec(t, nil, tc.args...); r.code != tc.code || r.stdout != "" {
			t.Errorf("ipsec %s = exit %d, stdout %q; want exit %d and no key", strings.Join(tc.args, " "), r.code, r.stdout, tc.code)
		}
	}
	if r := ipsec(t, nil, "rsasigkey", "--verbose", "--random", "/dev/urandom", "2048"); r.code != 0 || !strings.Contains(r.stderr, "generating a 2048-bit RSA key") {
		t.Errorf("rsasigkey --verbose: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestNewhostkeyFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "ipsec.secrets")
	writeFile(t, out, "@peer : PSK \"some-shared-secret\"\n", 0o644)
	ok(t, "newhostkey", "--output", out, "--bits", "2048", "--hostname", "a.example", "--quiet")
	fi, err := os.Stat(out)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secrets file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	before, _ := os.ReadFile(out)
	if !strings.HasPrefix(string(before), "@peer : PSK") {
		t.Errorf("existing entries were not kept")
	}
	// A second default key is refused and the file is untouched.
	r := ipsec(t, nil, "newhostkey", "--output", out, "--bits", "2048", "--hostname", "a.example")
	if r.code != 1 || !strings.Contains(r.stderr, "already has a key") {
		t.Errorf("second key: exit %d, %q; want exit 1, already has a key", r.code, r.stderr)
	}
	if after, _ := os.ReadFile(out); string(after) != string(before) {
		t.Errorf("refused newhostkey changed the file")
	}
	// With an id, or with --force, it is added.
	ok(t, "newhostkey", "--output", out, "--bits", "2048", "--id", "@b.example", "--quiet")
	r = ipsec(t, nil, "newhostkey", "--output", out, "--bits", "2048", "--id", "@b.example")
	if r.code != 1 {
		t.Errorf("second key for --id @b.example: exit %d, want 1", r.code)
	}
	ok(t, "newhostkey", "--output", out, "--bits", "2048", "--force", "--quiet")
	list := ok(t, "showhostkey", "--file", out, "--list")
	if n := strings.Count(list, "RSA keyid"); n != 3 {
		t.Errorf("after three keys --list shows %d:\n%s", n, list)
	}
	if r := ipsec(t, nil, "showhostkey", "--file", out, "--left"); r.code != 1 || !strings.Contains(r.stderr, "multiple default keys") {
		t.Errorf("two default keys: exit %d, %q", r.code, r.stderr)
	}
	if o := ok(t, "showhostkey", "--file", out, "--id", "@b.example", "--key"); !strings.Contains(o, "b.example.\tIN\tKEY\t16896 4 1 AwEAA") {
		t.Errorf("--id @b.example --key: %q", o)
	}
	// The file and its lock (keys.LockFile), no temporary file.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 || ents[0].Name() != ".ipsec.secrets.lock" || ents[1].Name() != "ipsec.secrets" {
		t.Errorf("files beside the secrets file: %v, want only its lock", ents)
	}

	// PEM export: 0600, never over an existing file without --force.
	pemFile := filepath.Join(dir, "k.pem")
	o2 := filepath.Join(dir, "two.secrets")
	ok(t, "newhostkey", "--output", o2, "--bits", "2048", "--pem", pemFile, "--quiet")
	if fi, err := os.Stat(pemFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("PEM file: %v, %v", fi, err)
	}
	if a, b := ok(t, "showhostkey", "--file", o2, "--left"), ok(t, "showhostkey", "--pem-in", pemFile, "--left"); a != b {
		t.Errorf("PEM holds another key than the secrets file:\n%s\n%s", a, b)
	}
	r = ipsec(t, nil, "newhostkey", "--output", filepath.Join(dir, "three.secrets"), "--bits", "2048", "--pem", pemFile)
	if r.code != 1 {
		t.Errorf("newhostkey over an existing --pem file: exit %d, want 1", r.code)
	}
	if _, err := os.Stat(filepath.Join(dir, "three.secrets")); err == nil {
		t.Errorf("refused newhostkey still wrote its secrets file")
	}
	// --output - prints the entry.
	if o := ok(t, "newhostkey", "--output", "-", "--bits", "2048", "--hostname", "s.example"); !strings.HasPrefix(o, ": RSA\t{\n\t# RSA 2048 bits   s.example   ") {
		t.Errorf("--output -: %q", o[:60])
	}
	if r := ipsec(t, nil, "newhostkey", "--output", o2, "--pkcs12", filepath.Join(dir, "x.p12")); r.code != 2 {
		t.Errorf("--pkcs12 without --password-file: exit %d, want 2", r.code)
	}
}

// TestNewhostkeyKilled: kill -9 in the middle of a long generation leaves
// the secrets file as it was and no stray files.
func TestNewhostkeyKilled(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "ipsec.secrets")
	writeFile(t, out, "@peer : PSK \"some-shared-secret\"\n", 0o600)
	cmd := exec.Command(testenv.Binary(t), "newhostkey", "--output", out, "--bits", "8192", "--id", "@big")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	b, _ := os.ReadFile(out)
	if string(b) != "@peer : PSK \"some-shared-secret\"\n" {
		t.Errorf("secrets file changed by a killed newhostkey: %q", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("stray files after kill -9: %v", ents)
	}
}

func TestShowhostkeyErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.secrets")
	writeFile(t, bad, "@a : PSK \"fine-secret-1\"\n@b : PSK 0xZZ\n@c PSK \"no colon\" x\n", 0o600)
	r := ipsec(t, nil, "showhostkey", "--file", bad, "--list")
	want := bad + ":2:10: PSK data malformed (non-hex digit in hex input)\n"
	if r.code != 1 || !strings.HasPrefix(r.stderr, want) {
		t.Errorf("bad file: exit %d, stderr %q; want exit 1 starting %q", r.code, r.stderr, want)
	}
	empty := filepath.Join(dir, "empty.secrets")
	writeFile(t, empty, "", 0o600)
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"showhostkey", "--file", empty}, 2},
		{[]string{"showhostkey", "--file", empty, "--left", "--key"}, 2},
		{[]string{"showhostkey", "--file", empty, "--left"}, 20},
		{[]string{"showhostkey", "--file", empty, "--list"}, 0},
		{[]string{"showhostkey", "--file", filepath.Join(dir, "missing"), "--list"}, 1},
		{[]string{"showhostkey", "--file", empty, "--ckaid", "xyz", "--left"}, 2},
		{[]string{"showhostkey", "--file", empty, "--ipseckey", "--precedence", "256"}, 2},
	} {
		if r := ipsec(t, nil, tc.args...); r.code != tc.code {
			t.Errorf("ipsec %s = exit %d (%q), want %d", strings.Join(tc.args, " "), r.code, r.stderr, tc.code)
		}
	}
}

// TestProgressOnlyOnTerminal: a 4096-bit generation draws a progress line
// when standard error is a terminal (script(1) provides one) and prints
// nothing there when it is a pipe.
func TestProgressOnlyOnTerminal(t *testing.T) {
	script := testenv.MustHaveCommand(t, "script")
	bin := testenv.Binary(t)
	r := runCmd(t, nil, script, "-qec", bin+" rsasigkey --hostname t.example 4096 >/dev/null", "/dev/null")
	if r.code != 0 || !strings.Contains(r.stdout, "\rgenerating 4096-bit RSA key") || !strings.HasSuffix(r.stdout, "\r\033[K") {
		t.Errorf("on a terminal: exit %d, output %q; want a progress line that is erased at the end", r.code, r.stdout)
	}
	if r := ipsec(t, nil, "rsasigkey", "4096"); r.code != 0 || r.stderr != "" {
		t.Errorf("through a pipe: exit %d, stderr %q; want no progress", r.code, r.stderr)
	}
}
