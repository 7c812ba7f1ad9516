// Package keys makes, encodes and identifies host keys: RSA generation, the
// RFC 3110 public key blob and its text forms (0s base64, 0x hex), the
// FreeS/WAN key id and Libreswan's CKAID, the `: RSA { ... }` block and PEM
// and PKCS#12 writers, and the DNS records (KEY, TXT X-IPsec-Server,
// IPSECKEY) that publish a key for opportunistic encryption.
package keys
