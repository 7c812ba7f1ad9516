package conf

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"goswan/conf/token"
)

// Origin says where a resolved value came from; it decides precedence.
type Origin uint8

const (
	// FromDefault values came from a `conn %default` section; anything else
	// overrides them silently.
	FromDefault Origin = iota
	// FromConn values were written in the conn itself.
	FromConn
	// FromAlso values came from a section named by also=.
	FromAlso
)

func (o Origin) String() string {
	switch o {
	case FromDefault:
		return "%default"
	case FromConn:
		return "conn"
	default:
		return "also"
	}
}

// Value is one keyword's value as written, with where it was written.
type Value struct {
	Keyword string // canonical keyword name, e.g. "leftsubnet"
	Raw     string // the value with quotes or braces removed
	Pos     token.Position
	Origin  Origin
	// order sits beside Origin so that both share one word: a Value is
	// 88 bytes, not 96 (100,000 conns hold 400,000 of them).
	order int32  // position in canonical output order; see sortKey
	From  string // the section that supplied it (conn name, "%default" or also= target)
}

// Values maps canonical keyword names to values. A conn's Values share the
// parsed values of its sections and of %default instead of copying them, so
// that a configuration of 100,000 conns stays small. The zero value is
// empty and ready to use.
type Values struct {
	own   []*Value // later entries win
	base  *Values  // the accumulated %default, consulted last
	owner string   // the conn these values belong to: others' values came by also=
}

// view returns a copy of v with its origin as seen from vs: a value shared
// from another conn section arrived through also=.
func (vs *Values) view(v *Value) Value {
	x := *v
	if x.Origin == FromConn && vs.owner != "" && x.From != vs.owner {
		x.Origin = FromAlso
	}
	return x
}

// Set stores v under its keyword, replacing any earlier value.
func (vs *Values) Set(v Value) {
	for i, o := range vs.own {
		if o.Keyword == v.Keyword {
			vs.own[i] = &v
			return
		}
	}
	vs.own = append(vs.own, &v)
}

func (vs *Values) setShared(v *Value) {
	for i, o := range vs.own {
		if o.Keyword == v.Keyword {
			vs.own[i] = v
			return
		}
	}
	vs.own = append(vs.own, v)
}

// ownValue finds kw among the values set directly, not inherited.
func (vs *Values) ownValue(kw string) *Value {
	for _, o := range vs.own {
		if o.Keyword == kw {
			return o
		}
	}
	return nil
}

func (vs *Values) lookup(kw string) *Value {
	for v := vs; v != nil; v = v.base {
		for i := len(v.own) - 1; i >= 0; i-- {
			if v.own[i].Keyword == kw {
				return v.own[i]
			}
		}
	}
	return nil
}

// Get returns the value of keyword kw.
func (vs *Values) Get(kw string) (Value, bool) {
	if v := vs.lookup(kw); v != nil {
		return vs.view(v), true
	}
	return Value{}, false
}

// IsSet reports whether kw has a value.
func (vs *Values) IsSet(kw string) bool { return vs.lookup(kw) != nil }

// String returns the raw value of kw, or "" when unset.
func (vs *Values) String(kw string) string {
	if v := vs.lookup(kw); v != nil {
		return v.Raw
	}
	return ""
}

// All returns every value, in canonical keyword order.
func (vs *Values) All() []Value {
	refs := vs.collect(nil)
	out := make([]Value, len(refs))
	for i, v := range refs {
		out[i] = vs.view(v)
	}
	return out
}

// collect appends the effective values to buf in canonical order and
// returns it; Format reuses one buffer for every conn.
func (vs *Values) collect(buf []*Value) []*Value {
	buf = buf[:0]
	for v := vs; v != nil; v = v.base {
	next:
		for i := len(v.own) - 1; i >= 0; i-- {
			x := v.own[i]
			for _, y := range buf {
				if y.Keyword == x.Keyword {
					continue next
				}
			}
			buf = append(buf, x)
		}
	}
	// slices.SortFunc, not sort.Slice: no reflection and no allocation
	// per call (Format calls this once per conn).
	slices.SortFunc(buf, func(a, b *Value) int {
		if a.order == 0 || b.order == 0 { // set through Values.Set
			switch {
			case keywordLess(a.Keyword, b.Keyword):
				return -1
			case keywordLess(b.Keyword, a.Keyword):
				return 1
			}
			return 0
		}
		if a.order != b.order {
			return cmp.Compare(a.order, b.order)
		}
		return strings.Compare(a.Keyword, b.Keyword)
	})
	return buf
}

// Keywords returns the set keywords in canonical order: the keyword
// table's order, left before right, then x- comments by name.
func (vs *Values) Keywords() []string {
	all := vs.All()
	out := make([]string, len(all))
	for i, v := range all {
		out[i] = v.Keyword
	}
	return out
}

// Len is the number of keywords set.
func (vs *Values) Len() int { return len(vs.All()) }

// Bool returns a yes/no keyword's value and whether it is set.
func (vs *Values) Bool(kw string) (val, set bool) {
	v := vs.lookup(kw)
	if v == nil {
		return false, false
	}
	b, err := ParseBool(v.Raw)
	return b, err == nil
}

