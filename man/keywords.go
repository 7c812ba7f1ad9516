package man

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"goswan/conf/keywordtable"
)

// The generated keyword reference sits between these two comment lines of
// ipsec.conf.5.
const (
	BeginMarker = `.\" BEGIN GENERATED KEYWORDS (go generate ./man; edit conf/keywords.tsv instead)`
	EndMarker   = `.\" END GENERATED KEYWORDS`
)

// row is one keyword of conf/keywords.tsv.
type row = keywordtable.Row

// typeText explains each value type of the table. A type missing here
// fails generation, so a new type in the table cannot reach the page
// undocumented.
var typeText = map[string]string{
	"string":     "any value; quote it when it contains blanks",
	"bool":       `\fByes\fR or \fBno\fR (also \fBy\fR, \fBtrue\fR, \fBon\fR / \fBn\fR, \fBfalse\fR, \fBoff\fR), lower case`,
	"int":        `a decimal integer; \fB%forever\fR means 0`,
	"duration":   `a decimal integer with an optional unit \fBms\fR, \fBs\fR, \fBm\fR, \fBh\fR, \fBd\fR or \fBw\fR; no unit means seconds; \fB%forever\fR means 0`,
	"durationms": `a duration as above, but a number without unit means milliseconds`,
	"percent":    `a decimal integer followed by \fB%\fR`,
	"bytes":      `a byte count with an optional IEC suffix and \fBB\fR, for example \fB1GiB\fR`,
	"count":      `a count with an optional IEC suffix, for example \fB2Ki\fR`,
	"enum":       "one of the listed values, case-insensitive",
	"enumlist":   `one or more of the listed values, separated by commas (the FreeS/WAN form \fBa|b\fR is read as \fBa,b\fR)`,
	"looseenum":  "one of the listed values, or a number",
	"addr":       `an IP address, a DNS name, or a \fB%\fR keyword such as \fB\%%defaultroute\fR, \fB%any\fR or \fB%\fIinterface\fR`,
	"subnet":     `\fIaddress\fB/\fIprefix-length\fR (or \fB/\fInetmask\fR), or a \fB%\fR keyword`,
	"subnets":    `several subnets, as \fB{a b}\fR or \fB"a, b"\fR`,
	"protoport":  `\fIprotocol\fR[\fB/\fIport\fR], each a name or a number`,
	"id":         `an IKE identity: an address, \fB@\fIfqdn\fR, \fB@#\fIhex\fR, a distinguished name, or \fB%fromcert\fR, \fB%any\fR, \fB%none\fR`,
	"pubkey":     `an RSA public key in RFC 3110 form (\fB0s\fR base64 or \fB0x\fR hex), or a \fB%\fR keyword such as \fB%cert\fR`,
	"file":       "a file or directory name",
	"hex":        `a hexadecimal number or key, written \fB0x\fIdigits\fR`,
	"range":      `an address range \fIa.b.c.d\fB\-\fIe.f.g.h\fR, or a subnet`,
	"list":       "blank-separated words",
}

// statusOrder and statusHeading group each section's keywords.
var statusGroups = []struct {
	heading  string
	statuses []string
}{
	{"Keywords Libreswan 4.10 knows", []string{"current", "alias", "ignored"}},
	{"Keywords from Libreswan 5", []string{"future"}},
	{"Obsolete, FreeS/WAN and Openswan keywords", []string{"obsolete", "legacy"}},
	{"Manual keying (ipsec manual)", []string{"manual"}},
}

// readTable reads the keyword table and checks that the page can describe
// every type and status in it.
func readTable(tsv io.Reader) ([]row, error) {
	rows, err := keywordtable.Read(tsv)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if _, ok := typeText[r.Type]; !ok {
			return nil, fmt.Errorf("keywords.tsv: type %q of %q has no description in man/keywords.go", r.Type, r.Name)
		}
		if !statusKnown[r.Status] {
			return nil, fmt.Errorf("keywords.tsv: status %q of %q has no description in man/keywords.go", r.Status, r.Name)
		}
	}
	return rows, nil
}

// KeywordSection renders the keyword reference of ipsec.conf(5) from the
// keyword table, markers included.
func KeywordSection(tsv io.Reader) ([]byte, error) {
	rows, err := readTable(tsv)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	var b bytes.Buffer
	b.WriteString(BeginMarker + "\n")
	b.WriteString(".SH KEYWORDS\n")
	fmt.Fprintf(&b, "This reference lists all %d keywords goswan knows, generated from its keyword table.\n", len(rows))
	b.WriteString("Each entry gives the keyword (both ends for a\n.BR left / right\npair), its value type, its status and notes.\n")
	b.WriteString("Keywords are case-insensitive.\nA keyword of a pair written without\n.B left\nor\n.B right\nsets the right end only, as in Libreswan, with a warning.\n")
	b.WriteString("Keywords beginning with\n.B x\\-\nor\n.B x_\n(either case) are comments, kept and otherwise ignored.\n")
	b.WriteString(".SS \"Value types\"\n")
	used := map[string]bool{}
	for _, r := range rows {
		used[r.Type] = true
	}
	types := make([]string, 0, len(used))
	for t := range used {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		fmt.Fprintf(&b, ".TP 12\n.I %s\n%s.\n", t, typeText[t])
	}
	for _, sec := range []struct{ key, title string }{{"setup", "config setup"}, {"conn", "conn"}} {
		for _, g := range statusGroups {
			var group []row
			for _, r := range rows {
				if r.Section == sec.key && contains(g.statuses, r.Status) {
					group = append(group, r)
				}
			}
			if len(group) == 0 {
				continue
			}
			fmt.Fprintf(&b, ".SS \"%s: %s\"\n", sec.title, g.heading)
			for _, r := range group {
				writeEntry(&b, r)
			}
		}
	}
	b.WriteString(EndMarker + "\n")
	return b.Bytes(), nil
}

