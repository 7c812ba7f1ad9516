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
	From    string // the section that supplied it (conn name, "%default" or also= target)
}

// Values maps canonical keyword names to values. A conn's Values share the
// parsed values of its own section, of its also= sections and of %default
// instead of copying them, and keep them compact (value), building a
// Value only when asked: a configuration of 100,000 conns stays small.
// The zero value is empty and ready to use.
type Values struct {
	own   []value // the section's own values; the first of a keyword wins
	also  []layer // a conn's also= sections' values, in merge order, after own
	base  *Values // the accumulated %default, consulted last
	src   *source // the names behind the numbers of own, also and base
	extra []Value // values given to Set and derived ones, consulted first
	owner uint32  // 1 + the conn's index in src.sections: others' values came by also=
	self  uint32  // the index in src.sections of the section own came from
}

// layer is the values of one also= section as a conn takes them.
type layer struct {
	vals []value
	from uint32 // the section's index in source.sections: its values' From
}

// value is a parsed value as Values keep it: 24 bytes instead of a Value's
// 88, and no pointer, with the keyword, the file and the text as numbers
// into the source. The section it came from (From, and so Origin) is that
// of the list holding it.
type value struct {
	kw keywordID
	place
	text
}

// text is a value's text: text[off:off+n] of its file, or, when n has
// interned set, source.strings[off] (a value written another way than it
// is stored, such as an enum in upper case).
type text struct{ off, n uint32 }

const interned = 1 << 31

// raw is the value's text.
func (src *source) raw(v *value) string {
	if v.n&interned != 0 {
		return src.strings[v.off]
	}
	return src.texts[v.file][v.off : v.off+v.n]
}

// place is a position as numbers: file is an index in source.files.
type place struct{ file, line, col uint32 }

// source holds the names the values of one configuration refer to.
type source struct {
	files      []string
	texts      []string // each file's text, by the index of files
	strings    []string // value texts that are not in their file
	stringIDs  map[string]uint32
	sections   sectionList // every section, config setup included, in file order
	comments   []string    // x- keywords, numbered after the canonical names
	commentIDs map[string]keywordID
}

// keywordID numbers name: a canonical keyword or one of src's x- comments.
func (src *source) keywordID(name string) keywordID {
	if id, ok := canonicalID(name); ok {
		return id
	}
	if src != nil {
		if id, ok := src.commentIDs[name]; ok {
			return id
		}
	}
	return noKeyword
}

// name is the keyword a number stands for.
func (src *source) name(id keywordID) string {
	names, _ := canonicalNames()
	if int(id) < len(names) {
		return names[id].name
	}
	return src.comments[int(id)-len(names)]
}

// value builds the Value of a stored value of section number from.
func (src *source) value(v *value, from uint32) Value {
	s := src.sections.at(from)
	origin := FromConn
	if s.isDefault {
		origin = FromDefault
	}
	return Value{
		Keyword: src.name(v.kw),
		Raw:     src.raw(v),
		Pos:     src.position(v.place),
		Origin:  origin,
		From:    s.Name,
	}
}

// position is the Position of a place.
func (src *source) position(pl place) token.Position {
	return token.Position{Filename: src.files[pl.file], Line: int(pl.line), Column: int(pl.col)}
}

// ref is a value found: a stored one of section number from, or one of
// Values.extra.
type ref struct {
	v    *value
	x    *Value
	src  *source
	from uint32
}

func (r ref) found() bool { return r.v != nil || r.x != nil }

// rawOrEmpty is raw, or "" when nothing was found.
func (r ref) rawOrEmpty() string {
	if !r.found() {
		return ""
	}
	return r.raw()
}

func (r ref) raw() string {
	if r.x != nil {
		return r.x.Raw
	}
	return r.src.raw(r.v)
}

// pos is where r was written.
func (vs *Values) pos(r ref) token.Position {
	if r.x != nil {
		return r.x.Pos
	}
	return vs.src.position(r.v.place)
}

// view returns the Value of r with its origin as seen from vs: a value
// from another conn section arrived through also=.
func (vs *Values) view(r ref) Value {
	var x Value
	if r.x != nil {
		x = *r.x
	} else {
		x = vs.src.value(r.v, r.from)
	}
	if x.Origin == FromConn && vs.owner != 0 && x.From != vs.src.sections.at(vs.owner-1).Name {
		x.Origin = FromAlso
	}
	return x
}

