// Package ranbits is `ipsec ranbits`: random bits in hex, for manual keys
// and PSKs, in FreeS/WAN's format. FreeS/WAN capped requests at 20000
// bits; here any size streams in fixed chunks, so memory stays bounded.
package ranbits

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"

	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
)

// Command returns the ranbits applet.
func Command() *cli.Command {
	return &cli.Command{
		Name:      "ranbits",
		Usage:     "print random bits in hex",
		UsageText: "ipsec ranbits [--quick] [--continuous] [--bytes] nbits",
		Description: "Prints ceil(nbits/8) random bytes from the kernel's random number generator as one line:\n" +
			"0x, lower-case hex, \"_\" after every 32 bits (none with --continuous).",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "quick", Usage: "accepted for compatibility: the kernel generator never blocks once seeded"},
			&cli.BoolFlag{Name: "continuous", Usage: "no \"_\" separators"},
			&cli.BoolFlag{Name: "bytes", Usage: "nbits counts bytes, not bits"},
		},
		Action: run,
	}
}

func run(c *cli.Context) error {
	if c.NArg() != 1 {
		return applet.Usagef("want exactly one bit count (usage: %s)", c.Command.UsageText)
	}
	arg := c.Args().First()
	n, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || n <= 0 {
		return fmt.Errorf("invalid bit count (%s): want a positive decimal number", arg)
	}
	nbytes := (n + 7) / 8
	if c.Bool("bytes") {
		nbytes = n
	}
	return Write(c.App.Writer, rand.Reader, nbytes, !c.Bool("continuous"))
}

// chunk is how many random bytes are read and printed at a time; a multiple
// of 4 so separators fall on chunk boundaries the same way.
const chunk = 64 << 10

// Write prints n bytes from r as 0x hex, with "_" after every 4 bytes when
// grouped, and a newline.
func Write(w io.Writer, r io.Reader, n int64, grouped bool) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	bw.WriteString("0x")
	raw := make([]byte, chunk)
	hexb := make([]byte, 2*chunk+chunk/4)
	first := true
	for n > 0 {
		m := min(n, chunk)
		if _, err := io.ReadFull(r, raw[:m]); err != nil {
			return fmt.Errorf("reading random bytes: %w", err)
		}
		var out []byte
		if grouped {
			out = groupHex(hexb, raw[:m], !first)
		} else {
			out = hexb[:2*m]
			hex.Encode(out, raw[:m])
		}
		if _, err := bw.Write(out); err != nil {
			return fmt.Errorf("writing random bits: %w", err)
		}
		first = false
		n -= m
	}
	bw.WriteByte('\n')
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing random bits: %w", err)
	}
	return nil
}

// groupHex hex-encodes b into dst with "_" before every 4-byte group but
// the first of the output (lead says a group came before this chunk).
func groupHex(dst, b []byte, lead bool) []byte {
	const digits = "0123456789abcdef"
	j := 0
	for i, c := range b {
		if i%4 == 0 && (i > 0 || lead) {
			dst[j] = '_'
			j++
		}
		dst[j] = digits[c>>4]
		dst[j+1] = digits[c&0xf]
		j += 2
	}
	return dst[:j]
}
