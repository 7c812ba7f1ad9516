package conf

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// loadMap parses files["ipsec.conf"] with the other entries as includable
// files.
func loadMap(t *testing.T, files map[string]string) (*Config, error) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, text := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	return Load("ipsec.conf", &Options{FS: fsys})
}

func mustLoad(t *testing.T, text string) *Config {
	t.Helper()
	cfg, err := loadMap(t, map[string]string{"ipsec.conf": text})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return cfg
}

// anyErr is every error of a read: the file's, else config setup's and the
// conns'.
func anyErr(cfg *Config, err error) error {
	if err != nil || cfg == nil {
		return err
	}
	return cfg.Err()
}

// TestResolutionRules encodes the %default, also= and precedence rules of
// Libreswan 4.10 (checked against its readwriteconf; spec ipsec-conf.md §4,
// §6, §7): each case names a conn and the values it must end up with.
func TestResolutionRules(t *testing.T) {
	tests := []struct {
		name string
		conf string
		conn string
		want map[string]string // keyword -> value; "" means unset
	}{
		{"default applies", "conn %default\n\tkeyingtries=5\nconn a\n\tleft=1.2.3.4\n", "a",
			map[string]string{"keyingtries": "5", "left": "1.2.3.4"}},
		{"default after the conn still applies", "conn a\n\tleft=1.2.3.4\nconn %default\n\tkeyingtries=5\n", "a",
			map[string]string{"keyingtries": "5"}},
		{"later default wins", "conn %default\n\tkeyingtries=5\nconn %default\n\tkeyingtries=7\nconn a\n\tleft=1.2.3.4\n", "a",
			map[string]string{"keyingtries": "7"}},
		{"same key twice in one default: later wins", "conn %default\n\tkeyingtries=5\n\tkeyingtries=6\nconn a\n\tleft=1.2.3.4\n", "a",
			map[string]string{"keyingtries": "6"}},
		{"conn overrides default", "conn %default\n\tkeyingtries=5\nconn a\n\tkeyingtries=1\n", "a",
			map[string]string{"keyingtries": "1"}},
		{"also overrides default", "conn %default\n\tkeyingtries=5\nconn a\n\talso=b\nconn b\n\tkeyingtries=2\n", "a",
			map[string]string{"keyingtries": "2"}},
		{"also target defined before", "conn b\n\tleftsubnet=10.0.0.0/8\nconn a\n\talso=b\n", "a",
			map[string]string{"leftsubnet": "10.0.0.0/8"}},
		{"also target defined after", "conn a\n\talso=b\nconn b\n\tleftsubnet=10.0.0.0/8\n", "a",
			map[string]string{"leftsubnet": "10.0.0.0/8"}},
		{"nested also", "conn a\n\talso=b\nconn b\n\talso=c\nconn c\n\trightsubnet=10.9.0.0/16\n", "a",
			map[string]string{"rightsubnet": "10.9.0.0/16"}},
		{"several names in one also", "conn a\n\talso=\"b c\"\nconn b\n\tleft=1.1.1.1\nconn c\n\tright=2.2.2.2\n", "a",
			map[string]string{"left": "1.1.1.1", "right": "2.2.2.2"}},
		{"several also lines", "conn a\n\talso=b\n\talso=c\nconn b\n\tleft=1.1.1.1\nconn c\n\tright=2.2.2.2\n", "a",
			map[string]string{"left": "1.1.1.1", "right": "2.2.2.2"}},
		{"diamond merges once", "conn a\n\talso=b\n\talso=c\nconn b\n\talso=d\nconn c\n\talso=d\nconn d\n\tleftid=@d\n", "a",
			map[string]string{"leftid": "@d"}},
		{"same numeric value twice is harmless", "conn a\n\tkeyingtries=3\n\talso=b\nconn b\n\tkeyingtries=3\n", "a",
			map[string]string{"keyingtries": "3"}},
		{"auto from also is honoured", "conn a\n\tleft=1.1.1.1\n\talso=b\nconn b\n\tauto=start\n", "a",
			map[string]string{"auto": "start"}},
		{"empty string value does not clear the default", "conn %default\n\tleftid=@x\nconn a\n\tleftid=\n", "a",
			map[string]string{"leftid": "@x"}},
		{"bare keyword sets the right end", "conn a\n\tsubnet=10.0.0.0/8\n", "a",
			map[string]string{"rightsubnet": "10.0.0.0/8", "leftsubnet": ""}},
		{"keywords are case-insensitive", "conn a\n\tLEFT=1.1.1.1\n\tRightSubnet=10.0.0.0/8\n", "a",
			map[string]string{"left": "1.1.1.1", "rightsubnet": "10.0.0.0/8"}},
		{"enum values are case-insensitive", "conn a\n\tauto=ADD\n", "a", map[string]string{"auto": "add"}},
		{"alias stored under its canonical name", "conn a\n\tkeylife=8h\n", "a", map[string]string{"ipsec-lifetime": "8h"}},
		{"FreeS/WAN auth=esp is phase2", "conn a\n\tauth=esp\n", "a", map[string]string{"phase2": "esp", "rightauth": ""}},
		{"authby with | is the list it meant", "conn a\n\tauthby=secret|rsasig\n", "a", map[string]string{"authby": "secret,rsasig"}},
		{"alsoflip swaps ends", "conn a\n\talsoflip=b\nconn b\n\tleft=1.1.1.1\n\trightsubnet=10.0.0.0/8\n", "a",
			map[string]string{"right": "1.1.1.1", "leftsubnet": "10.0.0.0/8", "left": ""}},
		{"quoted value keeps blanks and #", "conn a\n\tleftid=\"@foo # x\"\n", "a", map[string]string{"leftid": "@foo # x"}},
		{"# glued to a value is part of it", "conn a\n\tleftid=@a#b\n", "a", map[string]string{"leftid": "@a#b"}},
		{"trailing comment without blank inside", "conn a\n\tleftid=@x #note\n", "a", map[string]string{"leftid": "@x"}},
		{"quote followed by text is raw", "conn a\n\tleftid=\"@foo\"x\n", "a", map[string]string{"leftid": "\"@foo\"x"}},
		{"braces are removed", "conn a\n\tleftsubnets={10.0.0.0/8 10.1.0.0/16}\n", "a", map[string]string{"leftsubnets": "10.0.0.0/8 10.1.0.0/16"}},
		{"blanks around =", "conn a\n\tright = 192.0.2.2\n", "a", map[string]string{"right": "192.0.2.2"}},
		{"CRLF line ends", "conn a\r\n\tauto=add\r\n", "a", map[string]string{"auto": "add"}},
		{"no final newline", "conn a\n\tauto=add", "a", map[string]string{"auto": "add"}},
		{"quoted conn name", "conn \"a b\"\n\tauto=add\n", "a b", map[string]string{"auto": "add"}},
		{"comment lines do not end a section", "conn a\n# c\n\n  # d\n\tauto=add\n", "a", map[string]string{"auto": "add"}},
		{"x- keys pass through", "conn a\n\tx-note=hello\n\tX_other=1\n", "a", map[string]string{"x-note": "hello", "X_other": "1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := mustLoad(t, tc.conf)
			c := cfg.Conn(tc.conn)
			if c == nil {
				t.Fatalf("conn %q missing", tc.conn)
			}
			if c.Err != nil {
				t.Fatalf("conn %q did not load: %v", tc.conn, c.Err)
			}
			for kw, want := range tc.want {
				if got := c.String(kw); got != want {
					t.Errorf("conn %q %s = %q, want %q", tc.conn, kw, got, want)
				}
			}
		})
	}
}

