// Package showhostkey is `ipsec showhostkey`: print a host's public key
// from ipsec.secrets (or a PEM file) in the forms both generations used:
// ipsec.conf lines (leftrsasigkey=), DNS records (FreeS/WAN's KEY and TXT
// X-IPsec-Server, RFC 4025 IPSECKEY as Libreswan prints it), PEM, and
// Libreswan's numbered key list with rsaid and CKAID.
package showhostkey

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
	"goswan/cmd/internal/oedns"
)

// ExitNoKey is the status when no key matches, as Libreswan's showhostkey.
const ExitNoKey = 20

// formats are the output operations; exactly one is chosen.
var formats = []string{"left", "right", "key", "txt", "ipseckey", "dump", "list", "pem", "dhclient"}

// Command returns the showhostkey applet.
func Command() *cli.Command {
	return &cli.Command{
		Name:  "showhostkey",
		Usage: "print a host's public key as ipsec.conf lines or DNS records",
		UsageText: "ipsec showhostkey [--file secrets | --pem-in file] {--list | --dump}\n" +
			"ipsec showhostkey [--file secrets | --pem-in file] [selection] {--left | --right} [--pubkey]\n" +
			"ipsec showhostkey [--file secrets | --pem-in file] [selection] --ipseckey [--pubkey] [--gateway gw] [--precedence p] [--owner name]\n" +
			"ipsec showhostkey [--file secrets | --pem-in file] [selection] {--key | --txt gateway [--precedence p] | --pem | --dhclient} [--owner name]\n" +
			"ipsec showhostkey [selection] {--key | --txt gateway | --ipseckey [--gateway gw]}... [--owner name] [--subnet cidr [--txt-nokey] [--ptr-domain domain]]\n" +
			"    --publish --server host[:port] [--zone zone]... {--tsig-key file|name:alg:secret | --insecure} [--ttl n] [--dry-run]\n" +
			"ipsec showhostkey [selection] {--key | --txt gateway | --ipseckey [--gateway gw]}... [--owner name] --check [--nameserver ns]\n" +
			"selection: --id id | --ckaid prefix | --rsaid keyid (default: the key with no index)",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "file", Usage: "read keys from secrets `file` (default $IPSEC_CONFS/ipsec.secrets)"},
			&cli.StringFlag{Name: "pem-in", Usage: "read keys from PEM `file` (private or public keys, certificates) instead"},
			&cli.StringFlag{Name: "id", Usage: "pick the key whose entry lists index `id`"},
			&cli.StringFlag{Name: "ckaid", Usage: "pick the key whose CKAID starts with hex `prefix`"},
			&cli.StringFlag{Name: "rsaid", Usage: "pick the key whose 9-character key id is `keyid`"},
			&cli.BoolFlag{Name: "left", Usage: "print \"leftrsasigkey=\" for ipsec.conf"},
			&cli.BoolFlag{Name: "right", Usage: "print \"rightrsasigkey=\" for ipsec.conf"},
			&cli.BoolFlag{Name: "pubkey", Usage: "with --left/--right/--ipseckey: use the DER SubjectPublicKeyInfo (leftpubkey=, IPSECKEY algorithm 4)"},
			&cli.BoolFlag{Name: "key", Usage: "print a DNS KEY record (flags 0x4200, protocol 4, algorithm 1)"},
			&cli.StringFlag{Name: "txt", Usage: "print an X-IPsec-Server TXT record naming `gateway` (IP address or @FQDN)"},
			&cli.BoolFlag{Name: "ipseckey", Usage: "print an IPSECKEY record"},
			&cli.StringFlag{Name: "gateway", Usage: "IPSECKEY gateway `address` or name (implies --ipseckey)"},
			&cli.IntFlag{Name: "precedence", Value: 10, Usage: "record precedence `p` (IPSECKEY 0..255, TXT 0..65535)"},
			&cli.StringFlag{Name: "owner", Usage: "record owner `name` (default: the --id FQDN, else the key's host name, else the system host name; TXT: none)"},
			&cli.BoolFlag{Name: "list", Usage: "list the keys, numbered, with key id and CKAID"},
			&cli.BoolFlag{Name: "dump", Usage: "as --list, with where each key is and whether its private half is present"},
			&cli.BoolFlag{Name: "pem", Usage: "print the public key as PEM (SubjectPublicKeyInfo)"},
			&cli.BoolFlag{Name: "dhclient", Usage: "print the dhclient.conf lines FreeS/WAN offered for OE keys"},
			&cli.BoolFlag{Name: "verbose", Usage: "say how the key was picked"},
		}, oedns.Flags()...),
		Action: run,
	}
}

