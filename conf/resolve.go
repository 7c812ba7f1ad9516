package conf

import (
	"fmt"
	"slices"
	"strings"

	"goswan/conf/token"
)

// alsoLimit is Libreswan's ALSO_LIMIT: how many sections one conn may pull
// in through also=.
const alsoLimit = 32

// resolve builds the Config from the parsed sections: config setup, the
// accumulated %default (all %default sections, wherever they are, later
// values winning), then every conn: %default, own keywords, also= sections
// breadth first (Libreswan 4.10's order and precedence).
func (p *parser) resolve() *Config {
	cfg := &Config{Version: p.version, Files: slices.Clone(p.src.files)}
	cfg.Setup = Section{Kind: KindSetup, Name: "setup"}
	if p.setup != nil {
		cfg.Setup = p.setup.Section
		cfg.Setup.Err = sectionErrors(p.setup.errors())
	}
	defaults := &Values{src: p.src}
	var defaultBad []badKeyword
	byName := newConnIndex(p.src, int(p.src.sections.n))
	for s := range p.src.sections.all {
		if s.Kind != KindConn {
			continue
		}
		if s.isDefault {
			if len(defaults.own) == 0 {
				defaults.self = s.index // From and Origin of them all: "%default"
			}
		next:
			for _, v := range s.Values.own {
				for i := range defaults.own {
					if defaults.own[i].kw == v.kw {
						defaults.own[i] = v
						continue next
					}
				}
				defaults.own = append(defaults.own, v)
			}
			defaultBad = append(defaultBad, s.errors()...)
			continue
		}
		if first := byName.add(s); first != s {
			// Libreswan 4.10's addconn NAME and also= take the first
			// definition too (its --autoall sends both and pluto keeps
			// the last): the first is the conn everywhere here.
			p.warns.Addf(s.Pos, "conn %q is defined again (first at %s): this definition is ignored", s.Name, first.Pos)
			s.redefined = true
			continue
		}
	}
	used := make([]bool, len(defaultBad))
	bufs := &resolveBuffers{}
	cfg.Conns = make([]*Conn, 0, byName.n)
	for s := range p.src.sections.all {
		if s.Kind != KindConn || s.isDefault || s.redefined {
			continue
		}
		cfg.Conns = append(cfg.Conns, buildConn(s, byName, defaults, defaultBad, used, p.src, bufs))
	}
	// A bad %default value that every conn overrides harms none; it is
	// still worth fixing.
	for i, b := range defaultBad {
		if !used[i] {
			p.warns.Addf(b.err.Pos, "%s (in conn %%default, used by no conn)", b.err.Msg)
		}
	}
	return cfg
}

func sectionErrors(bad []badKeyword) error {
	var list token.ErrorList
	for _, b := range bad {
		list = append(list, b.err)
	}
	list.RemoveMultiples()
	return list.Err()
}

// merger accumulates one conn's values with Libreswan's duplicate rules.
type merger struct {
	conn *Conn
	src  *source
	errs token.ErrorList
	bufs *resolveBuffers
}

// resolveBuffers hold what every conn needs a little of: their also=
// layers and names are carved from shared slabs, and the work lists are
// reused, so that 100,000 conns make a few dozen allocations instead of
// several hundred thousand.
type resolveBuffers struct {
	layers  []layer    // slab of Values.also lists
	names   []string   // slab of Conn.Also lists
	merging []layer    // the conn being merged, before keep
	also    []string   // its also= sections, before keep
	queue   []alsoItem // also's work list
	last    []layer    // the last kept Values.also, shared by conns that merge the same
}

// keep copies a merged list into its slab. The capacity limit makes a
// later append copy instead of writing over the next conn's list.
func keep[T any](slab *[]T, list []T) []T {
	if len(list) == 0 {
		return nil
	}
	if len(*slab)+len(list) > cap(*slab) {
		*slab = make([]T, 0, max(slabSize, len(list)))
	}
	start := len(*slab)
	*slab = append(*slab, list...)
	return (*slab)[start:len(*slab):len(*slab)]
}

