package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"goswan/cmd/internal/applet"
)

// Exit statuses of Libreswan's checknss and initnss.
const (
	exitNSSFailed      = 4
	exitNSSInitialised = 42
)

// checkNSS is `ipsec checknss` and `ipsec initnss` (args[0] is the verb as
// typed): it creates pluto's NSS database with an empty password unless
// there is one, with the words and exit statuses of Libreswan's front end
// (4.10 and 5.2 agree). It moves a database left in the old place
// (/etc/ipsec.d) as Libreswan's does. Converting a database of the old
// format (cert8.db) and --settrusts are left to Libreswan's front end.
func (fe *frontEnd) checkNSS(args []string) int {
	nssdir := fe.getenv("IPSEC_NSSDIR")
	if nssdir == "" {
		nssdir = "/var/lib/ipsec/nss"
	}
	confddir := fe.getenv("IPSEC_CONFDDIR")
	if confddir == "" {
		confddir = "/etc/ipsec.d"
	}
	cmd, setTrusts := "", false
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--checknss", "checknss":
			cmd = "checknss"
		case "--initnss", "initnss":
			cmd = "initnss"
		case "--settrusts":
			setTrusts = true
		case "--configdir", "-d", "--nssdir":
			if args[i] == "--configdir" {
				fmt.Fprintf(fe.stderr, "ipsec %s warning: --configdir is obsoleted, use --nssdir\n", cmd)
			}
			nssdir = ""
			if i+1 < len(args) {
				nssdir = args[i+1]
			}
			i++
		default:
			fmt.Fprintf(fe.stderr, "Usage: ipsec %s [--nssdir %s]\n", cmd, nssdir)
			return applet.ExitFailure
		}
	}
	if fi, err := os.Stat(nssdir); nssdir == "" || err != nil || !fi.IsDir() || syscall.Access(nssdir, 2) != nil {
		fmt.Fprintf(fe.stderr, "ERROR: destination directory %q is missing or permission denied\n", nssdir)
		return applet.ExitFailure
	}
	in := func(dir, f string) bool { return isFile(filepath.Join(dir, f)) }
	if confddir != nssdir && cmd == "checknss" {
		if in(confddir, "cert8.db") && !in(confddir, "cert9.db") && !in(nssdir, "cert9.db") {
			fmt.Fprintln(fe.stderr, "Failure - we cannot handle both nss db format conversion and nss db move to new location in one run.")
			fmt.Fprintf(fe.stderr, "Run \"ipsec checknss --nssdir %s\" manually first to convert db format\n", confddir)
			return exitNSSFailed
		}
		for _, f := range []string{"cert9.db", "key4.db", "pkcs11.txt"} {
			from, to := filepath.Join(confddir, f), filepath.Join(nssdir, f)
			if isFile(from) && !isFile(to) {
				if err := moveFile(from, to); err != nil {
					fmt.Fprintf(fe.stderr, "Failed to mv %s %s\n", from, to)
					return exitNSSFailed
				}
			}
		}
	}
	if in(nssdir, "cert8.db") || in(nssdir, "key3.db") || in(nssdir, "secmod.db") {
		if !in(nssdir, "cert9.db") || !in(nssdir, "key4.db") {
			return fe.toLibreswan("converting the old NSS database format", args)
		}
		return applet.ExitOK
	}
	if in(nssdir, "cert9.db") || in(nssdir, "key4.db") {
		if cmd == "initnss" {
			fmt.Fprintln(fe.stdout, "NSS database already initialised - aborted")
			fmt.Fprintf(fe.stdout, "To wipe the old NSS database, issue: rm %s/*.db\n", nssdir)
			return exitNSSInitialised
		}
		if setTrusts {
			return fe.toLibreswan("--settrusts", args)
		}
		return applet.ExitOK
	}
	fmt.Fprintln(fe.stdout, "Initializing NSS database")
	fmt.Fprintln(fe.stdout)
	if fe.runCommand(nssTool("certutil"), "-N", "-d", "sql:"+nssdir, "--empty-password") != 0 {
		fmt.Fprintf(fe.stderr, "Failed to initialize nss database sql:%s\n", nssdir)
		return exitNSSFailed
	}
	if restorecon, err := exec.LookPath("restorecon"); err == nil {
		fe.runCommand(restorecon, "-Rv", nssdir)
	}
	return applet.ExitOK
}

// nssTool finds an NSS program on PATH, else in /usr/bin (Libreswan 5
// puts NSS_BINDIR, /usr/bin, first).
func nssTool(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return filepath.Join("/usr/bin", name)
}

// toLibreswan hands the rest of a verb to Libreswan's front end, for the
// parts goswan does not do itself.
func (fe *frontEnd) toLibreswan(what string, args []string) int {
	script, err := fe.libreswanFrontEnd()
	if err != nil {
		fmt.Fprintf(fe.stderr, "ipsec %s: %s needs Libreswan's front end: %v\n", args[0], what, err)
		return exitNSSFailed
	}
	return fe.exec(script, append([]string{script}, args...), fe.environ)
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// moveFile renames, or copies and removes across file systems, as mv does.
func moveFile(from, to string) error {
	if err := os.Rename(from, to); err == nil {
		return nil
	}
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return err
	}
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		os.Remove(to)
		return err
	}
	if err := dst.Close(); err != nil {
		return err
	}
	return os.Remove(from)
}
