package secrets

import (
	"strings"

	"goswan/conf/token"
)

// maxLine is the longest line FreeS/WAN's reader took in one piece.
const maxLine = 2048

// tok is one token of a record.
type tok struct {
	text     string
	pos      token.Position
	quote    byte // '"' or '\'' for a quoted token, else 0
	indented bool // the token's line starts with a blank (a continuation line)
	bad      bool // lexically broken (already reported)
}

// comment is a comment inside a record; RSA blocks keep some for showhostkey.
type comment struct {
	text string // from '#' on
	pos  token.Position
}

// record is one entry or directive: a line starting in column 1 and every
// indented line after it.
type record struct {
	pos      token.Position
	toks     []tok
	comments []comment
}

// scan splits src into records. Lexical errors go to errs; they name the
// problem, never the text of the offending token.
func scan(name string, src []byte, errs *token.ErrorList) []*record {
	var recs []*record
	var cur *record
	text := string(src)
	line := 0
	for len(text) > 0 || line == 0 {
		line++
		var l string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			l, text = text[:i], text[i+1:]
		} else {
			l, text = text, ""
		}
		l = strings.TrimRight(l, " \t\r\f\v")
		if len(l) > maxLine {
			errs.Addf(token.Position{Filename: name, Line: line, Column: maxLine + 1}, "line longer than %d characters", maxLine)
			l = l[:maxLine]
		}
		if bad, msg := token.BadByte(l); bad >= 0 {
			errs.Add(token.Position{Filename: name, Line: line, Column: bad + 1}, msg)
			if len(text) == 0 {
				break
			}
			continue
		}
		trimmed := strings.TrimLeft(l, " \t")
		if trimmed == "" {
			if len(text) == 0 {
				break
			}
			continue
		}
		indented := len(trimmed) < len(l)
		if trimmed[0] == '#' {
			// A comment-only line neither starts nor ends a record.
			if cur != nil {
				cur.comments = append(cur.comments, comment{text: trimmed, pos: token.Position{Filename: name, Line: line, Column: len(l) - len(trimmed) + 1}})
			}
			continue
		}
		if !indented {
			cur = &record{pos: token.Position{Filename: name, Line: line, Column: 1}}
			recs = append(recs, cur)
		} else if cur == nil {
			errs.Add(token.Position{Filename: name, Line: line, Column: 1}, "file starts with indentation (continuation notation); records must start in column 1")
			// Discard the tokens but keep scanning for the next record.
			continue
		}
		scanLine(cur, name, line, l, indented, errs)
		if len(text) == 0 {
			break
		}
	}
	return recs
}

// scanLine appends the tokens of one line to r.
func scanLine(r *record, name string, line int, l string, indented bool, errs *token.ErrorList) {
	i := 0
	for {
		for i < len(l) && (l[i] == ' ' || l[i] == '\t') {
			i++
		}
		if i >= len(l) {
			return
		}
		pos := token.Position{Filename: name, Line: line, Column: i + 1}
		switch c := l[i]; {
		case c == '#':
			r.comments = append(r.comments, comment{text: l[i:], pos: pos})
			return
		case c == '"' || c == '\'' || c == '`':
			end := strings.IndexByte(l[i+1:], c)
			if end < 0 {
				errs.Add(pos, "unterminated quoted string (quotes have no escapes and end on the same line)")
				r.toks = append(r.toks, tok{text: l[i+1:], pos: pos, quote: c, indented: indented, bad: true})
				return
			}
			r.toks = append(r.toks, tok{text: l[i+1 : i+1+end], pos: pos, quote: c, indented: indented})
			i += end + 2
		case c == '0' && i+1 < len(l) && (l[i+1] == 't' || l[i+1] == 'T'):
			// 0t text runs to the end of the line, blanks included.
			r.toks = append(r.toks, tok{text: l[i:], pos: pos, indented: indented})
			return
		default:
			j := i
			for j < len(l) && l[j] != ' ' && l[j] != '\t' {
				j++
			}
			word := l[i:j]
			if len(word) > 1 && word[len(word)-1] == ':' {
				// "10.1.0.1:" is an index followed by the colon.
				r.toks = append(r.toks, tok{text: word[:len(word)-1], pos: pos, indented: indented})
				r.toks = append(r.toks, tok{text: ":", pos: token.Position{Filename: name, Line: line, Column: j}, indented: indented})
			} else {
				r.toks = append(r.toks, tok{text: word, pos: pos, indented: indented})
			}
			i = j
		}
	}
}
