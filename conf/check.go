package conf

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// emptyIgnored reports whether an empty value of k is accepted and ignored
// (string-like keywords, as in Libreswan) rather than an error.
func emptyIgnored(k *Keyword) bool {
	switch k.Type {
	case TypeString, TypeID, TypeFile, TypePubKey, TypeList, TypeSubnets, TypeRange, TypeHex, TypeAddr, TypeSubnet, TypeProtoPort:
		return true
	case TypeInt, TypeEnum, TypeLooseEnum, TypeEnumList:
		// Libreswan 4.10 also ignores `auto=`, `mtu=`, `authby=`
		// (keeping the %default value); only booleans, durations,
		// percentages and byte counts make an empty value a syntax error.
		return true
	}
	return false
}

// checkValue validates a value against its keyword's type and returns it
// in canonical form (enum words in lower case, FreeS/WAN forms mapped).
func checkValue(k *Keyword, v string, hasArg bool) (string, error) {
	if v == "" {
		if emptyIgnored(k) {
			return "", nil
		}
		return "", fmt.Errorf("needs a value")
	}
	switch k.Type {
	case TypeBool:
		if _, err := ParseBool(v); err != nil {
			if _, err2 := ParseBool(lower(v)); err2 == nil {
				return "", fmt.Errorf("%q must be lower case (%s)", v, lower(v))
			}
			return "", fmt.Errorf("%q is not yes or no", v)
		}
	case TypeInt:
		if _, err := ParseInt(v); err != nil {
			return "", err
		}
	case TypeDuration, TypeDurationMS:
		if _, err := ParseDuration(v, time.Second); err != nil {
			return "", err
		}
	case TypePercent:
		n, ok := strings.CutSuffix(v, "%")
		if _, err := strconv.ParseUint(n, 10, 32); !ok || err != nil {
			return "", fmt.Errorf("%q is not a percentage (N%%)", v)
		}
	case TypeBytes, TypeCount:
		if err := checkIEC(v, k.Type == TypeBytes); err != nil {
			return "", err
		}
	case TypeEnum:
		return checkEnum(k, v)
	case TypeLooseEnum:
		if _, err := strconv.ParseUint(v, 10, 32); err == nil {
			return v, nil
		}
		return checkEnum(k, v)
	case TypeEnumList:
		return checkEnumList(k, v)
	case TypeAddr:
		return canonAddrMagic(v), checkAddr(v)
	case TypeSubnet:
		return v, checkSubnet(v)
	case TypeSubnets:
		for _, s := range SplitList(v) {
			if err := checkSubnet(s); err != nil {
				return "", err
			}
		}
	case TypeProtoPort:
		return v, checkProtoPort(v)
	case TypePubKey:
		return v, checkPubKey(v)
	case TypeHex:
		return v, checkHex(v)
	case TypeRange:
		return v, checkRange(v)
	}
	return v, nil
}

func checkEnum(k *Keyword, v string) (string, error) {
	w := lower(v)
	for _, allowed := range k.Values {
		if w == allowed {
			return w, nil
		}
	}
	if strings.ContainsAny(v, ",: \t") {
		return "", fmt.Errorf("takes one value, not %q", v)
	}
	return "", fmt.Errorf("%q is not one of %s", v, strings.Join(k.Values, ", "))
}

// checkEnumList validates a list such as authby=secret,rsasig. FreeS/WAN's
// "secret|rsasig" is read as the list it meant.
func checkEnumList(k *Keyword, v string) (string, error) {
	words := strings.FieldsFunc(lower(v), func(r rune) bool { return r == ',' || r == ':' || r == ' ' || r == '\t' || r == '|' })
	if len(words) == 0 {
		return "", fmt.Errorf("needs a value")
	}
	for _, w := range words {
		if _, err := checkEnum(k, w); err != nil {
			return "", err
		}
	}
	return strings.Join(words, ","), nil
}

func checkIEC(v string, bytes bool) error {
	s := v
	if bytes {
		var ok bool
		if s, ok = strings.CutSuffix(s, "B"); !ok {
			if _, err := strconv.ParseUint(v, 10, 64); err == nil {
				return nil
			}
			return fmt.Errorf("%q is not a byte count (N, or N with Ki Mi Gi Ti Pi Ei and B: 1GiB)", v)
		}
	}
	for _, suf := range []string{"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"} {
		if n, ok := strings.CutSuffix(s, suf); ok {
			s = n
			break
		}
	}
	if _, err := strconv.ParseUint(s, 10, 64); err != nil {
		return fmt.Errorf("%q is not a count (N with optional Ki Mi Gi Ti Pi Ei)", v)
	}
	return nil
}

// addrMagic are the % values an address keyword accepts besides %IFACE.
var addrMagic = map[string]bool{
	"%defaultroute": true, "%defaultroute6": true, "%any": true, "%any6": true,
	"%opportunistic": true, "%oppo": true, "%opportunisticgroup": true, "%oppogroup": true,
	"%group": true, "%direct": true, "%none": true, "%myid": true, "%cert": true,
}

