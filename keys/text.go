package keys

import (
	"crypto/rsa"
	"fmt"
	"strings"
)

// RSASigKey returns the text form of pub that ipsec.conf's leftrsasigkey=,
// `#pubkey=` and Libreswan's showhostkey use: "0s" and the base64 of the
// RFC 3110 blob.
func RSASigKey(pub *rsa.PublicKey) (string, error) {
	blob, err := RFC3110(pub)
	if err != nil {
		return "", err
	}
	return DataToText(blob, FormatBase64), nil
}

// RSASigKeyHex is the 0x form of the blob, which ipsec.conf also accepts.
func RSASigKeyHex(pub *rsa.PublicKey) (string, error) {
	blob, err := RFC3110(pub)
	if err != nil {
		return "", err
	}
	return DataToText(blob, FormatHexPlain), nil
}

// ParseRSASigKey reads a key in any of its text forms: 0s base64, 0x hex
// (with "_" separators) or, as DNS records carry it, bare base64 (blanks
// inside are ignored, as RFC 4025 presentation allows).
func ParseRSASigKey(s string) (*rsa.PublicKey, error) {
	s = strings.TrimSpace(s)
	if !(len(s) > 1 && s[0] == '0' && strings.ContainsRune("xXsS", rune(s[1]))) {
		s = "0s" + strings.Join(strings.Fields(s), "")
	}
	blob, err := TextToData(s)
	if err != nil {
		return nil, fmt.Errorf("RSA public key malformed: %w", err)
	}
	return ParseRFC3110(blob)
}
