package tests

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"goswan/conf"
	"goswan/tests/testenv"
)

// TestDifferentialReadwriteconf runs Libreswan 4.10's readwriteconf and ours
// on every file of testdata/conf and checks that both read the same thing:
// whether the whole file is rejected, which conns load, and for each conn
// that loads its auto=, left/right, subnets, ids, authby and lifetimes.
//
// Each file is read with the working directory set to its own directory, so
// that relative include names mean the same to Libreswan (which takes them
// from the process's working directory) and to us (from the including
// file's directory). Every disagreement must be listed in intendedDiffs with
// its reason, and every listed difference must still occur.
func TestDifferentialReadwriteconf(t *testing.T) {
	ls := testenv.MustHaveLibreswan(t)
	ours := testenv.Binary(t)

	files, err := filepath.Glob(filepath.Join("testdata", "conf", "*.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 60 {
		t.Fatalf("corpus has %d files, want at least 60", len(files))
	}
	seen := map[diffKey]bool{}
	ran := map[string]bool{}
	var agreeFiles, agreeConns, totalConns int
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			ran[name] = true
			checkPurpose(t, file)
			theirs := runLibreswan(t, ls.Readwriteconf, file)
			mine := runOurs(t, ours, file)
			diffs := compareReads(theirs, mine)
			clean := true
			for _, d := range diffs {
				k := diffKey{name, d.field}
				if reason, ok := intendedDiffs[k]; ok {
					seen[k] = true
					t.Logf("intended difference %s: Libreswan %q, ours %q (%s)", d.field, d.theirs, d.ours, reason)
					continue
				}
				clean = false
				t.Errorf("%s: Libreswan %q, ours %q", d.field, d.theirs, d.ours)
			}
			if clean && len(diffs) == 0 {
				agreeFiles++
			}
			for _, c := range theirs.conns {
				totalConns++
				if !hasConnDiff(diffs, c.name) {
					agreeConns++
				}
			}
		})
	}
	for k, reason := range intendedDiffs {
		if ran[k.file] && !seen[k] {
			t.Errorf("intended difference %s %s (%s) no longer occurs: remove it from the table", k.file, k.field, reason)
		}
	}
	t.Logf("corpus: %d files; %d agree on every field; %d of %d Libreswan conns agree; %d intended differences",
		len(files), agreeFiles, agreeConns, totalConns, len(intendedDiffs))
}

// checkPurpose insists on the one-line `# purpose:` comment that says what
// each corpus file is for.
func checkPurpose(t *testing.T, file string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("# purpose: ")) {
		t.Errorf("%s has no \"# purpose:\" line", file)
	}
}

func hasConnDiff(diffs []fieldDiff, conn string) bool {
	for _, d := range diffs {
		if d.field == "loaded" || d.field == "file" || strings.HasPrefix(d.field, conn+".") {
			return true
		}
	}
	return false
}

// A read is one program's view of a file: rejected as a whole, or the conns
// it lists in file order, each loaded or not, with the compared fields.
type read struct {
	rejected bool
	conns    []connRead
}

type connRead struct {
	name   string
	loaded bool
	fields map[string]string
}

// comparedFields are the per-conn values both programs must agree on, after
// normalisation (auto aliases, authby case and separators, durations).
var comparedFields = []string{
	"auto", "left", "right", "leftsubnet", "rightsubnet", "leftid", "rightid",
	"authby", "ikelifetime", "ipsec-lifetime",
}

type fieldDiff struct{ field, theirs, ours string }

func compareReads(theirs, ours read) []fieldDiff {
	if theirs.rejected || ours.rejected {
		if theirs.rejected != ours.rejected {
			return []fieldDiff{{"file", rejectWord(theirs.rejected), rejectWord(ours.rejected)}}
		}
		return nil
	}
	var diffs []fieldDiff
	tl, ol := loadedNames(theirs), loadedNames(ours)
	if tl != ol {
		diffs = append(diffs, fieldDiff{"loaded", tl, ol})
	}
	mine := map[string]connRead{}
	for _, c := range ours.conns {
		if c.loaded {
			mine[c.name] = c
		}
	}
	for _, c := range theirs.conns {
		o, ok := mine[c.name]
		if !c.loaded || !ok {
			continue
		}
		for _, f := range comparedFields {
			if c.fields[f] != o.fields[f] && !(c.fields[f] == "" && libreswanCannotPrint(f, o.fields[f])) {
				diffs = append(diffs, fieldDiff{c.name + "." + f, c.fields[f], o.fields[f]})
			}
		}
	}
	return diffs
}

