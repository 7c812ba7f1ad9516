// Package addconn is the `ipsec addconn` applet for what needs no IKE
// daemon: --checkconfig validates ipsec.conf, --configsetup prints config
// setup as shell assignments (what FreeS/WAN's _confread gave scripts), and
// the --list options name the conns each auto= value selects.
//
// Synopsis:
//
//	ipsec addconn [--config FILE] --checkconfig
//	ipsec addconn [--config FILE] --configsetup [--varprefix P] [--noexport]
//	ipsec addconn [--config FILE] --listall|--listadd|--listroute|--liststart|--listignore
//
// Loading conns into pluto is `ipsec auto --add` / `--addall`. See
// ipsec_addconn(8).
package addconn

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
	"goswan/conf"
)

// listModes maps each --list flag to the auto= values it selects, as
// Libreswan 4.10's addconn does.
var listModes = []struct {
	flag  string
	usage string
	autos []string
}{
	{"listall", "list every conn", nil},
	{"listadd", "list the conns with auto=add", []string{"add"}},
	{"listroute", "list the conns with auto=ondemand (route) or start", []string{"ondemand", "start"}},
	{"liststart", "list the conns with auto=start", []string{"start"}},
	{"listignore", "list the conns with auto=ignore or no auto=", []string{"ignore"}},
}

// Command builds the addconn applet.
func Command() *cli.Command {
	flags := []cli.Flag{
		applet.ConfigFlag(),
		&cli.BoolFlag{Name: "checkconfig", Usage: "check the configuration; silent, exit 0, when it is good"},
		&cli.BoolFlag{Name: "configsetup", Usage: "print config setup as shell variable assignments"},
		&cli.StringFlag{Name: "varprefix", Usage: "prefix `P` for the --configsetup variable names"},
		&cli.BoolFlag{Name: "noexport", Usage: "with --configsetup, omit the export keyword"},
		&cli.StringFlag{Name: "rootdir", Usage: "prefix `DIR` to absolute file names (config and includes)"},
	}
	for _, m := range listModes {
		flags = append(flags, &cli.BoolFlag{Name: m.flag, Usage: m.usage})
	}
	return &cli.Command{
		Name:      "addconn",
		Usage:     "check ipsec.conf, print config setup, list conns by auto=",
		UsageText: "ipsec addconn [--config FILE] --checkconfig | --configsetup | --listall | --listadd | --listroute | --liststart | --listignore",
		Flags:     flags,
		Action:    run,
	}
}

func run(c *cli.Context) error {
	var mode string
	for _, m := range append([]string{"checkconfig", "configsetup"}, listNames()...) {
		if c.Bool(m) {
			if mode != "" {
				return applet.Usagef("--%s and --%s cannot be combined", mode, m)
			}
			mode = m
		}
	}
	if mode == "" {
		return applet.Usagef("nothing to do: give --checkconfig, --configsetup or a --list option (conns are loaded into pluto with \"ipsec auto --add\")")
	}
	if c.NArg() > 0 {
		return applet.Usagef("unexpected argument %q", c.Args().First())
	}
	cfg, err := applet.LoadConfig(c, &conf.Options{RootDir: c.String("rootdir")})
	if err != nil {
		return err
	}
	switch mode {
	case "checkconfig":
		return cfg.Err()
	case "configsetup":
		writeSetup(c.App.Writer, cfg, applet.ConfigPath(c), c.String("varprefix"), !c.Bool("noexport"))
		return nil
	}
	for _, m := range listModes {
		if m.flag == mode {
			listConns(c.App.Writer, cfg, m.autos)
		}
	}
	return cfg.Err()
}

func listNames() []string {
	var names []string
	for _, m := range listModes {
		names = append(names, m.flag)
	}
	return names
}

// listConns prints the names of loaded conns whose auto= is in autos (all
// when autos is nil), space separated on one line as Libreswan does.
func listConns(w io.Writer, cfg *conf.Config, autos []string) {
	var names []string
	for _, cn := range cfg.Conns {
		if cn.Err != nil {
			continue
		}
		if autos == nil || contains(autos, cn.Auto()) {
			names = append(names, cn.Name)
		}
	}
	if len(names) > 0 {
		fmt.Fprintln(w, strings.Join(names, " "))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// writeSetup prints config setup as `export NAME='value'` lines; names have
// - replaced by _, values are single-quoted for sh.
func writeSetup(w io.Writer, cfg *conf.Config, file, prefix string, export bool) {
	exp := ""
	if export {
		exp = "export "
	}
	fmt.Fprintf(w, "%s%sconfreadstatus=''\n", exp, prefix)
	fmt.Fprintf(w, "%s%sconfigfile=%s\n", exp, prefix, shellQuote(file))
	for _, v := range cfg.Setup.All() {
		fmt.Fprintf(w, "%s%s%s=%s\n", exp, prefix, strings.NewReplacer("-", "_", ".", "_").Replace(v.Keyword), shellQuote(v.Raw))
	}
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
