// Package rsasigkey is `ipsec rsasigkey`: generate an RSA key for IKE
// signatures and print it as FreeS/WAN's text block, the body of an
// ipsec.secrets `: RSA { ... }` entry.
package rsasigkey

import (
	"fmt"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
	"goswan/cmd/internal/keygen"
	"goswan/keys"
)

// Command returns the rsasigkey applet.
func Command() *cli.Command {
	return &cli.Command{
		Name:      "rsasigkey",
		Usage:     "generate an RSA signature key as an ipsec.secrets block",
		UsageText: "ipsec rsasigkey [--verbose] [--hostname host] [--random device] [nbits]",
		Description: "Prints a new RSA key (public exponent 65537) in FreeS/WAN's text format on standard output.\n" +
			"nbits defaults to Libreswan's choice: 3072 plus a random multiple of 16, at most 3824.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "verbose", Usage: "narrate the generation on standard error"},
			&cli.StringFlag{Name: "hostname", Usage: "host `name` for the key's header comment (default: the system host name)"},
			&cli.StringFlag{Name: "random", Usage: "random `device`: /dev/random or /dev/urandom, both meaning the kernel generator Go reads"},
		},
		Action: run,
	}
}

func run(c *cli.Context) error {
	if c.NArg() > 1 {
		return applet.Usagef("want at most one bit count (usage: %s)", c.Command.UsageText)
	}
	if err := CheckRandom(c.String("random")); err != nil {
		return err
	}
	bits, err := Bits(c.Args().First())
	if err != nil {
		return err
	}
	host := c.String("hostname")
	if host == "" {
		if host, err = keygen.Hostname(); err != nil {
			return err
		}
	}
	k, err := keygen.Generate(bits, c.App.ErrWriter, c.Bool("verbose"))
	if err != nil {
		return err
	}
	blk, err := keys.Block(k, bits, host, time.Now())
	if err != nil {
		return err
	}
	if _, err := c.App.Writer.Write(blk); err != nil {
		return fmt.Errorf("writing key: %w", err)
	}
	return nil
}

// Bits parses a bit count argument; "" picks Libreswan's default size.
func Bits(arg string) (int, error) {
	if arg == "" {
		return keys.DefaultBits()
	}
	n, err := strconv.Atoi(arg)
	if err != nil {
		return 0, fmt.Errorf("keysize specification %q is malformed: want a decimal number of bits", arg)
	}
	return n, keys.CheckBits(n)
}

// CheckRandom accepts the --random devices FreeS/WAN users name. Go's
// generator always draws from the kernel (getrandom), which is what both
// devices are; any other source is refused rather than silently ignored.
func CheckRandom(dev string) error {
	switch dev {
	case "", "/dev/random", "/dev/urandom":
		return nil
	}
	return applet.Usagef("--random %q: keys always come from the kernel random number generator; name /dev/random or /dev/urandom, or leave --random out", dev)
}
