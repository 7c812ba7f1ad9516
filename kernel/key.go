package kernel

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Key is secret key material. It formats as [redacted] in every verb so it
// cannot reach output, logs or errors by accident; Bytes gives the material
// to the netlink boundary.
type Key struct{ b []byte }

// Redacted is how a key prints.
const Redacted = "[redacted]"

// NewKey wraps key material (copied).
func NewKey(b []byte) Key { return Key{b: append([]byte(nil), b...)} }

// Bytes returns the key material.
func (k Key) Bytes() []byte { return k.b }

// Bits is the key length in bits.
func (k Key) Bits() int { return 8 * len(k.b) }

// IsZero reports whether there is no key.
func (k Key) IsZero() bool { return len(k.b) == 0 }

func (k Key) String() string   { return Redacted }
func (k Key) GoString() string { return Redacted }

// Format makes %x, %v, %q and friends all print [redacted].
func (k Key) Format(f fmt.State, _ rune) { fmt.Fprint(f, Redacted) }

// ParseKey reads a key as FreeS/WAN wrote them and `ipsec ranbits` prints
// them: 0x followed by hex digits, optionally grouped with underscores
// (0x12345678_9abcdef0), or 0s followed by base64. Errors describe the
// problem without repeating the text.
func ParseKey(s string) (Key, error) {
	switch {
	case strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X"):
		digits := strings.ReplaceAll(s[2:], "_", "")
		if digits == "" {
			return Key{}, errors.New("key has no hex digits after 0x")
		}
		if len(digits)%2 != 0 {
			return Key{}, fmt.Errorf("key has an odd number of hex digits (%d)", len(digits))
		}
		b, err := hex.DecodeString(digits)
		if err != nil {
			return Key{}, errors.New("key has a character that is not a hex digit")
		}
		return Key{b: b}, nil
	case strings.HasPrefix(s, "0s"):
		b, err := base64.StdEncoding.DecodeString(s[2:])
		if err != nil || len(b) == 0 {
			return Key{}, errors.New("key after 0s is not valid base64")
		}
		return Key{b: b}, nil
	}
	return Key{}, errors.New("key must start with 0x (hex) or 0s (base64)")
}
