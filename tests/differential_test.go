package tests

import (
	"bytes"
	"fmt"
	"math/bits"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
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
//
// "Rejected" means the file cannot be read at all (a syntax error); a bad
// keyword or value makes only its conn unusable (or is left out of config
// setup), so where Libreswan's parser gives up on a whole file we may load
// its other conns: those files are listed.
//
// Two differences hold for every file and are not listed one by one: a conn
// that fails to load is left out of our readwriteconf and addconn --listall
// output and makes them and addconn --checkconfig exit 1 (so does a bad
// config setup keyword), where Libreswan prints it with its defaults, lists
// it and exits 0 (a check that passes over a broken conn would hide it). Values Libreswan's readwriteconf cannot
// print (see libreswanCannotPrint) are not compared.
func TestDifferentialReadwriteconf(t *testing.T) {
	ls := testenv.MustHaveLibreswan(t)
	ours := testenv.Binary(t)

	// IPSEC_DIFF_CORPUS=DIR runs the comparison on other files, e.g. a
	// directory of real configurations; only the files here have their
	// intended differences listed.
	dir := filepath.Join("testdata", "conf")
	if d := os.Getenv("IPSEC_DIFF_CORPUS"); d != "" {
		dir = d
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 60 && dir == filepath.Join("testdata", "conf") {
		t.Fatalf("corpus has %d files, want at least 60", len(files))
	}
	var (
		mu   sync.Mutex // guards seen, ran, st: the files run in parallel
		seen = map[diffKey]bool{}
		ran  = map[string]bool{}
		st   stats
	)
	// Each file costs a few short processes; running files in parallel
	// overlaps their start-up. The group returns when all are done.
	t.Run("corpus", func(t *testing.T) {
		for _, file := range files {
			name := filepath.Base(file)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				if dir == filepath.Join("testdata", "conf") {
					checkPurpose(t, file)
				}
				theirs := runLibreswan(t, ls.Readwriteconf, file)
				mine := runOurs(t, ours, file)
				checkAddconn(t, ls.Addconn, ours, file, theirs, mine)
				diffs := compareReads(theirs, mine)
				mu.Lock()
				defer mu.Unlock()
				ran[name] = true
				for _, d := range diffs {
					k := diffKey{name, d.field}
					if reason, ok := intendedDiffs[k]; ok {
						seen[k] = true
						t.Logf("intended difference %s: Libreswan %q, ours %q (%s)", d.field, d.theirs, d.ours, reason)
						continue
					}
					t.Errorf("%s: Libreswan %q, ours %q", d.field, d.theirs, d.ours)
				}
				st.add(theirs, mine, diffs)
			})
		}
	})
	for k, reason := range intendedDiffs {
		if ran[k.file] && !seen[k] {
			t.Errorf("intended difference %s %s (%s) no longer occurs: remove it from the table", k.file, k.field, reason)
		}
	}
	t.Logf("corpus: %d files; both reject %d, both accept %d (%d of them agreeing on every field), acceptance differs in %d",
		st.files, st.bothReject, st.bothAccept, st.agreeFiles, st.files-st.bothReject-st.bothAccept)
	t.Logf("conns in files both accept: Libreswan lists %d, both load %d, %d of those agree on every compared field; %d intended differences in all",
		st.conns, st.bothLoaded, st.fieldsAgree, len(intendedDiffs))
}

// stats counts how far the two readers agree, for the test log.
type stats struct {
	files, bothReject, bothAccept, agreeFiles int
	conns, bothLoaded, fieldsAgree            int
}

func (st *stats) add(theirs, ours read, diffs []fieldDiff) {
	st.files++
	switch {
	case theirs.rejected && ours.rejected:
		st.bothReject++
		return
	case theirs.rejected || ours.rejected:
		return
	}
	st.bothAccept++
	if len(diffs) == 0 {
		st.agreeFiles++
	}
	loaded := map[string]bool{}
	for _, c := range ours.conns {
		loaded[c.name] = c.loaded
	}
	for _, c := range theirs.conns {
		st.conns++
		if c.loaded && loaded[c.name] {
			st.bothLoaded++
			if !hasConnDiff(diffs, c.name) {
				st.fieldsAgree++
			}
		}
	}
}

