// Package manual is the `ipsec manual` applet: it brings manually keyed
// conns up and down on the Linux XFRM stack, as FreeS/WAN's ipsec manual
// did on KLIPS.
//
// Synopsis:
//
//	ipsec manual [--config FILE] [--showonly] [--show] [--other] [--iam ADDRESS@INTERFACE] --up|--down|--route|--unroute CONN ...
//
// The conn's SAs and policies come from kernel.Manual.Plan; this package
// finds which end this host is, resolves %defaultroute, runs the updown
// script with the PLUTO_* environment and reports. See ipsec_manual(8).
package manual

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
	"goswan/conf"
	"goswan/conf/token"
	"goswan/kernel"
)

var operations = []string{"up", "down", "route", "unroute"}

// Command builds the manual applet.
func Command() *cli.Command {
	return &cli.Command{
		Name:      "manual",
		Usage:     "bring manually keyed conns up or down (XFRM)",
		UsageText: "ipsec manual [--config FILE] [--showonly] [--show] [--other] [--iam ADDRESS@INTERFACE] --up|--down|--route|--unroute CONN ...",
		Flags: []cli.Flag{
			applet.ConfigFlag(),
			&cli.BoolFlag{Name: "up", Usage: "install the conn's SAs and policies, then run updown prepare, route and up"},
			&cli.BoolFlag{Name: "down", Usage: "run updown down, then delete the conn's SAs and policies (the route stays)"},
			&cli.BoolFlag{Name: "route", Usage: "run updown prepare and route only"},
			&cli.BoolFlag{Name: "unroute", Usage: "run updown unroute only"},
			&cli.BoolFlag{Name: "showonly", Usage: "print what would be done (keys censored) and change nothing"},
			&cli.BoolFlag{Name: "show", Usage: "print each step on standard error as it is done"},
			&cli.BoolFlag{Name: "other", Usage: "act as the other end of the conn"},
			&cli.StringFlag{Name: "iam", Usage: "this host is `ADDRESS@INTERFACE` (skip looking at the host's addresses)"},
		},
		Action: run,
	}
}

func run(c *cli.Context) error {
	args := c.Args().Slice()
	op := ""
	for _, o := range operations {
		if c.Bool(o) {
			if op != "" {
				return applet.Usagef("--%s and --%s cannot be combined", op, o)
			}
			op = o
		}
	}
	if op == "" && len(args) == 2 && contains(operations, args[1]) {
		// FreeS/WAN 1's order: ipsec manual CONN up.
		fmt.Fprintf(c.App.ErrWriter, "ipsec manual: warning: obsolete command syntax used (write \"ipsec manual --%s %s\")\n", args[1], args[0])
		op, args = args[1], args[:1]
	}
	if op == "" {
		return applet.Usagef("nothing to do: give one of --up, --down, --route, --unroute")
	}
	if len(args) == 0 {
		return applet.Usagef("no conn named (ipsec manual --%s CONN)", op)
	}
	var iam *iam
	if v := c.String("iam"); v != "" {
		i, err := parseIAm(v)
		if err != nil {
			return applet.Usagef("%v", err)
		}
		iam = &i
	}
	cfg, err := applet.LoadConfig(c, &conf.Options{})
	if err != nil {
		return err
	}
	env := &runner{
		op: op, showonly: c.Bool("showonly"), show: c.Bool("show"), other: c.Bool("other"), iam: iam,
		out: c.App.Writer, errw: c.App.ErrWriter,
	}
	defer func() {
		if env.h != nil {
			env.h.Close()
		}
	}()
	var failed error
	for _, name := range args {
		if err := env.conn(cfg, name); err != nil {
			var list token.ErrorList
			if errors.As(err, &list) {
				for _, e := range list {
					fmt.Fprintln(c.App.ErrWriter, e.Error())
				}
				err = fmt.Errorf("fatal error in %q: conn not usable for manual keying", name)
			}
			fmt.Fprintf(c.App.ErrWriter, "ipsec manual: %v\n", err)
			failed = applet.Exit(applet.ExitFailure, nil)
		}
	}
	return failed
}

// runner carries one invocation's options across its conns.
type runner struct {
	op                    string
	showonly, show, other bool
	iam                   *iam
	out, errw             io.Writer
	h                     *kernel.Handle
	addrs                 map[netip.Addr]string // the host's, read once per run
}

