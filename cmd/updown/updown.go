// Package updown is `ipsec _updown`: goswan's default updown command, the
// one pluto runs (as the shell command "ipsec _updown") for every conn
// without its own leftupdown=, and ipsec manual runs for manually keyed
// conns.
//
// Synopsis:
//
//	PLUTO_VERB=VERB PLUTO_...=... ipsec _updown [custom] [--route yes|no] [--iproute ARGS]
//
// The verb and the conn come from the PLUTO_* environment (libreswan(7),
// "The updown script"); the routes, source addresses and firewall rules it
// sets are those of Libreswan 4.10's _updown.xfrm (cmd/internal/updown).
// The exit status is the script's: 0, or the status of the verb's last
// step; 1 for an unknown verb or address family; 2 for a bad argument.
// Manual page: ipsec_updown(8).
package updown

import (
	"errors"
	"os"

	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
	"goswan/cmd/internal/updown"
	"goswan/kernel"
)

// Command returns the _updown applet.
func Command() *cli.Command {
	return &cli.Command{
		Name:      "_updown",
		Usage:     "default updown command: routes, source addresses and firewall rules for a conn",
		UsageText: "PLUTO_VERB=VERB PLUTO_...=... ipsec _updown [--route yes|no] [--iproute ARGS] [custom]",
		Description: "Run by pluto and ipsec manual when a conn is prepared, routed, brought up or down, or unrouted.\n" +
			"PLUTO_VERB names the operation; the other PLUTO_* variables describe the conn.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "route", Usage: "yes: always add the route to the peer's client"},
			&cli.StringFlag{Name: "iproute", Usage: "extra ip-route `ARGS` for the route (table, metric, mtu, proto)"},
		},
		Action: run,
	}
}

func run(c *cli.Context) error {
	var args []string
	for _, f := range []string{"route", "iproute"} {
		if c.IsSet(f) {
			args = append(args, "--"+f, c.String(f))
		}
	}
	args = append(args, c.Args().Slice()...)
	e, err := updown.Load(os.Getenv, args)
	var ae *updown.ArgError
	switch {
	case errors.As(err, &ae):
		return applet.Usagef("%v (usage: %s)", err, c.Command.UsageText)
	case err != nil:
		return applet.Exit(applet.ExitFailure, err)
	}
	h, err := kernel.OpenHandle("")
	if err != nil {
		return err
	}
	defer h.Close()
	sys := &updown.System{
		Kernel:       h,
		Stdout:       c.App.Writer,
		Stderr:       c.App.ErrWriter,
		ResolvConf:   "/etc/resolv.conf",
		ResolvBackup: "/run/pluto/libreswan-resolv-conf-backup",
	}
	if code := e.Run(sys); code != 0 {
		return applet.Exit(code, nil)
	}
	return nil
}
