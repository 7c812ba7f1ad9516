package tests

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"goswan/tests/testenv"
)

// ipsec runs the built binary (or one of its links) and returns stdout,
// stderr and the exit status.
func ipsec(t *testing.T, env []string, prog string, args ...string) (string, string, int) {
	t.Helper()
	bin := testenv.Binary(t)
	if prog != "ipsec" {
		bin = filepath.Join(filepath.Dir(bin), prog)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	status := 0
	if ee, ok := err.(*exec.ExitError); ok {
		status = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", prog, err)
	}
	return out.String(), errb.String(), status
}

func TestExamplesCheck(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testenv.ModuleRoot(), "examples", "*.conf"))
	if len(files) < 3 {
		t.Fatalf("examples/*.conf: %d files, want at least 3", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, errs, status := ipsec(t, nil, "ipsec", "addconn", "--checkconfig", "--config", f); status != 0 {
				t.Errorf("addconn --checkconfig %s: exit %d\n%s", f, status, errs)
			}
			once, _, status := ipsec(t, nil, "ipsec_readwriteconf", "--config", f)
			if status != 0 {
				t.Fatalf("readwriteconf exit %d", status)
			}
			again := filepath.Join(t.TempDir(), "again.conf")
			os.WriteFile(again, []byte(once), 0o644)
			twice, errs, status := ipsec(t, nil, "readwriteconf", "--config", again)
			if status != 0 || twice != once {
				t.Errorf("readwriteconf is not a fixed point (exit %d, %s):\n--- once\n%s\n--- twice\n%s", status, errs, once, twice)
			}
		})
	}
}

func TestBadConfigExit(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "ipsec.conf")
	os.WriteFile(f, []byte("conn a\n\tleft=192.0.2.1\n\tlefftsubnet=10.0.0.0/8\n\tauto=ADD\n\tpfs=maybe\n"), 0o644)
	want := f + ":3:2: unknown keyword \"lefftsubnet\" (did you mean \"leftsubnet\"?)\n" +
		f + ":5:6: pfs: \"maybe\" is not yes or no\n"
	for _, args := range [][]string{{"addconn", "--checkconfig"}, {"readwriteconf"}} {
		out, errs, status := ipsec(t, []string{"IPSEC_CONFS=" + dir}, "ipsec", args...)
		if status != 1 || out != "" || errs != want {
			t.Errorf("ipsec %s on a bad file = stdout %q, stderr %q, exit %d; want nothing, %q, 1", args, out, errs, status, want)
		}
	}
}

func TestConnThatCannotLoad(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "ipsec.conf")
	os.WriteFile(f, []byte("conn good\n\tleft=192.0.2.1\n\tauto=add\nconn bad\n\talso=missing\n"), 0o644)
	out, errs, status := ipsec(t, nil, "ipsec", "readwriteconf", "--config", f)
	if status != 1 || !strings.Contains(out, "conn good") || strings.Contains(out, "conn bad") {
		t.Errorf("readwriteconf with a conn that cannot load: exit %d, stdout\n%s", status, out)
	}
	if want := f + ":5:7: also=\"missing\": no conn \"missing\" (needed by conn \"bad\")\n"; errs != want {
		t.Errorf("stderr = %q, want %q", errs, want)
	}
	out, _, status = ipsec(t, nil, "ipsec", "addconn", "--config", f, "--listadd")
	if status != 1 || out != "good\n" {
		t.Errorf("addconn --listadd = %q, exit %d; want good and exit 1", out, status)
	}
}

func TestMissingConfig(t *testing.T) {
	dir := t.TempDir()
	_, errs, status := ipsec(t, []string{"IPSEC_CONFS=" + dir}, "ipsec", "addconn", "--checkconfig")
	want := "ipsec addconn: reading " + filepath.Join(dir, "ipsec.conf") + ": no such file or directory\n"
	if status != 1 || errs != want {
		t.Errorf("missing config: stderr %q exit %d; want %q exit 1", errs, status, want)
	}
}

func TestConfigSetupShell(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "ipsec.conf")
	os.WriteFile(f, []byte("config setup\n\tplutodebug=\"base cpu-usage\"\n\tlogfile=/var/log/it's.log\n"), 0o644)
	out, _, status := ipsec(t, nil, "ipsec", "addconn", "--config", f, "--configsetup")
	if status != 0 {
		t.Fatalf("exit %d", status)
	}
	sh := exec.Command("sh", "-c", out+"\necho \"$plutodebug|$logfile\"")
	got, err := sh.Output()
	if err != nil || string(got) != "base cpu-usage|/var/log/it's.log\n" {
		t.Errorf("sourcing --configsetup output gave %q, %v", got, err)
	}
}
