package oe

import (
	"fmt"
	"strconv"
	"strings"
)

// ServerTXT is a parsed X-IPsec-Server TXT record:
// X-IPsec-Server(PRECEDENCE)=GATEWAY [KEY].
type ServerTXT struct {
	Precedence int
	Gateway    string // address or @FQDN, as written
	Key        string // base64 RFC 3110 blob without whitespace; "" when absent
}

const serverAttr = "x-ipsec-server("

// ParseServerTXT parses the text of a TXT record (its character-strings
// concatenated). ok is false for TXT records of another kind, which OE
// ignores; err is set for an X-IPsec-Server record that is malformed.
func ParseServerTXT(text string) (rec ServerTXT, ok bool, err error) {
	if len(text) < len(serverAttr) || !strings.EqualFold(text[:len(serverAttr)], serverAttr) {
		return rec, false, nil
	}
	rest := text[len(serverAttr):]
	closing := strings.IndexByte(rest, ')')
	if closing < 0 {
		return rec, true, fmt.Errorf("X-IPsec-Server record lacks \")\" after its precedence")
	}
	p, perr := strconv.ParseUint(rest[:closing], 10, 16)
	if perr != nil {
		return rec, true, fmt.Errorf("X-IPsec-Server precedence %q is not a number 0..65535", rest[:closing])
	}
	rec.Precedence = int(p)
	rest = rest[closing+1:]
	if !strings.HasPrefix(rest, "=") {
		return rec, true, fmt.Errorf("X-IPsec-Server record lacks \"=\" after \"(%d)\"", rec.Precedence)
	}
	// Split at ASCII blanks only, as FreeS/WAN did: with Unicode's
	// (strings.Fields) two stray bytes joined back together can make a
	// no-break space, and the record would not read back as itself.
	fields := strings.FieldsFunc(rest[1:], func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
	})
	if len(fields) == 0 {
		return rec, true, fmt.Errorf("X-IPsec-Server record names no gateway")
	}
	rec.Gateway = fields[0]
	// Whitespace inside the key is allowed (the key may span strings).
	rec.Key = strings.Join(fields[1:], "")
	return rec, true, nil
}

// String formats rec the way FreeS/WAN wrote it, before splitting into
// character-strings.
func (rec ServerTXT) String() string {
	s := fmt.Sprintf("X-IPsec-Server(%d)=%s", rec.Precedence, rec.Gateway)
	if rec.Key != "" {
		s += " " + rec.Key
	}
	return s
}
