package barf

import (
	"regexp"
	"strings"
	"sync"

	"goswan/secrets"
)

// keyLineWords start the lines of `ip xfrm state` that carry key material:
// "auth-trunc hmac(sha256) 0x… 128", "enc cbc(aes) 0x…", "aead rfc4106(gcm(aes)) 0x… 128".
var keyLineWords = map[string]bool{"auth": true, "auth-trunc": true, "enc": true, "aead": true, "comp": true, "encap": false}

// longHex catches a key printed anywhere else: SPIs, marks and bitmaps are at
// most 8 hex digits, keys are at least 16.
var longHex = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\b0x[0-9a-fA-F]{16,}\b`) })

// censorXFRM replaces the keys in `ip xfrm state` output by markers that
// keep their length; algorithm names and key sizes stay.
func censorXFRM(out string) string {
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) >= 2 && keyLineWords[f[0]] {
			for _, tok := range f[2:] {
				if strings.HasPrefix(tok, "0x") && len(tok) > 2 {
					l = strings.Replace(l, tok, secrets.Censored(len(tok)), 1)
				}
			}
		}
		lines[i] = longHex().ReplaceAllStringFunc(l, func(s string) string { return secrets.Censored(len(s)) })
	}
	return strings.Join(lines, "\n")
}
