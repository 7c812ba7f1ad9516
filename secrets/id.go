package secrets

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"

	"goswan/conf/token"
)

// IDKind is the type of an index (an IKE identity).
type IDKind int

// Index kinds. IDAddr covers %any and %any6 (the unspecified address of
// their family), as in Pluto.
const (
	IDAddr     IDKind = iota + 1 // 10.1.0.1, 2001:db8::1, %any, %any6
	IDHost                       // gw.example.com: a name FreeS/WAN resolved at load time
	IDFQDN                       // @fqdn
	IDUserFQDN                   // user@fqdn
	IDDN                         // "C=CA, O=Example, CN=host"
	IDKeyID                      // @#hex or @[text]
	IDDERDN                      // @~hex
)

var idKindNames = [...]string{IDAddr: "address", IDHost: "host name", IDFQDN: "FQDN", IDUserFQDN: "user FQDN", IDDN: "DN", IDKeyID: "key id", IDDERDN: "DER DN"}

func (k IDKind) String() string {
	if k > 0 && int(k) < len(idKindNames) {
		return idKindNames[k]
	}
	return fmt.Sprintf("IDKind(%d)", int(k))
}

// ID is one index of an entry. Value is the identity without its syntax
// (no "@"; hex ids decoded to their bytes as a string); Addr is set for
// IDAddr. Text is the index as written.
type ID struct {
	Kind  IDKind
	Value string
	Addr  netip.Addr
	Text  string
	Pos   token.Position
}

// String is the index as ipsec.secrets and ipsec.conf spell it.
func (id ID) String() string {
	if id.Text != "" {
		return id.Text
	}
	switch id.Kind {
	case IDAddr:
		switch {
		case id.Addr == netip.IPv4Unspecified():
			return "%any"
		case id.Addr == netip.IPv6Unspecified():
			return "%any6"
		}
		return id.Addr.String()
	case IDFQDN:
		return "@" + id.Value
	case IDKeyID:
		return "@#" + hex.EncodeToString([]byte(id.Value))
	case IDDERDN:
		return "@~" + hex.EncodeToString([]byte(id.Value))
	}
	return id.Value
}

// IsAny reports whether id is %any or %any6.
func (id ID) IsAny() bool { return id.Kind == IDAddr && id.Addr.IsUnspecified() }

// Equal compares kind and value, as Pluto's same_id: FQDNs compare without
// regard to case or a final dot, everything else exactly.
func (id ID) Equal(o ID) bool {
	if id.Kind != o.Kind {
		return false
	}
	switch id.Kind {
	case IDAddr:
		return id.Addr == o.Addr
	case IDFQDN, IDHost:
		return strings.EqualFold(strings.TrimSuffix(id.Value, "."), strings.TrimSuffix(o.Value, "."))
	case IDUserFQDN:
		u1, d1, _ := strings.Cut(id.Value, "@")
		u2, d2, _ := strings.Cut(o.Value, "@")
		return u1 == u2 && strings.EqualFold(d1, d2)
	case IDDN:
		return normDN(id.Value) == normDN(o.Value)
	}
	return id.Value == o.Value
}

// normDN folds the blanks around DN separators, the difference users make
// most often between ipsec.conf and ipsec.secrets.
func normDN(s string) string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '/' })
	for i, p := range parts {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		parts[i] = strings.ToUpper(strings.TrimSpace(k)) + "=" + strings.TrimSpace(v)
	}
	return strings.Join(parts, ",")
}

// ParseID parses an index or an ipsec.conf id (leftid=) as ipsec.secrets
// spells it. quoted tells whether it was written in quotes (only DNs may
// be).
func ParseID(s string, quoted bool) (ID, error) {
	id := ID{Text: s}
	switch {
	case s == "":
		return id, fmt.Errorf("empty index")
	case s == "%any" || s == "0.0.0.0":
		id.Kind, id.Addr = IDAddr, netip.IPv4Unspecified()
		return id, nil
	case s == "%any6" || s == "::" || s == "0::0":
		id.Kind, id.Addr = IDAddr, netip.IPv6Unspecified()
		return id, nil
	case strings.HasPrefix(s, "@#"):
		b, err := hex.DecodeString(s[2:])
		if err != nil || len(b) == 0 {
			return id, fmt.Errorf("index %q: @# must be followed by an even number of hex digits", s)
		}
		id.Kind, id.Value = IDKeyID, string(b)
		return id, nil
	case strings.HasPrefix(s, "@~"):
		b, err := hex.DecodeString(s[2:])
		if err != nil || len(b) == 0 {
			return id, fmt.Errorf("index %q: @~ must be followed by an even number of hex digits", s)
		}
		id.Kind, id.Value = IDDERDN, string(b)
		return id, nil
	case strings.HasPrefix(s, "@[") && strings.HasSuffix(s, "]") && len(s) > 3:
		id.Kind, id.Value = IDKeyID, s[2:len(s)-1]
		return id, nil
	case strings.Contains(s, "="):
		id.Kind, id.Value = IDDN, strings.TrimPrefix(s, "@")
		return id, nil
	case quoted:
		return id, fmt.Errorf("quoted index %q is not a DN (only DNs, which contain \"=\", are quoted)", s)
	case strings.HasPrefix(s, "@"):
		if len(s) == 1 {
			return id, fmt.Errorf("index %q: empty FQDN after \"@\"", s)
		}
		if strings.Contains(s, ":") {
			return id, fmt.Errorf("index %q: \":\" inside an @FQDN (put a blank after the colon: \"@name : PSK\")", s)
		}
		id.Kind, id.Value = IDFQDN, s[1:]
		return id, nil
	case strings.Contains(s, "@"):
		id.Kind, id.Value = IDUserFQDN, s
		return id, nil
	case strings.HasPrefix(s, "%"):
		return id, fmt.Errorf("index %q: unknown %%-keyword (want %%any or %%any6)", s)
	case strings.Contains(s, ":"):
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is6() {
			return id, fmt.Errorf("index %q is not a numeric IPv6 address", s)
		}
		id.Kind, id.Addr = IDAddr, a
		return id, nil
	case strings.Trim(s, "0123456789.") == "":
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			return id, fmt.Errorf("index %q is not a numeric IPv4 address", s)
		}
		id.Kind, id.Addr = IDAddr, a
		return id, nil
	}
	if !validHostName(s) {
		return id, fmt.Errorf("index %q is neither an address, an @FQDN, a user@FQDN nor a host name", s)
	}
	id.Kind, id.Value = IDHost, s
	return id, nil
}

func validHostName(s string) bool {
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c == '-' || c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
				return false
			}
		}
	}
	return len(s) <= 253
}