func (r *runner) conn(cfg *conf.Config, name string) error {
	cn := cfg.Conn(name)
	if cn == nil {
		names := make([]string, 0, len(cfg.Conns))
		for _, c := range cfg.Conns {
			names = append(names, c.Name)
		}
		sort.Strings(names)
		msg := fmt.Sprintf("no conn %q in %s", name, strings.Join(cfg.Files[:min(1, len(cfg.Files))], ""))
		if s := token.Suggest(name, names); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return errors.New(msg)
	}
	if cn.Err != nil {
		return cn.Err
	}
	if !cn.IsManual() {
		return fmt.Errorf("fatal error in %q: not a manually keyed conn (no spi=, spibase= or keys; use ipsec auto)", name)
	}
	m, err := kernel.ParseManual(cn)
	if err != nil {
		return err
	}
	host, err := r.orient(m)
	if err != nil {
		return fmt.Errorf("fatal error in %q: %w", name, err)
	}
	plan, err := m.Plan(host.side, kernel.Options{})
	if err != nil {
		return fmt.Errorf("fatal error in %q: %w", name, err)
	}
	u := newUpdown(m, host)
	if r.showonly {
		r.printPlan(m, host, plan, u)
		return nil
	}
	if _, err := r.handle(); err != nil {
		return err
	}
	return r.do(plan, u)
}

// handle opens netlink on first use, so --showonly --iam needs none.
func (r *runner) handle() (*kernel.Handle, error) {
	if r.h == nil {
		h, err := kernel.OpenHandle("")
		if err != nil {
			return nil, err
		}
		r.h = h
	}
	return r.h, nil
}

// do runs the operation. A failing --up takes back what it did, as
// FreeS/WAN's script ran its --down sequence.
func (r *runner) do(plan *kernel.Plan, u *updown) error {
	switch r.op {
	case "up":
		r.step("installing %d SAs and %d policies for %q", len(plan.States), len(plan.Policies), plan.Conn)
		if err := r.h.Apply(plan); err != nil {
			return err
		}
		for _, verb := range []string{"prepare", "route", "up"} {
			if err := r.updown(u, verb); err != nil {
				_ = r.updown(u, "down")
				if _, rerr := r.h.Remove(plan); rerr != nil {
					err = errors.Join(err, rerr)
				}
				return fmt.Errorf("%w; conn %q taken down again", err, plan.Conn)
			}
		}
	case "down":
		derr := r.updown(u, "down")
		r.step("deleting the SAs and policies of %q (the route stays)", plan.Conn)
		if _, err := r.h.Remove(plan); err != nil {
			return errors.Join(derr, err)
		}
		return derr
	case "route":
		for _, verb := range []string{"prepare", "route"} {
			if err := r.updown(u, verb); err != nil {
				return err
			}
		}
	case "unroute":
		return r.updown(u, "unroute")
	}
	return nil
}

func (r *runner) updown(u *updown, verb string) error {
	if u.command == "" {
		r.step("no updown script (%s skipped)", u.verb(verb))
		return nil
	}
	r.step("PLUTO_VERB=%s %s", u.verb(verb), u.command)
	return u.run(verb, r.out, r.errw)
}

func (r *runner) step(format string, args ...any) {
	if r.show {
		fmt.Fprintf(r.errw, "+ "+format+"\n", args...)
	}
}

// printPlan is --showonly: the kernel commands with keys censored and the
// updown calls, in the order the operation would run them.
func (r *runner) printPlan(m *kernel.Manual, host hostEnd, plan *kernel.Plan, u *updown) {
	w := r.out
	fmt.Fprintf(w, "# conn %q --%s: this host is %s (%s@%s)\n", m.Name, r.op, host.side, host.addr, host.iface)
	call := func(verb string) {
		if u.command == "" {
			fmt.Fprintf(w, "# no updown script (%s skipped)\n", u.verb(verb))
			return
		}
		fmt.Fprintf(w, "%s %s\n", strings.Join(u.env(verb), " "), u.command)
	}
	switch r.op {
	case "up":
		for _, l := range plan.UpCommands() {
			fmt.Fprintln(w, l)
		}
		call("prepare")
		call("route")
		call("up")
	case "down":
		call("down")
		fmt.Fprintln(w, "# the route stays")
		for _, l := range plan.DownCommands() {
			fmt.Fprintln(w, l)
		}
	case "route":
		call("prepare")
		call("route")
	case "unroute":
		call("unroute")
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// iam is --iam ADDRESS@INTERFACE.
type iam struct {
	addr  netip.Addr
	iface string
}

func parseIAm(s string) (iam, error) {
	a, ifc, ok := strings.Cut(s, "@")
	addr, err := netip.ParseAddr(a)
	if !ok || err != nil || ifc == "" {
		return iam{}, fmt.Errorf("--iam %q: want ADDRESS@INTERFACE, e.g. 192.0.2.1@eth0", s)
	}
	return iam{addr: addr.Unmap(), iface: ifc}, nil
}