func run(c *cli.Context) error {
	if c.NArg() > 0 {
		return applet.Usagef("unexpected argument %q (options come first; see ipsec showhostkey --help)", c.Args().First())
	}
	if oedns.Requested(c) { // --publish, --check: DNS work for the picked key
		return oedns.Run(c, func() (*rsa.PublicKey, error) {
			ks, err := load(c)
			if err != nil {
				return nil, err
			}
			k, _, err := pick(c, ks)
			if err != nil {
				return nil, err
			}
			return k.pub, nil
		})
	}
	op, err := operation(c)
	if err != nil {
		return err
	}
	if c.IsSet("file") && c.IsSet("pem-in") {
		return applet.Usagef("--file and --pem-in are mutually exclusive")
	}
	sel := 0
	for _, s := range []string{"id", "ckaid", "rsaid"} {
		if c.IsSet(s) {
			sel++
		}
	}
	if sel > 1 {
		return applet.Usagef("select a key with only one of --id, --ckaid and --rsaid")
	}
	if c.IsSet("pubkey") && op != "left" && op != "right" && op != "ipseckey" {
		return applet.Usagef("--pubkey applies to --left, --right and --ipseckey only")
	}
	prec := c.Int("precedence")
	switch {
	case op == "ipseckey" && (prec < 0 || prec > 255):
		return applet.Usagef("precedence %d out of range 0..255", prec)
	case op == "txt" && (prec < 0 || prec > 65535):
		return applet.Usagef("precedence %d out of range 0..65535", prec)
	}
	ks, err := load(c)
	if err != nil {
		return err
	}
	p := &printer{c: c, w: c.App.Writer}
	if op == "list" || op == "dump" {
		picked, err := filter(c, ks)
		if err != nil {
			return err
		}
		return p.list(picked, op == "dump")
	}
	k, how, err := pick(c, ks)
	if err != nil {
		return err
	}
	if c.Bool("verbose") {
		lead := "\t#"
		if op == "ipseckey" || op == "key" || op == "txt" {
			lead = ";"
		}
		fmt.Fprintf(p.w, "%s picking by %s\n", lead, how)
	}
	return p.print(op, k)
}

// operation returns the one output format asked for.
func operation(c *cli.Context) (string, error) {
	var ops []string
	for _, f := range formats {
		if c.IsSet(f) {
			ops = append(ops, f)
		}
	}
	if c.IsSet("gateway") && !c.IsSet("ipseckey") {
		ops = append(ops, "ipseckey")
	}
	switch len(ops) {
	case 0:
		return "", applet.Usagef("must specify a format for the result: --left, --right, --key, --txt, --ipseckey, --list, --dump, --pem or --dhclient")
	case 1:
		return ops[0], nil
	}
	return "", applet.Usagef("specify only one format, not --%s", strings.Join(ops, " and --"))
}

// errNoKey marks "no key matched": exit 20.
var errNoKey = errors.New("no keys found")

func noKey(format string, args ...any) error {
	return applet.Exit(ExitNoKey, fmt.Errorf("%w: %s", errNoKey, fmt.Sprintf(format, args...)))
}
