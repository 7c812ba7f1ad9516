package testenv

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The VM tests give the guest the host's programs at their host paths:
// these helpers fill the guest's root directory.

// CopyToRoot copies the host file path to the same path under root,
// following symlinks and keeping the mode.
func CopyToRoot(t testing.TB, root, path string) {
	t.Helper()
	src, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(root, path)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
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

// CopyWithLibs copies programs under root, each with the shared
// libraries ldd lists for it; a program ldd does not take (a script, a
// static binary) is copied alone.
func CopyWithLibs(t testing.TB, root string, progs ...string) {
	t.Helper()
	seen := map[string]bool{}
	for _, p := range progs {
		CopyToRoot(t, root, p)
		out, err := exec.Command("ldd", p).Output()
		if err != nil {
			continue
		}
		for _, m := range lddPath.FindAllStringSubmatch(string(out), -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				CopyToRoot(t, root, m[1])
			}
		}
	}
}

// NSSDlopened are the NSS modules libnss3 loads at run time, which ldd of
// pluto does not show (Debian's multiarch directory).
var NSSDlopened = []string{"libsoftokn3.so", "libfreeblpriv3.so", "libfreebl3.so", "libnssdbm3.so"}

// HostNSSModules copies the .chk files of the host's run-time NSS modules
// under root and returns the modules, for CopyWithLibs.
func HostNSSModules(t testing.TB, root string) []string {
	t.Helper()
	var nss []string
	for _, d := range []string{"/usr/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu/nss"} {
		for _, l := range NSSDlopened {
			p := filepath.Join(d, l)
			if _, err := os.Stat(p); err != nil {
				continue
			}
			nss = append(nss, p)
			if chk := strings.TrimSuffix(p, ".so") + ".chk"; fileExists(chk) {
				CopyToRoot(t, root, chk)
			}
		}
	}
	return nss
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