// canonAddrMagic writes a known %value the way Libreswan 4.10 reads and
// prints it: in lower case, %oppo and %oppogroup spelt out, so that every
// reader of the value sees one spelling. Interface names (%eth0) keep
// their case.
func canonAddrMagic(v string) string {
	if !strings.HasPrefix(v, "%") || !addrMagic[lower(v)] {
		return v
	}
	switch l := lower(v); l {
	case "%oppo":
		return "%opportunistic"
	case "%oppogroup":
		return "%opportunisticgroup"
	default:
		return l
	}
}

func checkAddr(v string) error {
	if strings.HasPrefix(v, "%") {
		if addrMagic[lower(v)] || isIfaceName(v[1:]) {
			return nil
		}
		return fmt.Errorf("%q is not an address, a DNS name or a known %%value", v)
	}
	if _, err := netip.ParseAddr(v); err == nil {
		return nil
	}
	if looksNumeric(v) {
		return fmt.Errorf("%q is not a valid IP address", v)
	}
	if !isDNSName(v) {
		return fmt.Errorf("%q is not an IP address or DNS name", v)
	}
	return nil
}

func looksNumeric(v string) bool {
	return strings.Trim(v, "0123456789.") == "" || strings.Count(v, ":") >= 2
}

func isIfaceName(s string) bool {
	if s == "" || len(s) > 15 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == '@') {
			return false
		}
	}
	return true
}

func isDNSName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

func checkSubnet(v string) error {
	switch l := lower(v); {
	case l == "%priv" || l == "%no":
		// Libreswan 4.10 fails the conn ("no / in subnet specification").
		return fmt.Errorf("%q is only meaningful inside vhost: or vnet: (e.g. vhost:%%no,%%priv)", v)
	case strings.HasPrefix(l, "vhost:") || strings.HasPrefix(l, "vnet:"):
		return nil
	}
	_, err := ParseSubnet(v)
	return err
}

func checkProtoPort(v string) error {
	proto, port, hasPort := strings.Cut(v, "/")
	if proto == "" {
		return fmt.Errorf("%q has no protocol (proto[/port], e.g. udp/1701)", v)
	}
	// A number must fit (Libreswan: "numeric protocol must be <= 255",
	// "<port> must be between 0 and 65535"); a digit string is never a name.
	if isDigits(proto) {
		if _, err := strconv.ParseUint(proto, 10, 8); err != nil {
			return fmt.Errorf("%q: protocol number %s is more than 255", v, proto)
		}
	} else if !isWord(proto) {
		return fmt.Errorf("%q: protocol %q is not a number or a name", v, proto)
	}
	if hasPort && port != "%any" {
		if isDigits(port) {
			if _, err := strconv.ParseUint(port, 10, 16); err != nil {
				return fmt.Errorf("%q: port %s is more than 65535", v, port)
			}
		} else if !isWord(port) {
			return fmt.Errorf("%q: port %q is not a number, a service name or %%any", v, port)
		}
	}
	return nil
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

var pubkeyMagic = map[string]bool{"%cert": true, "%dns": true, "%dnsondemand": true, "%dnsonload": true, "%none": true}

func checkPubKey(v string) error {
	if strings.HasPrefix(v, "%") {
		if pubkeyMagic[lower(v)] {
			return nil
		}
		return fmt.Errorf("%q is not a key, %%cert, %%dns or %%dnsondemand", v)
	}
	if len(v) < 2 || v[0] != '0' {
		return fmt.Errorf("a key must begin with 0s (base64) or 0x (hex)")
	}
	switch v[1] {
	case 's', 'S':
		if _, err := base64.StdEncoding.DecodeString(v[2:]); err != nil {
			return fmt.Errorf("bad base64 after 0s (%v)", err)
		}
	case 'x', 'X':
		if _, err := hex.DecodeString(strings.ReplaceAll(v[2:], "_", "")); err != nil {
			return fmt.Errorf("bad hex after 0x")
		}
	default:
		return fmt.Errorf("a key must begin with 0s (base64) or 0x (hex)")
	}
	return nil
}

// checkHex accepts 0x-prefixed hex with optional _ separators (SPIs, manual
// keys). Key text is never quoted in errors.
func checkHex(v string) error {
	s, ok := strings.CutPrefix(lower(v), "0x")
	if !ok {
		return fmt.Errorf("value must be 0x followed by hex digits")
	}
	s = strings.ReplaceAll(s, "_", "")
	if s == "" || strings.Trim(s, "0123456789abcdef") != "" {
		return fmt.Errorf("value must be 0x followed by hex digits")
	}
	return nil
}

func checkRange(v string) error {
	if a, b, ok := strings.Cut(v, "-"); ok {
		x, err1 := netip.ParseAddr(a)
		y, err2 := netip.ParseAddr(b)
		if err1 != nil || err2 != nil || x.Is4() != y.Is4() || y.Less(x) {
			return fmt.Errorf("%q is not an address range (first-last)", v)
		}
		return nil
	}
	if _, err := netip.ParsePrefix(v); err != nil {
		return fmt.Errorf("%q is not an address range or CIDR", v)
	}
	return nil
}