func writeEntry(b *bytes.Buffer, r row) {
	b.WriteString(".TP\n")
	if r.LeftRight {
		fmt.Fprintf(b, "\\fB%s\\fR=\\fI%s\\fR, \\fB%s\\fR=\\fI%s\\fR\n", esc(r.Name), r.Type, esc(rightName(r.Name)), r.Type)
	} else {
		fmt.Fprintf(b, "\\fB%s\\fR=\\fI%s\\fR\n", esc(r.Name), r.Type)
	}
	if st := statusText(r); st != "" {
		fmt.Fprintf(b, "%s.\n", st)
	}
	if len(r.Values) > 0 {
		vals := make([]string, len(r.Values))
		for i, v := range r.Values {
			vals[i] = `\fB` + esc(v) + `\fR`
		}
		fmt.Fprintf(b, "Values: %s.\n", strings.Join(vals, ", "))
	}
	if r.Note != "" {
		note := strings.TrimSuffix(expand(r.Note), ".")
		fmt.Fprintf(b, "%s.\n", textLine(upperFirst(note)))
	}
}

var statusKnown = map[string]bool{"current": true, "alias": true, "ignored": true, "obsolete": true, "legacy": true, "manual": true, "future": true}

// statusText says what goswan does with a keyword of r's status, beyond
// what the group heading says; "" when the heading says it all.
func statusText(r row) string {
	target := `\fB` + esc(r.MapTo) + `\fR`
	if r.LeftRight && strings.HasPrefix(r.MapTo, "left") {
		target += `, \fB` + esc(rightName(r.MapTo)) + `\fR`
	}
	switch r.Status {
	case "alias":
		return "Alias of " + target
	case "ignored":
		return "Libreswan 4.10 accepts it without effect"
	case "obsolete":
		return "Ignored, with a warning"
	case "legacy":
		if r.MapTo != "" {
			return "Read as " + target + ", with a warning"
		}
		return "Accepted with a warning"
	case "future":
		return "Accepted with a warning"
	}
	return ""
}

func rightName(left string) string { return "right" + strings.TrimPrefix(left, "left") }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// abbrev expands the generation abbreviations the table's notes use.
var abbrev = regexp.MustCompile(`\b(LSmain|LS|FS1 1\.9|FS1|FS2|OS)\b`)

// specRef is a pointer into the project's specification, which the manual
// replaces by its own section.
var specRef = regexp.MustCompile(`[Ss]ee ipsec-conf\.md section [0-9.]+`)

func expand(note string) string {
	note = specRef.ReplaceAllString(note, "see FILE FORMAT above")
	return abbrev.ReplaceAllStringFunc(note, func(s string) string {
		switch s {
		case "LSmain":
			return "Libreswan 5"
		case "LS":
			return "Libreswan 4.10"
		case "FS1 1.9":
			return "FreeS/WAN 1.9"
		case "FS1":
			return "FreeS/WAN 1"
		case "FS2":
			return "FreeS/WAN 2"
		}
		return "Openswan"
	})
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// esc makes plain text safe inside a roff text line: backslashes and
// hyphens (so that keyword names stay ASCII when copied) are escaped.
func esc(s string) string {
	return strings.NewReplacer(`\`, `\e`, `-`, `\-`).Replace(s)
}

// textLine escapes a note and keeps it from being read as a request.
func textLine(s string) string {
	s = esc(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// Splice returns page with the text between the markers replaced by
// section (which carries the markers itself).
func Splice(page, section []byte) ([]byte, error) {
	begin := bytes.Index(page, []byte(BeginMarker+"\n"))
	end := bytes.Index(page, []byte(EndMarker+"\n"))
	if begin < 0 || end < begin {
		return nil, errors.New("markers of the generated keyword section not found")
	}
	var out bytes.Buffer
	out.Write(page[:begin])
	out.Write(section)
	out.Write(page[end+len(EndMarker)+1:])
	return out.Bytes(), nil
}

// Generated extracts the generated section, markers included, from page.
func Generated(page []byte) ([]byte, error) {
	begin := bytes.Index(page, []byte(BeginMarker+"\n"))
	end := bytes.Index(page, []byte(EndMarker+"\n"))
	if begin < 0 || end < begin {
		return nil, errors.New("markers of the generated keyword section not found")
	}
	return page[begin : end+len(EndMarker)+1], nil
}
