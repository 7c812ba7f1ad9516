package conf

import (
	"strings"
	"sync"
)

//go:generate go run gen_keywords.go

// Type is a keyword's value type; it decides validation and the typed
// accessor that reads it.
type Type uint8

const (
	TypeString     Type = iota // any value token
	TypeBool                   // yes/no (y, true, on / n, false, off)
	TypeInt                    // decimal, %forever = 0
	TypeDuration               // N[ms|s|m|h|d|w], bare N in seconds
	TypeDurationMS             // the same, bare N in milliseconds
	TypePercent                // N%
	TypeBytes                  // N with IEC suffix and B: 1GiB
	TypeCount                  // N with optional IEC suffix: 2Ki
	TypeEnum                   // one of Values, case-insensitive
	TypeEnumList               // several of Values
	TypeLooseEnum              // one of Values, or a number
	TypeAddr                   // IP address, DNS name or %magic
	TypeSubnet                 // addr/len, addr/mask or %magic
	TypeSubnets                // list of subnets ({a b} or "a, b")
	TypeProtoPort              // proto[/port]
	TypeID                     // IKE identity
	TypePubKey                 // 0s/0x RFC 3110 key or %magic
	TypeFile                   // a file or directory name
	TypeHex                    // 0x... number or key
	TypeRange                  // a.b.c.d-e.f.g.h or CIDR
	TypeList                   // free list of words (also=, connalias)
)

// Status says which generations know a keyword and what goswan does with
// it.
type Status uint8

const (
	// Current: Libreswan 4.10 accepts it and acts on it.
	Current Status = iota
	// Ignored: Libreswan accepts it silently with no effect.
	Ignored
	// Obsolete: Libreswan accepts it with a warning and ignores it.
	Obsolete
	// Legacy: FreeS/WAN or Openswan only. goswan accepts it with a warning
	// and maps it to MapTo when that is set.
	Legacy
	// Manual: FreeS/WAN manual keying (ipsec manual); unknown to Libreswan.
	Manual
	// Future: Libreswan 5 only; accepted with a warning, not sent to 4.10.
	Future
)

// Keyword describes one ipsec.conf keyword. Left/right keywords are
// described once, under their left name ("leftsubnet").
type Keyword struct {
	Name      string
	Setup     bool // a config setup keyword (else a conn keyword)
	LeftRight bool // exists as leftX and rightX
	Type      Type
	Values    []string // allowed values of enums, lower case
	Status    Status
	MapTo     string // for aliases and legacy keywords: the canonical keyword
	Note      string // shown with warnings about the keyword
	order     int
}

// Side tells which end a left/right keyword was written for.
type Side uint8

const (
	NoSide Side = iota
	Left
	Right
)

// keywordIndex maps the lower-case name of a keyword without ends to its
// table entry; endIndex maps the stem of a left/right keyword ("subnet" for
// leftsubnet). FreeS/WAN has both forms for some keywords (espenckey and
// leftespenckey), so the two maps are kept apart.
// They are built on first use, not when the package is initialised: every
// ipsec command links conf, and `ipsec --version` reads no keyword.
var keywordIndexes = sync.OnceValues(func() (map[string]*Keyword, map[string]*Keyword) {
	plain := make(map[string]*Keyword, len(keywordTable))
	ends := make(map[string]*Keyword)
	for i := range keywordTable {
		k := &keywordTable[i]
		k.order = i
		if k.LeftRight {
			ends[strings.TrimPrefix(k.Name, "left")] = k
		} else {
			plain[k.Name] = k
		}
	}
	return plain, ends
})

// LookupKeyword finds the table entry for a keyword as written (any case).
// It returns the entry, the side for left/right keywords, and the canonical
// name under which the value is stored ("leftsubnet", "rightsubnet").
func LookupKeyword(written string) (k *Keyword, side Side, canonical string) {
	w := lower(written)
	keywordIndex, endIndex := keywordIndexes()
	if k := keywordIndex[w]; k != nil {
		return k, NoSide, k.Name
	}
	for _, p := range []struct {
		prefix string
		side   Side
	}{{"left", Left}, {"right", Right}} {
		if rest, ok := strings.CutPrefix(w, p.prefix); ok {
			if k := endIndex[rest]; k != nil {
				return k, p.side, p.prefix + rest
			}
		}
	}
	// A bare left/right keyword ("subnet=") sets the right end, as
	// Libreswan 4.10 does (libreswan issue 663).
	if k := endIndex[w]; k != nil && w != "" {
		return k, Right, "right" + w
	}
	return nil, NoSide, ""
}

// lookupCanonical finds the entry for a canonical stored name.
func lookupCanonical(name string) *Keyword {
	k, _, _ := LookupKeyword(name)
	return k
}

// commentOrder sorts x- comments after every keyword.
const commentOrder = 1 << 30

// sortKey orders canonical names as readwriteconf prints them: the left
// end's keywords, then the right end's, then conn-wide and setup keywords,
// each group in keyword-table order; x- comments (commentOrder) last, by
// name. canonicalNames holds it for every stored name, so printing 100,000
// conns looks no keyword up.
func sortKey(k *Keyword, canonical string) int32 {
	return int32(keywordGroup(canonical, k)*100000 + k.order + 1)
}

// keywordGroup is 0 for left keywords, 1 for right, 2 for the rest.
func keywordGroup(name string, k *Keyword) int {
	switch {
	case !k.LeftRight:
		return 2
	case strings.HasPrefix(name, "left"):
		return 0
	default:
		return 1
	}
}

// keywordTable is filled from keywords.tsv by gen_keywords.go.
var keywordTable = zKeywords

// keywordID numbers the canonical names a stored value can have: every
// keyword's name and, for left/right keywords, both ends' names. Values
// keep this number instead of the name, so that comparing keywords and
// finding their table entry and print order costs no map lookup. The x-
// comments of a configuration are numbered after them, per configuration
// (source.comments).
type keywordID uint32

// noKeyword stands for a name with no number: one only Values.Set gave.
const noKeyword keywordID = ^keywordID(0)

// canonicalName is what a keywordID stands for.
type canonicalName struct {
	name  string
	k     *Keyword
	order int32 // sortKey
}

// canonicalNames lists the numbered names; canonicalIDs finds them.
var canonicalNames = sync.OnceValues(func() ([]canonicalName, map[string]keywordID) {
	keywordIndexes() // sets Keyword.order
	var names []canonicalName
	ids := make(map[string]keywordID, 2*len(keywordTable))
	add := func(name string) {
		if _, dup := ids[name]; dup {
			return
		}
		// LookupKeyword, not the entry at hand: the stored name means
		// what reading it back means.
		k := lookupCanonical(name)
		if k == nil {
			return
		}
		ids[name] = keywordID(len(names))
		names = append(names, canonicalName{name: name, k: k, order: sortKey(k, name)})
	}
	for i := range keywordTable {
		k := &keywordTable[i]
		add(k.Name)
		if k.LeftRight {
			add("right" + strings.TrimPrefix(k.Name, "left"))
		}
	}
	return names, ids
})

// canonicalID returns the number of a canonical keyword name.
func canonicalID(name string) (keywordID, bool) {
	_, ids := canonicalNames()
	id, ok := ids[name]
	return id, ok
}

// mustCanonicalID is canonicalID for names known to be in the table.
func mustCanonicalID(name string) keywordID {
	id, ok := canonicalID(name)
	if !ok {
		panic("conf: no keyword " + name)
	}
	return id
}
