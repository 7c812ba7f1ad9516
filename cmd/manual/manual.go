// Package manual is the `ipsec manual` applet: it brings manually keyed
// conns up and down on the Linux XFRM stack, as FreeS/WAN's ipsec manual
// did on KLIPS.
//
// Synopsis:
//
//	ipsec manual [--config FILE] [--showonly] [--show] [--other] [--iam ADDRESS@INTERFACE] --up|--down|--route|--unroute CONN ...
//
// This package reads the command line; the work (orientation,
// %defaultroute, the kernel plan, netlink, updown) is in
// cmd/internal/manualkey, which ipsec setup shares. See ipsec_manual(8).
package manual

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
	"goswan/cmd/internal/manualkey"
	"goswan/conf"
)

var operations = manualkey.Operations

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
	opt := manualkey.Options{
		Op: op, ShowOnly: c.Bool("showonly"), Show: c.Bool("show"), Other: c.Bool("other"),
		Prog: "ipsec manual", Stdout: c.App.Writer, Stderr: c.App.ErrWriter,
	}
	if v := c.String("iam"); v != "" {
		i, err := manualkey.ParseIAm(v)
		if err != nil {
			return applet.Usagef("%v", err)
		}
		opt.IAm = &i
	}
	cfg, err := applet.LoadConfig(c, &conf.Options{})
	if err != nil {
		return err
	}
	if manualkey.Run(cfg, args, opt) > 0 {
		return applet.Exit(applet.ExitFailure, nil)
	}
	return nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
