package keys

import (
	"bytes"
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"math/big"
	"time"
)

// BlockHeader is the `# RSA N bits   host   date` comment rsasigkey starts
// its output with; showhostkey copies it. The date is in C's ctime form.
func BlockHeader(bits int, host string, when time.Time) string {
	return fmt.Sprintf("# RSA %d bits   %s   %s", bits, host, when.Format("Mon Jan _2 15:04:05 2006"))
}

// Block returns rsasigkey's output for k: the key's lines, each starting
// with a TAB, as they go inside `: RSA {` ... `}`. bits is the size named
// in the header (the requested size, as FreeS/WAN printed it). The comment
// lines carry what showhostkey and humans need without reading secrets: the
// CKAID, the `#pubkey=` text form and the KEY record of FreeS/WAN 1.9x.
func Block(k *rsa.PrivateKey, bits int, host string, when time.Time) ([]byte, error) {
	k, err := Canonical(k)
	if err != nil {
		return nil, err
	}
	pub := &k.PublicKey
	sig, err := RSASigKey(pub)
	if err != nil {
		return nil, err
	}
	b64, _ := Base64(pub)
	one := big.NewInt(1)
	p, q := k.Primes[0], k.Primes[1]
	var b bytes.Buffer
	line := func(format string, args ...any) {
		b.WriteByte('\t')
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
	}
	line("%s", BlockHeader(bits, host, when))
	line("# for signatures only, UNSAFE FOR ENCRYPTION")
	line("#ckaid=%s", CKAID(pub))
	line("#pubkey=%s", sig)
	line("#IN KEY 0x%04x %d %d %s", KEYFlags, KEYProtocol, KEYAlgorithm, b64)
	line("# (0x4200 = auth-only host-level, 4 = IPSec, 1 = RSA)")
	line("Modulus: %s", hexInt(k.N))
	line("PublicExponent: %s", hexInt(big.NewInt(int64(k.E))))
	line("# everything after this point is secret")
	line("PrivateExponent: %s", hexInt(k.D))
	line("Prime1: %s", hexInt(p))
	line("Prime2: %s", hexInt(q))
	line("Exponent1: %s", hexInt(new(big.Int).Mod(k.D, new(big.Int).Sub(p, one))))
	line("Exponent2: %s", hexInt(new(big.Int).Mod(k.D, new(big.Int).Sub(q, one))))
	line("Coefficient: %s", hexInt(new(big.Int).ModInverse(q, p)))
	return b.Bytes(), nil
}

// SecretsEntry wraps Block in the ipsec.secrets record newhostkey appends:
// `: RSA<TAB>{`, the block, TAB `}` and the reminder about that brace. A
// non-empty id is written as the entry's index.
func SecretsEntry(k *rsa.PrivateKey, bits int, host, id string, when time.Time) ([]byte, error) {
	blk, err := Block(k, bits, host, when)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if id != "" {
		b.WriteString(id + " ")
	}
	b.WriteString(": RSA\t{\n")
	b.Write(blk)
	b.WriteString("\t}\n# do not change the indenting of that \"}\"\n")
	return b.Bytes(), nil
}

// hexInt is a number as the key fields print it: 0x, lower-case hex, an
// even number of digits, no separators.
func hexInt(n *big.Int) string {
	b := n.Bytes()
	if len(b) == 0 {
		b = []byte{0}
	}
	return "0x" + hex.EncodeToString(b)
}