// Int returns an integer keyword (%forever is 0).
func (vs *Values) Int(kw string) (int64, bool) {
	v := vs.lookup(kw)
	if v == nil {
		return 0, false
	}
	n, err := ParseInt(v.Raw)
	return n, err == nil
}

// Duration returns a duration keyword; a bare number is in the keyword's
// default unit (seconds, or milliseconds for retransmit-interval).
func (vs *Values) Duration(kw string) (time.Duration, bool) {
	v := vs.lookup(kw)
	if v == nil {
		return 0, false
	}
	unit := time.Second
	if k := lookupCanonical(kw); k != nil && k.Type == TypeDurationMS {
		unit = time.Millisecond
	}
	d, err := ParseDuration(v.Raw, unit)
	return d, err == nil
}

// Addr returns a keyword holding a literal IP address. Magic values
// (%defaultroute, %any ...) and DNS names report false.
func (vs *Values) Addr(kw string) (netip.Addr, bool) {
	v := vs.lookup(kw)
	if v == nil {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(v.Raw)
	return a, err == nil
}

// Prefix returns a keyword holding one subnet, normalised to its network
// address. "addr/mask" dotted masks are accepted as FreeS/WAN wrote them.
func (vs *Values) Prefix(kw string) (netip.Prefix, bool) {
	v := vs.lookup(kw)
	if v == nil {
		return netip.Prefix{}, false
	}
	p, err := ParseSubnet(v.Raw)
	return p, err == nil
}

// List splits a list keyword on blanks and commas.
func (vs *Values) List(kw string) []string {
	v := vs.lookup(kw)
	if v == nil {
		return nil
	}
	return SplitList(v.Raw)
}

// SplitList splits a value on blanks, tabs and commas, dropping empties.
func SplitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' })
}

// ParseBool accepts exactly the spellings Libreswan accepts, lower case:
// yes y true on / no n false off.
func ParseBool(s string) (bool, error) {
	switch s {
	case "yes", "y", "true", "on":
		return true, nil
	case "no", "n", "false", "off":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (yes or no)", s)
}

// ParseInt accepts a decimal integer or %forever (0).
func ParseInt(s string) (int64, error) {
	if s == "%forever" {
		return 0, nil
	}
	n, err := strconv.ParseUint(s, 10, 63)
	if err != nil {
		return 0, fmt.Errorf("%q is not a non-negative decimal integer", s)
	}
	return int64(n), nil
}

// ParseDuration accepts N[unit] with unit ms, s, m, h, d or w in any case
// (Libreswan), %forever (0), and FreeS/WAN's decimal fractions such as 1.5h.
// A number without unit is in defaultUnit.
func ParseDuration(s string, defaultUnit time.Duration) (time.Duration, error) {
	if s == "%forever" {
		return 0, nil
	}
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	num, unitText := s[:i], strings.ToLower(s[i:])
	unit := defaultUnit
	switch unitText {
	case "":
	case "ms":
		unit = time.Millisecond
	case "s":
		unit = time.Second
	case "m":
		unit = time.Minute
	case "h":
		unit = time.Hour
	case "d":
		unit = 24 * time.Hour
	case "w":
		unit = 7 * 24 * time.Hour
	default:
		return 0, fmt.Errorf("%q is not a duration (N with unit ms, s, m, h, d or w)", s)
	}
	if num == "" || strings.Count(num, ".") > 1 || num[0] == '.' || num[len(num)-1] == '.' {
		return 0, fmt.Errorf("%q is not a duration (N with unit ms, s, m, h, d or w)", s)
	}
	if !strings.Contains(num, ".") {
		n, err := strconv.ParseUint(num, 10, 63)
		if err != nil || (unit > 0 && n > uint64(1<<62)/uint64(unit)) {
			return 0, fmt.Errorf("%q is out of range", s)
		}
		return time.Duration(n) * unit, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f*float64(unit) > float64(1<<62) {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return time.Duration(f * float64(unit)), nil
}

// ParseSubnet accepts addr/len and FreeS/WAN's addr/dotted-mask, and a bare
// address as a host subnet. The result is masked to its network.
func ParseSubnet(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	addrText, maskText, found := strings.Cut(s, "/")
	a, err := netip.ParseAddr(addrText)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a subnet (address/length)", s)
	}
	if !found {
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	m, err := netip.ParseAddr(maskText)
	if err != nil || m.Is4() != a.Is4() {
		return netip.Prefix{}, fmt.Errorf("%q is not a subnet (address/length)", s)
	}
	ones, ok := maskLen(m.AsSlice())
	if !ok {
		return netip.Prefix{}, fmt.Errorf("%q has a non-contiguous mask", s)
	}
	return netip.PrefixFrom(a, ones).Masked(), nil
}

func maskLen(b []byte) (int, bool) {
	ones, seenZero := 0, false
	for _, x := range b {
		for bit := 7; bit >= 0; bit-- {
			if x&(1<<bit) != 0 {
				if seenZero {
					return 0, false
				}
				ones++
			} else {
				seenZero = true
			}
		}
	}
	return ones, true
}
