package oe

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/miekg/dns"

	"goswan/conf/token"
)

// TSIGKey is a shared secret for signing updates (RFC 8945). Its secret
// never appears in String, GoString or any error this package returns.
type TSIGKey struct {
	Name      string // key name, fully qualified, lower case
	Algorithm string // miekg/dns spelling, e.g. dns.HmacSHA256
	secret    string // base64
}

// NewTSIGKey builds a key from its parts; alg is BIND's spelling
// (hmac-sha256) or empty for hmac-sha256.
func NewTSIGKey(name, alg, secret string) (TSIGKey, error) {
	var k TSIGKey
	if name == "" {
		return k, errors.New("TSIG key has no name")
	}
	if _, ok := dns.IsDomainName(name); !ok {
		return k, fmt.Errorf("TSIG key name %q is not a domain name", name)
	}
	a, err := tsigAlgorithm(alg)
	if err != nil {
		return k, err
	}
	if err := checkSecret(secret); err != nil {
		return k, err
	}
	return TSIGKey{Name: strings.ToLower(dns.Fqdn(name)), Algorithm: a, secret: secret}, nil
}

// tsigAlgorithms maps BIND's algorithm names to miekg/dns's.
var tsigAlgorithms = map[string]string{
	"hmac-sha1":   dns.HmacSHA1,
	"hmac-sha224": dns.HmacSHA224,
	"hmac-sha256": dns.HmacSHA256,
	"hmac-sha384": dns.HmacSHA384,
	"hmac-sha512": dns.HmacSHA512,
}

func tsigAlgorithm(alg string) (string, error) {
	a := strings.TrimSuffix(strings.ToLower(alg), ".")
	if a == "" {
		return dns.HmacSHA256, nil
	}
	if m, ok := tsigAlgorithms[a]; ok {
		return m, nil
	}
	if strings.HasPrefix(a, "hmac-md5") {
		return "", fmt.Errorf("TSIG algorithm %q is no longer supported; make an hmac-sha256 key (tsig-keygen -a hmac-sha256)", alg)
	}
	return "", fmt.Errorf("unknown TSIG algorithm %q (want hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384 or hmac-sha512)", alg)
}

func checkSecret(s string) error {
	if s == "" {
		return errors.New("TSIG secret is empty")
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return errors.New("TSIG secret is not valid base64")
	}
	return nil
}

// AlgorithmName is the algorithm in BIND's spelling (hmac-sha256).
func (k TSIGKey) AlgorithmName() string {
	for n, a := range tsigAlgorithms {
		if a == k.Algorithm {
			return n
		}
	}
	return strings.TrimSuffix(k.Algorithm, ".")
}

// IsZero reports whether k is the zero key (no TSIG).
func (k TSIGKey) IsZero() bool { return k.Name == "" }

func (k TSIGKey) String() string {
	if k.IsZero() {
		return "no TSIG key"
	}
	return fmt.Sprintf("TSIG key %q (%s, secret [redacted])", strings.TrimSuffix(k.Name, "."), k.AlgorithmName())
}

// GoString keeps %#v from printing the secret.
func (k TSIGKey) GoString() string { return k.String() }

// Format keeps every verb (%v, %+v, %s, %q, %x) from printing the secret.
func (k TSIGKey) Format(f fmt.State, verb rune) { fmt.Fprint(f, k.String()) }

// LoadTSIGKey reads the argument of --tsig-key: the name of a key file in
// BIND's format (tsig-keygen's output, or dnssec-keygen's K*.private), or
// an inline NAME:ALG:SECRET. nsupdate -y's ALG:NAME:SECRET and NAME:SECRET
// (hmac-sha256) are accepted too.
func LoadTSIGKey(arg string) (TSIGKey, error) {
	if fi, err := os.Stat(arg); err == nil && !fi.IsDir() {
		b, err := os.ReadFile(arg)
		if err != nil {
			return TSIGKey{}, fmt.Errorf("reading TSIG key file: %w", err)
		}
		return ParseTSIGFile(arg, b)
	}
	parts := strings.Split(arg, ":")
	var name, alg, secret string
	switch {
	case len(parts) == 2:
		name, secret = parts[0], parts[1]
	case len(parts) == 3 && isTSIGAlgorithm(parts[0]):
		alg, name, secret = parts[0], parts[1], parts[2]
	case len(parts) == 3:
		name, alg, secret = parts[0], parts[1], parts[2]
		if !isTSIGAlgorithm(alg) {
			// Not %q: with the fields in the wrong order this is the secret.
			return TSIGKey{}, errors.New("the middle field of NAME:ALG:SECRET is not a TSIG algorithm (hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384 or hmac-sha512)")
		}
	default:
		// Do not echo arg: it may be a mistyped secret.
		return TSIGKey{}, errors.New("TSIG key is neither an existing key file nor NAME:ALG:SECRET")
	}
	return NewTSIGKey(name, alg, secret)
}

