package conf

import (
	"fmt"
	"strings"
	"unsafe"

	"goswan/conf/token"
)

// lineKind tells the significant kinds of ipsec.conf lines apart.
type lineKind uint8

const (
	lineHeader lineKind = iota // a column-0 line: config, conn, include, version
	lineParam                  // an indented keyword=value line
)

// line is one significant line of an ipsec.conf file.
type line struct {
	kind lineKind
	// For headers: word is "config", "conn", "include" or "version" (or an
	// unknown word), arg its argument. For parameters: word is the keyword
	// as written, arg the value without quotes or braces.
	word, arg       string
	wordPos, argPos token.Position
	hasArg          bool
	extra           string // header text after the argument (include a b)
	extraPos        token.Position
}

// scan splits ipsec.conf text into significant lines. Blank lines and
// comment lines are dropped; a `#` after white space starts a trailing
// comment wherever it is outside quotes or braces. Libreswan rejects a
// trailing comment without a blank in it ("x #note") and glues a CR to the
// last value; scan takes both as the user meant them.
func scan(filename string, data []byte, errs *token.ErrorList) []line {
	var out []line
	eachLine(filename, string(data), errs, func(l line) { out = append(out, l) })
	return out
}

// eachLine calls fn for every significant line, in order, without keeping
// them: a large file is never held as a slice of lines.
//
// src is the whole file as one string: every word and value is a substring
// of it, so scanning allocates per line, not per token.
func eachLine(filename string, src string, errs *token.ErrorList, fn func(line)) {
	lineNo := 0
	for len(src) > 0 {
		lineNo++
		var text string
		if i := strings.IndexByte(src, '\n'); i >= 0 {
			text, src = src[:i], src[i+1:]
		} else {
			text, src = src, ""
		}
		text = strings.TrimSuffix(text, "\r")
		if l, ok := scanLine(filename, lineNo, text, errs); ok {
			fn(l)
		}
	}
}

// ownedString returns the bytes of a file this package read itself as a
// string without copying them: nothing else holds the slice, and it is
// never written again, so the string's immutability holds. (At 100,000
// conns the copy was 12 MB and a measurable part of the run.)
func ownedString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func scanLine(filename string, lineNo int, text string, errs *token.ErrorList) (line, bool) {
	pos := func(i int) token.Position { return token.Position{Filename: filename, Line: lineNo, Column: i + 1} }
	i := 0
	for i < len(text) && isBlank(text[i]) {
		i++
	}
	if i == len(text) || text[i] == '#' {
		return line{}, false
	}
	if bad, msg := token.BadByte(text); bad >= 0 {
		errs.Add(pos(bad), msg)
		return line{}, false
	}
	if i == 0 {
		return scanHeader(text, pos, errs)
	}
	// Parameter line: keyword [blanks] = [blanks] value [blanks [# comment]]
	l := line{kind: lineParam, wordPos: pos(i)}
	start := i
	for i < len(text) && !isBlank(text[i]) && text[i] != '=' && text[i] != '#' {
		i++
	}
	l.word = text[start:i]
	for i < len(text) && isBlank(text[i]) {
		i++
	}
	if i == len(text) || text[i] != '=' {
		if l.word == "include" || l.word == "conn" || l.word == "config" || l.word == "version" {
			errs.Addf(l.wordPos, "%q must start in column 1 (it is indented)", l.word)
			// Read it as the header it was meant to be, so the lines
			// that follow are not misattributed.
			h, ok := scanHeader(text[start:], func(j int) token.Position { return pos(start + j) }, errs)
			return h, ok
		} else {
			errs.Addf(pos(i), "expected \"=\" after keyword %q", l.word)
		}
		return line{}, false
	}
	i++
	for i < len(text) && isBlank(text[i]) {
		i++
	}
	l.argPos = pos(i)
	if isComment(l.word) {
		// An x- comment's value runs to the end of the line, blanks,
		// quotes and # included (Libreswan's lexer takes it whole).
		l.arg = strings.TrimRight(text[i:], " \t")
		l.hasArg = l.arg != ""
		return l, true
	}
	value, next, ok := scanValue(text, i, pos, errs)
	if !ok {
		return line{}, false
	}
	l.arg, l.hasArg = value, next > i
	if rest := trailing(text, next); rest >= 0 {
		errs.Addf(pos(rest), "unexpected %q after the value of %q (quote a value that contains blanks)", strings.TrimSpace(text[rest:]), l.word)
		return line{}, false
	}
	return l, true
}

// scanHeader reads a column-0 line: WORD [ARG] [EXTRA] [# comment].
func scanHeader(text string, pos func(int) token.Position, errs *token.ErrorList) (line, bool) {
	l := line{kind: lineHeader, wordPos: pos(0)}
	i := 0
	for i < len(text) && !isBlank(text[i]) && text[i] != '=' {
		i++
	}
	l.word = text[:i]
	if i < len(text) && text[i] == '=' {
		errs.Addf(pos(0), "keyword %q must be indented to belong to a section", l.word)
		return line{}, false
	}
	for i < len(text) && isBlank(text[i]) {
		i++
	}
	if i < len(text) && text[i] != '#' {
		l.argPos = pos(i)
		value, next, ok := scanValue(text, i, pos, errs)
		if !ok {
			return line{}, false
		}
		l.arg, l.hasArg = value, true
		if rest := trailing(text, next); rest >= 0 {
			l.extra = strings.TrimSpace(text[rest:])
			if j := strings.Index(text[rest:], " #"); j >= 0 {
				l.extra = strings.TrimSpace(text[rest : rest+j])
			}
			l.extraPos = pos(rest)
		}
	}
	return l, true
}

// scanValue reads one value token at text[i:]: "quoted", {braced} or a run
// of non-blank characters. A quoted string followed directly by more text is
// taken raw, quotes included, as Libreswan's longest-match lexer does.
func scanValue(text string, i int, pos func(int) token.Position, errs *token.ErrorList) (string, int, bool) {
	if i >= len(text) {
		return "", i, true
	}
	switch text[i] {
	case '"', '{':
		closer := byte('"')
		if text[i] == '{' {
			closer = '}'
		}
		j := strings.IndexByte(text[i+1:], closer)
		if j < 0 {
			errs.Addf(pos(i), "unterminated %s (no closing %q on this line)", map[byte]string{'"': "quoted string", '}': "braced list"}[closer], closer)
			return "", 0, false
		}
		end := i + 1 + j + 1
		if end == len(text) || isBlank(text[end]) {
			return text[i+1 : end-1], end, true
		}
	}
	j := i
	for j < len(text) && !isBlank(text[j]) {
		j++
	}
	return text[i:j], j, true
}

// trailing returns the index of unexpected text after position i, or -1
// when only blanks and an optional comment follow.
func trailing(text string, i int) int {
	j := i
	for j < len(text) && isBlank(text[j]) {
		j++
	}
	if j == len(text) || (text[j] == '#' && j > i) {
		return -1
	}
	return j
}

func (l line) String() string { return fmt.Sprintf("%s=%s", l.word, l.arg) }
