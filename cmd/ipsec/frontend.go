package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"goswan/cmd/internal/applet"
	"goswan/conf/token"
)

// frontEnd is one run of the ipsec front end: its I/O, the caller's
// environment, and how it hands over to another program.
type frontEnd struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// environ is the caller's environment, NAME=value.
	environ []string
	// self is the running executable. It is never passed through to, so
	// goswan installed in a program directory does not call itself.
	self string
	// exec replaces the front end with a program (execve) and returns
	// only if that fails, with the exit status to report; tests run the
	// program as a child instead.
	exec func(path string, argv, env []string) int
}

func newFrontEnd(stdin io.Reader, stdout, stderr io.Writer) *frontEnd {
	self, _ := os.Executable()
	return &frontEnd{stdin: stdin, stdout: stdout, stderr: stderr,
		environ: os.Environ(), self: self, exec: execProgram}
}

// getenv returns the caller's value of name ("" when unset).
func (fe *frontEnd) getenv(name string) string {
	for i := len(fe.environ) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(fe.environ[i], name+"="); ok {
			return v
		}
	}
	return ""
}

// action is what one command line does: run a goswan applet, execute a
// program, or a verb the front end answers itself. Exactly one of Applet,
// Program and Builtin is set.
type action struct {
	// Applet is a goswan applet's name and arguments, run in-process.
	Applet []string
	// Globals are front-end options (--config F, --ctlsocket S, --rundir
	// D) handed to the applet when it has that option.
	Globals []string
	// Program is executed with Argv (Argv[0] included) and Env.
	Program string
	Argv    []string
	Env     []string
	// DryRun prints Program's command line instead of running it
	// (Libreswan 5's --dry-run).
	DryRun bool
	// Builtin is a verb the front end runs itself, with Args.
	Builtin string
	Args    []string
}

// run is the whole program: it returns the exit status instead of exiting
// so that tests can drive it.
func (fe *frontEnd) run(args []string) int {
	if len(args) == 0 {
		args = []string{"ipsec"}
	}
	if name := strings.TrimPrefix(filepath.Base(args[0]), "ipsec_"); name != "ipsec" && findApplet(name) != nil {
		return fe.runApplet(append([]string{name}, args[1:]...), nil)
	}
	act, err := fe.resolve(args[1:])
	if err != nil {
		return applet.Report(fe.stderr, "", err)
	}
	return fe.do(act)
}

// do carries out an action.
func (fe *frontEnd) do(act action) int {
	switch {
	case act.Applet != nil:
		return fe.runApplet(act.Applet, act.Globals)
	case act.Program != "" && act.DryRun:
		fmt.Fprintln(fe.stdout, strings.Join(act.Argv, " "))
		return applet.ExitOK
	case act.Program != "":
		return fe.exec(act.Program, act.Argv, act.Env)
	}
	return fe.builtin(act.Builtin, act.Args)
}

// globals are the front-end options that come before a verb (and, as in
// Libreswan 5, may also follow it).
type globals struct {
	rundir, ctlsocket, config, remoteHost string
	dryRun, async, utc, verbose           bool
	// args are the options as given, for an applet run after them.
	args []string
}

// takesValue reports whether a front-end option is followed by a value.
func takesValue(opt string) bool {
	switch opt {
	case "--rundir", "--ctlsocket", "--config", "--remote-host":
		return true
	}
	return false
}

// option consumes one front-end option at args[0] and reports how many
// words it took (0: not an option of ours).
func (g *globals) option(args []string) (int, error) {
	if takesValue(args[0]) {
		if len(args) < 2 {
			return 0, applet.Usagef("option %s needs a value", args[0])
		}
		switch args[0] {
		case "--rundir":
			g.rundir = args[1]
		case "--ctlsocket":
			g.ctlsocket = args[1]
		case "--config":
			g.config = args[1]
		case "--remote-host":
			g.remoteHost = args[1]
		}
		return 2, nil
	}
	switch args[0] {
	case "--dry-run", "-n":
		g.dryRun = true
	case "--asynchronous":
		g.async = true
	case "--utc":
		g.utc = true
	case "--verbose":
		g.verbose = true
	default:
		return 0, nil
	}
	return 1, nil
}

// defaultRunDir is pluto's run directory when IPSEC_RUNDIR is not set.
const defaultRunDir = "/run/pluto"

// ctlSocket is pluto's control socket as Libreswan's front end computes
// it: --ctlsocket, else pluto.ctl in --rundir, else in $IPSEC_RUNDIR.
func (fe *frontEnd) ctlSocket(g *globals) string {
	switch {
	case g.ctlsocket != "":
		return g.ctlsocket
	case g.rundir != "":
		return filepath.Join(g.rundir, "pluto.ctl")
	}
	return filepath.Join(fe.runDir(), "pluto.ctl")
}

func (fe *frontEnd) runDir() string {
	if d := fe.getenv("IPSEC_RUNDIR"); d != "" {
		return d
	}
	return defaultRunDir
}

// resolve decides what a command line (without argv[0]) does.
func (fe *frontEnd) resolve(args []string) (action, error) {
	var g globals
	for len(args) > 0 {
		n, err := g.option(args)
		if err != nil {
			return action{}, err
		}
		if n == 0 {
			break
		}
		g.args = append(g.args, args[:n]...)
		args = args[n:]
	}
	if len(args) == 0 {
		return action{Builtin: "usage"}, nil
	}
	word, rest := args[0], args[1:]
	switch word {
	case "--help", "help", "-h":
		return action{Builtin: "help"}, nil
	case "--version", "version":
		return action{Builtin: "version"}, nil
	case "--versioncode", "--directory", "directory", "--confdir":
		return action{Builtin: strings.TrimPrefix(word, "--")}, nil
	}
	if findApplet(word) != nil {
		return action{Applet: append([]string{word}, rest...), Globals: g.args}, nil
	}
	if v := findVerb(word); v != nil {
		return v.resolve(fe, &g, word, rest)
	}
	if strings.HasPrefix(word, "-") {
		msg := fmt.Sprintf("unknown option %q", word)
		if s := token.Suggest(word, frontEndOptions()); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return action{}, applet.Usagef("%s (perhaps command name was omitted?)", msg)
	}
	if path := fe.findProgram(word); path != "" {
		return fe.program(&g, path, rest), nil
	}
	msg := fmt.Sprintf("unknown IPsec command %q", word)
	if s := token.Suggest(word, fe.commandNames()); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return action{}, applet.Usagef("%s (\"ipsec --help\" for list)", msg)
}

// frontEndOptions are the options `ipsec` itself takes, for "did you mean".
func frontEndOptions() []string {
	opts := []string{"--help", "--version", "--versioncode", "--directory", "--confdir",
		"--rundir", "--ctlsocket", "--config", "--dry-run", "--asynchronous", "--remote-host", "--utc"}
	for _, v := range verbs {
		if v.dashes {
			opts = append(opts, "--"+v.name)
		}
	}
	return opts
}

// commandNames is every command `ipsec` runs: applets, verbs and the
// programs of Libreswan's program directory.
func (fe *frontEnd) commandNames() []string {
	names := appletNames()
	for _, v := range verbs {
		names = append(names, v.name)
		names = append(names, v.aliases...)
	}
	progs, _ := fe.listPrograms(true)
	names = append(names, progs...)
	sort.Strings(names)
	return names
}
