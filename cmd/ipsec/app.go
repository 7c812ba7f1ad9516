package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/urfave/cli/v2"

	"goswan/cmd/addconn"
	"goswan/cmd/auto"
	"goswan/cmd/barf"
	"goswan/cmd/internal/applet"
	"goswan/cmd/look"
	"goswan/cmd/manual"
	"goswan/cmd/newhostkey"
	"goswan/cmd/ranbits"
	"goswan/cmd/readwriteconf"
	"goswan/cmd/rsasigkey"
	"goswan/cmd/setup"
	"goswan/cmd/showhostkey"
	"goswan/cmd/updown"
	"goswan/cmd/verify"
)

// appletEntry registers one applet: its name, so the front end can
// dispatch without building any command, and its constructor. A name may
// start with "_" (pluto's `ipsec _updown`); such applets are not listed by
// `ipsec --help`, as Libreswan hides its _ programs.
type appletEntry struct {
	name    string
	command func() *cli.Command
}

// applets lists every applet in the order `ipsec --help` shows them. Each
// constructor call builds a fresh command, so no flag state survives from
// one run to the next; a run builds only the command it runs.
var applets = []appletEntry{
	{"setup", setup.Command},
	{"auto", auto.Command},
	{"manual", manual.Command},
	{"ranbits", ranbits.Command},
	{"rsasigkey", rsasigkey.Command},
	{"newhostkey", newhostkey.Command},
	{"showhostkey", showhostkey.Command},
	{"verify", verify.Command},
	{"barf", barf.Command},
	{"look", look.Command},
	{"readwriteconf", readwriteconf.Command},
	{"addconn", addconn.Command},
	{"_updown", updown.Command},
}

// findApplet returns the registered applet called name.
func findApplet(name string) *appletEntry {
	for i := range applets {
		if applets[i].name == name {
			return &applets[i]
		}
	}
	return nil
}

func appletNames() []string {
	names := make([]string, 0, len(applets))
	for _, a := range applets {
		names = append(names, a.name)
	}
	return names
}

// runApplet runs one applet with its arguments (args[0] is the applet's
// name). Only that applet's command is built; the others are present by
// name only, so an applet may still ask whether another exists. Of the
// front-end options given before the applet's name (globals), those the
// applet also has are handed to it.
func (fe *frontEnd) runApplet(args, globals []string) int {
	cmds := make([]*cli.Command, 0, len(applets))
	for _, a := range applets {
		if a.name == args[0] {
			cmd := a.command()
			prepare(cmd)
			args = append(append([]string{args[0]}, appletOptions(cmd, globals)...), args[1:]...)
			cmds = append(cmds, cmd)
		} else {
			cmds = append(cmds, &cli.Command{Name: a.name, Hidden: true})
		}
	}
	app := fe.newApp(cmds)
	err := app.Run(append([]string{"ipsec"}, args...))
	return applet.Report(fe.stderr, args[0], err)
}

// appletOptions keeps the front-end options cmd also defines.
func appletOptions(cmd *cli.Command, globals []string) []string {
	has := map[string]bool{}
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			has["--"+n] = true
		}
	}
	var out []string
	for i := 0; i < len(globals); i++ {
		n := 1
		if takesValue(globals[i]) {
			n = 2
		}
		if has[globals[i]] {
			out = append(out, globals[i:min(i+n, len(globals))]...)
		}
		i += n - 1
	}
	return out
}

func (fe *frontEnd) newApp(cmds []*cli.Command) *cli.App {
	return &cli.App{
		Name:            "ipsec",
		Usage:           "FreeS/WAN-style IPsec commands for Linux (goswan)",
		HideVersion:     true,
		HideHelpCommand: true,
		Reader:          fe.stdin,
		Writer:          fe.stdout,
		ErrWriter:       fe.stderr,
		Commands:        cmds,
		ExitErrHandler:  func(*cli.Context, error) {}, // the front end reports and exits, not cli
	}
}

// prepare gives every applet the shared conventions: usage errors exit 2,
// and `--version` prints "ipsec NAME VERSION" as the FreeS/WAN scripts did.
func prepare(cmd *cli.Command) {
	cmd.OnUsageError = func(c *cli.Context, err error, _ bool) error {
		return applet.Usagef("%v (\"ipsec %s --help\" for usage)", err, cmd.Name)
	}
	hasVersion := false
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			hasVersion = hasVersion || n == "version"
		}
	}
	if !hasVersion && cmd.Action != nil {
		cmd.Flags = append(cmd.Flags, &cli.BoolFlag{Name: "version", Usage: "print the version and exit"})
		action := cmd.Action
		cmd.Action = func(c *cli.Context) error {
			if c.Bool("version") {
				fmt.Fprintf(c.App.Writer, "ipsec %s %s\n", cmd.Name, applet.Version)
				return nil
			}
			return action(c)
		}
	}
	for _, sub := range cmd.Subcommands {
		prepare(sub)
	}
}

// versionLine is what `ipsec --version` prints.
func versionLine() string {
	return fmt.Sprintf("goswan %s (Linux XFRM, %s)\n", applet.Version, runtime.Version())
}

// usageLines are the synopsis `ipsec --help` starts with; tests and the
// bash completion read the front end's options from them.
const usageLines = `Usage: ipsec command [argument ...]
       ipsec [--rundir DIR | --ctlsocket FILE | --config FILE] verb [argument ...]
       ipsec --help | --version | --versioncode | --directory | --confdir
`

// help writes `ipsec --help`: goswan's applets with their summaries, then
// Libreswan's front-end verbs, then the programs of Libreswan's program
// directory that run through the front end.
func (fe *frontEnd) help(w io.Writer) {
	fmt.Fprint(w, usageLines)
	fmt.Fprintln(w, "where command is one of:")
	for _, a := range applets {
		if strings.HasPrefix(a.name, "_") {
			continue
		}
		fmt.Fprintf(w, "\t%-14s %s\n", a.name, a.command().Usage)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Libreswan's front-end verbs (goswan's operation where it has one):")
	for _, v := range verbs {
		if v.summary != "" {
			fmt.Fprintf(w, "\t%-14s %s\n", v.name, v.summary)
		}
	}
	progs, dir := fe.listPrograms(false)
	if len(progs) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "Libreswan's programs, run from %s:\n", dir)
		for len(progs) > 0 {
			n := min(len(progs), 5)
			fmt.Fprintf(w, "\t%s\n", strings.Join(progs[:n], " "))
			progs = progs[n:]
		}
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, `Each command answers --help; goswan's have the manual page ipsec_COMMAND(8).
Commands may also be run through links named ipsec_COMMAND.
`)
}