func isTSIGAlgorithm(s string) bool {
	s = strings.ToLower(s)
	_, ok := tsigAlgorithms[s]
	return ok || strings.HasPrefix(s, "hmac-md5")
}

// ParseTSIGFile parses a key file: BIND's `key "NAME" { algorithm ALG;
// secret "BASE64"; };` (as tsig-keygen writes it and named.conf includes
// it), or dnssec-keygen's private key file (Algorithm:/Key: lines, the
// key name taken from the K<name>+<alg>+<id>.private file name). Exactly
// one key is expected. Errors carry file:line:col and never the secret.
func ParseTSIGFile(filename string, src []byte) (TSIGKey, error) {
	if strings.Contains(string(src), "Private-key-format:") {
		return parsePrivateKeyFile(filename, src)
	}
	p := &keyParser{s: keyScanner{file: filename, src: src, line: 1, col: 1}}
	return p.parse()
}

// parsePrivateKeyFile reads dnssec-keygen's HMAC key format.
func parsePrivateKeyFile(filename string, src []byte) (TSIGKey, error) {
	var errs token.ErrorList
	var alg, secret string
	var secretPos token.Position
	for i, line := range strings.Split(string(src), "\n") {
		pos := token.Position{Filename: filename, Line: i + 1, Column: 1}
		k, v, ok := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		switch {
		case !ok:
			continue
		case k == "Algorithm":
			// "163 (HMAC_SHA256)": the parenthesised name is BIND's.
			if o, c := strings.Index(v, "("), strings.Index(v, ")"); o >= 0 && c > o {
				alg = strings.ReplaceAll(strings.ToLower(v[o+1:c]), "_", "-")
			} else {
				errs.Add(pos, "algorithm line lacks the (HMAC_...) name")
			}
		case k == "Key":
			secret, secretPos = v, pos
		}
	}
	base := filename[strings.LastIndex(filename, "/")+1:]
	name := ""
	if strings.HasPrefix(base, "K") && strings.Contains(base, "+") {
		name = strings.TrimSuffix(base[1:strings.Index(base, "+")], ".")
	}
	if name == "" {
		errs.Add(token.Position{Filename: filename}, "cannot tell the key name: a private key file must be named K<name>+<alg>+<id>.private")
	}
	if secret == "" {
		errs.Add(token.Position{Filename: filename}, "no Key: line")
	}
	if err := errs.Err(); err != nil {
		return TSIGKey{}, err
	}
	k, err := NewTSIGKey(name, alg, secret)
	if err != nil {
		return TSIGKey{}, &token.Error{Pos: secretPos, Msg: err.Error()}
	}
	return k, nil
}

// keyScanner splits BIND configuration text into words, quoted strings
// and the punctuation { } ;, skipping #, // and /* */ comments.
type keyScanner struct {
	file      string
	src       []byte
	off       int
	line, col int
}

type keyToken struct {
	pos    token.Position
	text   string
	quoted bool
	eof    bool
}

func (s *keyScanner) advance() {
	if s.src[s.off] == '\n' {
		s.line++
		s.col = 1
	} else {
		s.col++
	}
	s.off++
}

func (s *keyScanner) pos() token.Position {
	return token.Position{Filename: s.file, Line: s.line, Column: s.col}
}

func (s *keyScanner) next() (keyToken, *token.Error) {
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			s.advance()
		case c == '#' || c == '/' && s.off+1 < len(s.src) && s.src[s.off+1] == '/':
			for s.off < len(s.src) && s.src[s.off] != '\n' {
				s.advance()
			}
		case c == '/' && s.off+1 < len(s.src) && s.src[s.off+1] == '*':
			start := s.pos()
			s.advance()
			s.advance()
			for {
				if s.off+1 >= len(s.src) {
					s.off = len(s.src)
					return keyToken{}, &token.Error{Pos: start, Msg: "unterminated /* comment"}
				}
				if s.src[s.off] == '*' && s.src[s.off+1] == '/' {
					s.advance()
					s.advance()
					break
				}
				s.advance()
			}
		default:
			return s.word()
		}
	}
	return keyToken{pos: s.pos(), eof: true}, nil
}

func (s *keyScanner) word() (keyToken, *token.Error) {
	start := s.pos()
	c := s.src[s.off]
	if c == '{' || c == '}' || c == ';' {
		s.advance()
		return keyToken{pos: start, text: string(c)}, nil
	}
	if c == '"' {
		s.advance()
		b := s.off
		for s.off < len(s.src) && s.src[s.off] != '"' && s.src[s.off] != '\n' {
			s.advance()
		}
		if s.off >= len(s.src) || s.src[s.off] != '"' {
			return keyToken{}, &token.Error{Pos: start, Msg: "unterminated quoted string"}
		}
		text := string(s.src[b:s.off])
		s.advance()
		return keyToken{pos: start, text: text, quoted: true}, nil
	}
	b := s.off
	for s.off < len(s.src) && !strings.ContainsRune(" \t\r\n{};\"#", rune(s.src[s.off])) {
		s.advance()
	}
	return keyToken{pos: start, text: string(s.src[b:s.off])}, nil
}

