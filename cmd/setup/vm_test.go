package setup_test

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"goswan/tests/testenv"
)

// nssDlopened are the NSS modules libnss3 loads at run time, which ldd of
// pluto does not show (Debian's multiarch directory).
var nssDlopened = []string{"libsoftokn3.so", "libfreeblpriv3.so", "libfreebl3.so", "libnssdbm3.so"}

// copySamePath copies a host file to root+path, following symlinks.
func copySamePath(t *testing.T, root, path string) {
	t.Helper()
	src, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	fi, _ := src.Stat()
	dst := filepath.Join(root, path)
	os.MkdirAll(filepath.Dir(dst), 0o755)
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fi.Mode().Perm())
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := io.Copy(out, src); err != nil {
		t.Fatal(err)
	}
}

var lddPath = regexp.MustCompile(`(/[^ ]+) \(0x`)

// copyWithLibs copies binaries and their shared-library closure.
func copyWithLibs(t *testing.T, root string, bins ...string) {
	t.Helper()
	seen := map[string]bool{}
	for _, b := range bins {
		copySamePath(t, root, b)
		out, err := exec.Command("ldd", b).Output()
		if err != nil {
			t.Fatalf("ldd %s: %v", b, err)
		}
		for _, m := range lddPath.FindAllStringSubmatch(string(out), -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				copySamePath(t, root, m[1])
			}
		}
	}
}

// TestSetupAutoVM is the whole path on a kernel with ESP: inside the QEMU
// VM of scripts/esp-vm.sh, `ipsec setup start` on two ends and `ipsec auto
// --up` on one bring up an IKEv2 tunnel with real ESP SAs, a ping crosses
// it, and `ipsec setup stop` removes the kernel state.
func TestSetupAutoVM(t *testing.T) {
	testenv.MustBeRoot(t)
	ls := testenv.MustHaveLibreswan(t)
	certutil := testenv.MustHaveCommand(t, "certutil")
	testenv.MustHaveCommand(t, "ldd")
	script := filepath.Join(testenv.ModuleRoot(), "scripts", "esp-vm.sh")
	if _, err := os.Stat(script); err != nil {
		testenv.Unavailable(t, "scripts/esp-vm.sh: %v", err)
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "root")

	// Libreswan's programs at their host paths, with every library.
	var nss []string
	for _, d := range []string{"/usr/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu/nss"} {
		for _, l := range nssDlopened {
			p := filepath.Join(d, l)
			if _, err := os.Stat(p); err == nil {
				nss = append(nss, p)
				chk := strings.TrimSuffix(p, ".so") + ".chk"
				if _, err := os.Stat(chk); err == nil {
					copySamePath(t, root, chk)
				}
			}
		}
	}
	// pluto refuses to start without addconn beside it, though setup
	// never runs it.
	copyWithLibs(t, root, append([]string{ls.Pluto, ls.Whack, ls.Addconn}, nss...)...)

	// A static goswan, and an NSS database per end made here (the VM has
	// no certutil).
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "ipsec"), "goswan/cmd/ipsec")
	build.Dir = testenv.ModuleRoot()
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building a static ipsec: %v\n%s", err, out)
	}
	for _, n := range []string{"west", "east"} {
		nssdir := filepath.Join(dir, n, "nss")
		os.MkdirAll(nssdir, 0o700)
		if out, err := exec.Command(certutil, "-N", "-d", "sql:"+nssdir, "--empty-password").CombinedOutput(); err != nil {
			t.Fatalf("certutil: %v\n%s", err, out)
		}
	}
	runSh, err := os.ReadFile(filepath.Join("testdata", "vm", "run.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "run.sh"), runSh, 0o755); err != nil {
		t.Fatal(err)
	}

	log, err := testenv.RunVM(t, dir)
	if bytes.Contains(log, []byte("0123456789abcdef0123456789abcdef")) {
		t.Errorf("the PSK appears on the VM console")
	}
	if err != nil {
		t.Fatalf("esp-vm.sh: %v; console:\n%s", err, tail(log))
	}
	for _, want := range []string{"IPsec running", "established IKE SA", "ping through the tunnel: ok", "setup+auto over ESP: ok", "GOSWAN-VM-RESULT: PASS"} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("console lacks %q", want)
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("console:\n%s", tail(log))
	}
}

// tail drops the kernel's own lines and keeps the end of the console.
func tail(log []byte) string {
	var keep []string
	for _, l := range strings.Split(string(log), "\n") {
		if !strings.HasPrefix(l, "[") {
			keep = append(keep, l)
		}
	}
	if len(keep) > 150 {
		keep = keep[len(keep)-150:]
	}
	return strings.Join(keep, "\n")
}
