package secrets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"goswan/conf/token"
	"goswan/keys"
)

// Kind is the kind of key part of an entry.
type Kind int

// Key part kinds.
const (
	PSK   Kind = iota + 1 // pre-shared key
	XAUTH                 // IKEv1 XAUTH password
	PPKS                  // RFC 8784 post-quantum pre-shared key
	PIN                   // smartcard PIN (FreeS/WAN smartcard patch)
	RSA                   // `RSA { ... }` raw key or `RSA file`
	ECDSA                 // `ECDSA file`
)

var kindNames = [...]string{PSK: "PSK", XAUTH: "XAUTH", PPKS: "PPKS", PIN: "PIN", RSA: "RSA", ECDSA: "ECDSA"}

func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// File is a parsed ipsec.secrets with everything it includes.
type File struct {
	// Entries in file order, included files expanded in place.
	Entries []*Entry
	// Files lists every file read, the top one first.
	Files []string
	// Warnings are problems that do not drop an entry (weak PSK, obsolete
	// spellings, an include that matched nothing).
	Warnings token.ErrorList
}

// Entry is one secret: its indices and key part.
type Entry struct {
	Pos  token.Position // start of the record
	IDs  []ID           // no IDs: the default entry
	Kind Kind

	// Secret is the PSK, XAUTH password, PPK or PIN.
	Secret Secret
	// PPKID names a PPKS entry's key (not secret).
	PPKID string
	// PINSlot is the %smartcard reference of a PIN entry.
	PINSlot string

	// Key is the RSA block of an RSA { ... } entry.
	Key *RSAKey

	// KeyFile is the file of an `RSA file` or `ECDSA file` entry, relative
	// names resolved against /etc/ipsec.d/private; Passphrase its
	// passphrase, Prompt set for %prompt.
	KeyFile    string
	Passphrase Secret
	Prompt     bool

	// Spans are where the secret tokens of this entry are in their file, so
	// a censor can blank them in the text.
	Spans []Span
}

// Span is the place of one token in a file: a start position and a length
// in bytes (a token never spans lines). For a quoted token the span covers
// the text between the quotes.
type Span struct {
	Pos token.Position
	Len int
}

// HasID reports whether the entry lists id among its indices.
func (e *Entry) HasID(id ID) bool {
	for _, x := range e.IDs {
		if x.Equal(id) {
			return true
		}
	}
	return false
}

// Limits on includes: nesting as in Pluto, and the number of files read
// so a glob cannot make a reader open thousands.
const (
	maxIncludeDepth = 10
	maxFiles        = 1000
)

// KeyFileDir is where relative `RSA file` names point.
const KeyFileDir = "/etc/ipsec.d/private"

// Parse reads the secrets file name from fsys and every file it includes.
// Names in fsys are slash-separated and relative to its root; absolute
// include patterns are taken relative to the root too (use Load for the
// real file system). Every error of every file is collected and returned as
// a token.ErrorList with the entries that parsed.
func Parse(fsys fs.FS, name string) (*File, error) {
	p := &parser{fsys: fsys, f: &File{}}
	src, err := token.ReadFile(fsys, fsName(name), name)
	if bound := boundError(err); bound != nil {
		return p.f, bound
	}
	if err != nil {
		return p.f, fmt.Errorf("reading secrets file %s: %w", name, err)
	}
	p.file(name, src, 0)
	p.errs.RemoveMultiples()
	p.f.Warnings.RemoveMultiples()
	return p.f, p.errs.Err()
}

// ParseSource parses src as the secrets file name; includes are read from
// fsys (nil: includes fail).
func ParseSource(fsys fs.FS, name string, src []byte) (*File, error) {
	p := &parser{fsys: fsys, f: &File{}}
	p.file(name, src, 0)
	p.errs.RemoveMultiples()
	p.f.Warnings.RemoveMultiples()
	return p.f, p.errs.Err()
}

