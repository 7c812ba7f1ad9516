// Package oedns is what the applets call for opportunistic-encryption DNS:
// `ipsec showhostkey --publish` (an RFC 2136 update signed with TSIG) and
// `--check` (compare what DNS holds with the local key), and the OE DNS
// checks of `ipsec verify`. It turns flags into keys/oe calls and formats
// the results; the DNS work itself is in keys/oe.
package oedns

import (
	"crypto/rsa"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
	"goswan/keys"
	"goswan/keys/oe"
)

// DefaultTTL is the TTL of published records: an hour, so that a changed
// key reaches peers the same day.
const DefaultTTL = 3600

// Flags returns the flags showhostkey adds for publishing and checking.
// The record types (--key, --txt, --ipseckey), --id, --gateway,
// --precedence and --owner are showhostkey's own printing flags, read here
// by name.
func Flags() []cli.Flag {
	return append([]cli.Flag{
		&cli.BoolFlag{Name: "publish", Usage: "send the chosen records to a name server as an RFC 2136 update signed with TSIG"},
		&cli.BoolFlag{Name: "check", Usage: "look the chosen records up in DNS and compare them with the local key"},
		&cli.StringFlag{Name: "server", Usage: "with --publish: the primary name server `HOST[:PORT]` to update"},
		&cli.StringSliceFlag{Name: "zone", Usage: "with --publish: a `ZONE` to update (repeatable; default: asked of --server)"},
		&cli.StringFlag{Name: "tsig-key", Usage: "with --publish: TSIG key, a BIND key `FILE` or NAME:ALG:SECRET"},
		&cli.UintFlag{Name: "ttl", Value: DefaultTTL, Usage: "with --publish: TTL of the records in `SECONDS`"},
		&cli.BoolFlag{Name: "dry-run", Usage: "with --publish: print the update in nsupdate syntax instead of sending it"},
		&cli.BoolFlag{Name: "insecure", Usage: "with --publish: send the update unsigned (no --tsig-key)"},
		&cli.StringFlag{Name: "subnet", Usage: "gateway role: publish --txt/--ipseckey at each client of `CIDR` instead of at the owner"},
		&cli.BoolFlag{Name: "txt-nokey", Usage: "with --txt: name only the gateway in the TXT records; peers take the key from its KEY record (lets a /24 fit one update)"},
		&cli.StringFlag{Name: "ptr-domain", Usage: "with --subnet: also publish each client's PTR to A-B-C-D.`DOMAIN`"},
		&cli.StringFlag{Name: "nameserver", Usage: "with --check: ask name server `HOST[:PORT]` (default: --server, else /etc/resolv.conf)"},
		&cli.DurationFlag{Name: "timeout", Value: 5 * time.Second, Usage: "wait at most `DURATION` for each DNS answer"},
	}, append(dnssecFlags(), oeFlags()...)...)
}

// Requested reports whether --publish or --check was given; the applet
// then hands over to Run instead of printing records.
func Requested(c *cli.Context) bool { return c.Bool("publish") || c.Bool("check") }

// Run does --publish or --check. pick returns the local public key the
// applet selected (by --file, --id, --ckaid ...); it is called only once
// the flags are known to be consistent.
func Run(c *cli.Context, pick func() (*rsa.PublicKey, error)) error {
	if c.Bool("publish") && c.Bool("check") {
		return applet.Usagef("give --publish or --check, not both (publish, then check)")
	}
	for _, f := range []string{"server", "zone", "tsig-key", "ttl", "dry-run", "insecure"} {
		if c.IsSet(f) && !c.Bool("publish") {
			return applet.Usagef("--%s applies to --publish only", f)
		}
	}
	for _, f := range []string{"left", "right", "pubkey", "pem", "list", "dump", "dhclient"} {
		if c.IsSet(f) {
			return applet.Usagef("--%s is not a DNS record: --publish and --check take --key, --txt and --ipseckey", f)
		}
	}
	if c.IsSet("nameserver") && !c.Bool("check") {
		return applet.Usagef("--nameserver applies to --check only")
	}
	if c.IsSet("ptr-domain") && !c.IsSet("subnet") {
		return applet.Usagef("--ptr-domain needs --subnet")
	}
	spec, err := specFromFlags(c)
	if err != nil {
		return err
	}
	if c.Bool("publish") {
		if err := checkPublishFlags(c); err != nil {
			return err
		}
	}
	pub, err := pick()
	if err != nil {
		return err
	}
	spec.Pub = pub
	specs := []oe.Spec{spec}
	if c.Bool("oe") {
		if specs, err = oeSpecs(c, spec); err != nil {
			return err
		}
	}
	if c.Bool("publish") {
		return publish(c, specs)
	}
	return check(c, specs)
}

// specFromFlags reads the record choice. The owner is --owner when given
// (a name or an address), else --id: @FQDN gives that name, an address its
// reverse-map name.
func specFromFlags(c *cli.Context) (oe.Spec, error) {
	s := oe.Spec{
		KEY:        c.Bool("key"),
		TXT:        c.String("txt"),
		IPSECKEY:   c.Bool("ipseckey") || c.IsSet("gateway"),
		Gateway:    c.String("gateway"),
		Precedence: keys.DefaultPrecedence,
		TTL:        uint32(c.Uint("ttl")),
		PTRDomain:  c.String("ptr-domain"),
		TXTNoKey:   c.Bool("txt-nokey"),
	}
	if c.IsSet("precedence") {
		s.Precedence = c.Int("precedence")
	}
	if !s.KEY && s.TXT == "" && !s.IPSECKEY {
		return s, applet.Usagef("choose the records with --key, --txt GATEWAY and/or --ipseckey")
	}
	if c.Uint("ttl") > 1<<31-1 {
		return s, applet.Usagef("--ttl %d is over 2147483647", c.Uint("ttl"))
	}
	s.ID = c.String("id")
	if o := c.String("owner"); o != "" {
		if _, err := netip.ParseAddr(o); err != nil && !strings.HasPrefix(o, "@") {
			o = "@" + o
		}
		s.ID = o
	}
	if s.ID == "" && c.Bool("oe") {
		if c.Bool("key") || c.String("txt") != "" || c.IsSet("subnet") {
			return s, applet.Usagef("--oe publishes IPSECKEY records, the ones pluto fetches; drop --key, --txt and --subnet")
		}
		return s, nil
	}
	if c.Bool("oe") {
		return s, applet.Usagef("--oe finds the owners itself; drop --id/--owner (or drop --oe)")
	}
	if s.ID == "" {
		return s, applet.Usagef("--publish and --check need the owner: --id @FQDN or --id ADDRESS (or --owner)")
	}
	if _, err := oe.Owner(s.ID); err != nil {
		return s, applet.Usagef("%v", err)
	}
	if sub := c.String("subnet"); sub != "" {
		p, err := netip.ParsePrefix(sub)
		if err != nil {
			return s, applet.Usagef("--subnet %q is not an address/prefix-length", sub)
		}
		s.Subnet = p
	}
	return s, nil
}

// write prints results one per line, as verify does: label padded to 50
// columns, a tab, the verdict in brackets, any detail indented below.
func write(w io.Writer, results []oe.Result) {
	for _, r := range results {
		if r.Status == oe.Note {
			fmt.Fprintln(w, r.Label)
			continue
		}
		fmt.Fprintf(w, "%-50s\t[%s]\n", r.Label, r.Status)
		if r.Detail != "" {
			fmt.Fprintf(w, "  %s\n", r.Detail)
		}
	}
}
