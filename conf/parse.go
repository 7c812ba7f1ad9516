package conf

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"unsafe"

	"goswan/conf/token"
)

// section is a parsed `config setup` or `conn` section before resolution.
// Its name, position and own values (already validated, in file order)
// are those of the Conn it becomes: a conn is not built a second time.
type section struct {
	*Conn
	also      []alsoRef
	bad       *[]badKeyword // keywords that were wrong: the section's own errors (seldom any)
	index     uint32        // in source.sections: the From of its values
	isDefault bool
	discard   bool // a bad header's section: its lines are skipped silently
	redefined bool // a second conn of an earlier conn's name: ignored
}

// alsoRef is one name of an also= or alsoflip= line.
type alsoRef struct {
	name string
	at   place
	flip bool
}

// badKeyword is an error of one keyword line of a section. The keyword
// (canonical when known) tells whether a conn overrides a %default's bad
// value and so does not use it; "" means the error applies regardless.
type badKeyword struct {
	keyword string
	err     *token.Error
}

// sectionErr records an error that belongs to section s, not to the file:
// it makes a conn (and every conn that takes s by also= or as %default)
// unusable, and leaves only that keyword out of config setup.
func sectionErr(s *section, keyword string, pos token.Position, format string, args ...any) {
	if s.bad == nil {
		s.bad = new([]badKeyword)
	}
	*s.bad = append(*s.bad, badKeyword{keyword, &token.Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}})
}

// errors returns the section's own errors.
func (s *section) errors() []badKeyword {
	if s.bad == nil {
		return nil
	}
	return *s.bad
}

// keywordLookup is a cached LookupKeyword result.
type keywordLookup struct {
	kw        *Keyword
	side      Side
	canonical string
	id        keywordID
}

// lookupKeyword is LookupKeyword with a cache per spelling: a large file
// repeats a few dozen spellings hundreds of thousands of times.
func (p *parser) lookupKeyword(written string) (*Keyword, Side, string, keywordID) {
	if r, ok := p.keywords[written]; ok {
		return r.kw, r.side, r.canonical, r.id
	}
	kw, side, canonical := LookupKeyword(written)
	id := noKeyword
	if kw != nil {
		id = p.src.intern(canonical)
	}
	if p.keywords == nil {
		p.keywords = make(map[string]keywordLookup)
	}
	p.keywords[written] = keywordLookup{kw, side, canonical, id}
	return kw, side, canonical, id
}

// discarded receives the lines of a section whose header was bad, so that
// one mistake gives one error, not one per line.
var discarded = &section{discard: true}

// parser turns the lines of the main file and its includes into sections.
type parser struct {
	files     *fileReader
	errs      token.ErrorList
	warns     token.ErrorList
	version   string
	setup     *section
	cur       *section                 // section receiving parameter lines, nil when none
	sawHeader bool                     // a section or include was seen (version must precede)
	stack     []string                 // include stack, for cycle reports
	src       *source                  // files (Config.Files), section names, x- keywords
	file      uint32                   // index of the file being read in src.files
	text      string                   // its text
	keywords  map[string]keywordLookup // lookupKeyword's cache
	ownsMain  bool                     // the main file's bytes were read by Load, not given
	// Values and sections are carved from slabs: one allocation per
	// slabSize of them instead of one each (100,000 conns make 400,000
	// values).
	valueSlab []value
	connSlab  []Conn
	alsoSlab  []alsoRef // sections' first also= names
}

