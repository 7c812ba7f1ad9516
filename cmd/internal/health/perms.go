package health

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// ConfigPermsCheck: a file or directory anyone may write lets anyone
// change what pluto does: ipsec.conf, every file it includes and their
// directories (a new file matching an include glob is enough), and the
// secrets file and its directory.
func ConfigPermsCheck(ctx context.Context, e *Env) []Result {
	const name = "Checking permissions of ipsec.conf, its includes and ipsec.secrets"
	files := []string{e.Config}
	if cfg, _ := e.Conf(); cfg != nil && len(cfg.Files) > 0 {
		files = cfg.Files
	}
	files = append(files, e.secretsPath())
	var bad []string
	seen := map[string]bool{}
	check := func(p string) {
		if seen[p] {
			return
		}
		seen[p] = true
		fi, err := e.Sys.Stat(p)
		if err != nil {
			return
		}
		if m := fi.Mode(); m.Perm()&0o002 != 0 {
			kind := "file"
			if m.IsDir() {
				kind = "directory"
			}
			bad = append(bad, fmt.Sprintf("%s %s is world-writable (mode %s)", kind, p, modeString(m)))
		}
	}
	for _, f := range files {
		check(f)
		check(path.Dir(f))
	}
	if len(bad) > 0 {
		return []Result{fail(name, "WORLD WRITABLE", strings.Join(bad, "\n"),
			"anyone can change the configuration or the keys: chmod o-w on each")}
	}
	return []Result{ok(name, "")}
}

// NSSPermsCheck: the NSS database holds the private keys Libreswan uses;
// others must not read it.
func NSSPermsCheck(ctx context.Context, e *Env) []Result {
	const name = "Checking NSS database permissions"
	dir := e.setup("nssdir", e.NSSDir)
	fi, err := e.Sys.Stat(dir)
	if err != nil {
		return []Result{na(name, "no "+dir)}
	}
	var bad []string
	if m := fi.Mode(); m.Perm()&0o007 != 0 {
		bad = append(bad, fmt.Sprintf("directory %s is open to others (mode %s)", dir, modeString(m)))
	}
	for _, db := range []string{"key4.db", "cert9.db", "pkcs11.txt"} {
		p := path.Join(dir, db)
		if fi, err := e.Sys.Stat(p); err == nil && fi.Mode().Perm()&0o004 != 0 {
			bad = append(bad, fmt.Sprintf("%s is world-readable (mode %s)", p, modeString(fi.Mode())))
		}
	}
	if len(bad) > 0 {
		return []Result{warn(name, "WORLD READABLE", strings.Join(bad, "\n"), "chmod -R go-rwx "+dir)}
	}
	return []Result{ok(name, "")}
}

func modeString(m fs.FileMode) string { return fmt.Sprintf("%04o", m.Perm()) }
