package setup_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"goswan/tests/testenv"
)

// TestSetupAutoVM is the whole path on a kernel with ESP, once per
// Libreswan release: inside the QEMU VM of scripts/esp-vm.sh, `ipsec setup
// start` on two ends and `ipsec auto --up` on one bring up an IKEv2 tunnel
// with real ESP SAs, a ping crosses it, ipsec verify, barf and look see
// it, and `ipsec setup stop` removes the kernel state. Libreswan 5.2 runs
// in the guest as Debian 13 installs it (/usr/libexec/ipsec), from a copy
// of its programs and libraries taken out of the Debian 13 root.
func TestSetupAutoVM(t *testing.T) {
	forEachLibreswan(t, testSetupAutoVM)
}

func testSetupAutoVM(t *testing.T, ls *testenv.Libreswan) {
	testenv.MustBeRoot(t)
	certutil := testenv.MustHaveCommand(t, "certutil")
	testenv.MustHaveCommand(t, "ldd")
	script := filepath.Join(testenv.ModuleRoot(), "scripts", "esp-vm.sh")
	if _, err := os.Stat(script); err != nil {
		testenv.Unavailable(t, "scripts/esp-vm.sh: %v", err)
	}
	dir := t.TempDir()
	start := time.Now()
	copyVMLibreswan(t, ls, dir)
	buildVMFiles(t, dir, certutil, "run.sh")
	t.Logf("VM files ready after %v", time.Since(start).Round(100*time.Millisecond))

	log, err := testenv.RunVM(t, dir)
	for _, l := range strings.Split(string(log), "\n") {
		if strings.HasPrefix(l, "GOSWAN-T: ") || strings.HasPrefix(l, "GOSWAN-VM: ") {
			t.Log(l)
		}
	}
	if bytes.Contains(log, []byte("0123456789abcdef0123456789abcdef")) {
		t.Errorf("the PSK appears on the VM console")
	}
	if err != nil {
		t.Fatalf("esp-vm.sh: %v; console:\n%s", err, tail(log))
	}
	for _, want := range []string{"Libreswan " + ls.Version, "IPsec running", "established IKE SA",
		"ping through the tunnel: ok", "setup+auto over ESP: ok", "GOSWAN-VM-RESULT: PASS"} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("console lacks %q", want)
		}
	}
	checkVMTools(t, ls, log)
	if t.Failed() || testing.Verbose() {
		t.Logf("console:\n%s", tail(log))
	}
}

// checkVMTools checks what ipsec verify, barf and look said in the VM
// with the tunnel up (their output is prefixed VERIFY:, BARF:, LOOK:).
func checkVMTools(t *testing.T, ls *testenv.Libreswan, log []byte) {
	lines := func(prefix string) string {
		var keep []string
		for _, l := range strings.Split(string(log), "\n") {
			if rest, ok := strings.CutPrefix(l, prefix); ok {
				keep = append(keep, rest)
			}
		}
		return strings.Join(keep, "\n")
	}
	verify := lines("VERIFY: ")
	for _, re := range []string{
		`Checking that pluto is running\s+\[OK\]`,
		`Pluto listening for IKE on udp 500\s+\[OK\]`,
		`Checking Libreswan's pluto\s+\[OK\]`,
		`Libreswan ` + regexp.QuoteMeta(ls.Version),
		`Pluto ipsec.conf syntax\s+\[OK\]`,
	} {
		if !regexp.MustCompile(re).MatchString(verify) {
			t.Errorf("ipsec verify in the VM: no match for %s in:\n%s", re, verify)
		}
	}
	barf := lines("BARF: ")
	for _, want := range []string{"_________________________ ipsec/status", `"t": 198.51.100.0/24===192.0.2.11`,
		"_________________________ ip-xfrm-state", "proto esp", "Libreswan " + ls.Version} {
		if !strings.Contains(barf, want) {
			t.Errorf("ipsec barf in the VM lacks %q:\n%s", want, barf)
		}
	}
	look := lines("LOOK: ")
	for _, want := range []string{"proto esp", "mode tunnel", "198.51.100.0/24"} {
		if !strings.Contains(look, want) {
			t.Errorf("ipsec look in the VM lacks %q:\n%s", want, look)
		}
	}
}

// copyVMLibreswan puts release ls into the VM directory dir where the
// guest's libreswan.sh installs it: the host's under dir/root, at its host
// paths; a Debian 13 root's under dir/ls5root.
func copyVMLibreswan(t *testing.T, ls *testenv.Libreswan, dir string) {
	if ls.Root != "" {
		copyChrootLibreswan(t, ls.Root, filepath.Join(dir, "ls5root"))
	} else {
		copyHostLibreswan(t, *ls, filepath.Join(dir, "root"))
	}
	copyFile(t, filepath.Join("testdata", "vm", "libreswan.sh"), filepath.Join(dir, "libreswan.sh"))
}

// copyHostLibreswan copies the host's Libreswan programs under root at
// their host paths, with every library.
func copyHostLibreswan(t *testing.T, ls testenv.Libreswan, root string) {
	// pluto runs addconn itself when it starts.
	testenv.CopyWithLibs(t, root, append([]string{ls.Pluto, ls.Whack, ls.Addconn}, testenv.HostNSSModules(t, root)...)...)
}

