package keys

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"math/big"
	"testing"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// TestGenerateProperties checks what a fresh key must satisfy (the key
// itself differs every run): size, exponent, p*q = n, p > q, and a round
// trip through every text form.
func TestGenerateProperties(t *testing.T) {
	k, err := Generate(MinBits)
	if err != nil {
		t.Fatal(err)
	}
	if k.N.BitLen() != MinBits || k.E != 65537 {
		t.Errorf("Generate(%d): %d bits, e=%d", MinBits, k.N.BitLen(), k.E)
	}
	p, q := k.Primes[0], k.Primes[1]
	if p.Cmp(q) <= 0 || new(big.Int).Mul(p, q).Cmp(k.N) != 0 {
		t.Errorf("primes out of order or p*q != n")
	}
	roundTrips(t, k)
}

func TestFixedKeysRoundTrip(t *testing.T) {
	for _, n := range []string{"west.pem", "east.pem", "fs1024e3.pem"} {
		roundTrips(t, loadKey(t, n))
	}
}

func roundTrips(t *testing.T, k *rsa.PrivateKey) {
	t.Helper()
	pub := &k.PublicKey
	s, err := RSASigKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := RSASigKeyHex(pub)
	b64, _ := Base64(pub)
	for _, form := range []string{s, h, b64, b64[:40] + " " + b64[40:]} {
		back, err := ParseRSASigKey(form)
		if err != nil || !back.Equal(pub) {
			t.Errorf("ParseRSASigKey(%.20s...) = %v; the key did not survive", form, err)
		}
	}
	for _, pkcs1 := range []bool{true, false} {
		pemb, err := PEMPrivateKey(k, pkcs1)
		if err != nil {
			t.Fatal(err)
		}
		_, privs, err := ParsePEM(pemb)
		if err != nil || !privs[0].Equal(k) {
			t.Errorf("PEM (pkcs1=%v) round trip failed: %v", pkcs1, err)
		}
	}
	pubPEM, _ := PEMPublicKey(pub)
	pubs, _, err := ParsePEM(pubPEM)
	if err != nil || !pubs[0].Equal(pub) {
		t.Errorf("public PEM round trip failed: %v", err)
	}
	if KeyID(pub) != s[2:11] {
		t.Errorf("KeyID %q is not the first 9 characters of %.14s", KeyID(pub), s)
	}
}

func TestPKCS12RoundTrip(t *testing.T) {
	k := loadKey(t, "west.pem")
	der, err := PKCS12(k, "west.example.com", "marker-password", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	priv, cert, err := pkcs12.Decode(der, "marker-password")
	if err != nil {
		t.Fatal(err)
	}
	if !k.Equal(priv) || cert.Subject.CommonName != "west.example.com" || cert.IsCA {
		t.Errorf("PKCS#12 round trip changed the key or certificate")
	}
	if cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature) != nil {
		t.Errorf("certificate is not self-signed")
	}
	spki, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if !bytes.Equal(cert.RawSubjectPublicKeyInfo, spki) {
		t.Errorf("certificate carries another key")
	}
}

func TestCheckBits(t *testing.T) {
	for _, bad := range []int{0, -16, 1024, 2047, 2056, 20016} {
		if CheckBits(bad) == nil {
			t.Errorf("CheckBits(%d) = nil, want an error", bad)
		}
	}
	for _, good := range []int{2048, 2192, 3072, 20000} {
		if err := CheckBits(good); err != nil {
			t.Errorf("CheckBits(%d) = %v", good, err)
		}
	}
	for range 20 {
		b, err := DefaultBits()
		if err != nil || b < 3072 || b > 3824 || b%16 != 0 {
			t.Fatalf("DefaultBits() = %d, %v", b, err)
		}
	}
}
