package oedns

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
	"goswan/keys/oe"
)

// ResolvConf is where the system's name servers are listed.
const ResolvConf = "/etc/resolv.conf"

// check looks up the records spec describes and prints one line per owner
// and type. Any difference is exit status 1.
func check(c *cli.Context, specs []oe.Spec) error {
	want, err := oe.AllRecords(specs...)
	if err != nil {
		return err
	}
	ns := c.String("nameserver")
	if ns == "" {
		ns = c.String("server")
	}
	res, err := oe.NewResolver(ns, ResolvConf)
	if err != nil {
		return err
	}
	res.Timeout = c.Duration("timeout")
	ctx := c.Context
	if ctx == nil {
		ctx = context.Background()
	}
	chk := oe.Checker{Resolver: res, Pub: specs[0].Pub}
	results := chk.Records(ctx, want)
	if c.Bool("dnssec") || len(c.StringSlice("anchors")) > 0 {
		v, err := validator(c, res, applet.ConfigPath(c))
		if err != nil {
			return err
		}
		owners := oe.IPSECKEYOwners(want)
		if len(owners) == 0 {
			return applet.Usagef("--dnssec validates IPSECKEY records: add --ipseckey")
		}
		results = append(results, signedChecks(ctx, chk, v, owners)...)
	}
	write(c.App.Writer, results)
	failed := 0
	for _, r := range results {
		if r.Failed() {
			failed++
		}
	}
	if failed > 0 {
		return applet.Exit(applet.ExitFailure, fmt.Errorf("%d of %d checks failed: DNS does not hold the local key's records as a peer needs them", failed, len(results)))
	}
	return nil
}
