package keys

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// SelfSigned makes the certificate a PKCS#12 file must carry: NSS's
// pk12util refuses to import a key without one. It is marked CA:FALSE so
// that `ipsec import` does not "correct" its trust bits. The certificate
// only carries the key; nothing validates it.
func SelfSigned(k *rsa.PrivateKey, cn string, now time.Time) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, fmt.Errorf("making certificate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  false,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		return nil, fmt.Errorf("making self-signed certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// PKCS12 encodes k with a self-signed certificate for cn as a PKCS#12 file
// protected by password, in the modern encryption (AES-256-CBC, PBKDF2,
// SHA-256 MAC) that NSS 3.87's pk12util imports. The key's friendly name
// is cn, which NSS keeps as the key's nickname.
func PKCS12(k *rsa.PrivateKey, cn, password string, now time.Time) ([]byte, error) {
	cert, err := SelfSigned(k, cn, now)
	if err != nil {
		return nil, err
	}
	der, err := pkcs12.Modern.Encode(k, cert, nil, password)
	if err != nil {
		return nil, fmt.Errorf("encoding PKCS#12: %w", err)
	}
	return der, nil
}
