package secrets

import (
	"crypto/rsa"
	"fmt"
	"math/big"
	"strings"

	"goswan/keys"
)

// RSAKey is the key of an `RSA { ... }` block. A full FreeS/WAN block has
// the private fields; a Libreswan 3.x or Openswan NSS block only the public
// ones (the private key lives in an NSS database, named by CKAID).
type RSAKey struct {
	Public  *rsa.PublicKey
	Private PrivateKey // zero for a public-only block

	// Header is the `# RSA N bits host date` comment, Host its host name
	// (both empty when the block has none); CKAID is from `#ckaid=` or
	// CKAIDNSS when present.
	Header string
	Host   string
	CKAID  string
}

// rsaFields are the block's fields in their fixed order.
var rsaFields = []string{"Modulus", "PublicExponent", "PrivateExponent", "Prime1", "Prime2", "Exponent1", "Exponent2", "Coefficient"}

// Size limits Pluto put on raw keys; ours match what rsasigkey generates.
const (
	minModulusBits = 512
	maxModulusBits = 20000
)

func (p *parser) rsaBlock(e *Entry, r *record, open tok, rest []tok) {
	vals := make([]*big.Int, 0, len(rsaFields))
	i := 0
	ok := true
	var ckaidnss string
	for f := 0; f < len(rsaFields) && ok; f++ {
		want := rsaFields[f]
		if i >= len(rest) {
			p.errs.Addf(open.pos, "premature end of RSA key: %s missing (the block needs %s)", want, strings.Join(rsaFields, ", "))
			return
		}
		name := rest[i]
		if name.quote == 0 && name.text == "}" && f == 2 {
			break // public-only block
		}
		if name.quote != 0 || !strings.EqualFold(name.text, want) {
			p.errs.Addf(name.pos, "%s keyword not found where expected in RSA key", want)
			return
		}
		i++
		if i < len(rest) && rest[i].quote == 0 && rest[i].text == ":" {
			i++
		}
		if i >= len(rest) || (rest[i].quote == 0 && rest[i].text == "}") {
			p.errs.Addf(name.pos, "premature end of RSA key: %s has no value", want)
			return
		}
		v := rest[i]
		i++
		b, err := keys.TextToData(v.text)
		if v.quote != 0 {
			err = fmt.Errorf("quoted value")
		}
		if err != nil {
			p.errs.Addf(v.pos, "RSA data malformed (%v) in %s", err, want)
			ok = false
			break
		}
		if f >= 2 {
			e.Spans = append(e.Spans, span(v))
		}
		vals = append(vals, new(big.Int).SetBytes(b))
	}
	if !ok {
		return
	}
	// Openswan NSS blocks add CKAIDNSS after Coefficient.
	if len(vals) == len(rsaFields) && i < len(rest) && rest[i].quote == 0 && strings.EqualFold(rest[i].text, "CKAIDNSS") {
		i++
		if i < len(rest) && rest[i].text == ":" {
			i++
		}
		if i < len(rest) {
			ckaidnss = strings.TrimPrefix(strings.ToLower(rest[i].text), "0x")
			i++
		}
	}
	if i >= len(rest) {
		p.errs.Add(open.pos, "malformed end of RSA private key: the closing \"}\" is missing")
		return
	}
	end := rest[i]
	if end.quote != 0 || end.text != "}" {
		p.errs.Add(end.pos, "malformed end of RSA private key: unexpected token where \"}\" belongs")
		return
	}
	if !end.indented {
		p.errs.Add(end.pos, "malformed end of RSA private key: indented \"}\" required")
		return
	}
	if i+1 < len(rest) {
		p.errs.Add(rest[i+1].pos, "malformed end of RSA private key: unexpected token after \"}\"")
		return
	}
	key := &RSAKey{CKAID: ckaidnss}
	for _, c := range r.comments {
		switch t := c.text; {
		case strings.HasPrefix(t, "# RSA ") && key.Header == "":
			key.Header = t
			if f := strings.Fields(t); len(f) >= 5 {
				key.Host = f[4]
			}
		case strings.HasPrefix(t, "#ckaid="):
			key.CKAID = strings.ToLower(strings.TrimPrefix(t, "#ckaid="))
		}
	}
	if err := p.checkRSA(key, vals, ckaidnss != ""); err != "" {
		p.errs.Add(open.pos, err)
		return
	}
	e.Kind, e.Key = RSA, key
	p.f.Entries = append(p.f.Entries, e)
}

// checkRSA validates the numbers as Pluto did and fills key. It returns a
// message naming the failed check (never a number) or "".
func (p *parser) checkRSA(key *RSAKey, v []*big.Int, nss bool) string {
	n, e := v[0], v[1]
	if n.BitLen() < minModulusBits {
		return fmt.Sprintf("RSA modulus too small for security: less than %d bits", minModulusBits)
	}
	if n.BitLen() > maxModulusBits {
		return fmt.Sprintf("RSA modulus larger than %d bits", maxModulusBits)
	}
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
		return "RSA public exponent is not a small odd number"
	}
	key.Public = &rsa.PublicKey{N: n, E: int(e.Int64())}
	if len(v) == 2 || nss {
		// Public-only: the private key is in an NSS database.
		if key.CKAID == "" {
			key.CKAID = keys.CKAID(key.Public)
		}
		return ""
	}
	d, pp, q, dp, dq, qinv := v[2], v[3], v[4], v[5], v[6], v[7]
	priv := &rsa.PrivateKey{PublicKey: *key.Public, D: d, Primes: []*big.Int{pp, q}}
	if new(big.Int).Mul(pp, q).Cmp(n) != 0 {
		return "RSA key invalid: n != p * q"
	}
	if err := priv.Validate(); err != nil {
		return "RSA key invalid: d, e, p and q do not form a key"
	}
	one := big.NewInt(1)
	pm1, qm1 := new(big.Int).Sub(pp, one), new(big.Int).Sub(q, one)
	switch {
	case new(big.Int).Mod(d, pm1).Cmp(dp) != 0:
		return "RSA key invalid: Exponent1 != d mod (p - 1)"
	case new(big.Int).Mod(d, qm1).Cmp(dq) != 0:
		return "RSA key invalid: Exponent2 != d mod (q - 1)"
	case new(big.Int).Mod(new(big.Int).Mul(qinv, q), pp).Cmp(one) != 0:
		return "RSA key invalid: Coefficient * q != 1 mod p"
	}
	priv.Precompute()
	key.Private = NewPrivateKey(priv)
	key.CKAID = keys.CKAID(key.Public)
	return ""
}
