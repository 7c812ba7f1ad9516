// Package look is the `ipsec look` applet: a short report of this host's
// IPsec state, as FreeS/WAN's look gave for KLIPS: host and date, the XFRM
// SAs (keys censored unless --show-keys) with their traffic counters, the
// XFRM policies, and the routes that involve them.
//
// Synopsis:
//
//	ipsec look [--show-keys] [state] [policy] [route]
//
// See ipsec_look(8).
package look

import (
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
	"goswan/kernel"
)

var parts = []string{"state", "policy", "route"}

// Command builds the look applet.
func Command() *cli.Command {
	return &cli.Command{
		Name:      "look",
		Usage:     "show this host's IPsec SAs, policies and routes",
		UsageText: "ipsec look [--show-keys] [state] [policy] [route]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "show-keys", Usage: "print the SAs' keys instead of [redacted]"},
		},
		Action: run,
	}
}

func run(c *cli.Context) error {
	want := map[string]bool{}
	for _, a := range c.Args().Slice() {
		ok := false
		for _, p := range parts {
			ok = ok || a == p
		}
		if !ok {
			return applet.Usagef("unknown part %q (choose from state, policy, route; none means all)", a)
		}
		want[a] = true
	}
	if len(want) == 0 {
		for _, p := range parts {
			want[p] = true
		}
	}
	h, err := kernel.OpenHandle("")
	if err != nil {
		return err
	}
	defer h.Close()
	snap, err := h.Snapshot()
	if err != nil {
		return err
	}
	w := c.App.Writer
	host, err := os.Hostname()
	if err != nil {
		host = "localhost"
	}
	fmt.Fprintf(w, "%s %s\n", host, time.Now().Format("Mon Jan _2 15:04:05 MST 2006"))
	if want["state"] {
		fmt.Fprintln(w, "XFRM state:")
		snap.WriteStates(w, c.Bool("show-keys"))
	}
	if want["policy"] {
		fmt.Fprintln(w, "XFRM policy:")
		snap.WritePolicies(w)
	}
	if want["state"] || want["policy"] {
		fmt.Fprintln(w, "XFRM done")
	}
	if want["route"] {
		fmt.Fprintln(w, "ROUTING TABLES")
		for _, r := range snap.IPsecRoutes() {
			fmt.Fprintln(w, r)
		}
	}
	return nil
}
