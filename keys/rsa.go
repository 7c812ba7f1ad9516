package keys

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"math/big"
)

// Generation limits. FreeS/WAN took any multiple of 16 up to 20000 bits;
// the floor is 2048 rather than Libreswan's 2192 because Go's generator
// and every current recommendation start there.
const (
	MinBits = 2048
	MaxBits = 20000
)

// CheckBits reports whether bits is a size Generate accepts.
func CheckBits(bits int) error {
	switch {
	case bits <= 0:
		return fmt.Errorf("invalid bit count (%d)", bits)
	case bits < MinBits:
		return fmt.Errorf("requested RSA key size (%d) is too small - use %d or more", bits, MinBits)
	case bits > MaxBits:
		return fmt.Errorf("requested RSA key size (%d) is too large - (max %d)", bits, MaxBits)
	case bits%16 != 0:
		return fmt.Errorf("requested RSA key size (%d) is not a multiple of 16", bits)
	}
	return nil
}

// DefaultBits returns a key size as Libreswan 4.10's rsasigkey picks one:
// 3072 plus a random multiple of 16 up to 3824, so that a host's key size
// does not single out the software that made it.
func DefaultBits() (int, error) {
	r, err := rand.Int(rand.Reader, big.NewInt(48))
	if err != nil {
		return 0, fmt.Errorf("reading random numbers: %w", err)
	}
	return 3072 + 16*int(r.Int64()), nil
}

// Generate makes an RSA key of bits bits with public exponent 65537 from
// crypto/rand (Go ignores any other reader), with the primes in FreeS/WAN's
// order: p > q, so that Coefficient = q⁻¹ mod p.
func Generate(bits int) (*rsa.PrivateKey, error) {
	if err := CheckBits(bits); err != nil {
		return nil, err
	}
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, fmt.Errorf("generating RSA key: %w", err)
	}
	return Canonical(k)
}

// Canonical returns k with two primes ordered p > q and its precomputed
// values rebuilt, the form the `: RSA {` block and PKCS#1 share.
func Canonical(k *rsa.PrivateKey) (*rsa.PrivateKey, error) {
	if len(k.Primes) != 2 {
		return nil, fmt.Errorf("RSA key has %d primes, want 2", len(k.Primes))
	}
	p, q := k.Primes[0], k.Primes[1]
	if p.Cmp(q) < 0 {
		p, q = q, p
	}
	out := &rsa.PrivateKey{PublicKey: k.PublicKey, D: k.D, Primes: []*big.Int{p, q}}
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("RSA key invalid: %w", err)
	}
	out.Precompute()
	return out, nil
}