// newSection starts a section, numbered as the From of its values.
func (p *parser) newSection(kind SectionKind, name string, pos token.Position) *section {
	if len(p.connSlab) == cap(p.connSlab) {
		p.connSlab = make([]Conn, 0, slabSize/4)
	}
	// Fields set in place in the slab's zeroed memory: a Conn built
	// aside and copied in costs twice its 192 bytes.
	p.connSlab = p.connSlab[:len(p.connSlab)+1]
	c := &p.connSlab[len(p.connSlab)-1]
	index := p.src.sections.n
	c.Kind, c.Name, c.Pos = kind, name, pos
	c.Values.src, c.Values.self = p.src, index
	if kind == KindConn {
		c.Values.owner = index + 1
		// Its values will follow in the slab (see addValue).
		n := len(p.valueSlab)
		c.Values.own = p.valueSlab[n:n:n]
	}
	s := p.src.sections.add()
	s.Conn, s.index, s.isDefault = c, index, kind == KindConn && name == "%default"
	return s
}

// sectionList holds every section, numbered in file order, in chunks: no
// list of 100,000 pointers, nor its copies as it grows.
type sectionList struct {
	chunks [][]section
	n      uint32
}

const sectionChunk = 256

// add returns a new zero section at the end.
func (l *sectionList) add() *section {
	if l.n%sectionChunk == 0 {
		l.chunks = append(l.chunks, make([]section, 0, sectionChunk))
	}
	c := &l.chunks[len(l.chunks)-1]
	*c = (*c)[:len(*c)+1]
	l.n++
	return &(*c)[len(*c)-1]
}

// at is section number i.
func (l *sectionList) at(i uint32) *section { return &l.chunks[i/sectionChunk][i%sectionChunk] }

// all yields every section in file order.
func (l *sectionList) all(yield func(*section) bool) {
	for _, c := range l.chunks {
		for i := range c {
			if !yield(&c[i]) {
				return
			}
		}
	}
}

// addValue appends v to s's values. A conn section's values are the last
// ones of the value slab (its lines are consecutive: any other header or
// include ends it), so they share the slab and stay one slice; the
// capacity limit makes any other append copy. config setup, which a second
// section header continues, has a slice of its own.
func (p *parser) addValue(s *section, v value) {
	own := &s.Values.own
	if s.Kind != KindConn {
		*own = append(*own, v)
		return
	}
	n := len(*own)
	if len(p.valueSlab) == cap(p.valueSlab) {
		slab := make([]value, 0, max(slabSize, 2*(n+1)))
		p.valueSlab = append(slab, *own...)
	}
	p.valueSlab = append(p.valueSlab, v)
	end := len(p.valueSlab)
	*own = p.valueSlab[end-n-1 : end : end]
}

// intern numbers a keyword outside the canonical table (an x- comment).
func (src *source) intern(name string) keywordID {
	if id := src.keywordID(name); id != noKeyword {
		return id
	}
	names, _ := canonicalNames()
	id := keywordID(len(names) + len(src.comments))
	src.comments = append(src.comments, name)
	if src.commentIDs == nil {
		src.commentIDs = make(map[string]keywordID)
	}
	src.commentIDs[name] = id
	return id
}

// storedValue is the value of a parameter line, numbered.
func (p *parser) storedValue(kw keywordID, raw string, pos token.Position) value {
	return value{kw: kw, place: p.place(pos), text: p.textOf(raw)}
}

// textOf locates raw in the file being read, where the scanner cut it
// from; a value stored another way than written is interned.
func (p *parser) textOf(raw string) text {
	if raw == "" {
		return text{}
	}
	start := uintptr(unsafe.Pointer(unsafe.StringData(p.text)))
	at := uintptr(unsafe.Pointer(unsafe.StringData(raw)))
	if at >= start && at+uintptr(len(raw)) <= start+uintptr(len(p.text)) && at-start+uintptr(len(raw)) < interned {
		return text{off: uint32(at - start), n: uint32(len(raw))}
	}
	id, ok := p.src.stringIDs[raw]
	if !ok {
		id = uint32(len(p.src.strings))
		p.src.strings = append(p.src.strings, raw)
		if p.src.stringIDs == nil {
			p.src.stringIDs = make(map[string]uint32)
		}
		p.src.stringIDs[raw] = id
	}
	return text{off: id, n: interned}
}

