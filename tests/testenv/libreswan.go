package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// Libreswan is one installation of Libreswan's programs: the host's (4.10
// on Debian 12) or Debian 13's 5.2 from a Debian 13 root. For the latter
// every program is a wrapper script in ExecDir, so tests and goswan run it
// by path like the host's: pluto enters the root in a private mount
// namespace, the others run with the root's loader and libraries.
type Libreswan struct {
	// Version is the release its pluto reports ("4.10", "5.2").
	Version string
	// Root is the directory the programs run chrooted in; "" for the
	// host's installation.
	Root string
	// ExecDir holds pluto, whack, addconn, readwriteconf, showhostkey
	// and rsasigkey: what goswan's --execdir and IPSEC_EXECDIR take.
	ExecDir string

	Pluto, Whack, Addconn, Readwriteconf, Showhostkey, Rsasigkey string
	// Ipsec is the host's /usr/sbin/ipsec front end (none for a chroot:
	// Debian 13's script wants the root's paths).
	Ipsec string
}

// OnDemandRouted is what `whack --status` of this release says of an
// instance of an OE policy group whose on-demand policy is in the kernel.
func (ls Libreswan) OnDemandRouted() string {
	if ls.Version == "4.10" {
		return "prospective erouted"
	}
	return "routing: routed-ondemand"
}

// LibreswanVersions are the releases the pluto tests run against: the
// host's and Debian 13's (scripts/install-test-deps.sh builds its root).
var LibreswanVersions = []string{"4.10", "5.2"}

// Libreswan5Root is where scripts/install-test-deps.sh builds the Debian 13
// root holding Libreswan 5.2 (GOSWAN_LIBRESWAN5_ROOT overrides it), and
// Libreswan5Marker the file it writes there once the build is complete.
const (
	defaultLibreswan5Root = "/var/cache/goswan/trixie"
	Libreswan5Marker      = ".goswan-root-complete"
)

// Libreswan5Root returns the directory of the Debian 13 root.
func Libreswan5Root() string {
	if r := os.Getenv("GOSWAN_LIBRESWAN5_ROOT"); r != "" {
		return r
	}
	return defaultLibreswan5Root
}

// libreswanPrograms are the programs an installation provides.
var libreswanPrograms = []string{"pluto", "whack", "addconn", "readwriteconf", "showhostkey", "rsasigkey"}

// MustHaveLibreswan returns the host's Libreswan programs or skips/fails t.
func MustHaveLibreswan(t testing.TB) Libreswan {
	t.Helper()
	ls := Libreswan{ExecDir: "/usr/libexec/ipsec", Ipsec: "/usr/sbin/ipsec"}
	for _, p := range []struct {
		dst  *string
		name string
	}{
		{&ls.Pluto, "pluto"}, {&ls.Whack, "whack"}, {&ls.Addconn, "addconn"},
		{&ls.Readwriteconf, "readwriteconf"}, {&ls.Showhostkey, "showhostkey"},
		{&ls.Rsasigkey, "rsasigkey"},
	} {
		path := filepath.Join(ls.ExecDir, p.name)
		if _, err := os.Stat(path); err != nil {
			Unavailable(t, "Libreswan %s not installed (%v); apt-get install libreswan", p.name, err)
		}
		*p.dst = path
	}
	v, err := plutoVersion(ls.Pluto)
	if err != nil {
		Unavailable(t, "%v", err)
	}
	ls.Version = v
	return ls
}

// MustHaveLibreswanVersion returns the installation of release version:
// the host's when it is that release, else the chroot one (5.2, Debian
// 13's). It skips t with the exact reason, or fails it in strict mode,
// when that release is not there or cannot run.
func MustHaveLibreswanVersion(t testing.TB, version string) Libreswan {
	t.Helper()
	if host, err := hostVersion(); err == nil && host == version {
		return MustHaveLibreswan(t)
	}
	if version != "5.2" {
		Unavailable(t, "no Libreswan %s here: the host has %s and the Debian 13 root has 5.2", version, hostOrNone())
	}
	MustBeRoot(t) // chroot and mount
	ls, err := chrootLibreswan(Libreswan5Root())
	if err != nil {
		Unavailable(t, "%v", err)
	}
	if ls.Version != version {
		Unavailable(t, "the Debian 13 root %s has Libreswan %s, not %s", ls.Root, ls.Version, version)
	}
	return ls
}