// buildConn resolves one conn. Its values are its own section's, then
// its also= sections' (shared, not copied), then %default's. Its errors are
// its own section's, those of the also= sections it takes, and those of
// %default for keywords it does not set itself (marked in used); the
// borrowed ones stay at the bad line and name the conn.
func buildConn(s *section, byName *connIndex, defaults *Values, defaultBad []badKeyword, used []bool, src *source, bufs *resolveBuffers) *Conn {
	c := s.Conn
	c.Values.base = defaults
	m := &merger{conn: c, src: src, bufs: bufs}
	for _, b := range s.errors() {
		m.errs = append(m.errs, b.err)
	}
	// A key the conn sets twice keeps its first value (Values look the
	// first up).
	own := c.Values.own
	for i := range own {
		if prev := findIn(own[:i], own[i].kw); prev != nil {
			m.repeated(prev, &own[i], s.index)
		}
	}
	if len(s.also) > 0 {
		// Merged in reused buffers, then kept at their final size.
		c.Values.also = bufs.merging[:0]
		c.Also = bufs.also[:0]
		m.also(s, byName)
		bufs.merging, bufs.also = c.Values.also, c.Also
		// Conns written alike (also=common) merge the same sections:
		// they share one list.
		if !sameLayers(c.Values.also, bufs.last) {
			bufs.last = keep(&bufs.layers, c.Values.also)
		}
		c.Values.also = bufs.last
		c.Also = keep(&bufs.names, c.Also)
	}
	for i, b := range defaultBad {
		if b.keyword == "" || !c.Values.ownValue(b.keyword) {
			m.errs.Addf(b.err.Pos, "%s (in conn %%default, used by conn %q)", b.err.Msg, s.Name)
			used[i] = true
		}
	}
	m.errs.Append(checkConn(c))
	deriveConn(c)
	m.errs.RemoveMultiples()
	c.Err = m.errs.Err()
	return c
}

// sameLayers reports whether a and b hold the same sections' values.
func sameLayers(a, b []layer) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i].vals, b[i].vals
		if a[i].from != b[i].from || len(x) != len(y) || len(x) > 0 && &x[0] != &y[0] {
			return false
		}
	}
	return true
}

// ownValue reports whether the conn sets kw itself or through also=, not
// only by %default.
func (vs *Values) ownValue(kw string) bool {
	id := vs.src.keywordID(kw)
	if id == noKeyword {
		return false
	}
	if findIn(vs.own, id) != nil {
		return true
	}
	for _, l := range vs.also {
		if findIn(l.vals, id) != nil {
			return true
		}
	}
	return false
}

// alsoItem is one also= reference waiting to be merged; parent is the
// index in the queue of the item whose section holds it (-1: the conn's
// own), so chains are walked, not copied, for every reference.
type alsoItem struct {
	ref    alsoRef
	parent int
	flip   bool
}

func (m *merger) also(s *section, byName *connIndex) {
	queue := m.bufs.queue[:0]
	defer func() { m.bufs.queue = queue }()
	for _, r := range s.also {
		queue = append(queue, alsoItem{ref: r, parent: -1, flip: r.flip})
	}
	// chain returns the names from the conn to item i's section.
	chain := func(i int) []string {
		var names []string
		for j := queue[i].parent; j >= 0; j = queue[j].parent {
			names = append(names, queue[j].ref.name)
		}
		names = append(names, s.Name)
		slices.Reverse(names)
		return names
	}
	// inChain reports whether name is on item i's chain.
	inChain := func(i int, name string) bool {
		for j := queue[i].parent; j >= 0; j = queue[j].parent {
			if queue[j].ref.name == name {
				return true
			}
		}
		return s.Name == name
	}
	var visitedBuf [8]string
	visited := append(visitedBuf[:0], s.Name)
	for i := 0; i < len(queue); i++ {
		it := queue[i]
		name := it.ref.name
		if inChain(i, name) {
			target := byName.get(name)
			where := ""
			if target != nil {
				where = fmt.Sprintf(" (conn %q at %s)", name, target.Pos)
			}
			m.errs.Addf(m.src.position(it.ref.at), "also=%q cycle: %s%s", name, strings.Join(append(chain(i), name), " → "), where)
			continue
		}
		if slices.Contains(visited, name) {
			continue // reached twice through different paths: merged once
		}
		visited = append(visited, name)
		// The conn itself takes one of the ALSO_LIMIT slots: Libreswan
		// 4.10 fails the 32nd also= section.
		if len(m.conn.Also) >= alsoLimit-1 {
			m.errs.Addf(m.src.position(it.ref.at), "conn %q uses more than %d also= sections counting itself: Libreswan allows %d also= sections", s.Name, alsoLimit, alsoLimit-1)
			return
		}
		if name == "%default" {
			// also=%default re-applies the defaults at conn strength.
			m.conn.Also = append(m.conn.Also, name)
			for d := range m.src.sections.all {
				if d.isDefault {
					m.add(layer{d.Values.own, d.index}, it.flip)
				}
			}
			continue
		}
		if target := byName.get(name); target != nil {
			m.conn.Also = append(m.conn.Also, name)
			for _, b := range target.errors() {
				m.errs.Addf(b.err.Pos, "%s (in conn %q, used by conn %q through also=)", b.err.Msg, name, s.Name)
			}
			m.add(layer{target.Values.own, target.index}, it.flip)
			for _, r := range target.also {
				queue = append(queue, alsoItem{ref: r, parent: i, flip: it.flip != r.flip})
			}
			continue
		}
		if it.parent >= 0 {
			m.errs.Addf(m.src.position(it.ref.at), "also=%q: no conn %q (needed by conn %q through %s)", name, name, s.Name, strings.Join(append(chain(i), name), " → "))
		} else {
			m.errs.Addf(m.src.position(it.ref.at), "also=%q: no conn %q (needed by conn %q)", name, name, s.Name)
		}
	}
}

