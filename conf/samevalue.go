package conf

import (
	"strconv"
	"strings"
	"time"
)

// sameValue reports whether two values of keyword k mean the same, the way
// Libreswan 4.10 compares a key repeated through also=: numbers, durations
// and booleans by their value (1h = 60m, %forever = 0, yes = true), enums
// by the value their word stands for (route = ondemand, pass =
// passthrough). Anything else compares as written.
func sameValue(k *Keyword, a, b string) bool {
	if a == b {
		return true
	}
	switch k.Type {
	case TypeBool:
		x, err1 := ParseBool(a)
		y, err2 := ParseBool(b)
		return err1 == nil && err2 == nil && x == y
	case TypeInt:
		x, err1 := ParseInt(a)
		y, err2 := ParseInt(b)
		return err1 == nil && err2 == nil && x == y
	case TypeDuration, TypeDurationMS:
		unit := time.Second
		if k.Type == TypeDurationMS {
			unit = time.Millisecond
		}
		x, err1 := ParseDuration(a, unit)
		y, err2 := ParseDuration(b, unit)
		return err1 == nil && err2 == nil && x == y
	case TypeEnum, TypeLooseEnum:
		return enumMeaning(k.Name, a) == enumMeaning(k.Name, b)
	case TypeBytes, TypeCount, TypePercent:
		x, ok1 := iecValue(a)
		y, ok2 := iecValue(b)
		return ok1 && ok2 && x == y
	}
	return false
}

// iecValue reads a count, byte count or percentage already checked by
// checkValue: N with an optional Ki..Ei multiplier and B or % suffix.
func iecValue(v string) (uint64, bool) {
	s := strings.TrimSuffix(strings.TrimSuffix(v, "B"), "%")
	mult := uint64(1)
	for i, suf := range []string{"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"} {
		if n, ok := strings.CutSuffix(s, suf); ok {
			s, mult = n, uint64(1)<<(10*(i+1))
			break
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || (n != 0 && n*mult/mult != n) {
		return 0, false
	}
	return n * mult, true
}

// enumSynonyms are the enum words Libreswan 4.10's keyword tables map to
// the same value as another word, by keyword (left/right keywords without
// their prefix).
var enumSynonyms = map[string]map[string]string{
	"auto":             {"route": "ondemand", "up": "start"},
	"type":             {"pass": "passthrough"},
	"failureshunt":     {"hold": "drop"},
	"negotiationshunt": {"drop": "hold"},
	"dpdaction":        {"restart_by_peer": "restart"},
	"ikev2":            {"yes": "propose", "always": "insist", "no": "never"},
	"ppk":              {"yes": "propose", "always": "insist", "no": "never"},
	"fragmentation":    {"never": "no", "insist": "force"},
	"hostaddrfamily":   {"v4": "ipv4", "inet": "ipv4", "v6": "ipv6", "inet6": "ipv6"},
	"clientaddrfamily": {"v4": "ipv4", "inet": "ipv4", "v6": "ipv6", "inet6": "ipv6"},
	"sendcert":         {"always": "alwayssend"},
}

func enumMeaning(keyword, v string) string {
	v = lower(v)
	name := strings.TrimPrefix(strings.TrimPrefix(keyword, "left"), "right")
	if to, ok := enumSynonyms[name][v]; ok {
		return to
	}
	return v
}