func hostOrNone() string {
	v, err := hostVersion()
	if err != nil {
		return "none"
	}
	return v
}

var (
	hostOnce    sync.Once
	hostVer     string
	hostVerErr  error
	chrootMu    sync.Mutex
	chrootCache = map[string]chrootResult{}
)

type chrootResult struct {
	ls  Libreswan
	err error
}

func hostVersion() (string, error) {
	hostOnce.Do(func() {
		hostVer, hostVerErr = plutoVersion("/usr/libexec/ipsec/pluto")
	})
	return hostVer, hostVerErr
}

var versionRE = regexp.MustCompile(`Libreswan (\d+\.\d+(?:\.\d+)?)`)

// plutoVersion runs `pluto --version` and returns the release it names.
func plutoVersion(pluto string) (string, error) {
	out, err := exec.Command(pluto, "--version").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s --version: %v: %s", pluto, err, strings.TrimSpace(string(out)))
	}
	m := versionRE.FindSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("%s --version says %q, not a Libreswan release", pluto, strings.TrimSpace(string(out)))
	}
	return string(m[1]), nil
}

// chrootLibreswan writes, once per test process, wrapper scripts that run
// root's Libreswan programs and checks that its pluto runs.
func chrootLibreswan(root string) (Libreswan, error) {
	chrootMu.Lock()
	defer chrootMu.Unlock()
	if r, ok := chrootCache[root]; ok {
		return r.ls, r.err
	}
	ls, err := makeChrootLibreswan(root)
	chrootCache[root] = chrootResult{ls, err}
	return ls, err
}

func makeChrootLibreswan(root string) (Libreswan, error) {
	ls := Libreswan{Root: root}
	if _, err := os.Stat(filepath.Join(root, Libreswan5Marker)); err != nil {
		return ls, fmt.Errorf("no complete Debian 13 root with Libreswan 5.2 at %s (%v); run scripts/install-test-deps.sh as root (debootstrap, about 2 minutes)", root, err)
	}
	for _, p := range libreswanPrograms {
		if _, err := os.Stat(filepath.Join(root, "usr/libexec/ipsec", p)); err != nil {
			return ls, fmt.Errorf("the Debian 13 root %s lacks Libreswan's %s: %v", root, p, err)
		}
	}
	for _, p := range []string{"unshare", "chroot", "mount"} {
		if _, err := LookPath(p); err != nil {
			return ls, fmt.Errorf("running Libreswan from %s needs %v", root, err)
		}
	}
	binds, err := chrootBinds(root)
	if err != nil {
		return ls, err
	}
	// Named by pid like Binary's directory, and removed like it by a
	// later test process once this one is gone.
	removeStaleBuilds()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("goswan-ls5-%d", os.Getpid()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ls, err
	}
	wrapperDir = dir
	loader := filepath.Join(root, "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
	if fi, err := os.Lstat(loader); err != nil || !fi.Mode().IsRegular() {
		return ls, fmt.Errorf("the Debian 13 root %s has no dynamic loader at %s", root, loader)
	}
	for _, p := range libreswanPrograms {
		w := loaderWrapper(root, loader, p)
		if p == "pluto" {
			w = chrootWrapper(root, binds, p)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(w), 0o755); err != nil {
			return ls, err
		}
	}
	ls.ExecDir = dir
	ls.Pluto, ls.Whack, ls.Addconn = filepath.Join(dir, "pluto"), filepath.Join(dir, "whack"), filepath.Join(dir, "addconn")
	ls.Readwriteconf, ls.Showhostkey, ls.Rsasigkey = filepath.Join(dir, "readwriteconf"), filepath.Join(dir, "showhostkey"), filepath.Join(dir, "rsasigkey")
	v, err := plutoVersion(ls.Pluto)
	if err != nil {
		return ls, fmt.Errorf("Libreswan in %s does not run: %v", root, err)
	}
	ls.Version = v
	return ls, nil
}

// chrootBinds are the host directories the chroot programs see at their
// own paths: the temporary directory (every test's work files), the
// module (testdata read by addconn) and this process's working directory.
// Their mount points are made once in the root and kept (empty
// directories), so concurrent test processes never remove one in use.
func chrootBinds(root string) ([]string, error) {
	var binds []string
	add := func(d string) {
		if d == "" || d == "/" {
			return
		}
		d = filepath.Clean(d)
		if real, err := filepath.EvalSymlinks(d); err == nil {
			d = real
		}
		for _, b := range binds {
			if d == b || strings.HasPrefix(d, b+"/") {
				return
			}
		}
		binds = append(binds, d)
	}
	add(os.TempDir())
	add(moduleRoot())
	if wd, err := os.Getwd(); err == nil {
		add(wd)
	}
	for _, d := range append([]string{root}, binds...) {
		if !plainPath(d) {
			return nil, fmt.Errorf("path %q has characters the chroot wrappers do not quote; use a plain TMPDIR", d)
		}
	}
	for _, d := range binds {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return nil, fmt.Errorf("making mount point %s in %s: %w", d, root, err)
		}
	}
	return binds, nil
}

