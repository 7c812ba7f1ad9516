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
	cfg := &Config{Version: p.version, Files: p.fileList}
	cfg.Setup = Section{Kind: KindSetup, Name: "setup"}
	if p.setup != nil {
		cfg.Setup.Pos = p.setup.pos
		cfg.Setup.Values.own = p.setup.values
		cfg.Setup.Err = sectionErrors(p.setup.bad)
	}
	defaults := &Values{}
	var defaultBad []badKeyword
	byName := make(map[string]*section, len(p.sections))
	for _, s := range p.sections {
		if s.isDefault {
			for _, v := range s.values {
				defaults.setShared(v)
			}
			defaultBad = append(defaultBad, s.bad...)
			continue
		}
		if first, dup := byName[s.name]; dup {
			// Libreswan 4.10's addconn NAME and also= take the first
			// definition too (its --autoall sends both and pluto keeps
			// the last): the first is the conn everywhere here.
			p.warns.Addf(s.pos, "conn %q is defined again (first at %s): this definition is ignored", s.name, first.pos)
			s.redefined = true
			continue
		}
		byName[s.name] = s
	}
	used := make([]bool, len(defaultBad))
	bufs := &resolveBuffers{conns: make([]Conn, 0, len(byName))}
	cfg.Conns = make([]*Conn, 0, len(byName))
	for _, s := range p.sections {
		if s.isDefault || s.redefined {
			continue
		}
		cfg.Conns = append(cfg.Conns, buildConn(s, byName, defaults, defaultBad, used, p.sections, bufs))
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
	errs token.ErrorList
	bufs *resolveBuffers
}

// resolveBuffers hold what every conn needs a little of: the conns
// themselves, their merged values and also= lists are carved from shared
// slabs, and the work lists are reused, so that 100,000 conns make a few
// dozen allocations instead of several hundred thousand.
type resolveBuffers struct {
	conns   []Conn     // room for every conn, allocated once
	values  []*Value   // slab of merged own values
	names   []string   // slab of Conn.Also lists
	merging []*Value   // the conn being merged, before keepValues
	also    []string   // its also= sections, before keepNames
	queue   []alsoItem // also's work list
}

func (b *resolveBuffers) newConn(c Conn) *Conn {
	if len(b.conns) == cap(b.conns) {
		b.conns = make([]Conn, 0, slabSize/4)
	}
	b.conns = append(b.conns, c)
	return &b.conns[len(b.conns)-1]
}

// keepValues copies a merged conn's values into the slab. The capacity
// limit makes a later append (deriveConn, Values.Set) copy instead of
// writing over the next conn's values.
func (b *resolveBuffers) keepValues(vs []*Value) []*Value {
	if len(b.values)+len(vs) > cap(b.values) {
		b.values = make([]*Value, 0, max(slabSize, len(vs)))
	}
	start := len(b.values)
	b.values = append(b.values, vs...)
	return b.values[start:len(b.values):len(b.values)]
}

// keepNames is keepValues for also= lists.
func (b *resolveBuffers) keepNames(names []string) []string {
	if len(names) == 0 {
		return nil
	}
	if len(b.names)+len(names) > cap(b.names) {
		b.names = make([]string, 0, max(slabSize, len(names)))
	}
	start := len(b.names)
	b.names = append(b.names, names...)
	return b.names[start:len(b.names):len(b.names)]
}

// buildConn resolves one conn. Its errors are its own section's, those of
// the also= sections it takes, and those of %default for keywords it does
// not set itself (marked in used); the borrowed ones stay at the bad line
// and name the conn.
func buildConn(s *section, byName map[string]*section, defaults *Values, defaultBad []badKeyword, used []bool, all []*section, bufs *resolveBuffers) *Conn {
	c := bufs.newConn(Conn{Section: Section{Kind: KindConn, Name: s.name, Pos: s.pos}})
	c.Values.base = defaults
	c.Values.owner = s.name
	m := &merger{conn: c, bufs: bufs}
	for _, b := range s.bad {
		m.errs = append(m.errs, b.err)
	}
	if len(s.also) == 0 && !hasDuplicates(s.values) {
		// The common case shares the parsed values; the capacity limit
		// makes any later append copy.
		c.Values.own = s.values[:len(s.values):len(s.values)]
	} else {
		// Merged in reused buffers, then kept at their final size.
		c.Values.own = bufs.merging[:0]
		c.Also = bufs.also[:0]
		for _, v := range s.values {
			m.add(v, false)
		}
		m.also(s, byName, all)
		bufs.merging, bufs.also = c.Values.own, c.Also
		c.Values.own = bufs.keepValues(c.Values.own)
		c.Also = bufs.keepNames(c.Also)
	}
	for i, b := range defaultBad {
		if b.keyword == "" || c.Values.ownValue(b.keyword) == nil {
			m.errs.Addf(b.err.Pos, "%s (in conn %%default, used by conn %q)", b.err.Msg, s.name)
			used[i] = true
		}
	}
	m.errs.Append(checkConn(c))
	deriveConn(c)
	m.errs.RemoveMultiples()
	c.Err = m.errs.Err()
	return c
}

func hasDuplicates(vs []*Value) bool {
	if len(vs) > 16 {
		seen := make(map[string]bool, len(vs))
		for _, v := range vs {
			if seen[v.Keyword] {
				return true
			}
			seen[v.Keyword] = true
		}
		return false
	}
	for i, v := range vs {
		for _, w := range vs[:i] {
			if v.Keyword == w.Keyword {
				return true
			}
		}
	}
	return false
}

