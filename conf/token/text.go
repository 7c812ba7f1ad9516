package token

import (
	"fmt"
	"unicode/utf8"
)

// BadByte finds the first byte of a configuration line that no reader
// should take: a control character (tab aside) or a byte that is not UTF-8.
// Bytes in a trailing comment (from a '#' at the start or after a blank)
// may be any text but control characters. It returns the byte's offset
// and a message that does not quote the line (it may hold a secret), or
// -1 and "".
func BadByte(line string) (int, string) {
	// Nearly every line is printable ASCII and tabs: one tight pass
	// tells, before the full check (a 100,000-conn file has 700,000
	// lines).
	i := 0
	for i < len(line) && (line[i] >= 0x20 && line[i] < 0x7f || line[i] == '\t') {
		i++
	}
	if i == len(line) {
		return -1, ""
	}
	comment := false
	for i := 0; i < len(line); {
		c := line[i]
		if c < 0x20 && c != '\t' || c == 0x7f {
			return i, fmt.Sprintf("control character %#02x in line", c)
		}
		if c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			comment = true
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(line[i:])
		if r == utf8.RuneError && n == 1 && !comment {
			return i, fmt.Sprintf("invalid UTF-8 byte %#02x in line (save the file as UTF-8)", c)
		}
		i += n
	}
	return -1, ""
}
