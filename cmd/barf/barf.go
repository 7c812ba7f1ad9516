// Package barf is `ipsec barf`: one report of everything that helps
// someone else debug this gateway, safe to post to a public list.
//
// Synopsis:
//
//	ipsec barf [--config FILE] [--rundir DIR] [--output FILE]
//	           [--max-log-lines N] [--short] [--timeout D]
//
// It gathers the sections of Libreswan 4.10's barf, under the same section
// markers ("+ _________________________ NAME"), running the commands in
// parallel with a timeout each; a missing program is noted and skipped.
// Secrets never appear: ipsec.secrets and ipsec.conf (includes expanded)
// pass through the censors of package secrets, and the keys in
// `ip xfrm state` are replaced by markers that keep their length. The man
// page is ipsec_barf(8).
package barf

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
	"goswan/cmd/internal/sysinfo"
	"goswan/conf"
	"goswan/keys"
	"goswan/secrets"
)

// Command builds the barf applet.
func Command() *cli.Command {
	return &cli.Command{
		Name:      "barf",
		Usage:     "gather diagnostics for a problem report, secrets censored",
		UsageText: "ipsec barf [--config FILE] [--rundir DIR] [--output FILE] [--max-log-lines N] [--short] [--timeout D]",
		Flags: []cli.Flag{
			applet.ConfigFlag(),
			&cli.StringFlag{Name: "rundir", Value: "/run/pluto", Usage: "pluto's run directory `DIR` (pluto.ctl)"},
			&cli.StringFlag{Name: "output", Usage: "write the report to `FILE` (mode 0600, replaced atomically) instead of standard output"},
			&cli.IntFlag{Name: "max-log-lines", Usage: "keep only the last `N` lines of the kernel and pluto logs (0: all)"},
			&cli.BoolFlag{Name: "short", Usage: "Libreswan's --short: the same as --max-log-lines 500"},
			&cli.DurationFlag{Name: "timeout", Value: 10 * time.Second, Usage: "stop any one command after `D`"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return applet.Usagef("unexpected argument %q", c.Args().First())
			}
			o := Options{
				Config:   applet.ConfigPath(c),
				Secrets:  applet.SecretsPath(),
				ConfDir:  applet.ConfDir(),
				RunDir:   c.String("rundir"),
				NSSDir:   "/var/lib/ipsec/nss",
				ExecDir:  applet.ExecDir(),
				LogLines: c.Int("max-log-lines"),
				Timeout:  c.Duration("timeout"),
			}
			if o.LogLines < 0 {
				return applet.Usagef("--max-log-lines must not be negative")
			}
			if c.Bool("short") && o.LogLines == 0 {
				o.LogLines = 500
			}
			if o.Timeout <= 0 {
				return applet.Usagef("--timeout must be positive")
			}
			if out := c.String("output"); out != "" {
				var b bytes.Buffer
				Run(c.Context, sysinfo.Real(), o, &b)
				return writeAtomic(out, b.Bytes())
			}
			return Run(c.Context, sysinfo.Real(), o, c.App.Writer)
		},
	}
}

// Options are barf's settings.
type Options struct {
	Config, Secrets, ConfDir, RunDir, NSSDir, ExecDir string
	LogLines                                          int
	Timeout                                           time.Duration
}

// Run gathers every section from sys and writes the report to w.
func Run(ctx context.Context, sys sysinfo.System, o Options, w io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	o = fromConfig(sys, o)
	g := &gatherer{sys: sys, o: o}
	secs := g.sections()
	outs := make([]bytes.Buffer, len(secs))
	// Every section starts at once; at most 8 programs run at a time (the
	// machine may be the sick one, and a fork storm would not help it),
	// while file reads such as /proc/kallsyms need not wait for them.
	g.sem = make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i := range secs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			secs[i].gather(ctx, g, &outs[i])
		}()
	}
	wg.Wait()
	var b bytes.Buffer
	host, _ := sys.Hostname()
	fmt.Fprintf(&b, "%s\n%s\n", host, time.Now().Format(time.UnixDate))
	for i, s := range secs {
		if s.name != "" {
			fmt.Fprintf(&b, "+ _________________________ %s\n", s.name)
		}
		b.Write(outs[i].Bytes())
	}
	_, err := w.Write(scrub(sys, o, b.Bytes()))
	return err
}

// fromConfig takes secretsfile= and nssdir= from config setup when the
// configuration reads (even with errors elsewhere), as pluto would.
func fromConfig(sys sysinfo.System, o Options) Options {
	cfg, _ := conf.Load(o.Config, &conf.Options{RootDir: sys.RootDir()})
	if cfg == nil {
		return o
	}
	if v := cfg.Setup.String("secretsfile"); v != "" {
		o.Secrets = v
	}
	if v := cfg.Setup.String("nssdir"); v != "" {
		o.NSSDir = v
	}
	return o
}

// scrub is the last line of defence: every secret the censors found in
// ipsec.secrets and ipsec.conf (includes expanded) is removed wherever else
// it shows up in the report, such as a log line or `ip xfrm state` output
// in a form the section censors do not know.
func scrub(sys sysinfo.System, o Options, report []byte) []byte {
	values := secrets.SecretValues([]byte(expandIncludes(sys, o.Secrets)))
	values = append(values, secrets.ConfigSecretValues([]byte(expandIncludes(sys, o.Config)))...)
	return secrets.Scrub(report, values)
}

// writeAtomic writes the report beside name and renames it into place
// under name's lock (keys.UpdateFile), so a reader never sees half a
// report and two barfs to one file do not interleave.
func writeAtomic(name string, data []byte) error {
	return keys.UpdateFile(name, func([]byte, bool) ([]byte, error) { return data, nil })
}
