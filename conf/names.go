package conf

import "hash/maphash"

// connIndex finds conn sections by name, the first definition of each.
// It is an open-addressed table of section numbers: at 100,000 conns a
// third of the memory of a map[string]*section, and one hash per conn
// where the map needed two (a lookup for the duplicate check, then the
// store).
type connIndex struct {
	slots []uint32 // 1 + section number; 0 is empty
	src   *source
	seed  maphash.Seed
	n     int
}

func newConnIndex(src *source, sections int) *connIndex {
	size := 16
	for size < 2*sections {
		size *= 2
	}
	return &connIndex{slots: make([]uint32, size), src: src, seed: maphash.MakeSeed()}
}

// add records s under its name unless a conn of that name is there; it
// returns the first definition.
func (x *connIndex) add(s *section) *section {
	if 2*(x.n+1) > len(x.slots) {
		x.grow()
	}
	i := x.slot(s.Name)
	if x.slots[i] != 0 {
		return x.src.sections.at(x.slots[i] - 1)
	}
	x.slots[i] = s.index + 1
	x.n++
	return s
}

// get returns the conn called name, or nil.
func (x *connIndex) get(name string) *section {
	if i := x.slot(name); x.slots[i] != 0 {
		return x.src.sections.at(x.slots[i] - 1)
	}
	return nil
}

// slot is where name is, or the empty slot where it belongs.
func (x *connIndex) slot(name string) int {
	mask := len(x.slots) - 1
	for i := int(maphash.String(x.seed, name)) & mask; ; i = (i + 1) & mask {
		if x.slots[i] == 0 || x.src.sections.at(x.slots[i]-1).Name == name {
			return i
		}
	}
}

func (x *connIndex) grow() {
	old := x.slots
	x.slots = make([]uint32, 2*len(old))
	for _, v := range old {
		if v != 0 {
			x.slots[x.slot(x.src.sections.at(v-1).Name)] = v
		}
	}
}
