package oedns

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
	"goswan/keys/oe"
)

// checkPublishFlags refuses, before any key is read, a publication that
// could not be sent: no server, or no TSIG key without --insecure.
func checkPublishFlags(c *cli.Context) error {
	dry := c.Bool("dry-run")
	switch {
	case c.IsSet("tsig-key") && c.Bool("insecure"):
		return applet.Usagef("--tsig-key and --insecure contradict each other")
	case !c.IsSet("tsig-key") && !c.Bool("insecure") && !dry:
		return applet.Usagef("refusing to send an unsigned update: give --tsig-key FILE|NAME:ALG:SECRET (or --insecure if the server accepts unsigned updates)")
	case c.String("server") == "" && !dry:
		return applet.Usagef("--publish needs --server HOST[:PORT]")
	case c.String("server") == "" && len(c.StringSlice("zone")) == 0:
		return applet.Usagef("--dry-run without --server needs --zone")
	}
	return nil
}

func publish(c *cli.Context, specs []oe.Spec) error {
	var key oe.TSIGKey
	if arg := c.String("tsig-key"); arg != "" {
		k, err := oe.LoadTSIGKey(arg)
		if err != nil {
			return err
		}
		key = k
	}
	rrs, err := oe.AllRecords(specs...)
	if err != nil {
		return err
	}
	ctx := c.Context
	if ctx == nil {
		ctx = context.Background()
	}
	cl := &oe.Client{Server: c.String("server"), Key: key, Timeout: c.Duration("timeout")}
	zones := c.StringSlice("zone")
	if len(zones) == 0 {
		// As nsupdate does without "zone": ask the server for the zone of
		// an owner, but not again for owners inside a zone already found
		// (a gateway's 254 clients share one reverse zone).
		for _, rr := range rrs {
			owner := rr.Header().Name
			if insideAny(zones, owner) {
				continue
			}
			z, err := cl.FindZone(ctx, owner)
			if err != nil {
				return err
			}
			if !contains(zones, z) {
				zones = append(zones, z)
			}
		}
	}
	ups, err := oe.Plan(rrs, zones)
	if err != nil {
		return err
	}
	if c.Bool("dry-run") {
		server := ""
		if c.String("server") != "" {
			if server, err = oe.ServerAddr(c.String("server")); err != nil {
				return err
			}
		}
		_, err := fmt.Fprint(c.App.Writer, oe.Nsupdate(server, key, ups))
		return err
	}
	// All or nothing across zones (oe.Client.SendAtomic): a failure
	// leaves every zone as it was, or says which zone it could not put
	// back.
	if err := cl.SendAtomic(ctx, ups); err != nil {
		return err
	}
	server, _ := oe.ServerAddr(c.String("server"))
	for _, u := range ups {
		fmt.Fprintf(c.App.Writer, "published %d records in zone %s at %s\n", len(u.Records), u.Zone, server)
	}
	return nil
}

// insideAny reports whether name is at or below one of zones.
func insideAny(zones []string, name string) bool {
	for _, z := range zones {
		if oe.IsSubdomain(z, name) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
