package pluto

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Programs are the Libreswan executables goswan runs.
type Programs struct {
	Pluto string
	Whack string
}

// libreswanDirs are where distributions and `make install` put pluto and
// whack (Debian and Fedora: /usr/libexec/ipsec; upstream default prefix
// /usr/local; older packages /usr/lib/ipsec).
var libreswanDirs = []string{"/usr/libexec/ipsec", "/usr/local/libexec/ipsec", "/usr/lib/ipsec", "/usr/local/lib/ipsec"}

// ErrNoLibreswan is returned when pluto or whack cannot be found.
var ErrNoLibreswan = errors.New("pluto and whack (Libreswan) not found; install Libreswan: apt-get install libreswan (Debian/Ubuntu) or dnf install libreswan (Fedora/RHEL), or give --execdir DIR")

// Find locates pluto and whack: in execdir when given (the --execdir
// option), else in $IPSEC_EXECDIR, else in the usual Libreswan
// directories, else on PATH. A directory only counts when it holds the
// program, so IPSEC_EXECDIR may also point at goswan's own applet links.
func Find(execdir string) (Programs, error) {
	var dirs []string
	if execdir != "" {
		dirs = []string{execdir}
	} else {
		if d := os.Getenv("IPSEC_EXECDIR"); d != "" {
			dirs = append(dirs, d)
		}
		dirs = append(dirs, libreswanDirs...)
	}
	var p Programs
	for _, want := range []struct {
		dst  *string
		name string
	}{{&p.Pluto, "pluto"}, {&p.Whack, "whack"}} {
		*want.dst = findIn(dirs, want.name, execdir == "")
		if *want.dst == "" {
			if execdir != "" {
				return p, fmt.Errorf("%s not found in --execdir %s; install Libreswan: apt-get install libreswan", want.name, execdir)
			}
			return p, ErrNoLibreswan
		}
	}
	return p, nil
}

func findIn(dirs []string, name string, usePath bool) string {
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	if usePath {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// DefaultRunDir is where pluto keeps its control socket and pid file.
const DefaultRunDir = "/run/pluto"

// CtlSocket returns the control socket: ctlsocket when given, else
// pluto.ctl in rundir when given, else /run/pluto/pluto.ctl.
func CtlSocket(ctlsocket, rundir string) string {
	switch {
	case ctlsocket != "":
		return ctlsocket
	case rundir != "":
		return filepath.Join(rundir, "pluto.ctl")
	}
	return filepath.Join(DefaultRunDir, "pluto.ctl")
}

// LibreswanDirs returns the directories where Libreswan's programs are
// looked for when $IPSEC_EXECDIR does not name one, in that order.
func LibreswanDirs() []string { return append([]string(nil), libreswanDirs...) }
