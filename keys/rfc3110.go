package keys

import (
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
)

// RFC3110 returns the RFC 3110 (RFC 2537) byte blob of an RSA public key:
// exponent length (one byte, or zero and two bytes), exponent, modulus, all
// unsigned big-endian without leading zeros. It is the form behind
// `#pubkey=`, `leftrsasigkey=` and the KEY, TXT and IPSECKEY records.
func RFC3110(pub *rsa.PublicKey) ([]byte, error) {
	e := big.NewInt(int64(pub.E)).Bytes()
	n := pub.N.Bytes()
	var b []byte
	switch {
	case len(e) <= 255:
		b = make([]byte, 0, 1+len(e)+len(n))
		b = append(b, byte(len(e)))
	case len(e) <= 0xffff:
		b = make([]byte, 0, 3+len(e)+len(n))
		b = append(b, 0, byte(len(e)>>8), byte(len(e)))
	default:
		return nil, errors.New("RSA public key exponent too long for resource record")
	}
	b = append(b, e...)
	return append(b, n...), nil
}

// MinModulusBytes is Libreswan's smallest accepted modulus (512 bits).
const MinModulusBytes = 64

// ParseRFC3110 decodes an RFC 3110 blob. Like Libreswan it rejects moduli
// under 512 bits.
func ParseRFC3110(b []byte) (*rsa.PublicKey, error) {
	if len(b) == 0 {
		return nil, errors.New("empty RSA public key")
	}
	elen, off := int(b[0]), 1
	if elen == 0 {
		if len(b) < 3 {
			return nil, errors.New("RSA public key too short for its exponent length")
		}
		elen, off = int(b[1])<<8|int(b[2]), 3
	}
	if elen == 0 || len(b) < off+elen {
		return nil, errors.New("RSA public key exponent does not fit the key")
	}
	e := new(big.Int).SetBytes(b[off : off+elen])
	n := new(big.Int).SetBytes(b[off+elen:])
	if len(n.Bytes()) < MinModulusBytes {
		return nil, fmt.Errorf("RSA modulus of %d bits is too small (minimum 512)", n.BitLen())
	}
	if !e.IsInt64() || e.Int64() > 1<<31-1 || e.Int64() < 3 || e.Bit(0) == 0 {
		return nil, errors.New("RSA public exponent is not a small odd number")
	}
	return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
}

// KeyID is the FreeS/WAN and Libreswan key id ("rsaid"): the first nine
// characters of the unpadded base64 of the RFC 3110 blob.
func KeyID(pub *rsa.PublicKey) string {
	blob, err := RFC3110(pub)
	if err != nil {
		return ""
	}
	s := base64.RawStdEncoding.EncodeToString(blob)
	if len(s) > 9 {
		s = s[:9]
	}
	return s
}

// CKAID is Libreswan's (and NSS's) key identifier of an RSA key: the SHA-1
// of the unsigned modulus, as 40 lower-case hex digits.
func CKAID(pub *rsa.PublicKey) string {
	sum := sha1.Sum(pub.N.Bytes())
	return fmt.Sprintf("%x", sum[:])
}
