package conf

import (
	"bufio"
	"io"
	"strings"
)

// Format writes cfg in canonical ipsec.conf syntax: config setup, then each
// conn that loaded, fully resolved (no %default, also= or include left), one
// keyword per line in keyword-table order. Reading the output again gives
// the same conns, so Format(Parse(Format(x))) == Format(x).
func Format(w io.Writer, cfg *Config) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if cfg.Version != "" {
		bw.WriteString("version " + quote(cfg.Version) + "\n\n")
	}
	var buf []entry
	if cfg.Setup.Values.Len() > 0 {
		bw.WriteString("config setup\n")
		buf = writeValues(bw, &cfg.Setup.Values, buf)
		bw.WriteString("\n")
	}
	for _, c := range cfg.Conns {
		if c.Err != nil {
			continue
		}
		bw.WriteString("conn ")
		bw.WriteString(quote(c.Name))
		bw.WriteByte('\n')
		buf = writeValues(bw, &c.Values, buf)
		bw.WriteString("\n")
	}
	return bw.Flush()
}

func writeValues(bw *bufio.Writer, vs *Values, buf []entry) []entry {
	buf = vs.collect(buf)
	for i := range buf {
		e := &buf[i]
		if k := vs.keyword(e); k != nil && k.Status == Obsolete {
			continue // kept for the pluto model only; Libreswan ignores it
		}
		name, raw := vs.name(e), e.raw()
		if !isComment(name) { // an x- value runs to the end of the line
			raw = quote(raw)
		}
		// One line appended in the buffer's free space and written at
		// once: a million values make five million writes otherwise.
		line := bw.AvailableBuffer()
		line = append(line, '\t')
		line = append(line, name...)
		line = append(line, '=')
		line = append(line, raw...)
		line = append(line, '\n')
		bw.Write(line)
	}
	return buf
}

// quote returns v as a value token that reads back as v: bare when it has
// no blank and cannot be mistaken for a quoted or braced value, else in
// double quotes, or in braces when v holds a double quote (a value such as
// "a\"b", read raw from a quoted string glued to more text, stays bare).
func quote(v string) string {
	if v == "" {
		return `""`
	}
	if !hasBlank(v) && v[0] != '#' && bareSafe(v) {
		return v
	}
	if !strings.Contains(v, `"`) {
		return `"` + v + `"`
	}
	if !strings.Contains(v, "}") {
		return "{" + v + "}"
	}
	return `"` + v + `"` // no token reads back as v; no file can produce it either
}

// hasBlank is strings.ContainsAny(v, " \t") without building the set
// for each of the 500,000 values of a large configuration.
func hasBlank(v string) bool {
	for i := 0; i < len(v); i++ {
		if isBlank(v[i]) {
			return true
		}
	}
	return false
}

// bareSafe reports whether v, written bare, is read back whole: a value
// starting with " or { is taken as a quoted or braced token when its first
// closing character ends it, and is unterminated without one.
func bareSafe(v string) bool {
	var closer byte
	switch v[0] {
	case '"':
		closer = '"'
	case '{':
		closer = '}'
	default:
		return true
	}
	i := strings.IndexByte(v[1:], closer)
	return i >= 0 && i < len(v)-2
}
