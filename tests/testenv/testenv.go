// Package testenv lets tests that need a real component (Libreswan's pluto,
// BIND's named, network namespaces, a kernel with ESP, the built ipsec
// binary) find it, or say exactly why they cannot.
//
// Like Go's internal/testenv, a missing component skips the test on a
// developer's machine with the precise reason, but fails it in strict mode:
// IPSEC_TEST_STRICT=1 (set by `make test`) or CI=true. There a skipped real
// component would hide a broken installation.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// Strict reports whether missing components must fail tests.
func Strict() bool {
	return os.Getenv("IPSEC_TEST_STRICT") == "1" || os.Getenv("CI") == "true"
}

// Unavailable skips t with the reason, or fails it in strict mode.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	why := fmt.Sprintf(format, args...)
	if Strict() {
		t.Fatalf("required component missing (strict mode): %s", why)
	}
	t.Skipf("skipping: %s (set IPSEC_TEST_STRICT=1 to make this fatal)", why)
}

// searchPath is where Debian and upstream installs put the programs tests use.
var searchPath = []string{"/usr/libexec/ipsec", "/usr/local/libexec/ipsec", "/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin"}

// LookPath finds a program on PATH or in the usual system directories.
func LookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, d := range searchPath {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found in PATH or %s", name, strings.Join(searchPath, ":"))
}

// MustHaveCommand returns the path of program name or skips/fails t.
func MustHaveCommand(t testing.TB, name string) string {
	t.Helper()
	p, err := LookPath(name)
	if err != nil {
		Unavailable(t, "%v", err)
	}
	return p
}

// MustBeRoot requires uid 0 (namespaces, netlink XFRM, pluto).
func MustBeRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Unavailable(t, "test needs root (uid 0), running as uid %d", os.Geteuid())
	}
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// Applets is every applet name the built binary is linked under.
var Applets = []string{
	"setup", "auto", "manual", "ranbits", "rsasigkey", "newhostkey", "showhostkey",
	"verify", "barf", "look", "readwriteconf", "addconn",
}

// Binary builds cmd/ipsec once per test process into a temporary directory
// that also holds ipsec_APPLET and APPLET links, and returns the binary's
// path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		// A test binary cannot clean up when it exits, so the directory
		// is named by pid and each build removes those of processes that
		// are gone.
		removeStaleBuilds()
		buildDir = filepath.Join(os.TempDir(), fmt.Sprintf("goswan-bin-%d", os.Getpid()))
		os.RemoveAll(buildDir)
		if buildErr = os.Mkdir(buildDir, 0o755); buildErr != nil {
			return
		}
		out := filepath.Join(buildDir, "ipsec")
		cmd := exec.Command("go", "build", "-tags", "urfave_cli_no_docs", "-o", out, "goswan/cmd/ipsec")
		cmd.Dir = moduleRoot()
		if b, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build cmd/ipsec: %v\n%s", err, b)
			return
		}
		for _, a := range Applets {
			for _, l := range []string{"ipsec_" + a, a} {
				if err := os.Symlink("ipsec", filepath.Join(buildDir, l)); err != nil {
					buildErr = err
					return
				}
			}
		}
	})
	if buildErr != nil {
		t.Fatalf("building ipsec: %v", buildErr)
	}
	return filepath.Join(buildDir, "ipsec")
}

// Main runs a package's tests and then removes the binary Binary built,
// so the run leaves no temporary directory behind. Packages that call
// Binary have: func TestMain(m *testing.M) { testenv.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	RemoveBinary()
	os.Exit(code)
}

// RemoveBinary removes what Binary built in this process, and the
// Libreswan 5 wrappers it wrote.
func RemoveBinary() {
	for _, d := range []string{buildDir, wrapperDir} {
		if d != "" {
			os.RemoveAll(d)
		}
	}
}

// wrapperDir holds the Libreswan 5 wrappers of this process, if any.
var wrapperDir string

// removeStaleBuilds deletes the binary directories of test processes that
// no longer run.
func removeStaleBuilds() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "goswan-bin-*"))
	ls5, _ := filepath.Glob(filepath.Join(os.TempDir(), "goswan-ls5-*"))
	for _, d := range append(dirs, ls5...) {
		base := filepath.Base(d)
		pid, err := strconv.Atoi(base[strings.LastIndex(base, "-")+1:])
		if err != nil || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			os.RemoveAll(d)
		}
	}
}

// moduleRoot is the directory holding go.mod.
func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

// ModuleRoot returns the repository root, for tests that read shared files
// such as examples/.
func ModuleRoot() string { return moduleRoot() }