// Set stores v under its keyword, replacing any earlier value.
func (vs *Values) Set(v Value) {
	for i := range vs.extra {
		if vs.extra[i].Keyword == v.Keyword {
			vs.extra[i] = v
			return
		}
	}
	vs.extra = append(vs.extra, v)
}

func findIn(vals []value, id keywordID) *value {
	for i := range vals {
		if vals[i].kw == id {
			return &vals[i]
		}
	}
	return nil
}

// find looks up the keyword numbered id, called name.
func (vs *Values) find(id keywordID, name string) ref {
	for i := range vs.extra {
		if vs.extra[i].Keyword == name {
			return ref{x: &vs.extra[i]}
		}
	}
	if id == noKeyword {
		return ref{}
	}
	for v := vs; v != nil; v = v.base {
		if p := findIn(v.own, id); p != nil {
			return ref{v: p, src: v.src, from: v.self}
		}
		for _, l := range v.also {
			if p := findIn(l.vals, id); p != nil {
				return ref{v: p, src: v.src, from: l.from}
			}
		}
	}
	return ref{}
}

// findCanonical is find for a canonical keyword numbered in advance.
func (vs *Values) findCanonical(id keywordID) ref {
	if len(vs.extra) == 0 {
		return vs.find(id, "")
	}
	names, _ := canonicalNames()
	return vs.find(id, names[id].name)
}

// finder looks up many canonical keywords of one Values, most of them
// unset (checkConn reads twenty of a conn's dozen keywords): mask has bit
// id%64 set for each keyword held, so that a clear bit spares the search.
type finder struct {
	vs   *Values
	mask uint64
}

func (vs *Values) finder() finder {
	if len(vs.extra) > 0 {
		return finder{vs, ^uint64(0)}
	}
	var mask uint64
	for v := vs; v != nil; v = v.base {
		for i := range v.own {
			mask |= 1 << (v.own[i].kw % 64)
		}
		for _, l := range v.also {
			for i := range l.vals {
				mask |= 1 << (l.vals[i].kw % 64)
			}
		}
	}
	return finder{vs, mask}
}

func (f finder) find(id keywordID) ref {
	if f.mask&(1<<(id%64)) == 0 {
		return ref{}
	}
	return f.vs.findCanonical(id)
}

func (vs *Values) lookup(kw string) ref { return vs.find(vs.src.keywordID(kw), kw) }

// Get returns the value of keyword kw.
func (vs *Values) Get(kw string) (Value, bool) {
	if r := vs.lookup(kw); r.found() {
		return vs.view(r), true
	}
	return Value{}, false
}

// IsSet reports whether kw has a value.
func (vs *Values) IsSet(kw string) bool { return vs.lookup(kw).found() }

// String returns the raw value of kw, or "" when unset.
func (vs *Values) String(kw string) string {
	if r := vs.lookup(kw); r.found() {
		return r.raw()
	}
	return ""
}

// All returns every value, in canonical keyword order.
func (vs *Values) All() []Value {
	entries := vs.collect(nil)
	out := make([]Value, len(entries))
	for i, e := range entries {
		out[i] = vs.view(e.ref)
	}
	return out
}

// entry is an effective value in collect's list.
type entry struct {
	order int32     // sortKey; commentOrder for x- comments and unknown names
	kw    keywordID // noKeyword for a Set value of an unknown name
	ref
}

// name is the keyword of e.
func (vs *Values) name(e *entry) string {
	if e.x != nil {
		return e.x.Keyword
	}
	return vs.src.name(e.kw)
}

// keyword is the table entry of e's keyword, nil for an x- comment or an
// unknown name.
func (vs *Values) keyword(e *entry) *Keyword {
	if e.x != nil {
		return lookupCanonical(e.x.Keyword)
	}
	if names, _ := canonicalNames(); int(e.kw) < len(names) {
		return names[e.kw].k
	}
	return nil
}