// libreswanCannotPrint reports values that Libreswan reads but its
// readwriteconf leaves out of its output (confwrite prints only the host
// types and subnets it has words for): %defaultroute6 and %any6 hosts,
// vhost:/vnet: subnets. Those fields cannot be compared.
func libreswanCannotPrint(field, v string) bool {
	switch field {
	case "left", "right":
		return v == "%defaultroute6" || v == "%any6"
	case "leftsubnet", "rightsubnet":
		return strings.HasPrefix(v, "vhost:") || strings.HasPrefix(v, "vnet:")
	}
	return false
}

func rejectWord(r bool) string {
	if r {
		return "rejected"
	}
	return "accepted"
}

// loadedNames lists the conns that load, sorted, one entry per section (so
// duplicate names show twice).
func loadedNames(r read) string {
	var names []string
	for _, c := range r.conns {
		if c.loaded {
			names = append(names, c.name)
		}
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}

// runLibreswan reads file with Libreswan's readwriteconf. A non-zero exit
// status means the whole file was rejected (3: syntax error, 1: invalid
// enum value). A conn that "did not load properly" is still printed, with
// a `while loading 'NAME': ...` line on stderr.
func runLibreswan(t *testing.T, prog, file string) read {
	t.Helper()
	cmd := exec.Command(prog, "--config", filepath.Base(file))
	cmd.Dir = filepath.Dir(file)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("running %s: %v", prog, err)
		}
		return read{rejected: true}
	}
	failed := map[string]bool{}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "while loading '"); ok {
			if i := strings.LastIndex(rest, "': "); i >= 0 {
				failed[rest[:i]] = true
			}
		}
	}
	var r read
	for _, s := range parseReadwriteconf(stdout.String()) {
		c := connRead{name: s.name, loaded: !failed[s.name], fields: map[string]string{}}
		for _, f := range comparedFields {
			c.fields[f] = libreswanField(f, s)
		}
		r.conns = append(r.conns, c)
	}
	return r
}

// libreswanField normalises what Libreswan's readwriteconf prints for one
// key. It prints string-valued keys first (only those that are set, plus
// an empty `auto=`), then numbers (durations in milliseconds), then the
// enums starting with `auto=VALUE` (always printed), then, except for
// type=passthrough/drop/reject, the policy derived from authby= (PSK,
// RSASIG, AUTH_NULL, none ...). So the authby= the user wrote is the one
// printed before the last non-empty auto=.
func libreswanField(field string, s rwcSection) string {
	vals := s.values(field)
	switch field {
	case "auto":
		for i := len(vals) - 1; i >= 0; i-- {
			if vals[i] != "" {
				return normAuto(vals[i])
			}
		}
		return "ignore"
	case "authby":
		enums := len(s.kvs)
		for i, kv := range s.kvs {
			if kv[0] == "auto" && kv[1] != "" {
				enums = i
			}
		}
		for _, kv := range s.kvs[:enums] {
			if kv[0] == "authby" {
				return normAuthby(kv[1])
			}
		}
		return ""
	case "ikelifetime", "ipsec-lifetime":
		if len(vals) == 0 {
			return ""
		}
		ms, err := strconv.ParseInt(vals[len(vals)-1], 10, 64)
		if err != nil {
			return "unparsable " + vals[len(vals)-1]
		}
		return (time.Duration(ms) * time.Millisecond).String()
	case "leftid", "rightid":
		if len(vals) == 0 {
			return ""
		}
		return vals[len(vals)-1]
	}
	if len(vals) == 0 {
		return ""
	}
	return vals[len(vals)-1]
}

// runOurs reads file with our readwriteconf binary, and with conf.Load to
// learn which conns failed (the binary leaves them out of its output and
// reports them on stderr by position).
func runOurs(t *testing.T, prog, file string) read {
	t.Helper()
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	cfg, loadErr := conf.Load(abs, &conf.Options{})

	cmd := exec.Command(prog, "readwriteconf", "--config", filepath.Base(file))
	cmd.Dir = filepath.Dir(file)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if _, ok := runErr.(*exec.ExitError); runErr != nil && !ok {
		t.Fatalf("running %s: %v", prog, runErr)
	}
	if loadErr != nil {
		if runErr == nil || stdout.Len() != 0 {
			t.Errorf("conf.Load rejects the file (%v) but readwriteconf exited %v with output %q", loadErr, runErr, stdout.String())
		}
		return read{rejected: true}
	}
	if (runErr != nil) != (cfg.ConnErrors() != nil) {
		t.Errorf("readwriteconf exit %v does not match the conn errors %v", runErr, cfg.ConnErrors())
	}
	printed := map[string]rwcSection{}
	for _, s := range parseReadwriteconf(stdout.String()) {
		printed[s.name] = s
	}
	var r read
	for _, cn := range cfg.Conns {
		c := connRead{name: cn.Name, loaded: cn.Err == nil, fields: map[string]string{}}
		s, ok := printed[cn.Name]
		if c.loaded && !ok {
			t.Errorf("conn %q loaded but readwriteconf did not print it", cn.Name)
		}
		if !c.loaded && ok {
			t.Errorf("conn %q failed (%v) but readwriteconf printed it", cn.Name, cn.Err)
		}
		for _, f := range comparedFields {
			c.fields[f] = ourField(t, f, s.values(f))
		}
		r.conns = append(r.conns, c)
	}
	return r
}

