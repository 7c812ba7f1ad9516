package keys

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
)

// Text formats of binary data, named by FreeS/WAN's datatot format codes.
const (
	FormatHex        = 'h' // 0x + hex, "_" after every 4 bytes (ranbits)
	FormatHexPlain   = 'x' // 0x + hex, no separators (ranbits --continuous, key fields)
	FormatHexColon   = ':' // hex bytes separated by ":"
	FormatHexBare    = 16  // hex without prefix (CKAID)
	FormatBase64     = 's' // 0s + base64 (#pubkey=, leftrsasigkey=)
	FormatBase64Bare = 64  // base64 without prefix (DNS records, key ids)
)

// DataToText renders b in one of the datatot formats. Unknown formats and
// empty data give "" as datatot's zero return did.
func DataToText(b []byte, format int) string {
	if len(b) == 0 {
		return ""
	}
	switch format {
	case FormatHex, 0:
		return "0x" + groupHex(hex.EncodeToString(b), 8, "_")
	case FormatHexPlain:
		return "0x" + hex.EncodeToString(b)
	case FormatHexColon:
		return groupHex(hex.EncodeToString(b), 2, ":")
	case FormatHexBare:
		return hex.EncodeToString(b)
	case FormatBase64:
		return "0s" + base64.StdEncoding.EncodeToString(b)
	case FormatBase64Bare:
		return base64.StdEncoding.EncodeToString(b)
	}
	return ""
}

// groupHex puts sep after every n characters of h, never at the end.
func groupHex(h string, n int, sep string) string {
	var sb strings.Builder
	sb.Grow(len(h) + len(h)/n)
	for i := 0; i < len(h); i += n {
		if i > 0 {
			sb.WriteString(sep)
		}
		sb.WriteString(h[i:min(i+n, len(h))])
	}
	return sb.String()
}

// Errors of TextToData, worded as FreeS/WAN's ttodata. They never quote the
// input: it is often a secret.
var (
	ErrTooShort     = errors.New("input too short to be valid")
	ErrNoPrefix     = errors.New("input does not begin with format prefix")
	ErrUnknownBase  = errors.New("unknown format prefix")
	ErrMidByte      = errors.New("input ends in mid-byte, perhaps truncated")
	ErrBadPadding   = errors.New("bad (non-zero) padding at end of base64 input")
	ErrNoData       = errors.New("no data bytes specified by input")
	ErrHexChar      = errors.New("non-hex digit in hex input")
	ErrUnderscore   = errors.New("misplaced \"_\" in hex input")
	ErrBase64Char   = errors.New("non-base64 character in base64 input")
	ErrBase64Length = errors.New("base64 input is not a whole number of 4-character groups")
)

// TextToData decodes FreeS/WAN's prefixed text forms: 0x/0X hex (a single
// "_" allowed between byte pairs), 0s/0S base64 and 0t/0T literal text.
func TextToData(s string) ([]byte, error) {
	if len(s) < 2 {
		return nil, ErrTooShort
	}
	if s[0] != '0' {
		return nil, ErrNoPrefix
	}
	body := s[2:]
	switch s[1] {
	case 'x', 'X':
		if body == "" {
			return nil, ErrNoData
		}
		return decodeHex(body)
	case 's', 'S':
		if body == "" {
			return nil, ErrNoData
		}
		return decodeBase64(body)
	case 't', 'T':
		if body == "" {
			return nil, ErrNoData
		}
		return []byte(body), nil
	}
	return nil, ErrUnknownBase
}

func decodeHex(s string) ([]byte, error) {
	out := make([]byte, 0, len(s)/2)
	for i := 0; i < len(s); {
		if s[i] == '_' {
			// Only between pairs: not first, not last, not doubled.
			if i == 0 || i == len(s)-1 || s[i-1] == '_' || s[i+1] == '_' {
				return nil, ErrUnderscore
			}
			i++
			continue
		}
		if i+1 >= len(s) || s[i+1] == '_' {
			if isHex(s[i]) {
				return nil, ErrMidByte
			}
			return nil, ErrHexChar
		}
		hi, lo := unhex(s[i]), unhex(s[i+1])
		if hi < 0 || lo < 0 {
			return nil, ErrHexChar
		}
		out = append(out, byte(hi<<4|lo))
		i += 2
	}
	return out, nil
}

func isHex(c byte) bool { return unhex(c) >= 0 }

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func decodeBase64(s string) ([]byte, error) {
	if len(s)%4 != 0 {
		return nil, ErrBase64Length
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/'
		if c == '=' {
			// Padding only at the very end of the last group.
			ok = i >= len(s)-2 && (i == len(s)-1 || s[len(s)-1] == '=')
		}
		if !ok {
			return nil, ErrBase64Char
		}
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, ErrBadPadding
	}
	return b, nil
}