// Load reads a secrets file from the operating system's file system.
func Load(file string) (*File, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, fmt.Errorf("reading secrets file %s: %w", file, err)
	}
	src, err := token.ReadFile(nil, abs, file)
	if bound := boundError(err); bound != nil {
		return &File{}, bound
	}
	if err != nil {
		return &File{}, fmt.Errorf("reading secrets file %s: %w", file, err)
	}
	return LoadSource(file, src)
}

// LoadSource parses src as the contents of the secrets file named file on
// the operating system's file system (includes are read from there): a
// writer that read the file under its lock checks what it read.
func LoadSource(file string, src []byte) (*File, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, fmt.Errorf("reading secrets file %s: %w", file, err)
	}
	p := &parser{fsys: os.DirFS("/"), f: &File{}, display: map[string]string{filepath.ToSlash(abs): file}}
	p.file(filepath.ToSlash(abs), src, 0)
	p.errs.RemoveMultiples()
	p.f.Warnings.RemoveMultiples()
	return p.f, p.errs.Err()
}

type parser struct {
	fsys    fs.FS
	f       *File
	errs    token.ErrorList
	display map[string]string // internal name → name shown in positions
}

// boundError returns the positioned error of a file token.ReadFile
// refused (not regular, too long a line, too large) as a list, nil for any
// other error.
func boundError(err error) error {
	var bound *token.Error
	if errors.As(err, &bound) {
		return token.ErrorList{bound}
	}
	return nil
}

// fsName turns a path into an fs.FS name.
func fsName(name string) string {
	n := path.Clean(strings.TrimPrefix(filepath.ToSlash(name), "/"))
	if n == "" {
		return "."
	}
	return n
}

func (p *parser) file(name string, src []byte, depth int) {
	shown := name
	if d, ok := p.display[name]; ok {
		shown = d
	}
	p.f.Files = append(p.f.Files, shown)
	for _, r := range scan(shown, src, &p.errs) {
		p.record(name, r, depth)
	}
}

