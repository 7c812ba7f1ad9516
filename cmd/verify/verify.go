// Package verify is `ipsec verify`: it checks that this machine can run
// IPsec as configured and says what to do about what it finds.
//
// Synopsis:
//
//	ipsec verify [--config FILE] [--rundir DIR] [--json] [--nocolour]
//	             [--nameserver NS] [--hostname NAME]
//
// It makes every check of Libreswan 4.10's verify (kernel support, XFRM
// sysctls, ipsec.conf syntax, rp_filter, pluto and its IKE ports, the ip,
// iptables and prelink commands, obsolete keywords) and FreeS/WAN's (ipsec
// on PATH, a private key, IP forwarding for subnets, the Opportunistic
// Encryption DNS records), plus ESP/AH usability and the permissions of
// ipsec.secrets. It prints them in Libreswan's layout, or as JSON, and exits
// 1 when any check failed. The checks live in cmd/internal/health; the man
// page is ipsec_verify(8).
package verify

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
	"goswan/cmd/internal/health"
	"goswan/cmd/internal/sysinfo"
)

// Defaults of Libreswan's Debian install, which goswan drives.
const (
	DefaultRunDir = "/run/pluto"
	DefaultNSSDir = "/var/lib/ipsec/nss"
)

// Command builds the verify applet.
func Command() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check that IPsec is installed, configured and running correctly",
		UsageText: "ipsec verify [--config FILE] [--rundir DIR] [--json] [--nocolour] [--nameserver NS] [--hostname NAME]",
		Flags: []cli.Flag{
			applet.ConfigFlag(),
			&cli.StringFlag{Name: "rundir", Value: DefaultRunDir, Usage: "pluto's run directory `DIR` (pluto.pid, pluto.ctl)"},
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object per check (name, status, result, detail, hint)"},
			&cli.BoolFlag{Name: "nocolour", Aliases: []string{"nocolor"}, Usage: "never colour the results (also when NO_COLOR is set or output is not a terminal)"},
			&cli.StringFlag{Name: "nameserver", Usage: "ask name server `NS` for the Opportunistic Encryption DNS checks"},
			&cli.StringFlag{Name: "hostname", Usage: "check the Opportunistic Encryption DNS records of host `NAME` instead of this one"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return applet.Usagef("unexpected argument %q", c.Args().First())
			}
			o := Options{
				Config:     applet.ConfigPath(c),
				Secrets:    applet.SecretsPath(),
				RunDir:     c.String("rundir"),
				NSSDir:     DefaultNSSDir,
				JSON:       c.Bool("json"),
				Colour:     !c.Bool("nocolour") && colourWanted(c),
				Nameserver: c.String("nameserver"),
				Hostname:   c.String("hostname"),
			}
			failed, err := Run(c.Context, sysinfo.Real(), o, c.App.Writer)
			if err != nil {
				return err
			}
			if failed > 0 {
				noun := "error"
				if failed > 1 {
					noun = "errors"
				}
				return applet.Exit(applet.ExitFailure,
					fmt.Errorf("encountered %d %s - see 'man ipsec_verify' for help", failed, noun))
			}
			return nil
		},
	}
}

// Options are verify's settings.
type Options struct {
	Config, Secrets, RunDir, NSSDir string
	JSON, Colour                    bool
	Nameserver, Hostname            string // for the OE DNS checks
}

// Run makes every check on sys, prints the report to w and returns the
// number of failed checks.
func Run(ctx context.Context, sys sysinfo.System, o Options, w io.Writer) (int, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	e := &health.Env{
		Sys: sys, Config: o.Config, Secrets: o.Secrets, RunDir: o.RunDir, NSSDir: o.NSSDir,
		Version: "goswan " + applet.Version,
	}
	checks := append(health.Checks(), oeChecks(o)...)
	results := health.Run(ctx, e, checks)
	var err error
	if o.JSON {
		err = health.WriteJSON(w, results)
	} else {
		err = health.Write(w, results, o.Colour)
	}
	return health.Count(results, health.Failed), err
}

// colourWanted: colour only on a terminal, and never with NO_COLOR
// (https://no-color.org).
func colourWanted(c *cli.Context) bool {
	if _, set := os.LookupEnv("NO_COLOR"); set {
		return false
	}
	f, ok := c.App.Writer.(*os.File)
	return ok && isTerminal(f)
}
