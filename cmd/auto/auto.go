// Package auto is `ipsec auto`: it controls automatically keyed (IKE)
// connections by turning ipsec.conf conns into Libreswan whack commands and
// sending them to a running pluto, as FreeS/WAN's auto did.
package auto

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
	"goswan/cmd/internal/oeconf"
	"goswan/cmd/internal/pluto"
	"goswan/conf"
	"goswan/conf/token"
)

// op is one `ipsec auto` operation.
type op struct {
	name  string // option name without dashes
	conn  int    // 0: no conn, 1: exactly one, 2: one or more
	whack string // whack option for simple pass-through operations
	usage string
}

// ops lists the operations in the order --help shows them.
var ops = []op{
	{"add", 2, "", "add (or replace) the named conns"},
	{"addall", 0, "", "add every conn with auto=add, route, ondemand, start or keep"},
	{"replace", 2, "", "delete then add the named conns"},
	{"delete", 2, "", "delete the named conns from pluto"},
	{"up", 1, "", "initiate the conn (--initiate)"},
	{"start", 1, "", "add, then initiate the conn"},
	{"down", 1, "", "terminate the conn's SAs (--terminate)"},
	{"route", 1, "", "route the conn: negotiate on demand"},
	{"ondemand", 1, "", "add, then route the conn"},
	{"unroute", 1, "", "unroute the conn"},
	{"status", 0, "--status", "show pluto's status"},
	{"ready", 0, "--listen", "tell pluto to rescan interfaces and listen"},
	{"rereadgroups", 0, "--listen", "FreeS/WAN: same as --ready"},
	{"rereadsecrets", 0, "--rereadsecrets", "reload ipsec.secrets"},
	{"rereadcerts", 0, "--rereadcerts", "reload certificates"},
	{"rereadall", 0, "--rereadall", "reload secrets and certificates"},
	{"fetchcrls", 0, "--fetchcrls", "fetch CRLs now"},
	{"rereadcrls", 0, "", "obsolete (Libreswan): use --fetchcrls"},
	{"listpubkeys", 0, "--listpubkeys", "list public keys"},
	{"checkpubkeys", 0, "--checkpubkeys", "list public keys that expire soon"},
	{"listcerts", 0, "--listcerts", "list certificates"},
	{"listcacerts", 0, "--listcacerts", "list CA certificates"},
	{"listcrls", 0, "--listcrls", "list CRLs"},
	{"listall", 0, "--listall", "list all of the above"},
	{"purgeocsp", 0, "--purgeocsp", "purge the OCSP cache (with --listall)"},
}

func findOp(name string) *op {
	for i := range ops {
		if ops[i].name == name {
			return &ops[i]
		}
	}
	return nil
}

// Command returns the `ipsec auto` applet.
func Command() *cli.Command {
	flags := []cli.Flag{
		applet.ConfigFlag(),
		&cli.StringFlag{Name: "ctlsocket", Usage: "pluto's control socket `FILE` (default /run/pluto/pluto.ctl)"},
		&cli.StringFlag{Name: "rundir", Usage: "pluto's run `DIR`; the socket is DIR/pluto.ctl"},
		&cli.StringFlag{Name: "execdir", Usage: "find Libreswan's whack in `DIR`"},
		&cli.BoolFlag{Name: "showonly", Usage: "print the whack commands instead of running them"},
		&cli.BoolFlag{Name: "show", Usage: "print each whack command before running it"},
		&cli.BoolFlag{Name: "verbose", Usage: "explain what is done"},
		&cli.BoolFlag{Name: "asynchronous", Usage: "with --up/--start: do not wait for the negotiation"},
		&cli.BoolFlag{Name: "utc", Usage: "list times in UTC"},
		&cli.StringFlag{Name: "remote-host", Usage: "with --up: initiate to `ADDR` (for right=%any conns)"},
	}
	for _, o := range ops {
		flags = append(flags, &cli.BoolFlag{Name: o.name, Usage: o.usage})
	}
	return &cli.Command{
		Name:      "auto",
		Usage:     "control single connections: add, delete, route, bring up and down, list",
		UsageText: "ipsec auto [--config F] [--ctlsocket S] [--showonly] [--verbose] [--asynchronous] OPERATION [CONN ...]\n   e.g. ipsec auto --add net-to-net; ipsec auto --up net-to-net; ipsec auto --status",
		Flags:     flags,
		Action:    run,
	}
}