// chrootWrapper is a script that runs root's /usr/libexec/ipsec/PROG. It
// enters a private mount namespace (unshare -m), so the mounts it makes
// there (/dev, a fresh /proc, /sys, the host's resolver files and binds)
// vanish with the program and never show on the host; the program keeps
// the caller's working directory when the root can see it.
func chrootWrapper(root string, binds []string, prog string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\n# Libreswan %s from the Debian 13 root %s (written by goswan's tests/testenv)\n", prog, root)
	b.WriteString("exec unshare --mount --propagation private /bin/sh -ec '\n")
	fmt.Fprintf(&b, "r=%s\n", root)
	b.WriteString("mount --bind /dev \"$r/dev\"\nmount -t proc proc \"$r/proc\"\nmount --rbind /sys \"$r/sys\"\n")
	b.WriteString("for f in /etc/resolv.conf /etc/hosts; do if [ -f \"$f\" ]; then mount --bind \"$f\" \"$r$f\"; fi; done\n")
	for _, d := range binds {
		fmt.Fprintf(&b, "mount --bind %s \"$r\"%s\n", d, d)
	}
	fmt.Fprintf(&b, "exec chroot \"$r\" /bin/sh -c '\\''cd \"$0\" 2>/dev/null || cd /; exec /usr/libexec/ipsec/%s \"$@\"'\\'' \"$PWD\" \"$@\"\n", prog)
	b.WriteString("' sh \"$@\"\n")
	return b.String()
}

// loaderWrapper is a script that runs root's /usr/libexec/ipsec/PROG on
// the host, through root's dynamic loader and libraries: nine times
// faster than entering the root, which matters for whack and addconn,
// run once per conn or file. Only pluto needs the root (chrootWrapper):
// it runs addconn and the updown script by their installed paths.
func loaderWrapper(root, loader, prog string) string {
	return fmt.Sprintf("#!/bin/sh\n# Libreswan %s from the Debian 13 root %s, with its loader and libraries (written by goswan's tests/testenv)\n"+
		"exec %s --library-path %s/lib/x86_64-linux-gnu:%s/usr/lib/x86_64-linux-gnu %s/usr/libexec/ipsec/%s \"$@\"\n",
		prog, root, loader, root, root, root, prog)
}

// plainPath reports whether s can stand unquoted in the wrappers.
func plainPath(s string) bool {
	return s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+") == ""
}
