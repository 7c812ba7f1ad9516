package oedns

import (
	"context"
	"net/netip"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"goswan/conf"
	"goswan/keys/oe"
)

// DefaultRootKeyFile is Libreswan's dnssec-rootkey-file default as
// Debian builds it (pluto 4.10 logs "loading dnssec root key from:
// /usr/share/dns/root.key"), the file of the dns-root-data package.
const DefaultRootKeyFile = "/usr/share/dns/root.key"

// dnssecFlags are the flags --check adds for validating the DNSSEC chain.
func dnssecFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "dnssec", Usage: "with --check --ipseckey: validate each IPSECKEY's DNSSEC chain up to the anchors of config setup (dnssec-anchors=, dnssec-rootkey-file=), as pluto does"},
		&cli.StringSliceFlag{Name: "anchors", Usage: "with --check: validate against the trust anchors (DS or DNSKEY records) in `FILE` (repeatable; implies --dnssec)"},
	}
}

// AnchorFiles are the trust-anchor files pluto's libunbound would load
// for config setup s: dnssec-rootkey-file= (default DefaultRootKeyFile when
// it exists; "" means none) and dnssec-anchors=. enabled is false for
// dnssec-enable=no, when pluto uses no DNS key at all.
func AnchorFiles(s *conf.Section) (files []string, enabled bool) {
	if b, set := s.Bool("dnssec-enable"); set && !b {
		return nil, false
	}
	if v, ok := s.Get("dnssec-rootkey-file"); ok {
		if v.Raw != "" {
			files = append(files, v.Raw)
		}
	} else if _, err := os.Stat(DefaultRootKeyFile); err == nil {
		files = append(files, DefaultRootKeyFile)
	}
	if v := s.String("dnssec-anchors"); v != "" {
		files = append(files, v)
	}
	return files, true
}

// validator builds the Validator of --check --dnssec: anchors from
// --anchors, else from config setup of ipsec.conf.
func validator(c *cli.Context, res *oe.Resolver, configPath string) (*oe.Validator, error) {
	files := c.StringSlice("anchors")
	if len(files) == 0 {
		cfg, err := conf.Load(configPath, &conf.Options{})
		if err != nil {
			return nil, err
		}
		files, _ = AnchorFiles(&cfg.Setup)
	}
	a, err := oe.LoadAnchors(files...)
	if err != nil {
		return nil, err
	}
	return &oe.Validator{Resolver: res, Anchors: a}, nil
}

// signedChecks validates the IPSECKEY records of want as a peer's pluto
// would: one "Checking signed IPSECKEY at OWNER" line per owner.
func signedChecks(ctx context.Context, chk oe.Checker, v *oe.Validator, owners []string) []oe.Result {
	var out []oe.Result
	seen := map[string]bool{}
	for _, o := range owners {
		k := strings.ToLower(o)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, chk.Signed(ctx, v, o))
	}
	return out
}

// verifySigned is verify's check of what today's pluto needs: an IPSECKEY
// record holding the local key, in a zone whose DNSSEC chain validates up
// to the anchors pluto is given, at the reverse name of each public
// address and at the forward name of an @FQDN id. FreeS/WAN-era KEY and
// TXT records are read by no current IKE daemon; a site that has only
// those is told here what it now needs.
func verifySigned(ctx context.Context, cfg *conf.Config, o VerifyOptions, chk oe.Checker, id string, addrs []netip.Addr) []oe.Result {
	files := o.Anchors
	if files == nil && cfg != nil {
		var enabled bool
		files, enabled = AnchorFiles(&cfg.Setup)
		if !enabled {
			return []oe.Result{{Label: "Checking signed IPSECKEY records", Status: oe.Disabled,
				Detail: "dnssec-enable=no: pluto takes no key from DNS; OE conns with %dnsondemand keys cannot authenticate"}}
		}
	}
	a, err := oe.LoadAnchors(files...)
	if err != nil {
		return []oe.Result{{Label: "Loading DNSSEC trust anchors", Status: oe.Failed, Detail: err.Error()}}
	}
	v := &oe.Validator{Resolver: chk.Resolver, Anchors: a}
	var owners []string
	for _, ad := range addrs {
		owners = append(owners, oe.Reverse(ad))
	}
	if id != "" {
		owners = append(owners, id)
	}
	return signedChecks(ctx, chk, v, owners)
}