// add merges the values of an also= section at conn strength, after
// those merged before. A key set twice at conn strength keeps the first
// value; it keeps the conn from loading unless the key is numeric, enum or
// boolean (or a literal address) repeated with the same value, as in
// Libreswan 4.10.
func (m *merger) add(l layer, flip bool) {
	if flip {
		l.vals = m.flipped(l.vals)
	}
	vs := &m.conn.Values
	for i := range l.vals {
		v := &l.vals[i]
		// A conn's values are few: a linear search beats a map per conn.
		prev := findIn(vs.own, v.kw)
		for j := 0; prev == nil && j < len(vs.also); j++ {
			prev = findIn(vs.also[j].vals, v.kw)
		}
		if prev == nil {
			prev = findIn(l.vals[:i], v.kw)
		}
		if prev != nil {
			m.repeated(prev, v, l.from)
		}
	}
	vs.also = append(vs.also, l)
}

// repeated reports v, of section number from, set again after prev at
// conn strength, unless the repeat is harmless.
func (m *merger) repeated(prev, v *value, from uint32) {
	if harmlessRepeat(m.src, prev, v) {
		return
	}
	by := "the conn"
	if f := m.src.sections.at(from).Name; f != m.conn.Name {
		by = fmt.Sprintf("also=%q", f)
	}
	m.errs.Addf(m.src.position(v.place), "duplicate key %q in conn %q: %s sets it again (first set at %s)", m.src.name(v.kw), m.conn.Name, by, m.src.position(prev.place))
}

func harmlessRepeat(src *source, a, b *value) bool {
	name := src.name(a.kw)
	if isComment(name) {
		return true // x- comments are ignored, repeats too
	}
	k := lookupCanonical(name)
	if k == nil {
		return false
	}
	switch k.Type {
	case TypeBool, TypeInt, TypeDuration, TypeDurationMS, TypePercent, TypeBytes, TypeCount, TypeEnum, TypeLooseEnum:
		// Compared by meaning (1h = 60m, route = ondemand). authby=
		// (TypeEnumList) is a string to Libreswan: any repeat is fatal.
		return sameValue(k, src.raw(a), src.raw(b))
	case TypeAddr:
		// Libreswan 4.10 stores these five as a host type, and a second
		// one is a conflict; any other host (an address, a name, %any6,
		// %defaultroute6, %eth0) repeated as written is harmless.
		ra := src.raw(a)
		return ra == src.raw(b) && (name == "left" || name == "right") && !hostTypes[lower(ra)]
	}
	return false
}

var hostTypes = map[string]bool{
	"%any": true, "%defaultroute": true, "%group": true, "%opportunistic": true, "%opportunisticgroup": true,
	"%oppo": true, "%oppogroup": true,
}

// flipped returns a copy of vals with their ends swapped, for alsoflip=
// (FreeS/WAN 2, Openswan 2.6.52).
func (m *merger) flipped(vals []value) []value {
	out := slices.Clone(vals)
	for i := range out {
		name := m.src.name(out[i].kw)
		switch {
		case strings.HasPrefix(name, "left"):
			out[i].kw = m.src.intern("right" + strings.TrimPrefix(name, "left"))
		case strings.HasPrefix(name, "right"):
			out[i].kw = m.src.intern("left" + strings.TrimPrefix(name, "right"))
		}
	}
	return out
}
