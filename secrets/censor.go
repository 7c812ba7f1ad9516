package secrets

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// This file is the censor that `ipsec barf` runs over ipsec.secrets and
// ipsec.conf before they are shown. It works on the raw bytes, without the
// parser: barf must censor a file the parser rejects, and a censor that only
// understands valid input leaks exactly the entries that are being debugged.
//
// It follows FreeS/WAN's _secretcensor (which line parts are censored, RSA
// fields become a marker, #pubkey= and #IN KEY become a key id) and
// _keycensor (manual keys in ipsec.conf), and closes the gaps the original
// leaves open:
//   - every secret token is censored, quoted ("…", '…', `…`) or not
//     (0x…, 0s…, 0t… to the end of the line), not only the first quoted
//     string of a line;
//   - a secret continued on an indented line is still a secret;
//   - PPKS censors the PPK, not the PPK ID; an RSA key file keeps its name but
//     not its passphrase; a `0s` secret is censored, not shown as a key id;
//   - commented-out secrets (`# : PSK "old"`) are censored too;
//   - the marker shows the length but no hash: FreeS/WAN's "[sums to 960b...]"
//     gives away 16 bits of an MD5 of the secret, enough to test guesses of a
//     weak PSK offline.
// What stays readable: indices, kinds, include lines, comments without key
// material, %prompt, RSA field names and public-key ids.

// Censored is the marker that replaces a secret of n bytes.
func Censored(n int) string {
	if n == 1 {
		return "[censored 1 char]"
	}
	return fmt.Sprintf("[censored %d chars]", n)
}

// Censor returns the text of an ipsec.secrets file with every secret replaced
// by a marker of the secret's length. The input need not be valid.
func Censor(src []byte) []byte {
	out, _ := censorSecrets(src)
	return out
}

// SecretValues returns the secret texts Censor replaces in src, for
// scrubbing them from other text (see Scrub).
func SecretValues(src []byte) []string {
	_, found := censorSecrets(src)
	return found
}

func censorSecrets(src []byte) ([]byte, []string) {
	var c secretCensor
	var out bytes.Buffer
	out.Grow(len(src))
	for len(src) > 0 {
		line := src
		eol := []byte(nil)
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			line, eol, src = src[:i], src[i:i+1], src[i+1:]
		} else {
			src = nil
		}
		out.WriteString(c.line(string(line)))
		out.Write(eol)
	}
	return out.Bytes(), c.found
}

// secretCensor carries the record state from line to line.
type secretCensor struct {
	afterColon bool     // the record's ":" separator has been seen
	kind       string   // upper-case key-part keyword, "" before it
	kindToks   int      // tokens seen after the kind keyword
	inBlock    bool     // inside RSA { ... }
	include    bool     // the record is an include directive
	indices    int      // tokens before the ":" separator
	found      []string // the secret texts replaced so far
	public     bool     // the block field being read is public (Modulus, PublicExponent)
}

// hide records a secret and returns its marker. The public fields of an RSA
// block are censored as FreeS/WAN did but not recorded: they are no secret,
// and a short one (PublicExponent 0x03) would garble the report if Scrub
// looked for it everywhere.
func (c *secretCensor) hide(secret string) string {
	if !c.public {
		c.found = append(c.found, secret)
	}
	c.public = false
	return Censored(len(secret))
}

func (c *secretCensor) line(line string) string {
	trimmed := strings.TrimLeft(line, " \t")
	indented := len(trimmed) < len(line)
	// A comment-only or empty line neither starts nor ends a record.
	if trimmed == "" || trimmed[0] == '#' {
		return line[:len(line)-len(trimmed)] + censorComment(trimmed, &c.found)
	}
	if !indented {
		*c = secretCensor{found: c.found} // a new record
	}
	var b strings.Builder
	b.Grow(len(line))
	i := 0
	for i < len(line) {
		ch := line[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\r':
			b.WriteByte(ch)
			i++
		case ch == '#':
			b.WriteString(censorComment(line[i:], &c.found))
			i = len(line)
		case ch == '"' || ch == '\'' || ch == '`':
			end := strings.IndexByte(line[i+1:], ch)
			var tok string
			closed := end >= 0
			if closed {
				tok = line[i+1 : i+1+end]
			} else {
				tok = line[i+1:]
			}
			b.WriteByte(ch)
			if c.secretQuoted(tok) {
				b.WriteString(c.hide(tok))
			} else {
				b.WriteString(tok)
			}
			if closed {
				b.WriteByte(ch)
				i += end + 2
			} else {
				i = len(line)
			}
		default:
			j := i
			for j < len(line) && line[j] != ' ' && line[j] != '\t' {
				j++
			}
			tok := line[i:j]
			secret := c.secretWord(tok)
			if secret && !c.inBlock && hasPrefixFold(tok, "0t") {
				// A 0t token runs to the end of the line, blanks included.
				b.WriteString(c.hide(strings.TrimRight(line[i:], " \t\r")))
				i = len(line)
				continue
			}
			if secret {
				b.WriteString(c.hide(tok))
			} else {
				b.WriteString(tok)
			}
			i = j
		}
	}
	return b.String()
}