// place is pos in the file being read, as numbers.
func (p *parser) place(pos token.Position) place {
	return place{file: p.file, line: uint32(pos.Line), col: uint32(pos.Column)}
}

// addAlso appends an also= name to s; a section's first one is carved
// from a slab (most sections name one), later ones grow a slice of the
// section's own.
func (p *parser) addAlso(s *section, r alsoRef) {
	if len(s.also) > 0 {
		s.also = append(s.also, r)
		return
	}
	if len(p.alsoSlab) == cap(p.alsoSlab) {
		p.alsoSlab = make([]alsoRef, 0, slabSize)
	}
	p.alsoSlab = append(p.alsoSlab, r)
	n := len(p.alsoSlab)
	s.also = p.alsoSlab[n-1 : n : n]
}

const slabSize = 1024

// parseFile parses one file's lines; includes recurse.
func (p *parser) parseFile(name string, src []byte, included bool) {
	includingFile, includingText := p.file, p.text
	p.stack = append(p.stack, name)
	defer func() { p.stack, p.file, p.text = p.stack[:len(p.stack)-1], includingFile, includingText }()
	p.cur = nil
	text := ""
	if included || p.ownsMain {
		text = ownedString(src)
	} else {
		text = string(src) // the caller's bytes (Parse): copied
	}
	p.file, p.text = uint32(len(p.src.files)), text
	p.src.files = append(p.src.files, name)
	p.src.texts = append(p.src.texts, text)
	eachLine(name, text, &p.errs, func(l line) {
		if l.kind == lineParam {
			p.param(l)
			return
		}
		p.header(l, name, included)
	})
	// An include line ends the including file's section, and an included
	// file's last section does not continue in the including file.
	p.cur = nil
}

func (p *parser) header(l line, file string, included bool) {
	switch l.word {
	case "version":
		switch {
		case included:
			p.errs.Addf(l.wordPos, "\"version\" is not allowed in an included file")
		case p.sawHeader:
			p.errs.Addf(l.wordPos, "\"version\" must come before every section")
		case !l.hasArg:
			p.errs.Addf(l.wordPos, "\"version\" needs a value (version 2)")
		default:
			p.version = l.arg
		}
		p.noExtra(l)
		return
	case "config":
		p.sawHeader = true
		if l.arg != "setup" {
			if !l.hasArg {
				p.errs.Addf(l.wordPos, "\"config\" needs a section name: config setup")
			} else {
				p.errs.Addf(l.argPos, "unknown section \"config %s\" (only \"config setup\" exists)", l.arg)
			}
			p.cur = discarded
			return
		}
		p.noExtra(l)
		if p.setup == nil {
			p.setup = p.newSection(KindSetup, "setup", l.wordPos)
		} else {
			// Libreswan 4.10 silently drops a second section's keywords;
			// we merge them, later values winning.
			p.warns.Addf(l.wordPos, "second \"config setup\" section (first at %s): its keywords are merged, later values win", p.setup.Pos)
		}
		p.cur = p.setup
	case "conn":
		p.sawHeader = true
		if !l.hasArg || l.arg == "" {
			p.errs.Addf(l.wordPos, "\"conn\" needs a name")
			p.cur = discarded
			return
		}
		p.noExtra(l)
		p.cur = p.newSection(KindConn, l.arg, l.wordPos)
	case "include":
		p.sawHeader = true
		p.cur = nil
		if !l.hasArg || l.arg == "" {
			p.errs.Addf(l.wordPos, "\"include\" needs a file name or pattern")
			return
		}
		p.noExtra(l)
		p.include(l.arg, l.argPos, file)
		p.cur = nil
	case "ca":
		p.sawHeader = true
		p.cur = discarded
		p.errs.Addf(l.wordPos, "strongSwan \"ca\" sections are not supported (no FreeS/WAN, Openswan or Libreswan release has them); set leftca=/rightca= in the conn and keep CA certificates in the NSS database")
	default:
		p.cur = discarded
		if k, _, _ := LookupKeyword(l.word); k != nil || isComment(l.word) {
			p.errs.Addf(l.wordPos, "keyword %q must be indented to belong to a section", l.word)
			return
		}
		msg := fmt.Sprintf("unknown section type %q (expected config setup, conn NAME, include FILE or version)", l.word)
		if s := token.Suggest(l.word, []string{"config", "conn", "include", "version"}); s != "" {
			msg = fmt.Sprintf("unknown section type %q (did you mean %q?)", l.word, s)
		}
		p.errs.Add(l.wordPos, msg)
	}
}

