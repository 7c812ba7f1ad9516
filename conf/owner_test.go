package conf

import (
	"reflect"
	"sort"
	"strings"
	"testing"
)

// TestErrorOwners is the rule table of who owns an error: the file (it
// cannot be read: nothing loads), config setup (only the bad keyword is
// left out) or one conn (only it is unusable; a bad value in %default or
// in an also= fragment makes each conn that uses it unusable, positioned at
// the bad value and naming the conn). A name defined twice keeps the first
// definition and warns, naming both positions.
func TestErrorOwners(t *testing.T) {
	const good = "conn good\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauto=add\n"
	tests := []struct {
		name     string
		conf     string
		file     string            // the file error, "" when readable
		setup    string            // config setup's error
		conns    map[string]string // each conn's error, "" when usable
		warnings string
		setupKW  map[string]string // config setup values that stand
	}{
		{name: "unterminated quote is a file error",
			conf: good + "conn bad\n\tleftid=\"@x\n",
			file: `ipsec.conf:6:9: unterminated quoted string (no closing '"' on this line)`},
		{name: "text after a conn name is a file error",
			conf: good + "conn bad x\n\tleft=192.0.2.1\n",
			file: `ipsec.conf:5:10: unexpected "x" after conn name "bad" (quote a name that contains blanks)`},
		{name: "a keyword outside any section is a file error",
			conf: "\tleft=192.0.2.1\n" + good,
			file: `ipsec.conf:1:2: keyword "left" outside any section (start one with "config setup" or "conn NAME" in column 1)`},
		{name: "an unknown section type is a file error",
			conf: good + "connn bad\n",
			file: `ipsec.conf:5:1: unknown section type "connn" (did you mean "conn"?)`},
		{name: "a bad value belongs to its conn",
			conf:  good + "conn bad\n\tleft=192.0.2.1\n\tleftsubnet=10.0.0.0/33\n",
			conns: map[string]string{"good": "", "bad": `ipsec.conf:7:13: leftsubnet: "10.0.0.0/33" is not a subnet (address/length)`}},
		{name: "an unknown keyword belongs to its conn",
			conf:  good + "conn bad\n\tlefftsubnet=10.0.0.0/8\n",
			conns: map[string]string{"good": "", "bad": `ipsec.conf:6:2: unknown keyword "lefftsubnet" (did you mean "leftsubnet"?)`}},
		{name: "a bad auto= value keeps its conn out, not ignored",
			conf:  good + "conn bad\n\tleft=192.0.2.1\n\tauto=ad\n",
			conns: map[string]string{"good": "", "bad": `ipsec.conf:7:7: auto: "ad" is not one of ignore, add, ondemand, route, start, up, keep, manual`}},
		{name: "a setup keyword in a conn is a warning",
			conf:     good + "conn other\n\tleft=192.0.2.1\n\tuniqueids=yes\n",
			conns:    map[string]string{"good": "", "other": ""},
			warnings: `ipsec.conf:7:2: config setup keyword "uniqueids" is not valid in conn "other"; ignored`},
		{name: "a conn keyword in config setup belongs to config setup",
			conf:    "config setup\n\tkeyingtries=3\n\tuniqueids=no\n" + good,
			setup:   `ipsec.conf:2:2: conn keyword "keyingtries" is not allowed in config setup`,
			conns:   map[string]string{"good": ""},
			setupKW: map[string]string{"uniqueids": "no"}},
		{name: "a bad value in config setup leaves the others standing",
			conf:    "config setup\n\tuniqueids=maybe\n\tplutodebug=all\n\tfrobnicate=1\n" + good,
			setup:   "ipsec.conf:2:12: uniqueids: \"maybe\" is not yes or no\nipsec.conf:4:2: unknown keyword \"frobnicate\"",
			conns:   map[string]string{"good": ""},
			setupKW: map[string]string{"plutodebug": "all"}},
		{name: "a bad %default value belongs to each conn that uses it",
			conf: "conn %default\n\tikelifetime=1x\n" + good + "conn own\n\tleft=192.0.2.1\n\tikelifetime=1h\n",
			conns: map[string]string{
				"good": `ipsec.conf:2:14: ikelifetime: "1x" is not a duration (N with unit ms, s, m, h, d or w) (in conn %default, used by conn "good")`,
				"own":  ""}},
		{name: "a bad %default value every conn overrides is a warning",
			conf:     "conn %default\n\tpfs=maybe\nconn a\n\tleft=192.0.2.1\n\tpfs=no\n",
			conns:    map[string]string{"a": ""},
			warnings: `ipsec.conf:2:6: pfs: "maybe" is not yes or no (in conn %default, used by no conn)`},
		{name: "a bad %default value with no conn is a warning",
			conf:     "conn %default\n\tpfs=maybe\n",
			conns:    map[string]string{},
			warnings: `ipsec.conf:2:6: pfs: "maybe" is not yes or no (in conn %default, used by no conn)`},
		{name: "an unknown %default keyword belongs to every conn",
			conf: "conn %default\n\tfrobnicate=1\n" + good,
			conns: map[string]string{
				"good": `ipsec.conf:2:2: unknown keyword "frobnicate" (in conn %default, used by conn "good")`}},
		{name: "also= in %default belongs to every conn",
			conf: "conn %default\n\talso=good\n" + good,
			conns: map[string]string{
				"good": `ipsec.conf:2:2: also= is not allowed in conn %default (it would apply to every conn); move it into the conns (in conn %default, used by conn "good")`}},
		{name: "a bad fragment value belongs to the fragment and each conn that takes it",
			conf: good + "conn frag\n\tpfs=maybe\nconn a\n\talso=frag\n\tleft=192.0.2.1\nconn b\n\tleft=192.0.2.1\n\talso=frag\nconn c\n\tleft=192.0.2.1\n",
			conns: map[string]string{"good": "", "c": "",
				"frag": `ipsec.conf:6:6: pfs: "maybe" is not yes or no`,
				"a":    `ipsec.conf:6:6: pfs: "maybe" is not yes or no (in conn "frag", used by conn "a" through also=)`,
				"b":    `ipsec.conf:6:6: pfs: "maybe" is not yes or no (in conn "frag", used by conn "b" through also=)`}},
		{name: "a bad value two also= steps away",
			conf: "conn a\n\talso=b\nconn b\n\talso=c\nconn c\n\tpfs=maybe\n",
			conns: map[string]string{
				"a": `ipsec.conf:6:6: pfs: "maybe" is not yes or no (in conn "c", used by conn "a" through also=)`,
				"b": `ipsec.conf:6:6: pfs: "maybe" is not yes or no (in conn "c", used by conn "b" through also=)`,
				"c": `ipsec.conf:6:6: pfs: "maybe" is not yes or no`}},
		{name: "a dangling also= in an auto=ignore conn belongs to that conn",
			conf:  good + "conn frag\n\talso=nosuch\n\tauto=ignore\n",
			conns: map[string]string{"good": "", "frag": `ipsec.conf:6:7: also="nosuch": no conn "nosuch" (needed by conn "frag")`}},
		{name: "a key conflict between a conn and its also= belongs to the conn",
			conf:  good + "conn a\n\tleftsubnet=10.1.0.0/16\n\talso=b\nconn b\n\tleftsubnet=10.9.0.0/16\n",
			conns: map[string]string{"good": "", "b": "", "a": `ipsec.conf:9:2: duplicate key "leftsubnet" in conn "a": also="b" sets it again (first set at ipsec.conf:6:2)`}},
		{name: "a resolved-conn rule belongs to the conn",
			conf:  good + "conn a\n\tleftsubnet=10.1.0.0/16\n\tleftaddresspool=10.2.0.1-10.2.0.9\n",
			conns: map[string]string{"good": "", "a": `ipsec.conf:7:2: cannot specify both leftsubnet= and leftaddresspool=`}},
		{name: "a name defined twice keeps the first and warns",
			conf:     good + "conn good\n\tleft=192.0.2.9\n\tfrobnicate=1\n",
			conns:    map[string]string{"good": ""},
			warnings: `ipsec.conf:5:1: conn "good" is defined again (first at ipsec.conf:1:1): this definition is ignored`},
		{name: "also= takes the first of two definitions",
			conf:     "conn frag\n\tpfs=no\nconn frag\n\tpfs=maybe\nconn a\n\talso=frag\n",
			conns:    map[string]string{"frag": "", "a": ""},
			warnings: `ipsec.conf:3:1: conn "frag" is defined again (first at ipsec.conf:1:1): this definition is ignored`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := loadMap(t, map[string]string{"ipsec.conf": tc.conf})
			if got := errText(err); got != tc.file {
				t.Fatalf("file error = %q, want %q", got, tc.file)
			}
			if tc.file != "" {
				return
			}
			if got := errText(cfg.Setup.Err); got != tc.setup {
				t.Errorf("config setup error = %q, want %q", got, tc.setup)
			}
			for kw, want := range tc.setupKW {
				if got := cfg.Setup.String(kw); got != want {
					t.Errorf("config setup %s = %q, want %q", kw, got, want)
				}
			}
			got := map[string]string{}
			var wantUsable []string
			for _, c := range cfg.Conns {
				got[c.Name] = errText(c.Err)
			}
			for name, e := range tc.conns {
				if e == "" {
					wantUsable = append(wantUsable, name)
				}
			}
			for name := range got {
				if _, ok := tc.conns[name]; !ok {
					t.Errorf("conn %q: unexpected (error %q)", name, got[name])
				}
			}
			for name, want := range tc.conns {
				if g, ok := got[name]; !ok {
					t.Errorf("conn %q missing", name)
				} else if g != want {
					t.Errorf("conn %q error = %q, want %q", name, g, want)
				}
			}
			var usable []string
			for _, c := range cfg.Usable() {
				usable = append(usable, c.Name)
			}
			sort.Strings(usable)
			sort.Strings(wantUsable)
			if !reflect.DeepEqual(wantUsable, usable) {
				t.Errorf("Usable = %q, want %q", usable, wantUsable)
			}
			if len(cfg.Unusable())+len(usable) != len(cfg.Conns) {
				t.Errorf("Usable and Unusable do not partition Conns")
			}
			if got := errText(cfg.Warnings.Err()); got != tc.warnings {
				t.Errorf("warnings = %q, want %q", got, tc.warnings)
			}
			// Config.Err is config setup's errors and every conn's, sorted.
			var all []string
			for _, e := range []string{tc.setup} {
				if e != "" {
					all = append(all, strings.Split(e, "\n")...)
				}
			}
			for _, e := range tc.conns {
				if e != "" {
					all = append(all, strings.Split(e, "\n")...)
				}
			}
			var lines []string
			if err := cfg.Err(); err != nil {
				lines = strings.Split(err.Error(), "\n")
			}
			sort.Strings(all)
			if got := sortedCopy(lines); !reflect.DeepEqual(all, got) {
				t.Errorf("Config.Err lines = %q, want %q", got, all)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}