func (vs *Values) entryCompare(a, b *entry) int {
	if a.order != b.order {
		return cmp.Compare(a.order, b.order)
	}
	return strings.Compare(vs.name(a), vs.name(b))
}

// collect appends the effective values to buf in canonical order and
// returns it; Format reuses one buffer for every conn.
func (vs *Values) collect(buf []entry) []entry {
	buf = buf[:0]
	names, _ := canonicalNames()
	for i := range vs.extra {
		x := &vs.extra[i]
		e := entry{order: commentOrder, kw: vs.src.keywordID(x.Keyword), ref: ref{x: x}}
		if k := lookupCanonical(x.Keyword); k != nil {
			e.order = sortKey(k, x.Keyword)
		}
		buf = append(buf, e)
	}
	add := func(vals []value, from uint32) {
	next:
		for i := range vals {
			v := &vals[i]
			for j := range buf {
				if buf[j].kw == v.kw {
					continue next
				}
			}
			e := entry{order: commentOrder, kw: v.kw, ref: ref{v: v, src: vs.src, from: from}}
			if int(v.kw) < len(names) {
				e.order = names[v.kw].order
			}
			buf = append(buf, e)
		}
	}
	for v := vs; v != nil; v = v.base {
		add(v.own, v.self)
		for _, l := range v.also {
			add(l.vals, l.from)
		}
	}
	if len(buf) > 24 {
		slices.SortFunc(buf, func(a, b entry) int { return vs.entryCompare(&a, &b) })
		return buf
	}
	// A conn has a dozen values or so: insertion sort sorts them in less
	// time than slices.SortFunc, which took a third of Format's.
	for i := 1; i < len(buf); i++ {
		for j := i; j > 0 && vs.entryCompare(&buf[j], &buf[j-1]) < 0; j-- {
			buf[j], buf[j-1] = buf[j-1], buf[j]
		}
	}
	return buf
}

// Keywords returns the set keywords in canonical order: the keyword
// table's order, left before right, then x- comments by name.
func (vs *Values) Keywords() []string {
	entries := vs.collect(nil)
	out := make([]string, len(entries))
	for i := range entries {
		out[i] = vs.name(&entries[i])
	}
	return out
}

// Len is the number of keywords set.
func (vs *Values) Len() int { return len(vs.collect(nil)) }

// Bool returns a yes/no keyword's value and whether it is set.
func (vs *Values) Bool(kw string) (val, set bool) {
	r := vs.lookup(kw)
	if !r.found() {
		return false, false
	}
	b, err := ParseBool(r.raw())
	return b, err == nil
}

// Int returns an integer keyword (%forever is 0).
func (vs *Values) Int(kw string) (int64, bool) {
	r := vs.lookup(kw)
	if !r.found() {
		return 0, false
	}
	n, err := ParseInt(r.raw())
	return n, err == nil
}

// Duration returns a duration keyword; a bare number is in the keyword's
// default unit (seconds, or milliseconds for retransmit-interval).
func (vs *Values) Duration(kw string) (time.Duration, bool) {
	r := vs.lookup(kw)
	if !r.found() {
		return 0, false
	}
	unit := time.Second
	if k := lookupCanonical(kw); k != nil && k.Type == TypeDurationMS {
		unit = time.Millisecond
	}
	d, err := ParseDuration(r.raw(), unit)
	return d, err == nil
}

// Addr returns a keyword holding a literal IP address. Magic values
// (%defaultroute, %any ...) and DNS names report false.
func (vs *Values) Addr(kw string) (netip.Addr, bool) {
	r := vs.lookup(kw)
	if !r.found() {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(r.raw())
	return a, err == nil
}

// Prefix returns a keyword holding one subnet, normalised to its network
// address. "addr/mask" dotted masks are accepted as FreeS/WAN wrote them.
func (vs *Values) Prefix(kw string) (netip.Prefix, bool) {
	r := vs.lookup(kw)
	if !r.found() {
		return netip.Prefix{}, false
	}
	p, err := ParseSubnet(r.raw())
	return p, err == nil
}

// List splits a list keyword on blanks and commas.
func (vs *Values) List(kw string) []string {
	r := vs.lookup(kw)
	if !r.found() {
		return nil
	}
	return SplitList(r.raw())
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
