package secrets

import (
	"crypto/rsa"
	"fmt"
)

// Redacted is what every secret prints as.
const Redacted = "[redacted]"

// Secret is secret bytes (a PSK, an XAUTH password, a PIN, a PPK or a key
// file passphrase). It prints as [redacted] under every fmt verb; Reveal
// returns the bytes for the code that must use them.
type Secret struct{ b []byte }

// NewSecret wraps b (not copied).
func NewSecret(b []byte) Secret { return Secret{b: b} }

// Reveal returns the secret bytes.
func (s Secret) Reveal() []byte { return s.b }

// Len is the length of the secret in bytes (not secret itself: FreeS/WAN's
// weak-secret warning reveals as much).
func (s Secret) Len() int { return len(s.b) }

// Equal reports whether two secrets hold the same bytes.
func (s Secret) Equal(o Secret) bool { return string(s.b) == string(o.b) }

func (Secret) String() string               { return Redacted }
func (Secret) GoString() string             { return Redacted }
func (Secret) Format(f fmt.State, _ rune)   { fmt.Fprint(f, Redacted) }
func (Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// PrivateKey is an RSA private key read from an `RSA { ... }` block. It
// prints as [redacted]; Public is safe to show, Reveal hands out the key.
type PrivateKey struct{ k *rsa.PrivateKey }

// NewPrivateKey wraps k.
func NewPrivateKey(k *rsa.PrivateKey) PrivateKey { return PrivateKey{k: k} }

// Reveal returns the private key.
func (p PrivateKey) Reveal() *rsa.PrivateKey { return p.k }

// Public returns the public half, or nil when there is no key.
func (p PrivateKey) Public() *rsa.PublicKey {
	if p.k == nil {
		return nil
	}
	return &p.k.PublicKey
}

// IsZero reports whether p holds no key.
func (p PrivateKey) IsZero() bool { return p.k == nil }

func (PrivateKey) String() string               { return Redacted }
func (PrivateKey) GoString() string             { return Redacted }
func (PrivateKey) Format(f fmt.State, _ rune)   { fmt.Fprint(f, Redacted) }
func (PrivateKey) MarshalText() ([]byte, error) { return []byte(Redacted), nil }
func (PrivateKey) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }
