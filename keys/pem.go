package keys

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// PEMPrivateKey encodes k as PEM: PKCS#8 ("PRIVATE KEY", what OpenSSL 3
// writes) or, with pkcs1, PKCS#1 ("RSA PRIVATE KEY").
func PEMPrivateKey(k *rsa.PrivateKey, pkcs1 bool) ([]byte, error) {
	if pkcs1 {
		return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}), nil
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("encoding PKCS#8 private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// PEMPublicKey encodes pub as a PEM SubjectPublicKeyInfo ("PUBLIC KEY"),
// byte for byte what `openssl rsa -pubout` and Libreswan's
// `showhostkey --pem` print.
func PEMPublicKey(pub *rsa.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encoding public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePEM reads RSA keys from PEM data: PKCS#1 or PKCS#8 private keys,
// SubjectPublicKeyInfo or PKCS#1 public keys, and certificates (their
// public key). It returns the public key of every block in order, and the
// private key when a block held one (private[i] nil otherwise).
func ParsePEM(data []byte) (pubs []*rsa.PublicKey, privs []*rsa.PrivateKey, err error) {
	for n := 1; ; n++ {
		var blk *pem.Block
		blk, data = pem.Decode(data)
		if blk == nil {
			break
		}
		if len(blk.Headers) > 0 {
			return nil, nil, fmt.Errorf("PEM block %d (%s) is encrypted; decrypt it first (openssl pkey)", n, blk.Type)
		}
		var pub *rsa.PublicKey
		var priv *rsa.PrivateKey
		switch blk.Type {
		case "RSA PRIVATE KEY":
			priv, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
		case "PRIVATE KEY":
			var k any
			if k, err = x509.ParsePKCS8PrivateKey(blk.Bytes); err == nil {
				var ok bool
				if priv, ok = k.(*rsa.PrivateKey); !ok {
					err = fmt.Errorf("not an RSA key (%T)", k)
				}
			}
		case "PUBLIC KEY":
			var k any
			if k, err = x509.ParsePKIXPublicKey(blk.Bytes); err == nil {
				var ok bool
				if pub, ok = k.(*rsa.PublicKey); !ok {
					err = fmt.Errorf("not an RSA key (%T)", k)
				}
			}
		case "RSA PUBLIC KEY":
			pub, err = x509.ParsePKCS1PublicKey(blk.Bytes)
		case "CERTIFICATE":
			var c *x509.Certificate
			if c, err = x509.ParseCertificate(blk.Bytes); err == nil {
				var ok bool
				if pub, ok = c.PublicKey.(*rsa.PublicKey); !ok {
					err = fmt.Errorf("certificate key is not RSA (%T)", c.PublicKey)
				}
			}
		default:
			continue
		}
		if err != nil {
			// x509 errors describe structure, never key material.
			return nil, nil, fmt.Errorf("PEM block %d (%s): %w", n, blk.Type, err)
		}
		if priv != nil {
			pub = &priv.PublicKey
		}
		pubs = append(pubs, pub)
		privs = append(privs, priv)
	}
	if len(pubs) == 0 {
		return nil, nil, errors.New("no RSA key or certificate in PEM input")
	}
	return pubs, privs, nil
}