// ourField normalises what our readwriteconf prints: values as written
// (canonical keyword names), durations with their units.
func ourField(t *testing.T, field string, vals []string) string {
	if len(vals) > 1 {
		t.Errorf("our readwriteconf printed %s %d times", field, len(vals))
	}
	v := ""
	if len(vals) > 0 {
		v = vals[len(vals)-1]
	}
	switch field {
	case "auto":
		return normAuto(v)
	case "authby":
		return normAuthby(v)
	case "leftid", "rightid":
		// Libreswan prints the ",," of a DN (an escaped comma) as "\,".
		if strings.Contains(v, "=") {
			return strings.ReplaceAll(v, ",,", `\,`)
		}
		return v
	case "ikelifetime", "ipsec-lifetime":
		if v == "" {
			return ""
		}
		d, err := parseDuration(v)
		if err != nil {
			return "unparsable " + v
		}
		return d.String()
	}
	return v
}

func normAuto(v string) string {
	switch v = strings.ToLower(v); v {
	case "", "ignore":
		return "ignore"
	case "route":
		return "ondemand"
	case "up":
		return "start"
	}
	return v
}

// normAuthby compares authby lists regardless of separator (comma or blank).
func normAuthby(v string) string {
	return strings.Join(strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }), ",")
}

// parseDuration reads a duration as an ipsec.conf value: a decimal number
// with an optional unit ms, s, m, h, d or w (none = seconds), or %forever.
func parseDuration(v string) (time.Duration, error) {
	if v == "%forever" {
		return 0, nil
	}
	l := strings.ToLower(v)
	i := strings.IndexFunc(l, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := l, ""
	if i >= 0 {
		num, unit = l[:i], l[i:]
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, err
	}
	scale := map[string]time.Duration{
		"": time.Second, "ms": time.Millisecond, "s": time.Second, "m": time.Minute,
		"h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour,
	}
	u, ok := scale[unit]
	if !ok {
		return 0, fmt.Errorf("unknown unit %q", unit)
	}
	return time.Duration(n * float64(u)), nil
}

// section is one conn of readwriteconf output: its key=value lines in
// order (keys lower-cased, values unquoted).
type rwcSection struct {
	name string
	kvs  [][2]string
}

// values returns every value printed for key, in order.
func (s rwcSection) values(key string) []string {
	var vals []string
	for _, kv := range s.kvs {
		if kv[0] == key {
			vals = append(vals, kv[1])
		}
	}
	return vals
}

// parseReadwriteconf reads the output of either readwriteconf: `conn NAME`
// headers at column 0, `\tkey=value` lines with optional "..." or {...}
// around the value, `#` comment lines (Libreswan prints `#also = X`).
// config setup and version lines are skipped.
func parseReadwriteconf(out string) []rwcSection {
	var secs []rwcSection
	var cur *rwcSection
	for _, line := range strings.Split(out, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
			continue
		case strings.HasPrefix(line, "conn "):
			secs = append(secs, rwcSection{name: unquote(strings.TrimPrefix(line, "conn "))})
			cur = &secs[len(secs)-1]
		case line[0] != ' ' && line[0] != '\t':
			cur = nil // config setup, version
		case cur != nil:
			if k, v, ok := strings.Cut(trimmed, "="); ok {
				cur.kvs = append(cur.kvs, [2]string{strings.ToLower(k), unquote(v)})
			}
		}
	}
	return secs
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '{' && v[len(v)-1] == '}') {
		return v[1 : len(v)-1]
	}
	return v
}

type diffKey struct{ file, field string }

// intendedDiffs lists every place where we deliberately read a corpus file
// differently from Libreswan 4.10, keyed by file and field ("file": the
// whole file is accepted by one and rejected by the other; "loaded": the
// set of conns that load; "CONN.FIELD": one value), with the reason.
var intendedDiffs = map[diffKey]string{}