// copyChrootLibreswan copies Libreswan's pluto, whack and addconn out of
// the Debian 13 root src into dst, at their paths in that root, with their
// libraries (as the root's own ldd lists them), its dynamic loader and the
// NSS modules libnss3 loads at run time. The guest runs them chrooted in
// dst.
func copyChrootLibreswan(t *testing.T, src, dst string) {
	progs := []string{"/usr/libexec/ipsec/pluto", "/usr/libexec/ipsec/whack", "/usr/libexec/ipsec/addconn"}
	files := append([]string{}, progs...)
	for _, l := range testenv.NSSDlopened {
		p := "/usr/lib/x86_64-linux-gnu/" + l
		files = append(files, p, strings.TrimSuffix(p, ".so")+".chk")
	}
	out, err := exec.Command("chroot", append([]string{src, "ldd"}, append(progs, files[len(progs):]...)...)...).Output()
	if err != nil && len(out) == 0 {
		t.Fatalf("chroot %s ldd: %v", src, err)
	}
	for _, m := range regexp.MustCompile(`(/[^ :]+) \(0x`).FindAllStringSubmatch(string(out), -1) {
		files = append(files, m[1])
	}
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f] {
			continue
		}
		seen[f] = true
		real, err := resolveIn(src, f)
		if err != nil {
			t.Fatal(err)
		}
		copyFile(t, real, filepath.Join(dst, f))
	}
	// The guest's /etc files pluto and addconn read, and the mount points
	// for the guest's directories.
	for _, d := range []string{"dev", "proc", "sys", "run", "tmp", "t", "etc"} {
		os.MkdirAll(filepath.Join(dst, d), 0o755)
	}
	for _, f := range []string{"/etc/passwd", "/etc/group", "/etc/nsswitch.conf"} {
		if real, err := resolveIn(src, f); err == nil {
			copyFile(t, real, filepath.Join(dst, f))
		}
	}
}

// resolveIn follows the symbolic links of path inside root, as a process
// chrooted there sees them, and returns the host path of the file.
func resolveIn(root, path string) (string, error) {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	cur := "/"
	for hops := 0; len(parts) > 0; {
		next := filepath.Join(cur, parts[0])
		parts = parts[1:]
		target, err := os.Readlink(filepath.Join(root, next))
		if err != nil {
			cur = next
			continue
		}
		if hops++; hops > 40 {
			return "", fmt.Errorf("%s in %s: too many links", path, root)
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(cur, target)
		}
		parts = append(strings.Split(strings.TrimPrefix(filepath.Clean(target), "/"), "/"), parts...)
		cur = "/"
	}
	return filepath.Join(root, cur), nil
}

// copyFile copies src to dst with src's permissions.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	fi, _ := in.Stat()
	os.MkdirAll(filepath.Dir(dst), 0o755)
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fi.Mode().Perm())
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
}

// buildVMFiles puts a static goswan, an NSS database per end and the
// guest script testdata/vm/script (as run.sh) into dir.
func buildVMFiles(t *testing.T, dir, certutil, script string) {
	// A static goswan, and an NSS database per end made here (the VM has
	// no certutil).
	copyFile(t, staticIpsec(t), filepath.Join(dir, "ipsec"))
	for _, n := range []string{"west", "east"} {
		nssdir := filepath.Join(dir, n, "nss")
		os.MkdirAll(nssdir, 0o700)
		if out, err := exec.Command(certutil, "-N", "-d", "sql:"+nssdir, "--empty-password").CombinedOutput(); err != nil {
			t.Fatalf("certutil: %v\n%s", err, out)
		}
	}
	copyFile(t, filepath.Join("testdata", "vm", script), filepath.Join(dir, "run.sh"))
}

// TestMain removes what the tests built once they are done: the binary
// testenv.Binary built and the static goswan of the VM tests.
func TestMain(m *testing.M) {
	code := m.Run()
	testenv.RemoveBinary()
	if staticPath != "" {
		os.RemoveAll(filepath.Dir(staticPath))
	}
	os.Exit(code)
}

var (
	staticOnce sync.Once
	staticPath string
	staticErr  error
)

// staticIpsec builds a static, stripped goswan once per test process
// (the subtests of every release share it; a smaller initramfs boots
// faster under TCG).
func staticIpsec(t *testing.T) string {
	staticOnce.Do(func() {
		dir, err := os.MkdirTemp("", "goswan-vm-ipsec-")
		if err != nil {
			staticErr = err
			return
		}
		staticPath = filepath.Join(dir, "ipsec")
		build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-tags", "urfave_cli_no_docs", "-o", staticPath, "goswan/cmd/ipsec")
		build.Dir = testenv.ModuleRoot()
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			staticErr = fmt.Errorf("building a static ipsec: %v\n%s", err, out)
		}
	})
	if staticErr != nil {
		t.Fatal(staticErr)
	}
	return staticPath
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