func (p *parser) record(name string, r *record, depth int) {
	if len(r.toks) == 0 {
		return
	}
	if t := r.toks[0]; t.quote == 0 && strings.EqualFold(t.text, "include") {
		p.include(name, r, depth)
		return
	}
	if t := r.toks[0]; t.quote == 0 && t.text == "}" {
		p.errs.Add(t.pos, "unindented \"}\": the brace that closes an RSA key must be indented (TAB })")
		return
	}
	for _, t := range r.toks {
		if t.bad {
			return // reported by the scanner; a half-read secret is no secret
		}
	}
	e := &Entry{Pos: r.pos}
	toks := r.toks
	colon := -1
	for i, t := range toks {
		if t.quote == 0 && t.text == ":" {
			colon = i
			break
		}
	}
	if colon < 0 {
		// FreeS/WAN's legacy form: indices followed by a quoted PSK.
		last := toks[len(toks)-1]
		for _, t := range toks[:len(toks)-1] {
			if t.quote == 0 && isKind(t.text) {
				p.errs.Addf(t.pos, "missing \":\" before %s (write \"ID ... : %s ...\")", strings.ToUpper(t.text), strings.ToUpper(t.text))
				return
			}
		}
		if last.quote == '"' || last.quote == '\'' {
			if ok := p.indices(e, toks[:len(toks)-1]); !ok {
				return
			}
			e.Kind, e.Secret = PSK, NewSecret([]byte(last.text))
			e.Spans = append(e.Spans, span(last))
			p.weak(e, last)
			p.f.Entries = append(p.f.Entries, e)
			return
		}
		p.errs.Add(r.pos, "unexpected end of id list: no \":\" before the key part (write \"ID ... : PSK \\\"secret\\\"\")")
		return
	}
	if !p.indices(e, toks[:colon]) {
		return
	}
	rest := toks[colon+1:]
	if len(rest) == 0 {
		p.errs.Add(toks[colon].pos, "missing key part after \":\" (PSK, XAUTH, PPKS, RSA, ECDSA or PIN)")
		return
	}
	kw := rest[0]
	if kw.quote == '"' || kw.quote == '\'' {
		// FreeS/WAN: a quoted string right after the colon is a PSK.
		p.simpleSecret(e, PSK, r, kw, rest[1:], colon)
		return
	}
	switch strings.ToUpper(kw.text) {
	case "PSK":
		p.value(e, PSK, r, kw, rest[1:])
	case "XAUTH":
		p.value(e, XAUTH, r, kw, rest[1:])
	case "PPKS":
		p.ppks(e, r, kw, rest[1:])
	case "PIN":
		p.pin(e, r, kw, rest[1:])
	case "RSA":
		if len(rest) > 1 && rest[1].quote == 0 && rest[1].text == "{" {
			p.rsaBlock(e, r, rest[1], rest[2:])
			return
		}
		p.keyFile(e, RSA, r, kw, rest[1:])
	case "ECDSA":
		p.keyFile(e, ECDSA, r, kw, rest[1:])
	default:
		msg := "unrecognized key kind (want PSK, XAUTH, PPKS, RSA, ECDSA or PIN)"
		if kw.quote == 0 && isWord(kw.text) {
			// A bare word is a keyword typo, not a secret: name it.
			msg = fmt.Sprintf("unrecognized key kind %q (want PSK, XAUTH, PPKS, RSA, ECDSA or PIN)", kw.text)
			if s := token.Suggest(strings.ToUpper(kw.text), []string{"PSK", "XAUTH", "PPKS", "RSA", "ECDSA", "PIN"}); s != "" {
				msg = fmt.Sprintf("unrecognized key kind %q (did you mean %q?)", kw.text, s)
			}
		}
		p.errs.Add(kw.pos, msg)
	}
}

// isKind reports whether s is a key part keyword.
func isKind(s string) bool {
	switch strings.ToUpper(s) {
	case "PSK", "XAUTH", "PPKS", "PIN", "RSA", "ECDSA":
		return true
	}
	return false
}