type runner struct {
	c        *cli.Context
	out, err io.Writer
	whack    *pluto.Whack
	showonly bool
	show     bool
	verbose  bool
	cfgPath  string
	cfg      *conf.Config
}

func run(c *cli.Context) error {
	o, names, err := parseOp(c)
	if err != nil {
		return err
	}
	r := &runner{c: c, out: c.App.Writer, err: c.App.ErrWriter,
		showonly: c.Bool("showonly"), show: c.Bool("show"), verbose: c.Bool("verbose"),
		cfgPath: applet.ConfigPath(c)}
	ctl := pluto.CtlSocket(c.String("ctlsocket"), c.String("rundir"))
	whackPath := "whack"
	if progs, err := pluto.Find(c.String("execdir")); err == nil {
		whackPath = progs.Whack
	} else if !r.showonly {
		return err
	}
	r.whack = &pluto.Whack{Path: whackPath, CtlSocket: ctl}
	switch o.name {
	case "add", "addall", "replace", "start", "ondemand":
		if !r.showonly {
			// Loads wait for setup and for each other (pluto.LockRunDir).
			l, err := pluto.LockRunDir(filepath.Dir(ctl), pluto.RunDirLockWait)
			if err != nil {
				return err
			}
			defer l.Unlock()
		}
	}
	return r.do(o, names)
}

// parseOp finds the one operation, accepting FreeS/WAN's old syntax
// (`ipsec auto CONN up`, `ipsec auto status`) with a warning.
func parseOp(c *cli.Context) (*op, []string, error) {
	var chosen []*op
	for i := range ops {
		if c.Bool(ops[i].name) {
			chosen = append(chosen, &ops[i])
		}
	}
	var names []string
	for _, a := range c.Args().Slice() {
		word := strings.TrimPrefix(a, "--")
		if o := findOp(word); o != nil && (a != word || len(chosen) == 0) {
			if a == word {
				fmt.Fprintln(c.App.ErrWriter, "ipsec auto: warning: obsolete command syntax used")
			}
			chosen = append(chosen, o)
			continue
		}
		if strings.HasPrefix(a, "-") {
			return nil, nil, applet.Usagef("unknown option %q", a)
		}
		names = append(names, a)
	}
	switch {
	case len(chosen) == 0:
		return nil, nil, applet.Usagef("no operation given (e.g. --add, --up, --status)")
	case len(chosen) > 1:
		return nil, nil, applet.Usagef("only one operation may be given (got --%s and --%s)", chosen[0].name, chosen[1].name)
	}
	o := chosen[0]
	switch {
	case o.conn == 0 && len(names) > 0:
		return nil, nil, applet.Usagef("--%s takes no connection name", o.name)
	case o.conn > 0 && len(names) == 0:
		return nil, nil, applet.Usagef("--%s needs a connection name", o.name)
	case o.conn == 1 && len(names) > 1:
		return nil, nil, applet.Usagef("--%s takes exactly one connection name", o.name)
	}
	return o, names, nil
}