type keyParser struct {
	s    keyScanner
	errs token.ErrorList
}

// expect reads one token and reports an error unless it is want.
func (p *keyParser) expect(want string) bool {
	t, err := p.s.next()
	if err != nil {
		p.errs = append(p.errs, err)
		return false
	}
	if t.quoted || t.text != want {
		p.errs.Addf(t.pos, "expected %q, found %s", want, describe(t))
		return false
	}
	return true
}

// describe names a token for an error without quoting strings, which may
// be secrets.
func describe(t keyToken) string {
	switch {
	case t.eof:
		return "end of file"
	case t.quoted:
		return "a quoted string"
	case len(t.text) > 20:
		return "a long word"
	}
	return fmt.Sprintf("%q", t.text)
}

func (p *keyParser) parse() (TSIGKey, error) {
	var keys []TSIGKey
	var firstPos token.Position
	for {
		t, err := p.s.next()
		if err != nil {
			p.errs = append(p.errs, err)
			break
		}
		if t.eof {
			break
		}
		if t.quoted || t.text != "key" {
			p.errs.Addf(t.pos, "expected \"key\", found %s", describe(t))
			break
		}
		if len(keys) == 0 {
			firstPos = t.pos
		}
		k, ok := p.key(t.pos)
		if !ok {
			break
		}
		keys = append(keys, k)
	}
	if len(p.errs) == 0 && len(keys) == 0 {
		p.errs.Add(token.Position{Filename: p.s.file}, "no key statement (want key \"NAME\" { algorithm ALG; secret \"BASE64\"; };)")
	}
	if len(p.errs) == 0 && len(keys) > 1 {
		p.errs.Addf(firstPos, "%d key statements; a key file for --tsig-key holds exactly one", len(keys))
	}
	if err := p.errs.Err(); err != nil {
		return TSIGKey{}, err
	}
	return keys[0], nil
}

// key parses `"NAME" { algorithm ALG; secret "BASE64"; };` after "key".
func (p *keyParser) key(at token.Position) (TSIGKey, bool) {
	name, err := p.s.next()
	if err != nil {
		p.errs = append(p.errs, err)
		return TSIGKey{}, false
	}
	if name.eof || name.text == "{" || name.text == ";" {
		p.errs.Addf(name.pos, "key has no name")
		return TSIGKey{}, false
	}
	if !p.expect("{") {
		return TSIGKey{}, false
	}
	var alg, secret string
	var algPos, secretPos token.Position
	for {
		t, err := p.s.next()
		if err != nil {
			p.errs = append(p.errs, err)
			return TSIGKey{}, false
		}
		if t.text == "}" && !t.quoted {
			break
		}
		if t.eof {
			p.errs.Addf(t.pos, "key %q is not closed with \"};\"", name.text)
			return TSIGKey{}, false
		}
		v, err := p.s.next()
		if err != nil {
			p.errs = append(p.errs, err)
			return TSIGKey{}, false
		}
		switch {
		case t.quoted:
			p.errs.Addf(t.pos, "expected \"algorithm\" or \"secret\", found a quoted string")
			return TSIGKey{}, false
		case t.text == "algorithm":
			alg, algPos = v.text, v.pos
		case t.text == "secret":
			if !v.quoted {
				p.errs.Addf(v.pos, "secret must be a quoted string")
			}
			secret, secretPos = v.text, v.pos
		default:
			p.errs.Addf(t.pos, "unknown key option %s (want algorithm or secret)", describe(t))
			return TSIGKey{}, false
		}
		if v.eof || !p.expect(";") {
			return TSIGKey{}, false
		}
	}
	if !p.expect(";") {
		return TSIGKey{}, false
	}
	if alg == "" {
		p.errs.Addf(at, "key %q has no algorithm", name.text)
	}
	if secret == "" {
		p.errs.Addf(at, "key %q has no secret", name.text)
	}
	if len(p.errs) > 0 {
		return TSIGKey{}, false
	}
	if _, err := tsigAlgorithm(alg); err != nil {
		p.errs.Add(algPos, err.Error())
		return TSIGKey{}, false
	}
	if err := checkSecret(secret); err != nil {
		p.errs.Add(secretPos, err.Error())
		return TSIGKey{}, false
	}
	k, kerr := NewTSIGKey(name.text, alg, secret)
	if kerr != nil {
		p.errs.Add(name.pos, kerr.Error())
		return TSIGKey{}, false
	}
	return k, true
}
