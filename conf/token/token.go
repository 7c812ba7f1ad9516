// Package token holds source positions and positioned diagnostics shared by
// the ipsec.conf and ipsec.secrets readers.
//
// It mirrors go/token and go/scanner: a Position prints as FILE:LINE:COL, an
// Error is a Position plus a message, and an ErrorList collects every
// diagnostic of a file so that a user sees all of them at once, one per line,
// in a form editors can jump to.
package token

import (
	"fmt"
	"sort"
	"strings"
)

// Position is a place in a source file. Line and Column are 1-based; Column
// counts bytes. A zero Line means the position is unknown.
type Position struct {
	Filename string
	Line     int
	Column   int
}

// IsValid reports whether the position names a line.
func (p Position) IsValid() bool { return p.Line > 0 }

// String returns "file:line:col", "file:line", "file" or "-" depending on
// how much of the position is known.
func (p Position) String() string {
	s := p.Filename
	if p.IsValid() {
		if s != "" {
			s += ":"
		}
		s += fmt.Sprint(p.Line)
		if p.Column > 0 {
			s += fmt.Sprintf(":%d", p.Column)
		}
	}
	if s == "" {
		s = "-"
	}
	return s
}

// Error is a diagnostic at a position.
type Error struct {
	Pos Position
	Msg string
}

func (e Error) Error() string {
	if e.Pos.Filename != "" || e.Pos.IsValid() {
		return e.Pos.String() + ": " + e.Msg
	}
	return e.Msg
}

// ErrorList is a list of diagnostics. The zero value is an empty list ready
// to use.
type ErrorList []*Error

// Add appends a diagnostic at pos.
func (l *ErrorList) Add(pos Position, msg string) {
	*l = append(*l, &Error{Pos: pos, Msg: msg})
}

// Addf appends a formatted diagnostic at pos.
func (l *ErrorList) Addf(pos Position, format string, args ...any) {
	l.Add(pos, fmt.Sprintf(format, args...))
}

// Append appends all diagnostics of other.
func (l *ErrorList) Append(other ErrorList) { *l = append(*l, other...) }

func (l ErrorList) Len() int      { return len(l) }
func (l ErrorList) Swap(i, j int) { l[i], l[j] = l[j], l[i] }

// Less orders by file name, then line, then column, then message.
func (l ErrorList) Less(i, j int) bool {
	a, b := l[i].Pos, l[j].Pos
	if a.Filename != b.Filename {
		return a.Filename < b.Filename
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	if a.Column != b.Column {
		return a.Column < b.Column
	}
	return l[i].Msg < l[j].Msg
}

// Sort sorts the list by position. It is stable so that diagnostics at the
// same position keep the order in which they were found.
func (l ErrorList) Sort() { sort.Stable(l) }

// RemoveMultiples sorts the list and removes exact duplicates.
func (l *ErrorList) RemoveMultiples() {
	l.Sort()
	out := (*l)[:0]
	var last *Error
	for _, e := range *l {
		if last == nil || *e != *last {
			out = append(out, e)
		}
		last = e
	}
	*l = out
}

// Error prints every diagnostic, one per line.
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Err returns nil for an empty list and the list otherwise, so callers never
// hold a typed nil error.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}