// secretQuoted tells whether a quoted token is secret. In the index part only
// a distinguished name (it holds "=") is an index; any other quoted string
// there is FreeS/WAN's colon-less PSK form and is secret.
func (c *secretCensor) secretQuoted(tok string) bool {
	if c.include {
		return false
	}
	if !c.afterColon {
		c.indices++
		return !strings.Contains(tok, "=")
	}
	if c.kind == "" { // `: "secret"`, the old PSK form
		c.kind = "PSK"
		c.kindToks = 1
		return true
	}
	return c.secretValue(tok, true)
}

// secretWord tells whether an unquoted token is secret, and advances the
// record state.
func (c *secretCensor) secretWord(tok string) bool {
	if c.include {
		return false
	}
	if !c.afterColon {
		if strings.EqualFold(tok, "include") && c.indices == 0 {
			c.include = true
			return false
		}
		c.indices++
		if tok == ":" || (len(tok) > 1 && strings.HasSuffix(tok, ":")) {
			c.afterColon = true
		}
		return false
	}
	if c.kind == "" {
		c.kind = strings.ToUpper(tok)
		return false
	}
	return c.secretValue(tok, false)
}

// secretValue decides for a token after the kind keyword.
func (c *secretCensor) secretValue(tok string, quoted bool) bool {
	c.kindToks++
	n := c.kindToks
	if c.inBlock {
		if !quoted && tok == "}" {
			c.inBlock = false
			return false
		}
		// Field names (Modulus, Modulus:, :) stay; values go.
		if !quoted && tok == ":" {
			return false
		}
		if f := strings.TrimSuffix(tok, ":"); !quoted && rsaField(f) {
			c.public = strings.EqualFold(f, "Modulus") || strings.EqualFold(f, "PublicExponent")
			return false
		}
		return true
	}
	if !quoted && strings.EqualFold(tok, "%prompt") {
		return false
	}
	switch c.kind {
	case "RSA", "ECDSA":
		if n == 1 && !quoted && tok == "{" {
			c.inBlock = true
			return false
		}
		return n > 1 // the key file's name stays, its passphrase goes
	case "PPKS", "PIN":
		return n > 1 // the PPK ID or smartcard slot stays
	}
	return true
}

// rsaField reports whether s names a field of a `: RSA {` block (the
// parser's rsaFields, plus Openswan's CKAIDNSS).
func rsaField(s string) bool {
	if strings.EqualFold(s, "CKAIDNSS") {
		return true
	}
	for _, f := range rsaFields {
		if strings.EqualFold(s, f) {
			return true
		}
	}
	return false
}

// The censor's patterns are compiled on first use: every ipsec command
// links this package, and most never censor anything.
var (
	commentSecretKind = lazyRegexp(`(?i):\s*(PSK|XAUTH|EAP|NTLM|PIN|PPKS)\s+(\S.*)$`)
	commentQuoted     = lazyRegexp(`"[^"]*"`)
	commentKeyValue   = lazyRegexp(`(?i)\b0[xst][0-9a-z+/=_]{4,}`)
	commentRSAField   = lazyRegexp(`(?i)^(#\s*(?:Modulus|P[a-z]+Exponent|Prime[12]|Exponent[12]|Coefficient)\s*:?\s*)(\S.*)$`)
)

// lazyRegexp returns a function that compiles expr once, when first called.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// censorComment handles a comment, "#" included. Public key ids stay
// readable as FreeS/WAN showed them; anything that looks like key material
// in a commented-out entry is censored.
func censorComment(s string, found *[]string) string {
	hide := func(v string) string {
		*found = append(*found, strings.Trim(v, `"'`))
		return Censored(len(v))
	}
	if i := strings.Index(s, "#pubkey="); i >= 0 {
		return s[:i+len("#pubkey=")] + keyID(strings.TrimSpace(s[i+len("#pubkey="):]))
	}
	if strings.Contains(s, "#IN KEY ") {
		body := strings.TrimRight(s, " \t\r")
		j := strings.LastIndexAny(body, " \t")
		return body[:j+1] + keyID("0s"+body[j+1:])
	}
	if m := commentRSAField().FindStringSubmatch(s); m != nil {
		return m[1] + hide(strings.TrimRight(m[2], " \t\r"))
	}
	if m := commentSecretKind().FindStringSubmatchIndex(s); m != nil {
		rest := strings.TrimRight(s[m[4]:], " \t\r")
		return s[:m[4]] + hide(rest)
	}
	s = commentQuoted().ReplaceAllStringFunc(s, func(q string) string {
		return q[:1] + hide(q[1:len(q)-1]) + q[len(q)-1:]
	})
	return commentKeyValue().ReplaceAllStringFunc(s, hide)
}

