package conf

import "hash/maphash"

// connIndex finds conn sections by name, the first definition of each.
// It is an open-addressed table of section numbers: at 100,000 conns 2 MB
// where a map[string]*section took 3.3, and one hash per conn where the
// map needed two (a lookup for the duplicate check, then the store).
type connIndex struct {
	// slots hold 1 + a section number in the low 32 bits (0: empty) and
	// the top of its name's hash in the high ones, so that a probe reads
	// the section's name only when the hashes agree.
	slots []uint64
	src   *source
	seed  maphash.Seed
	n     int
}

func newConnIndex(src *source, sections int) *connIndex {
	size := 16
	for size < 2*sections {
		size *= 2
	}
	return &connIndex{slots: make([]uint64, size), src: src, seed: maphash.MakeSeed()}
}

// add records s under its name unless a conn of that name is there; it
// returns the first definition.
func (x *connIndex) add(s *section) *section {
	if 2*(x.n+1) > len(x.slots) {
		x.grow()
	}
	i, h := x.slot(s.Name)
	if x.slots[i] != 0 {
		return x.src.sections.at(uint32(x.slots[i]) - 1)
	}
	x.slots[i] = h<<32 | uint64(s.index+1)
	x.n++
	return s
}

// get returns the conn called name, or nil.
func (x *connIndex) get(name string) *section {
	if i, _ := x.slot(name); x.slots[i] != 0 {
		return x.src.sections.at(uint32(x.slots[i]) - 1)
	}
	return nil
}

// slot is where name is, or the empty slot where it belongs, and the top
// 32 bits of name's hash.
func (x *connIndex) slot(name string) (int, uint64) {
	hash := maphash.String(x.seed, name)
	h := hash >> 32
	mask := len(x.slots) - 1
	for i := int(hash) & mask; ; i = (i + 1) & mask {
		v := x.slots[i]
		if v == 0 || v>>32 == h && x.src.sections.at(uint32(v)-1).Name == name {
			return i, h
		}
	}
}

func (x *connIndex) grow() {
	old := x.slots
	x.slots = make([]uint64, 2*len(old))
	for _, v := range old {
		if v != 0 {
			i, _ := x.slot(x.src.sections.at(uint32(v) - 1).Name)
			x.slots[i] = v
		}
	}
}
