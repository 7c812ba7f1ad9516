// Package readwriteconf is the `ipsec readwriteconf` applet: it reads an
// ipsec.conf with everything it includes, resolves every conn (%default,
// also=) and prints the result in canonical ipsec.conf syntax.
//
// Synopsis:
//
//	ipsec readwriteconf [--config FILE] [--rootdir DIR]
//
// The output reads back to the same configuration, so running it twice
// gives the same text. Conns that cannot load are left out and reported on
// standard error; the exit status is then 1. See ipsec_readwriteconf(8).
package readwriteconf

import (
	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
	"goswan/conf"
)

// Command builds the readwriteconf applet.
func Command() *cli.Command {
	return &cli.Command{
		Name:      "readwriteconf",
		Usage:     "print ipsec.conf fully resolved, in canonical form",
		UsageText: "ipsec readwriteconf [--config FILE] [--rootdir DIR]",
		Flags: []cli.Flag{
			applet.ConfigFlag(),
			&cli.StringFlag{Name: "rootdir", Usage: "prefix `DIR` to absolute file names (config and includes)"},
		},
		Action: run,
	}
}

func run(c *cli.Context) error {
	if c.NArg() > 0 {
		return applet.Usagef("unexpected argument %q", c.Args().First())
	}
	cfg, err := applet.LoadConfig(c, &conf.Options{RootDir: c.String("rootdir")})
	if err != nil {
		return err
	}
	if err := conf.Format(c.App.Writer, cfg); err != nil {
		return err
	}
	return cfg.Err()
}