// keyID condenses a public key "0s…" to FreeS/WAN's 9-character key id,
// which is public; anything else is censored.
func keyID(v string) string {
	if hasPrefixFold(v, "0s") && len(v) >= 11 {
		return "[keyid " + v[2:11] + "]"
	}
	return Censored(len(v))
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// confSecret matches an ipsec.conf line setting a manual key (FreeS/WAN's
// espenckey, espauthkey, ahkey and their left/right forms), commented out or
// not; confPubkey one setting a public key, shown condensed as _keycensor did.
var (
	confSecret = lazyRegexp(`(?i)^([\s#]*(?:left|right)?(?:espenckey|espauthkey|ahkey|enckey|authkey)\s*=\s*)(.*)$`)
	confPubkey = lazyRegexp(`(?i)^(\s*(?:left|right)(?:rsasigkey2?|pubkey|ecdsakey|eddsakey)\s*=\s*)(0s\S*)(.*)$`)
)

// CensorConfig returns ipsec.conf text with the manual keys censored (the
// whole value; a trailing comment stays) and public keys condensed to their
// key id. Values starting with % are keywords, not keys, and stay.
func CensorConfig(src []byte) []byte {
	out, _ := censorConfig(src)
	return out
}

// ConfigSecretValues returns the manual keys CensorConfig replaces in src.
func ConfigSecretValues(src []byte) []string {
	_, found := censorConfig(src)
	return found
}

func censorConfig(src []byte) ([]byte, []string) {
	var found []string
	lines := strings.SplitAfter(string(src), "\n")
	var b strings.Builder
	b.Grow(len(src))
	for _, l := range lines {
		body, eol := strings.CutSuffix(l, "\n")
		switch m := confSecret().FindStringSubmatch(body); {
		case m != nil && !strings.HasPrefix(m[2], "%"):
			b.WriteString(m[1] + censorConfValue(m[2], &found))
		default:
			if m := confPubkey().FindStringSubmatch(body); m != nil {
				b.WriteString(m[1] + keyID(m[2]) + m[3])
			} else {
				b.WriteString(body)
			}
		}
		if eol {
			b.WriteByte('\n')
		}
	}
	return []byte(b.String()), found
}

// censorConfValue censors an ipsec.conf value, keeping its quotes and a
// trailing comment.
func censorConfValue(v string, found *[]string) string {
	hide := func(s string) string {
		*found = append(*found, s)
		return Censored(len(s))
	}
	v = strings.TrimRight(v, " \t\r")
	if v != "" && (v[0] == '"' || v[0] == '\'') {
		if end := strings.IndexByte(v[1:], v[0]); end >= 0 {
			return v[:1] + hide(v[1:end+1]) + v[:1] + v[end+2:]
		}
		return v[:1] + hide(v[1:])
	}
	val, comment := v, ""
	if i := strings.IndexAny(v, " \t"); i >= 0 {
		rest := strings.TrimLeft(v[i:], " \t")
		if strings.HasPrefix(rest, "#") {
			val, comment = v[:i], v[i:]
		} else {
			val = v // blanks inside an unquoted value: censor it all
		}
	}
	return hide(val) + comment
}

// minScrub is the shortest secret Scrub looks for elsewhere: shorter ones
// would match ordinary text (and are weak secrets anyway).
const minScrub = 6

// Scrub replaces, anywhere in text, every occurrence of the given secret
// values (from SecretValues and ConfigSecretValues) by the marker. A value
// written with an encoding prefix is also looked for as it is shown once
// decoded elsewhere: 0x… as bare hex digits without "_" separators, in
// either case (how `ip xfrm state` prints a manual key); 0s… and 0t… without
// the prefix. barf runs this over its whole report, so a secret that shows
// up in a log or a command line is caught too.
func Scrub(text []byte, values []string) []byte {
	var alts []string
	seen := map[string]bool{}
	add := func(v string, hex bool) {
		if len(v) < minScrub || seen[v] {
			return
		}
		seen[v] = true
		q := regexp.QuoteMeta(v)
		if hex {
			q = "(?i:" + q + ")"
		}
		alts = append(alts, q)
	}
	for _, v := range values {
		add(v, false)
		switch {
		case hasPrefixFold(v, "0x"):
			digits := strings.ReplaceAll(v[2:], "_", "")
			add(digits, true)
		case hasPrefixFold(v, "0s"), hasPrefixFold(v, "0t"):
			add(v[2:], false)
		}
	}
	if len(alts) == 0 {
		return text
	}
	// Longest first, so a value is replaced whole rather than a part of it.
	sort.Slice(alts, func(i, j int) bool { return len(alts[i]) > len(alts[j]) })
	re := regexp.MustCompile(strings.Join(alts, "|"))
	return re.ReplaceAllFunc(text, func(m []byte) []byte { return []byte(Censored(len(m))) })
}