// TestConnLoadFailures covers conns that Libreswan 4.10 refuses to load
// while the rest of the file loads.
func TestConnLoadFailures(t *testing.T) {
	tests := []struct {
		name, conf, conn, wantErr string
	}{
		{"string key in conn and also", "conn a\n\tleftsubnet=10.1.0.0/16\n\talso=b\nconn b\n\tleftsubnet=10.9.0.0/16\n", "a",
			`ipsec.conf:5:2: duplicate key "leftsubnet" in conn "a": also="b" sets it again (first set at ipsec.conf:2:2)`},
		{"string key repeated with the same value", "conn a\n\tleftid=@a\n\tleftid=@a\n", "a",
			`ipsec.conf:3:2: duplicate key "leftid" in conn "a": the conn sets it again (first set at ipsec.conf:2:2)`},
		{"numeric key with different values", "conn a\n\tkeyingtries=3\n\talso=b\nconn b\n\tkeyingtries=7\n", "a",
			`ipsec.conf:5:2: duplicate key "keyingtries" in conn "a": also="b" sets it again (first set at ipsec.conf:2:2)`},
		{"missing also target", "conn a\n\talso=nosuch\n", "a",
			`ipsec.conf:2:7: also="nosuch": no conn "nosuch" (needed by conn "a")`},
		{"missing nested target names the chain", "conn a\n\talso=b\nconn b\n\talso=nosuch\n", "a",
			`ipsec.conf:4:7: also="nosuch": no conn "nosuch" (needed by conn "a" through a → b → nosuch)`},
		{"also cycle names the chain", "conn a\n\talso=b\nconn b\n\talso=a\n", "b",
			`ipsec.conf:2:7: also="b" cycle: b → a → b (conn "b" at ipsec.conf:3:1)`},
		{"self reference", "conn a\n\talso=a\n", "a", `ipsec.conf:2:7: also="a" cycle: a → a (conn "a" at ipsec.conf:1:1)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := mustLoad(t, tc.conf)
			c := cfg.Conn(tc.conn)
			if c == nil {
				t.Fatalf("conn %q missing", tc.conn)
			}
			if c.Err == nil {
				t.Fatalf("conn %q loaded, want error %q", tc.conn, tc.wantErr)
			}
			if got := c.Err.Error(); got != tc.wantErr {
				t.Errorf("conn %q error =\n%s\nwant\n%s", tc.conn, got, tc.wantErr)
			}
		})
	}
}

func TestAlsoLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("conn a\n")
	for i := 0; i < 40; i++ {
		b.WriteString("\talso=f" + string(rune('A'+i/26)) + string(rune('a'+i%26)) + "\n")
	}
	for i := 0; i < 40; i++ {
		b.WriteString("conn f" + string(rune('A'+i/26)) + string(rune('a'+i%26)) + "\n\tx-n=1\n")
	}
	c := mustLoad(t, b.String()).Conn("a")
	if c.Err == nil || !strings.Contains(c.Err.Error(), "more than 32 also= sections") {
		t.Errorf("conn with 40 also= sections: err = %v, want the 32-section limit", c.Err)
	}
}

func TestIncludes(t *testing.T) {
	files := map[string]string{
		"ipsec.conf":           "config setup\n\tuniqueids=no\ninclude ipsec.d/*.conf\ninclude extra/{one,two}.conf\ninclude /etc/abs.conf\n",
		"ipsec.d/a.conf":       "conn a\n\tauto=add\n\tinclude2=x\n",
		"ipsec.d/b.conf":       "conn b\n\tauto=start\n",
		"ipsec.d/sub/one.conf": "conn nope\n",
		"extra/one.conf":       "conn one\n\talso=shared\n",
		"extra/two.conf":       "conn two\n\talso=shared\ninclude ../shared.inc\n",
		"shared.inc":           "conn shared\n\tleft=192.0.2.1\n",
		"etc/abs.conf":         "conn abs\n\tauto=ignore\n",
	}
	files["ipsec.d/a.conf"] = "conn a\n\tauto=add\n"
	cfg, err := loadMap(t, files)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var names []string
	for _, c := range cfg.Conns {
		names = append(names, c.Name)
	}
	if got, want := strings.Join(names, " "), "a b one two shared abs"; got != want {
		t.Errorf("conns = %q, want %q", got, want)
	}
	if got := cfg.Conn("one").String("left"); got != "192.0.2.1" {
		t.Errorf("conn one left = %q, want the value from the nested include", got)
	}
	if len(cfg.Files) != 7 {
		t.Errorf("Files = %q, want 7 files", cfg.Files)
	}
}

func TestIncludeErrors(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		wantErr  string
		wantWarn string
	}{
		{"cycle", map[string]string{"ipsec.conf": "include a.conf\n", "a.conf": "include b.conf\n", "b.conf": "include a.conf\n"},
			"b.conf:1:9: include cycle: a.conf → b.conf → a.conf", ""},
		{"self", map[string]string{"ipsec.conf": "include ipsec.conf\n"},
			"ipsec.conf:1:9: include cycle: ipsec.conf → ipsec.conf", ""},
		{"missing file warns", map[string]string{"ipsec.conf": "include nosuch.conf\nconn a\n\tauto=add\n"},
			"", `ipsec.conf:1:9: include "nosuch.conf": no such file; skipped`},
		{"empty glob is fine", map[string]string{"ipsec.conf": "include ipsec.d/*.conf\n"}, "", ""},
		{"version in included file", map[string]string{"ipsec.conf": "include a.conf\n", "a.conf": "version 2\n"},
			`a.conf:1:1: "version" is not allowed in an included file`, ""},
		{"indented include", map[string]string{"ipsec.conf": "conn a\n\tinclude a.conf\n"},
			`ipsec.conf:2:2: "include" must start in column 1 (it is indented)`, `ipsec.conf:2:10: include "a.conf": no such file; skipped`},
		{"two names", map[string]string{"ipsec.conf": "include a.conf b.conf\n", "a.conf": "", "b.conf": ""},
			`ipsec.conf:1:16: include takes one file name or pattern, not also "b.conf" (use a glob or one include line each)`, ""},
		{"keywords after include", map[string]string{"ipsec.conf": "conn a\ninclude a.conf\n\tauto=add\n", "a.conf": ""},
			`ipsec.conf:3:2: keyword "auto" does not belong to any section (an include line or a bad header ended the section)`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := loadMap(t, tc.files)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tc.wantErr {
				t.Errorf("error =\n%s\nwant\n%s", gotErr, tc.wantErr)
			}
			gotWarn := ""
			if cfg != nil && len(cfg.Warnings) > 0 {
				gotWarn = cfg.Warnings.Error()
			}
			if gotWarn != tc.wantWarn {
				t.Errorf("warnings =\n%s\nwant\n%s", gotWarn, tc.wantWarn)
			}
		})
	}
}

func TestIncludeDepth(t *testing.T) {
	files := map[string]string{"ipsec.conf": "include f1.conf\n"}
	for i := 1; i <= 12; i++ {
		files["f"+itoa(i)+".conf"] = "include f" + itoa(i+1) + ".conf\n"
	}
	_, err := loadMap(t, files)
	if err == nil || !strings.Contains(err.Error(), "nesting deeper than 10 files") {
		t.Errorf("12 nested includes: err = %v, want the depth limit", err)
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestSetupSections(t *testing.T) {
	cfg := mustLoad(t, "config setup\n\tuniqueids=no\nconn a\n\tauto=add\nconfig setup\n\tuniqueids=yes\n\tplutodebug=all\n")
	if got := cfg.Setup.String("uniqueids"); got != "yes" {
		t.Errorf("second config setup: uniqueids = %q, want the later value yes (Libreswan drops it: intended difference)", got)
	}
	if got := cfg.Setup.String("plutodebug"); got != "all" {
		t.Errorf("second config setup: plutodebug = %q, want all", got)
	}
	if len(cfg.Warnings) == 0 {
		t.Errorf("second config setup gave no warning")
	}
	cfg = mustLoad(t, "config setup\n\tlogfile=/a\n\tplutostderrlog=/b\n")
	if got := cfg.Setup.String("logfile"); got != "/b" {
		t.Errorf("alias across a setup section: logfile = %q, want /b (last wins)", got)
	}
}

func TestTypedAccessors(t *testing.T) {
	cfg := mustLoad(t, `conn a
	left=192.0.2.1
	leftsubnet=10.1.2.3/255.255.0.0
	rightsubnet=2001:db8::/32
	ikelifetime=1.5h
	rekeymargin=3m
	retransmit-interval=500
	keyingtries=%forever
	pfs=no
	authby=rsasig,secret
`)
	c := cfg.Conn("a")
	if a, ok := c.Addr("left"); !ok || a.String() != "192.0.2.1" {
		t.Errorf("Addr(left) = %v, %v", a, ok)
	}
	if p, ok := c.Prefix("leftsubnet"); !ok || p.String() != "10.1.0.0/16" {
		t.Errorf("Prefix(leftsubnet) = %v, %v; want 10.1.0.0/16", p, ok)
	}
	if p, ok := c.Prefix("rightsubnet"); !ok || p.String() != "2001:db8::/32" {
		t.Errorf("Prefix(rightsubnet) = %v, %v", p, ok)
	}
	if d, ok := c.Duration("ikelifetime"); !ok || d != 90*time.Minute {
		t.Errorf("Duration(ikelifetime=1.5h) = %v, %v; want 1h30m", d, ok)
	}
	if d, ok := c.Duration("rekeymargin"); !ok || d != 3*time.Minute {
		t.Errorf("Duration(rekeymargin) = %v", d)
	}
	if d, ok := c.Duration("retransmit-interval"); !ok || d != 500*time.Millisecond {
		t.Errorf("Duration(retransmit-interval=500) = %v; want 500ms (its default unit)", d)
	}
	if n, ok := c.Int("keyingtries"); !ok || n != 0 {
		t.Errorf("Int(keyingtries=%%forever) = %v, %v; want 0", n, ok)
	}
	if b, ok := c.Bool("pfs"); !ok || b {
		t.Errorf("Bool(pfs=no) = %v, %v", b, ok)
	}
	if l := c.List("authby"); strings.Join(l, "+") != "rsasig+secret" {
		t.Errorf("List(authby) = %q", l)
	}
	if c.Auto() != "ignore" {
		t.Errorf("Auto() without auto= = %q, want ignore", c.Auto())
	}
}

func TestAutoAndManual(t *testing.T) {
	cfg := mustLoad(t, "conn r\n\tauto=route\nconn u\n\tauto=up\nconn m\n\tspi=0x200\n\tesp=3des-md5-96\nconn k\n\tauto=keep\n")
	for name, want := range map[string]string{"r": "ondemand", "u": "start", "m": "ignore", "k": "keep"} {
		if got := cfg.Conn(name).Auto(); got != want {
			t.Errorf("conn %s Auto() = %q, want %q", name, got, want)
		}
	}
	if !cfg.Conn("m").IsManual() || cfg.Conn("r").IsManual() {
		t.Errorf("IsManual: m=%v r=%v, want true false", cfg.Conn("m").IsManual(), cfg.Conn("r").IsManual())
	}
}