func (r *runner) do(o *op, names []string) error {
	switch o.name {
	case "add":
		return r.add(names, false)
	case "addall":
		return r.addAll()
	case "replace":
		return r.add(names, true)
	case "delete":
		return r.each(names, "--delete")
	case "up":
		args := []string{"--name", names[0], "--initiate"}
		if h := r.c.String("remote-host"); h != "" {
			args = append(args, "--remote-host", h)
		}
		if r.c.Bool("asynchronous") {
			args = append(args, "--asynchronous")
		}
		return r.explain(names[0], r.run(args))
	case "start":
		if err := r.add(names, false); err != nil {
			return err
		}
		args := []string{"--name", names[0], "--initiate"}
		if r.c.Bool("asynchronous") {
			args = append(args, "--asynchronous")
		}
		return r.run(args)
	case "down":
		return r.explain(names[0], r.run([]string{"--name", names[0], "--terminate"}))
	case "route", "unroute":
		return r.explain(names[0], r.run([]string{"--name", names[0], "--" + o.name}))
	case "ondemand":
		if err := r.add(names, false); err != nil {
			return err
		}
		return r.run([]string{"--name", names[0], "--route"})
	case "rereadcrls":
		return applet.Exit(applet.ExitFailure, fmt.Errorf("--rereadcrls is obsolete in Libreswan; use ipsec auto --fetchcrls"))
	case "purgeocsp":
		return r.run([]string{"--listall", "--purgeocsp"})
	}
	args := []string{o.whack}
	if r.c.Bool("utc") && strings.HasPrefix(o.whack, "--list") || r.c.Bool("utc") && o.whack == "--checkpubkeys" {
		args = append([]string{"--utc"}, args...)
	}
	return r.run(args)
}

// run runs (or shows) one whack command; a non-zero whack status becomes
// auto's exit status, silently (whack already said why).
func (r *runner) run(args []string) error {
	if r.showonly || r.show {
		fmt.Fprintln(r.out, pluto.Quote(r.whack.ShowArgv(args)))
		if r.showonly {
			return nil
		}
	}
	st, err := r.whack.Run(r.out, args...)
	if err != nil {
		return err
	}
	if st != 0 {
		return applet.Exit(st, nil)
	}
	return nil
}

func (r *runner) each(names []string, opt string) error {
	var last error
	for _, n := range names {
		if err := r.run([]string{"--name", n, opt}); err != nil {
			last = err
		}
	}
	return last
}

// explain adds the reason to a failed operation on a conn pluto does not
// know: not in the configuration, or never added because of auto=ignore.
func (r *runner) explain(name string, err error) error {
	if err == nil || applet.Status(err) != 21 && applet.Status(err) != 25 {
		return err
	}
	cfg, lerr := r.config()
	switch {
	case lerr != nil:
		return err
	case cfg.Conn(name) == nil:
		msg := fmt.Sprintf("conn %q is not in %s", name, r.cfgPath)
		var names []string
		for _, cn := range cfg.Conns {
			names = append(names, cn.Name)
		}
		if s := token.Suggest(name, names); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return applet.Exit(applet.Status(err), fmt.Errorf("%s", msg))
	case cfg.Conn(name).Err != nil:
		return applet.Exit(applet.Status(err), fmt.Errorf("conn %q cannot load, so it was not added (ipsec addconn --checkconfig shows why)", name))
	case cfg.Conn(name).Auto() == "ignore":
		return applet.Exit(applet.Status(err), fmt.Errorf("conn %q has auto=ignore, so it was not added; run ipsec auto --add %s first", name, name))
	default:
		return applet.Exit(applet.Status(err), fmt.Errorf("conn %q is not loaded in pluto; run ipsec auto --add %s first", name, name))
	}
}

func (r *runner) config() (*conf.Config, error) {
	if r.cfg != nil {
		return r.cfg, nil
	}
	cfg, err := conf.Load(r.cfgPath, &conf.Options{})
	if err != nil {
		return nil, err
	}
	applet.PrintWarnings(r.err, cfg.Warnings)
	// FreeS/WAN-era OE conns reach pluto as Libreswan's, as setup loads them.
	secretsPath := cfg.Setup.String("secretsfile")
	if secretsPath == "" {
		secretsPath = applet.SecretsPath()
	}
	cfg, notes := oeconf.Complete(cfg, secretsPath)
	if r.verbose {
		for _, n := range notes {
			fmt.Fprintf(r.err, "ipsec auto: %s\n", n)
		}
	}
	r.cfg = cfg
	return cfg, nil
}