// checkAddconn checks that each program's addconn agrees with its own
// readwriteconf: `--checkconfig` fails exactly when the file is rejected
// (ours also when a conn fails to load: a check that passes over a broken
// conn would hide it, while Libreswan exits 0), and `--listall` names the
// conns readwriteconf printed (Libreswan: every conn, loaded or not; ours:
// the conns that load). Names are space separated, so a name with a blank
// shows as two words on both sides.
func checkAddconn(t *testing.T, lsAddconn, ours, file string, theirs, mine read) {
	t.Helper()
	var theirNames, ourNames []string
	for _, c := range theirs.conns {
		theirNames = append(theirNames, c.name)
	}
	ourFailed := false
	for _, c := range mine.conns {
		if c.loaded {
			ourNames = append(ourNames, c.name)
		} else {
			ourFailed = true
		}
	}
	for _, p := range []struct {
		who      string
		argv     []string
		rejected bool
		names    []string
	}{
		{"Libreswan", []string{lsAddconn}, theirs.rejected, theirNames},
		{"our", []string{ours, "addconn"}, mine.rejected || ourFailed || mine.setupBad, ourNames},
	} {
		status, _ := runIn(t, file, append(p.argv, "--config", filepath.Base(file), "--checkconfig")...)
		if (status != 0) != p.rejected {
			t.Errorf("%s addconn --checkconfig exit status %d, but readwriteconf says rejected=%v", p.who, status, p.rejected)
		}
		if theirs.rejected || mine.rejected {
			continue
		}
		_, out := runIn(t, file, append(p.argv, "--config", filepath.Base(file), "--listall")...)
		if got, want := strings.Join(strings.Fields(out), " "), strings.Join(strings.Fields(strings.Join(p.names, " ")), " "); got != want {
			t.Errorf("%s addconn --listall: %q, readwriteconf printed %q", p.who, got, want)
		}
	}
}

// runIn runs argv in file's directory and returns its exit status and
// standard output.
func runIn(t *testing.T, file string, argv ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = filepath.Dir(file)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), stdout.String()
	} else if err != nil {
		t.Fatalf("running %s: %v", argv[0], err)
	}
	return 0, stdout.String()
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
		if strings.HasPrefix(d.field, conn+".") {
			return true
		}
	}
	return false
}

// A read is one program's view of a file: rejected as a whole, or the conns
// it lists in file order, each loaded or not, with the compared fields.
type read struct {
	rejected bool
	setupBad bool // ours: config setup has errors (its bad keywords are left out)
	crashed  bool // Libreswan died of a signal: rejected, but not by design
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
	if theirs.crashed {
		return []fieldDiff{{"file", "crashed", rejectWord(ours.rejected)}}
	}
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
			tv, ov := canonical(f, c.fields[f]), canonical(f, o.fields[f])
			if tv != ov && !(tv == "" && libreswanCannotPrint(f, ov)) {
				diffs = append(diffs, fieldDiff{c.name + "." + f, c.fields[f], o.fields[f]})
			}
		}
	}
	return diffs
}

// canonical writes addresses and subnets the way Libreswan prints them
// (lower-case, zeros compressed, host bits masked, a netmask as a length),
// so that both sides are compared by meaning, not spelling. Anything else,
// including %-values and names, is left as it is.
func canonical(field, v string) string {
	switch field {
	case "left", "right":
		if a, err := netip.ParseAddr(v); err == nil {
			return a.String()
		}
	case "leftsubnet", "rightsubnet":
		if p, err := netip.ParsePrefix(v); err == nil {
			return p.Masked().String()
		}
		addr, mask, ok := strings.Cut(v, "/")
		a, err1 := netip.ParseAddr(addr)
		m, err2 := netip.ParseAddr(mask)
		if ok && err1 == nil && err2 == nil && a.Is4() && m.Is4() {
			b := m.As4()
			ones := 0
			for _, x := range b {
				ones += bits.OnesCount8(x)
			}
			if p, err := a.Prefix(ones); err == nil && netip.PrefixFrom(m, ones).Masked().Addr() == m {
				return p.String()
			}
		}
	}
	return v
}