// isWord reports whether s looks like a keyword (letters only, short), so
// that naming it in an error cannot reveal a secret.
func isWord(s string) bool {
	if len(s) == 0 || len(s) > 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func span(t tok) Span {
	pos := t.pos
	if t.quote != 0 {
		pos.Column++
	}
	return Span{Pos: pos, Len: len(t.text)}
}

// indices parses the ids before the colon. A bad index drops the entry:
// Libreswan loaded it with the remaining ids, and with none left it became
// a wildcard that matched every peer.
func (p *parser) indices(e *Entry, toks []tok) bool {
	ok := true
	for _, t := range toks {
		id, err := ParseID(t.text, t.quote != 0)
		if err != nil {
			p.errs.Add(t.pos, err.Error())
			ok = false
			continue
		}
		id.Pos = t.pos
		if t.text == "0.0.0.0" || t.text == "0::0" {
			p.f.Warnings.Addf(t.pos, "index %q is an obsolete spelling of %s", t.text, map[bool]string{true: "%any", false: "%any6"}[t.text == "0.0.0.0"])
		}
		if id.Kind == IDHost {
			p.f.Warnings.Addf(t.pos, "index %q is a host name: FreeS/WAN resolved it when loading; write its address or @%s", t.text, t.text)
		}
		e.IDs = append(e.IDs, id)
	}
	return ok
}

// value reads the one secret of a PSK or XAUTH entry.
func (p *parser) value(e *Entry, kind Kind, r *record, kw tok, rest []tok) {
	if len(rest) == 0 {
		p.errs.Addf(kw.pos, "unexpected end of record in %s: the secret is missing", kind)
		return
	}
	p.simpleSecret(e, kind, r, rest[0], rest[1:], 0)
}

func (p *parser) simpleSecret(e *Entry, kind Kind, r *record, v tok, extra []tok, _ int) {
	b, ok := p.decode(kind, v)
	if !ok {
		return
	}
	if len(extra) > 0 {
		p.errs.Addf(extra[0].pos, "expected end of record after the %s secret (quote a secret that contains blanks)", kind)
		return
	}
	e.Kind, e.Secret = kind, NewSecret(b)
	e.Spans = append(e.Spans, span(v))
	if kind == PSK {
		p.weak(e, v)
	}
	p.f.Entries = append(p.f.Entries, e)
}

func (p *parser) weak(e *Entry, v tok) {
	if e.Secret.Len() < 8 {
		p.f.Warnings.Add(v.pos, "using a weak secret (PSK shorter than 8 characters)")
	}
}

// decode turns a secret token into bytes: a quoted token as is, anything
// else through the 0x/0s/0t decoder. Errors never show the token.
func (p *parser) decode(kind Kind, v tok) ([]byte, bool) {
	switch v.quote {
	case '"', '\'':
		return []byte(v.text), true
	case '`':
		p.errs.Addf(v.pos, "%s data malformed (back-quotes are not quotes: use \" or ')", kind)
		return nil, false
	}
	b, err := keys.TextToData(v.text)
	if err != nil {
		hint := ""
		if errors.Is(err, keys.ErrNoPrefix) || errors.Is(err, keys.ErrUnknownBase) || errors.Is(err, keys.ErrTooShort) {
			hint = "; quote it, or write 0x hex, 0s base64 or 0t text"
		}
		p.errs.Addf(v.pos, "%s data malformed (%v)%s", kind, err, hint)
		return nil, false
	}
	return b, true
}

func (p *parser) ppks(e *Entry, r *record, kw tok, rest []tok) {
	if len(rest) == 0 || (rest[0].quote != '"' && rest[0].quote != '\'') {
		pos := kw.pos
		if len(rest) > 0 {
			pos = rest[0].pos
		}
		p.errs.Add(pos, "PPKS needs a quoted PPK ID first (PPKS \"ID\" \"key\")")
		return
	}
	if len(rest) < 2 {
		p.errs.Add(rest[0].pos, "no PPK after the PPK ID (PPKS \"ID\" \"key\")")
		return
	}
	e.PPKID = rest[0].text
	p.simpleSecret(e, PPKS, r, rest[1], rest[2:], 0)
}

func (p *parser) pin(e *Entry, r *record, kw tok, rest []tok) {
	if len(rest) < 2 || !strings.HasPrefix(rest[0].text, "%smartcard") {
		p.errs.Add(kw.pos, "PIN wants a %smartcard reference and a PIN (PIN %smartcard1:45 \"1234\")")
		return
	}
	e.PINSlot = rest[0].text
	if rest[1].quote == 0 && strings.EqualFold(rest[1].text, "%prompt") {
		if len(rest) > 2 {
			p.errs.Add(rest[2].pos, "expected end of record after %prompt")
			return
		}
		e.Kind, e.Prompt = PIN, true
		p.f.Entries = append(p.f.Entries, e)
		return
	}
	p.simpleSecret(e, PIN, r, rest[1], rest[2:], 0)
}

func (p *parser) keyFile(e *Entry, kind Kind, r *record, kw tok, rest []tok) {
	if len(rest) == 0 {
		p.errs.Addf(kw.pos, "%s wants a key file or { ... } (%s { ... } or %s FILE [passphrase|%%prompt])", kind, kind, kind)
		return
	}
	if kind == ECDSA && rest[0].text == "{" && rest[0].quote == 0 {
		p.errs.Add(rest[0].pos, "ECDSA keys have no { ... } form: name a PEM key file")
		return
	}
	file := rest[0].text
	if !strings.HasPrefix(file, "/") {
		file = KeyFileDir + "/" + file
	}
	e.Kind, e.KeyFile = kind, file
	if len(rest) > 1 {
		pw := rest[1]
		if pw.quote == 0 && strings.EqualFold(pw.text, "%prompt") {
			e.Prompt = true
		} else {
			b, ok := p.decodePassphrase(kind, pw)
			if !ok {
				return
			}
			e.Passphrase = NewSecret(b)
			e.Spans = append(e.Spans, span(pw))
		}
	}
	if len(rest) > 2 {
		p.errs.Addf(rest[2].pos, "%s private key file: unexpected token after passphrase", kind)
		return
	}
	p.f.Entries = append(p.f.Entries, e)
}

// decodePassphrase accepts a bare passphrase as written (FreeS/WAN did) as
// well as the quoted and encoded forms.
func (p *parser) decodePassphrase(kind Kind, v tok) ([]byte, bool) {
	if v.quote == 0 && !(len(v.text) > 2 && v.text[0] == '0' && strings.ContainsRune("xXsStT", rune(v.text[1]))) {
		return []byte(v.text), true
	}
	return p.decode(kind, v)
}

func (p *parser) include(name string, r *record, depth int) {
	kw := r.toks[0]
	if len(r.toks) < 2 {
		p.errs.Add(kw.pos, "unexpected end of include directive: a file name or pattern is missing")
		return
	}
	if len(r.toks) > 2 {
		p.errs.Add(r.toks[2].pos, "malformed include: expected end of record after the file name (is the next line indented?)")
		return
	}
	pattern := r.toks[1].text
	if depth+1 > maxIncludeDepth {
		p.errs.Addf(r.toks[1].pos, "secrets file %q nested too deeply (more than %d levels of include)", pattern, maxIncludeDepth)
		return
	}
	full := pattern
	if !strings.HasPrefix(pattern, "/") {
		full = path.Join(path.Dir(filepath.ToSlash(name)), pattern)
	}
	if p.fsys == nil {
		p.errs.Addf(r.toks[1].pos, "cannot include %q here", pattern)
		return
	}
	matches, err := fs.Glob(p.fsys, fsName(full))
	if len(matches) == 0 && err == nil && !strings.ContainsAny(full, "*?[\\") {
		matches = []string{fsName(full)} // let the read say why it is not there
	}
	if err != nil {
		p.errs.Addf(r.toks[1].pos, "bad include pattern %q: %v", pattern, err)
		return
	}
	if len(matches) == 0 {
		p.f.Warnings.Addf(r.toks[1].pos, "no secrets filename matched %q", pattern)
		return
	}
	for _, m := range matches {
		if len(p.f.Files) >= maxFiles {
			p.errs.Addf(r.toks[1].pos, "include %q: more than %d files read", pattern, maxFiles)
			return
		}
		shown := m
		if strings.HasPrefix(full, "/") {
			shown = "/" + m
		}
		src, err := token.ReadFile(p.fsys, m, shown)
		var bound *token.Error
		if errors.As(err, &bound) {
			if bound.Pos.IsValid() {
				p.errs.Add(bound.Pos, bound.Msg)
			} else {
				p.errs.Addf(r.toks[1].pos, "include %q: %s", shown, bound.Msg)
			}
			continue
		}
		if errors.Is(err, fs.ErrNotExist) {
			p.f.Warnings.Addf(r.toks[1].pos, "no secrets filename matched %q", pattern)
			continue
		}
		if err != nil {
			p.errs.Addf(r.toks[1].pos, "could not open %q: %v", shown, errors.Unwrap(err))
			continue
		}
		if strings.HasPrefix(full, "/") {
			p.setDisplay(shown, shown)
		}
		p.file(shown, src, depth+1)
	}
}

func (p *parser) setDisplay(k, v string) {
	if p.display == nil {
		p.display = map[string]string{}
	}
	p.display[k] = v
}