// alsoItem is a queued also= reference with the chain that led to it.
// alsoItem is one also= reference waiting to be merged; parent is the
// index in the queue of the item whose section holds it (-1: the conn's
// own), so chains are walked, not copied, for every reference.
type alsoItem struct {
	ref    alsoRef
	parent int
	flip   bool
}

func (m *merger) also(s *section, byName map[string]*section, all []*section) {
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
		names = append(names, s.name)
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
		return s.name == name
	}
	var visitedBuf [8]string
	visited := append(visitedBuf[:0], s.name)
	for i := 0; i < len(queue); i++ {
		it := queue[i]
		name := it.ref.name
		if inChain(i, name) {
			target := byName[name]
			where := ""
			if target != nil {
				where = fmt.Sprintf(" (conn %q at %s)", name, target.pos)
			}
			m.errs.Addf(it.ref.pos, "also=%q cycle: %s%s", name, strings.Join(append(chain(i), name), " → "), where)
			continue
		}
		if slices.Contains(visited, name) {
			continue // reached twice through different paths: merged once
		}
		visited = append(visited, name)
		// The conn itself takes one of the ALSO_LIMIT slots: Libreswan
		// 4.10 fails the 32nd also= section.
		if len(m.conn.Also) >= alsoLimit-1 {
			m.errs.Addf(it.ref.pos, "conn %q uses more than %d also= sections counting itself: Libreswan allows %d also= sections", s.name, alsoLimit, alsoLimit-1)
			return
		}
		if name == "%default" {
			// also=%default re-applies the defaults at conn strength.
			m.conn.Also = append(m.conn.Also, name)
			for _, d := range all {
				if d.isDefault {
					for _, v := range d.values {
						m.add(v, it.flip)
					}
				}
			}
			continue
		}
		if target := byName[name]; target != nil {
			m.conn.Also = append(m.conn.Also, name)
			for _, b := range target.bad {
				m.errs.Addf(b.err.Pos, "%s (in conn %q, used by conn %q through also=)", b.err.Msg, name, s.name)
			}
			for _, v := range target.values {
				m.add(v, it.flip)
			}
			for _, r := range target.also {
				queue = append(queue, alsoItem{ref: r, parent: i, flip: it.flip != r.flip})
			}
			continue
		}
		if it.parent >= 0 {
			m.errs.Addf(it.ref.pos, "also=%q: no conn %q (needed by conn %q through %s)", name, name, s.name, strings.Join(append(chain(i), name), " → "))
		} else {
			m.errs.Addf(it.ref.pos, "also=%q: no conn %q (needed by conn %q)", name, name, s.name)
		}
	}
}

// add merges one value at conn strength. A key set twice at conn strength
// keeps the first value; it keeps the conn from loading unless the key is
// numeric, enum or boolean (or a literal address) repeated with the same
// value, as in Libreswan 4.10.
func (m *merger) add(v *Value, flip bool) {
	if flip {
		v = flipped(v)
	}
	// Own values are few: a linear search beats a map per conn.
	if prev := m.conn.Values.ownValue(v.Keyword); prev != nil {
		if !harmlessRepeat(prev, v) {
			m.errs.Addf(v.Pos, "duplicate key %q in conn %q: %s sets it again (first set at %s)", v.Keyword, m.conn.Name, describeFrom(v, m.conn.Name), prev.Pos)
		}
		return
	}
	m.conn.Values.own = append(m.conn.Values.own, v)
}

func describeFrom(v *Value, conn string) string {
	if v.From == conn {
		return "the conn"
	}
	return fmt.Sprintf("also=%q", v.From)
}

func harmlessRepeat(a, b *Value) bool {
	if isComment(a.Keyword) {
		return true // x- comments are ignored, repeats too
	}
	k := lookupCanonical(a.Keyword)
	if k == nil {
		return false
	}
	switch k.Type {
	case TypeBool, TypeInt, TypeDuration, TypeDurationMS, TypePercent, TypeBytes, TypeCount, TypeEnum, TypeLooseEnum:
		// Compared by meaning (1h = 60m, route = ondemand). authby=
		// (TypeEnumList) is a string to Libreswan: any repeat is fatal.
		return sameValue(k, a.Raw, b.Raw)
	case TypeAddr:
		// Libreswan 4.10 stores these five as a host type, and a second
		// one is a conflict; any other host (an address, a name, %any6,
		// %defaultroute6, %eth0) repeated as written is harmless.
		return a.Raw == b.Raw && (a.Keyword == "left" || a.Keyword == "right") && !hostTypes[lower(a.Raw)]
	}
	return false
}

var hostTypes = map[string]bool{
	"%any": true, "%defaultroute": true, "%group": true, "%opportunistic": true, "%opportunisticgroup": true,
	"%oppo": true, "%oppogroup": true,
}

// flipped swaps a value's end for alsoflip= (FreeS/WAN 2, Openswan 2.6.52).
func flipped(v *Value) *Value {
	w := *v
	switch {
	case strings.HasPrefix(v.Keyword, "left"):
		w.Keyword = "right" + strings.TrimPrefix(v.Keyword, "left")
	case strings.HasPrefix(v.Keyword, "right"):
		w.Keyword = "left" + strings.TrimPrefix(v.Keyword, "right")
	}
	if k := lookupCanonical(w.Keyword); k != nil {
		w.order = sortKey(k, w.Keyword) // print it among its new end's keywords
	}
	return &w
}