// libreswanCannotPrint reports values that Libreswan reads but its
// readwriteconf leaves out of its output (confwrite prints only the host
// types and subnets it has words for): %defaultroute6 and %any6 hosts,
// %eth0 hosts, vhost:/vnet: subnets. Those fields cannot be compared.
func libreswanCannotPrint(field, v string) bool {
	switch field {
	case "left", "right":
		// It prints only these %values; not %defaultroute6, %any6 or
		// an interface (%eth0).
		switch v {
		case "%defaultroute", "%any", "%group", "%opportunistic", "%opportunisticgroup":
			return false
		}
		return strings.HasPrefix(v, "%")
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
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running %s: %v", prog, err)
		}
		return read{rejected: true, crashed: ee.ExitCode() == -1}
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
	for _, s := range parseReadwriteconf(stdout.String(), unquoteLibreswan) {
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
	checkIdempotent(t, cfg)
	if (runErr != nil) != (cfg.Err() != nil) {
		t.Errorf("readwriteconf exit %v does not match the conn errors %v", runErr, cfg.Err())
	}
	printed := map[string]rwcSection{}
	for _, s := range parseReadwriteconf(stdout.String(), unquoteOurs) {
		printed[s.name] = s
	}
	r := read{setupBad: cfg.Setup.Err != nil}
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

// checkIdempotent reads our printed form of cfg again: it must parse and
// print the same (readwriteconf(readwriteconf(x)) == readwriteconf(x)) for
// every corpus file, whatever its dialect.
func checkIdempotent(t *testing.T, cfg *conf.Config) {
	t.Helper()
	var once, twice bytes.Buffer
	if err := conf.Format(&once, cfg); err != nil {
		t.Fatal(err)
	}
	again, err := conf.Parse("printed.conf", once.Bytes(), nil)
	if err != nil {
		t.Errorf("our printed form does not read back: %v\n%s", err, once.Bytes())
		return
	}
	if err := conf.Format(&twice, again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(once.Bytes(), twice.Bytes()) {
		t.Errorf("printing is not idempotent:\n--- once\n%s--- twice\n%s", once.Bytes(), twice.Bytes())
	}
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
func parseReadwriteconf(out string, unquote func(string) string) []rwcSection {
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

// unquoteLibreswan undoes Libreswan's printing, which wraps ids and other
// strings in double quotes as they are, inner quotes included.
func unquoteLibreswan(v string) string {
	if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '{' && v[len(v)-1] == '}') {
		return v[1 : len(v)-1]
	}
	return v
}

// unquoteOurs reads a value token as our reader does: "..." or {...} only
// when the first closing character ends the token (`"a\"b"` is raw).
func unquoteOurs(v string) string {
	if len(v) < 2 || (v[0] != '"' && v[0] != '{') {
		return v
	}
	closer := byte('"')
	if v[0] == '{' {
		closer = '}'
	}
	if strings.IndexByte(v[1:], closer) == len(v)-2 {
		return v[1 : len(v)-1]
	}
	return v
}

type diffKey struct{ file, field string }

// Reasons shared by several files of intendedDiffs.
const (
	errUnknownKeyword = "an unknown keyword is an error of its conn, at its position, and the other conns load; Libreswan's parser rejects the whole file (syntax error)"
	errBadValue       = "a bad value is an error of its conn, at the value, and the other conns load; Libreswan rejects the whole file (syntax error, or exit 1 for an enum)"
	errSetupKeyword   = "a bad config setup keyword is reported at its position and left out, and the conns load; Libreswan rejects the whole file"
)

// intendedDiffs lists every place where we deliberately read a corpus file
// differently from Libreswan 4.10, keyed by file and field ("file": the
// whole file is accepted by one and rejected by the other; "loaded": the
// set of conns that load; "CONN.FIELD": one value), with the reason.
var intendedDiffs = map[diffKey]string{
	// We report what Libreswan silently ignores or misreads.
	{"also-cycle.conf", "loaded"}:                         "an also= cycle is an error naming the chain (a → b → a); Libreswan silently stops at the cycle and loads both conns",
	{"also-self.conf", "loaded"}:                          "also= naming the conn itself is a cycle error; Libreswan ignores it",
	{"default-also.conf", "loaded"}:                       "also= in conn %default is an error of every conn that uses %default; Libreswan logs it and still applies it to every conn",
	{"default-invalid-then-fixed.conf", "loaded"}:         "all %default sections are merged before any conn is checked, so a later %default can correct an earlier one; Libreswan checks each %default as a conn and, when one fails (here IKEv1 with authby=ecdsa), skips every later %default and fails every conn",
	{"duplicate-conn-names.conf", "loaded"}:               "a second definition of a name is ignored with a warning naming both positions; Libreswan's readwriteconf prints both",
	{"duplicate-conn-names.conf", "dup.auto"}:             "a name defined twice is its first definition (as Libreswan's addconn NAME and also= take it); Libreswan's readwriteconf prints both and the comparison sees its last",
	{"duplicate-conn-names.conf", "dup.right"}:            "a name defined twice is its first definition (as Libreswan's addconn NAME and also= take it); Libreswan's readwriteconf prints both and the comparison sees its last",
	{"include-self.conf", "file"}:                         "an include cycle is an error; Libreswan includes the file 10 levels deep (10 copies of its conns) and stops silently",
	{"edge-include-depth.conf", "file"}:                   "includes nested deeper than 10 are an error; Libreswan silently skips the deeper files",
	{"include-two-names.conf", "file"}:                    "include with two names is an error; Libreswan silently includes only the first",
	{"ls4-duration-bad.conf", "loaded"}:                   "ikelifetime=1x is an error at the value that keeps its conn out; Libreswan silently ignores it and keeps the default",
	{"duration-compound.conf", "loaded"}:                  "ikelifetime=1h30m is an error at the value that keeps its conn out; Libreswan silently ignores it and keeps the default",
	{"duration-hex.conf", "loaded"}:                       "ikelifetime=0x10 is an error at the value that keeps its conn out; Libreswan silently ignores it and keeps the default",
	{"conn-bad-rsasigkey.conf", "loaded"}:                 "a raw RSA key that is not valid base64 is an error at the value that keeps its conn out; Libreswan's reader passes it on and only pluto rejects the conn",
	{"real-openswan-default.conf", "file"}:                "Openswan nat_traversal= and oe= are accepted with a warning; Libreswan 4.10 rejects them as syntax errors",
	{"conn-bad-integer.conf", "loaded"}:                   "keyingtries=0x10 is an error at the value that keeps its conn out; Libreswan silently stores 0",
	{"lex-hash-alone.conf", "file"}:                       "in `auto=add #` the # starts an empty comment; Libreswan's lexer makes a blank-less comment a syntax error",
	{"lex-control-char.conf", "file"}:                     "a control character inside a value is an error naming its column (FreeS/WAN 2 rejected unprintable bytes too); Libreswan keeps it in the value",
	{"default-x-comment.conf", "file"}:                    "an x- comment in conn %default is ignored like any other; Libreswan 4.10's readwriteconf and addconn die of SIGSEGV on it",
	{"crlf.conf", "file"}:                                 "CRLF line endings are stripped; Libreswan glues the CR to the value (auto=add\\r is invalid) and exits 1",
	{"ls4-comment-nospace.conf", "file"}:                  "in `leftid=@n #note` the # starts a comment; Libreswan's lexer makes a blank-less comment a syntax error",
	{"ls4-duration-fraction.conf", "frac.ikelifetime"}:    "1.5h is read as 90m (FreeS/WAN 2 accepted fractions); Libreswan silently ignores it and keeps the default",
	{"ls4-duration-fraction.conf", "frac.ipsec-lifetime"}: "0.5h is read as 30m (FreeS/WAN 2 accepted fractions); Libreswan silently ignores it and keeps the default",
	{"include-relative-base.conf", "loaded"}:              "a relative include inside an included file is taken from that file's directory, as the FreeS/WAN and Libreswan man pages say; Libreswan's code takes it from the process's working directory",

	// Errors belong to the conn (or config setup keyword) that is wrong:
	// where Libreswan's parser gives up on the whole file, we keep only
	// that conn out (or leave the setup keyword out) and load the rest.
	{"reject-unknown-keyword.conf", "file"}:       errUnknownKeyword,
	{"reject-typo-keyword.conf", "file"}:          errUnknownKeyword,
	{"reject-kw-suffix.conf", "file"}:             errUnknownKeyword,
	{"reject-hyphen-prefix.conf", "file"}:         errUnknownKeyword,
	{"ls4-xauth.conf", "file"}:                    errUnknownKeyword + " (ike-frag= is not a keyword)",
	{"reject-percent.conf", "file"}:               errBadValue,
	{"reject-empty-duration.conf", "file"}:        errBadValue,
	{"reject-empty-bool.conf", "file"}:            errBadValue,
	{"reject-bool-number.conf", "file"}:           errBadValue,
	{"reject-bad-enum.conf", "file"}:              errBadValue,
	{"reject-bad-bool.conf", "file"}:              errBadValue,
	{"reject-setup-also.conf", "file"}:            errSetupKeyword,
	{"reject-conn-keyword-in-setup.conf", "file"}: errSetupKeyword,

	// Older dialects: read as their users meant, with a warning.
	{"fs1-plutoload.conf", "file"}:         "FreeS/WAN 1 keywords (plutoload=%search, plutostart, klipsdebug) are accepted with a warning; Libreswan 4.10 rejects them as syntax errors",
	{"fs1-plutoload-list.conf", "file"}:    "FreeS/WAN 1 keywords (plutoload=\"conn\", plutowait) are accepted with a warning; Libreswan 4.10 rejects them as syntax errors",
	{"fs1-oe-modular.conf", "file"}:        "FreeS/WAN 1 plutoload=%search and plutostart=%search are accepted with a warning; Libreswan 4.10 rejects them as syntax errors",
	{"fs1-manual.conf", "file"}:            "FreeS/WAN manual keying (manualstart, spi, espenckey, espauthkey) is accepted; Libreswan 4.10 has no manual keying and rejects the keywords as syntax errors",
	{"fs2-manual.conf", "file"}:            "FreeS/WAN 2 manual keying (spibase, per-direction keys) is accepted; Libreswan 4.10 rejects the keywords as syntax errors",
	{"ls4-auto-manual.conf", "file"}:       "auto=manual (FreeS/WAN 2 manually keyed conns) is accepted; Libreswan 4.10 has no manual keying and exits 1",
	{"fs2-version2.conf", "file"}:          "FreeS/WAN 2 klipsdebug= is accepted with a warning; Libreswan 4.10 rejects it as a syntax error",
	{"fs2-leftfirewall.conf", "file"}:      "FreeS/WAN 2 leftfirewall= is accepted with a warning; Libreswan 4.10 rejects it as a syntax error",
	{"fs2-auth-esp.conf", "file"}:          "FreeS/WAN 2 auth=esp is read as phase2=esp; Libreswan reads a bare auth= as rightauth= and exits 1 on the value",
	{"os26-auth-alias.conf", "file"}:       "Openswan auth=esp (an alias of phase2) is read as phase2=esp; Libreswan reads a bare auth= as rightauth= and exits 1 on the value",
	{"fs2-authby-pipe.conf", "loaded"}:     "FreeS/WAN 2 authby=secret|rsasig is read as secret,rsasig; Libreswan fails the conn (\"connection authby= value is unknown\")",
	{"os26-nat.conf", "file"}:              "Openswan nat_traversal= and oe= are accepted with a warning; Libreswan 4.10 rejects them as syntax errors",
	{"os26-sha2-truncbug.conf", "file"}:    "Openswan sha2_truncbug= is read as sha2-truncbug= with a warning; Libreswan 4.10 rejects it as a syntax error",
	{"reject-pfsgroup.conf", "file"}:       "pfsgroup= (Openswan, documented as obsolete in Libreswan's man page) is accepted with a warning; Libreswan 4.10 rejects it as a syntax error",
	{"ls5-keyexchange.conf", "file"}:       "keyexchange=ikev2 (Libreswan 5) is accepted with a warning; Libreswan 4.10 knows only keyexchange=ike and exits 1",
	{"also-flip.conf", "a.rightsubnet"}:    "alsoflip= merges its section with left and right swapped, as FreeS/WAN 2 and Openswan 2.6.52 did; Libreswan 4.10 parses it and ignores it",
	{"conn-nexthop-direct.conf", "loaded"}: "leftnexthop=%direct (FreeS/WAN's default: the peer itself) is accepted; Libreswan's config reader looks it up in DNS and fails the conn",

	// Values we read where Libreswan's reader has a gap.
	{"sourceip-addresspool.conf", "pool.leftsubnet"}:     "no subnet is derived from leftsourceip when the same end has an addresspool: printed, it would read back as subnet + addresspool and fail the conn; Libreswan derives it regardless",
	{"default-sourceip.conf", "own-sourceip.leftsubnet"}: "the subnet is derived from the sourceip the conn ends up with (its own); Libreswan derives it inside conn %default, from the default's sourceip, and that beats the conn's own",
	{"default-sourceip.conf", "pool.leftsubnet"}:         "no subnet is derived from a sourceip for an end with an addresspool (printed, it would read back as subnet + addresspool and fail the conn); Libreswan derives it inside conn %default regardless",
	{"edge-dns-match-id.conf", "file"}:                   "dns-match-id= is accepted; Libreswan 4.10's keyword table misspells it \"dns-match-id,\", so the documented spelling is a syntax error",
	{"edge-subnet-forms.conf", "loaded"}:                 "a bare address as leftsubnet is read as the host subnet (10.5.5.5/32); Libreswan fails the conn (\"no / in subnet specification\")",
	{"ls4-enum-case.conf", "loaded"}:                     "authby=SECRET is accepted in any case, like every enum; Libreswan compares authby words case-sensitively and fails the conn",
}
