package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"

	"goswan/cmd/internal/applet"
	"goswan/cmd/internal/pluto"
)

// exitNotFound is the shell's status for a program that cannot be found,
// which Libreswan's front end gives when its exec fails that way.
const exitNotFound = 127

// programDirs are where Libreswan's programs are looked for:
// $IPSEC_EXECDIR, then the usual libexec directories.
func (fe *frontEnd) programDirs() []string {
	var dirs []string
	if d := fe.getenv("IPSEC_EXECDIR"); d != "" {
		dirs = append(dirs, d)
	}
	for _, d := range pluto.LibreswanDirs() {
		if len(dirs) == 0 || d != dirs[0] {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// findProgram returns the executable called name in the first program
// directory that has one, skipping goswan itself (a link to it there
// would make the front end call itself forever).
func (fe *frontEnd) findProgram(name string) string {
	if name == "" || name == "." || name == ".." || strings.ContainsRune(name, '/') {
		return ""
	}
	self, _ := os.Stat(fe.self)
	for _, d := range fe.programDirs() {
		p := filepath.Join(d, name)
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() || fi.Mode()&0o111 == 0 {
			continue
		}
		if self != nil && os.SameFile(fi, self) {
			continue
		}
		return p
	}
	return ""
}

// needProgram is findProgram for a program a verb cannot do without.
func (fe *frontEnd) needProgram(name string) (string, error) {
	if p := fe.findProgram(name); p != "" {
		return p, nil
	}
	return "", applet.Exit(exitNotFound, fmt.Errorf("%s (Libreswan) not found in %s; install Libreswan (apt-get install libreswan) or set IPSEC_EXECDIR",
		name, strings.Join(fe.programDirs(), ", ")))
}

// program is the action that executes a program of Libreswan's program
// directory with args, argv[0] being its path as Libreswan's front end
// gives it.
func (fe *frontEnd) program(g *globals, path string, args []string) action {
	return action{Program: path, Argv: append([]string{path}, args...), Env: fe.programEnv(g, filepath.Dir(path))}
}

// programEnv is the environment a program run through the front end
// gets: the caller's, plus what FreeS/WAN's and Libreswan's front ends
// export (each kept when the caller already set it, except the program
// directory, which is where the program was found, and the control
// socket, which follows --rundir and --ctlsocket). PATH starts with the
// directory of this ipsec, so that the programs' own `ipsec ...` calls
// (pluto's `ipsec _updown`) come back to goswan.
func (fe *frontEnd) programEnv(g *globals, execdir string) []string {
	confs := fe.getenv("IPSEC_CONFS")
	if confs == "" {
		confs = "/etc"
	}
	conf := g.config
	if conf == "" {
		conf = fe.getenv("IPSEC_CONF")
	}
	if conf == "" {
		conf = filepath.Join(confs, "ipsec.conf")
	}
	version := fe.getenv("IPSEC_VERSION")
	if version == "" {
		version = applet.Version
	}
	path := fe.getenv("PATH")
	if fe.self != "" {
		dir := filepath.Dir(fe.self)
		if path != dir && !strings.HasPrefix(path, dir+":") {
			path = dir + ":" + path
		}
	}
	set := [][2]string{
		{"IPSEC_EXECDIR", execdir},
		{"IPSEC_LIBDIR", execdir},
		{"IPSEC_DIR", execdir},
		{"IPSEC_CONFS", confs},
		{"IPSEC_CONF", conf},
		{"IPSEC_RUNDIR", fe.runDir()},
		{"CTLSOCKET", fe.ctlSocket(g)},
		{"IPSEC_VERSION", version},
		{"EF_DISABLE_BANNER", "1"},
		{"PATH", strings.TrimSuffix(path, ":")},
	}
	env := make([]string, 0, len(fe.environ)+len(set))
	for _, kv := range fe.environ {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.ContainsFunc(set, func(s [2]string) bool { return s[0] == name }) {
			env = append(env, kv)
		}
	}
	for _, s := range set {
		env = append(env, s[0]+"="+s[1])
	}
	return env
}

// hiddenProgram reports what Libreswan's `ipsec --help` does not list:
// names matching ^(ipsec|_.*|.*\.old|.*\.orig|.*~)$.
func hiddenProgram(n string) bool {
	return n == "ipsec" || strings.HasPrefix(n, "_") || strings.HasSuffix(n, ".old") ||
		strings.HasSuffix(n, ".orig") || strings.HasSuffix(n, "~")
}

// listPrograms lists the programs of the first program directory that
// exists, without goswan's applets and verbs (which take precedence);
// all includes those `ipsec --help` hides.
func (fe *frontEnd) listPrograms(all bool) ([]string, string) {
	for _, d := range fe.programDirs() {
		ents, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		var names []string
		for _, e := range ents {
			n := e.Name()
			if findApplet(n) != nil || findVerb(n) != nil || strings.HasPrefix(n, "ipsec_") ||
				(!all && hiddenProgram(n)) || fe.findProgram(n) == "" {
				continue
			}
			names = append(names, n)
		}
		sort.Strings(names)
		return names, d
	}
	return nil, ""
}

// libreswanFrontEnd finds Libreswan's own front end, the shell script
// that goswan replaces or stands in front of (renamed by dpkg-divert, or
// later on PATH). Only a script counts, so another goswan is never taken
// for it.
func (fe *frontEnd) libreswanFrontEnd() (string, error) {
	cands := []string{"/usr/sbin/ipsec.libreswan", "/usr/sbin/ipsec.distrib", "/usr/sbin/ipsec", "/sbin/ipsec", "/usr/local/sbin/ipsec"}
	if d := fe.getenv("IPSEC_SBINDIR"); d != "" {
		cands = append([]string{filepath.Join(d, "ipsec")}, cands...)
	}
	self, _ := os.Stat(fe.self)
	for _, c := range cands {
		fi, err := os.Stat(c)
		if err != nil || (self != nil && os.SameFile(fi, self)) {
			continue
		}
		if isScript(c) {
			return c, nil
		}
	}
	return "", applet.Exit(exitNotFound, errors.New("this verb is a shell function of Libreswan's front end, which was not found (looked for "+strings.Join(cands, ", ")+")"))
}

func isScript(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 2)
	_, err = io.ReadFull(f, head)
	return err == nil && bytes.Equal(head, []byte("#!"))
}

// execProgram replaces the front end with the program, as Libreswan's
// front end does with exec: the program's exit status is the command's.
// It returns only if the program cannot be run.
func execProgram(path string, argv, env []string) int {
	err := syscall.Exec(path, argv, env)
	fmt.Fprintf(os.Stderr, "ipsec: %s: %v\n", path, err)
	if errors.Is(err, syscall.ENOENT) {
		return exitNotFound
	}
	return 126
}