func (p *parser) noExtra(l line) {
	if l.extra == "" {
		return
	}
	switch l.word {
	case "conn":
		p.errs.Addf(l.extraPos, "unexpected %q after conn name %q (quote a name that contains blanks)", l.extra, l.arg)
	case "include":
		p.errs.Addf(l.extraPos, "include takes one file name or pattern, not also %q (use a glob or one include line each)", l.extra)
	default:
		p.errs.Addf(l.extraPos, "unexpected %q after %s %s", l.extra, l.word, l.arg)
	}
}

func isComment(kw string) bool {
	return len(kw) > 2 && (kw[0] == 'x' || kw[0] == 'X') && (kw[1] == '-' || kw[1] == '_')
}

// param handles an indented keyword=value line.
func (p *parser) param(l line) {
	s := p.cur
	if s == discarded {
		return
	}
	if s == nil {
		if p.sawHeader {
			p.errs.Addf(l.wordPos, "keyword %q does not belong to any section (an include line or a bad header ended the section)", l.word)
		} else {
			p.errs.Addf(l.wordPos, "keyword %q outside any section (start one with \"config setup\" or \"conn NAME\" in column 1)", l.word)
		}
		return
	}
	if isComment(l.word) {
		p.addValue(s, p.storedValue(p.src.intern(l.word), l.arg, l.wordPos))
		return
	}
	kw, side, canonical, id := p.lookupKeyword(l.word)
	if kw == nil {
		sectionErr(s, lower(l.word), l.wordPos, "%s", unknownKeyword(l.word))
		return
	}
	// FreeS/WAN 2's conn keyword auth=esp|ah names the IPsec protocol;
	// Libreswan reads a bare auth= as rightauth= and rejects these values.
	// Any other auth= value is Libreswan's bare rightauth=.
	if lower(l.word) == "auth" && s.Kind == KindConn {
		if a := lower(l.arg); a == "esp" || a == "ah" {
			p.warns.Addf(l.wordPos, "FreeS/WAN keyword \"auth=%s\" is read as \"phase2=%s\"", l.arg, a)
			kw, side, canonical = lookupCanonical("phase2"), NoSide, "phase2"
		} else {
			kw, side, canonical = lookupCanonical("rightauth"), Right, "rightauth"
		}
		id = p.src.intern(canonical)
	}
	if kw.Setup != (s.Kind == KindSetup) {
		if s.Kind == KindSetup {
			sectionErr(s, canonical, l.wordPos, "conn keyword %q is not allowed in config setup", l.word)
		} else {
			p.warns.Addf(l.wordPos, "config setup keyword %q is not valid in conn %q; ignored", l.word, s.Name)
		}
		return
	}
	if side == Right && !strings.HasPrefix(lower(l.word), "right") {
		p.warns.Addf(l.wordPos, "%q without left or right sets %q only, as Libreswan does; write %q", l.word, canonical, canonical)
	}
	switch kw.Status {
	case Obsolete:
		p.warns.Addf(l.wordPos, "obsolete keyword %q ignored%s", l.word, noteSuffix(kw))
		if s.Kind != KindConn {
			return
		}
		// A conn keeps the value, typed, for the renderers of releases
		// that give it a meaning under another name (forceencaps=yes is
		// Libreswan 5's encapsulation=yes); Format leaves it out, as
		// Libreswan 4.10's readwriteconf does.
	case Legacy:
		if kw.MapTo != "" {
			p.warns.Addf(l.wordPos, "obsolete keyword %q: read as %q", l.word, sideName(kw.MapTo, side))
		} else {
			p.warns.Addf(l.wordPos, "FreeS/WAN/Openswan keyword %q is not understood by Libreswan%s", l.word, noteSuffix(kw))
		}
	case Future:
		p.warns.Addf(l.wordPos, "keyword %q is from Libreswan 5; Libreswan 4.10 does not know it", l.word)
	}
	if kw.MapTo != "" {
		canonical = sideName(kw.MapTo, side)
		kw = lookupCanonical(canonical)
		id = p.src.intern(canonical)
	}
	switch canonical {
	case "also", "alsoflip":
		if s.isDefault {
			sectionErr(s, "", l.wordPos, "%s= is not allowed in conn %%default (it would apply to every conn); move it into the conns", canonical)
			return
		}
		for name := range strings.FieldsSeq(l.arg) {
			p.addAlso(s, alsoRef{name: name, at: p.place(l.argPos), flip: canonical == "alsoflip"})
		}
		if strings.TrimSpace(l.arg) == "" {
			sectionErr(s, "", l.argPos, "%s= needs a conn name", canonical)
		}
		return
	}
	value, err := checkValue(kw, l.arg, l.hasArg)
	if err != nil {
		sectionErr(s, canonical, l.argPos, "%s: %v", canonical, err)
		return
	}
	// `KEYWORD=` (nothing after the "=") is ignored, as Libreswan 4.10
	// ignores it; an explicit empty value (`KEYWORD=""`, `KEYWORD={}`) is
	// kept, as Libreswan keeps it: dnssec-rootkey-file="" means no root
	// key, leftsubnets={} an empty list.
	if value == "" && emptyIgnored(kw) && !l.hasArg {
		p.warns.Addf(l.wordPos, "empty %s= is ignored (as in Libreswan, it does not clear a %%default value)", canonical)
		return
	}
	if kw.Type == TypeEnumList && strings.Contains(l.arg, "|") {
		p.warns.Addf(l.argPos, "FreeS/WAN form %s=%s is read as %s=%s", canonical, l.arg, canonical, value)
	}
	v := p.storedValue(id, value, l.wordPos)
	if s.Kind != KindConn || s.isDefault {
		// config setup and %default: the later value wins.
		for i := range s.Values.own {
			if o := &s.Values.own[i]; o.kw == v.kw {
				if s.Kind == KindSetup && p.src.raw(o) != value {
					p.warns.Addf(l.wordPos, "%s= set again (first at %s); the later value %q wins", canonical, p.src.position(o.place), value)
				}
				*o = v
				return
			}
		}
	}
	p.addValue(s, v)
}

func noteSuffix(k *Keyword) string {
	if k.Note == "" {
		return ""
	}
	return " (" + k.Note + ")"
}

// sideName gives a left/right canonical name the side it was written with.
func sideName(name string, side Side) string {
	if side == Right {
		if rest, ok := strings.CutPrefix(name, "left"); ok {
			return "right" + rest
		}
	}
	return name
}

// unknownKeyword builds the "unknown keyword" message with a suggestion.
func unknownKeyword(written string) string {
	msg := fmt.Sprintf("unknown keyword %q", written)
	if s := token.Suggest(lower(written), allKeywordNames()); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg
}

// allKeywordNames lists every current keyword spelling, for suggestions.
var allKeywordNames = sync.OnceValue(func() []string {
	var names []string
	for _, k := range keywordTable {
		if k.Status != Current {
			continue
		}
		names = append(names, k.Name)
		if k.LeftRight {
			names = append(names, "right"+strings.TrimPrefix(k.Name, "left"))
		}
	}
	sort.Strings(names)
	return names
})
