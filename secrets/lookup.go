package secrets

// Match strengths, as Pluto ranked them: a bit for each side an entry
// names, and a weakest bit for the default entry (no index).
const (
	matchDefault = 1
	matchHim     = 2
	matchMe      = 4
)

// Lookup returns the entry of the given kind for local id me and remote id
// him, with FreeS/WAN Pluto's precedence: an entry naming both wins over
// one naming only me (which counts when it lists me alone, or for RSA,
// whose other indices are taken as more names of this host), which wins
// over the default entry with no index. For a road warrior pass the
// unspecified address (%any) as him. Among equally good entries the first
// in the file is used; ambiguous is then true if they hold different
// secrets (Pluto logged "multiple ipsec.secrets entries with distinct
// secrets match endpoints: first secret used"). Lookup returns nil when no
// entry matches.
func (f *File) Lookup(kind Kind, me, him ID) (best *Entry, ambiguous bool) {
	bestMatch := 0
	for _, e := range f.Entries {
		if e.Kind != kind {
			continue
		}
		m := 0
		if len(e.IDs) == 0 {
			m = matchDefault
		}
		for _, id := range e.IDs {
			if id.Equal(me) {
				m |= matchMe
			}
			if id.Equal(him) {
				m |= matchHim
			}
		}
		switch m {
		case matchMe:
			if kind != RSA && len(e.IDs) != 1 {
				continue
			}
		case matchDefault, matchMe | matchHim:
		default:
			continue
		}
		switch {
		case m > bestMatch:
			best, bestMatch, ambiguous = e, m, false
		case m == bestMatch && !sameSecret(best, e):
			ambiguous = true
		}
	}
	return best, ambiguous
}

// sameSecret reports whether two entries of one kind hold the same secret.
func sameSecret(a, b *Entry) bool {
	switch {
	case a.Key != nil && b.Key != nil:
		return a.Key.Public.Equal(b.Key.Public)
	case a.Key != nil || b.Key != nil:
		return false
	}
	return a.Secret.Equal(b.Secret) && a.KeyFile == b.KeyFile && a.PPKID == b.PPKID
}

// ByKind returns the entries of one kind in file order.
func (f *File) ByKind(kind Kind) []*Entry {
	var out []*Entry
	for _, e := range f.Entries {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}
