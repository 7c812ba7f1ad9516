package main

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"sort"
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
	"goswan/conf/token"
)

// applets lists the constructors of every applet, in the order `ipsec --help`
// shows them. Each call builds a fresh command, so no flag state survives
// from one run to the next.
var applets = []func() *cli.Command{
	setup.Command,
	auto.Command,
	manual.Command,
	ranbits.Command,
	rsasigkey.Command,
	newhostkey.Command,
	showhostkey.Command,
	verify.Command,
	barf.Command,
	look.Command,
	readwriteconf.Command,
	addconn.Command,
	updown.Command,
}

// run is the whole program: it returns the exit status instead of exiting so
// that tests can drive it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(stdin, stdout, stderr)
	args = dispatchArgs(args, app.Commands)
	err := app.Run(args)
	name := ""
	if len(args) > 1 {
		name = args[1]
	}
	if app.Command(name) == nil {
		name = ""
	}
	return applet.Report(stderr, name, err)
}

// dispatchArgs rewrites a call through a link named ipsec_APPLET or APPLET
// into `ipsec APPLET args`.
func dispatchArgs(args []string, cmds []*cli.Command) []string {
	if len(args) == 0 {
		return []string{"ipsec"}
	}
	base := strings.TrimPrefix(filepath.Base(args[0]), "ipsec_")
	if base == "ipsec" {
		return args
	}
	for _, c := range cmds {
		if c.Name == base {
			return append([]string{"ipsec", base}, args[1:]...)
		}
	}
	return args
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	cmds := make([]*cli.Command, 0, len(applets))
	for _, mk := range applets {
		cmd := mk()
		prepare(cmd)
		cmds = append(cmds, cmd)
	}
	app := &cli.App{
		Name:            "ipsec",
		Usage:           "FreeS/WAN-style IPsec commands for Linux (goswan)",
		UsageText:       "ipsec command [argument ...]\nipsec --help | --version | --versioncode | --directory | --confdir",
		HideVersion:     true,
		HideHelpCommand: true,
		Reader:          stdin,
		Writer:          stdout,
		ErrWriter:       stderr,
		Commands:        cmds,
		ExitErrHandler:  func(*cli.Context, error) {}, // run reports and exits, not cli
		CustomAppHelpTemplate: `Usage: ipsec command [argument ...]
       ipsec --help | --version | --versioncode | --directory | --confdir
where command is one of:
{{range .VisibleCommands}}	{{printf "%-14s" .Name}} {{.Usage}}
{{end}}
Each command answers --help; its manual page is ipsec_COMMAND(8).
Commands may also be run through links named ipsec_COMMAND.
`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "version", Usage: "print the version"},
			&cli.BoolFlag{Name: "versioncode", Usage: "print the bare version number"},
			&cli.BoolFlag{Name: "directory", Usage: "print the directory holding the ipsec_COMMAND links"},
			&cli.BoolFlag{Name: "confdir", Usage: "print the configuration directory"},
		},
		Action: func(c *cli.Context) error {
			switch {
			case c.Bool("version"):
				fmt.Fprintf(c.App.Writer, "goswan %s (Linux XFRM, %s)\n", applet.Version, runtime.Version())
			case c.Bool("versioncode"):
				fmt.Fprintln(c.App.Writer, applet.Version)
			case c.Bool("directory"):
				fmt.Fprintln(c.App.Writer, applet.ExecDir())
			case c.Bool("confdir"):
				fmt.Fprintln(c.App.Writer, applet.ConfDir())
			case c.NArg() > 0:
				return unknownApplet(c.Args().First(), c.App.Commands)
			default:
				cli.ShowAppHelp(c)
				return applet.Exit(applet.ExitUsage, nil)
			}
			return nil
		},
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return applet.Usagef("%v (\"ipsec --help\" for the list of commands)", err)
		},
	}
	return app
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

func unknownApplet(name string, cmds []*cli.Command) error {
	names := make([]string, 0, len(cmds))
	for _, c := range cmds {
		names = append(names, c.Name)
	}
	sort.Strings(names)
	msg := fmt.Sprintf("unknown IPsec command %q", name)
	if strings.HasPrefix(name, "-") {
		msg = fmt.Sprintf("unknown option %q", name)
	} else if s := token.Suggest(name, names); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return applet.Usagef("%s (\"ipsec --help\" for the list of commands)", msg)
}
