package pluto

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"goswan/conf"
	"goswan/tests/testenv"
)

// conf5Differences are corpus conns whose 5.2 status cannot match 5.2's
// addconn on the original file, with the reason.
var conf5Differences = map[string]string{}

// dropRefusedLines makes a copy of file that 5.2's readwriteconf accepts:
// 5.x refuses a whole file for one keyword it no longer knows (forceencaps=,
// dpdaction=...), so such lines are commented out, one at a time, and
// reported by conn.
func dropRefusedLines(t *testing.T, ls testenv.Libreswan, ns *testenv.NetNS, file, dir string) (string, map[string]string) {
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	cp := filepath.Join(dir, "original5.conf")
	wrapper := filepath.Join(dir, "addconn5.conf")
	if err := os.WriteFile(wrapper, []byte(testenv.DefaultPlutoConfig+"include "+cp+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`original5.conf:(\d+): (.*)`)
	dropped := map[string]string{}
	for i := 0; i < 100; i++ {
		os.WriteFile(cp, []byte(strings.Join(lines, "\n")), 0o644)
		out, _ := ns.Command(ls.Readwriteconf, "--config", wrapper).CombinedOutput()
		m := re.FindSubmatch(out)
		if m == nil || !bytes.Contains(out, []byte("FATAL")) {
			break
		}
		n, _ := strconv.Atoi(string(m[1]))
		conn := ""
		for j := n - 1; j >= 0; j-- {
			if c, ok := strings.CutPrefix(lines[j], "conn "); ok {
				conn = strings.TrimSpace(c)
				break
			}
		}
		dropped[conn] = "5.2's addconn refuses " + strings.TrimSpace(lines[n-1]) + ", which goswan maps"
		lines[n-1] = "#"
	}
	return wrapper, dropped
}

// TestConf5MatchesAddconn5 is the capture test of the Libreswan 5
// renderer: every corpus conn is loaded into one 5.2 pluto by 5.2's
// addconn from the canonical conns WriteConf5 writes, and into another by
// 5.2's addconn from the original file; `whack --status` must agree.
func TestConf5MatchesAddconn5(t *testing.T) {
	ls := testenv.MustHaveLibreswanVersion(t, "5.2")
	file := filepath.Join("testdata", "corpus.conf")
	conns := readCorpus(t, file)
	ns := diffNetNS(t)
	theirs := testenv.StartPluto(t, &testenv.PlutoOptions{NetNS: ns, Libreswan: &ls})
	ours := testenv.StartPluto(t, &testenv.PlutoOptions{NetNS: ns, Libreswan: &ls})
	abs, _ := filepath.Abs(file)
	wrapper, dropped := dropRefusedLines(t, ls, ns, abs, theirs.Dir)
	var gen bytes.Buffer
	gen.WriteString(testenv.DefaultPlutoConfig)
	var names []string
	for _, c := range conns {
		m, err := FromConf(c, fixedEnv, V5_2)
		if err != nil {
			t.Logf("conn %s: %v", c.Name, err)
			continue
		}
		names = append(names, c.Name)
		gen.WriteString("\n")
		if err := m.WriteConf5(&gen); err != nil {
			t.Fatal(err)
		}
	}
	genFile := filepath.Join(ours.Dir, "canonical5.conf")
	if err := os.WriteFile(genFile, gen.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		pl  *testenv.Pluto
		cfg string
	}{{theirs, wrapper}, {ours, genFile}} {
		start := time.Now()
		out, err := ns.Command(append([]string{ls.Addconn, "--config", p.cfg, "--ctlsocket", p.pl.Ctl}, names...)...).CombinedOutput()
		t.Logf("addconn %s: %v in %v\n%s", filepath.Base(p.cfg), err, time.Since(start), out)
	}
	so, st := ours.MustWhack(t, "--status"), theirs.MustWhack(t, "--status")
	sort.Strings(names)
	same, differ := 0, 0
	for _, n := range names {
		a, b := statusLines(so, n), statusLines(st, n)
		if strings.Join(a, "\n") == strings.Join(b, "\n") {
			same++
			continue
		}
		differ++
		why, ok := conf5Differences[n]
		if !ok {
			why, ok = dropped[n]
		}
		if ok {
			t.Logf("conn %s differs as expected: %s", n, why)
			continue
		}
		t.Errorf("conn %s: status differs\n--- addconn 5.2\n%s\n+++ goswan\n%s", n, strings.Join(b, "\n"), strings.Join(a, "\n"))
	}
	t.Logf("%d conns: %d identical, %d differ (%.1f%% identical)", same+differ, same, differ, 100*float64(same)/float64(same+differ))
}

// TestLoaderLibreswan5 loads conns into a 5.2 pluto the way `ipsec auto
// --add` does: the release comes from whack --version, the conns go
// through 5.2's addconn, and a conn that loads gives exit status 0. An
// IKEv1 conn meets the running pluto's ikev1-policy, whatever the file's
// config setup says.
func TestLoaderLibreswan5(t *testing.T) {
	ls := testenv.MustHaveLibreswanVersion(t, "5.2")
	for _, tc := range []struct {
		name, pluto, file string
		oldLoads          bool
	}{
		{"pluto drops, file accepts", "drop", "accept", false},
		{"pluto accepts, file drops", "accept", "drop", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := diffNetNS(t)
			p := testenv.StartPluto(t, &testenv.PlutoOptions{NetNS: ns, Libreswan: &ls,
				Config: "config setup\n\tdnssec-enable=no\n\tikev1-policy=" + tc.pluto + "\n"})
			cfg, err := conf.Parse("five.conf", []byte(`config setup
	ikev1-policy=`+tc.file+`
conn net
	left=192.0.2.2
	leftsubnet=10.1.0.0/16
	right=192.0.2.9
	rightsubnet=10.2.0.0/16
	authby=secret
	dpdaction=restart
conn old
	left=192.0.2.2
	right=192.0.2.9
	authby=secret
	ikev2=no
`), &conf.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			l := &Loader{Whack: &Whack{Path: ls.Whack, CtlSocket: p.Ctl}, Env: fixedEnv, Out: &out, Err: &errOut,
				Prog: "ipsec auto", Setup: &cfg.Setup}
			if err := l.Add([]*conf.Conn{cfg.Conn("net")}); err != nil {
				t.Fatalf("Add(net) = %v, want exit 0\n%s%s", err, out.String(), errOut.String())
			}
			if l.Version != V5_2 {
				t.Errorf("Loader.Version = %v, want 5.2 from whack --version", l.Version)
			}
			if len(statusLines(p.MustWhack(t, "--status"), "net")) == 0 {
				t.Errorf("conn net not loaded:\n%s%s", out.String(), errOut.String())
			}
			if !strings.Contains(errOut.String(), `conn "net": not passed to pluto: dpdaction (obsolete in Libreswan 5`) {
				t.Errorf("no warning about dpdaction=, which 5.x ignores; stderr %q", errOut.String())
			}
			err = l.Add([]*conf.Conn{cfg.Conn("old")})
			loaded := len(statusLines(p.MustWhack(t, "--status"), "old")) > 0
			if tc.oldLoads {
				if err != nil || !loaded {
					t.Errorf("Add(old) = %v, loaded %v; want it loaded by the running pluto's ikev1-policy=accept\n%s%s", err, loaded, out.String(), errOut.String())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "five.conf:14:2: conn \"old\" is IKEv1, which Libreswan 5.2 refuses with ikev1-policy=drop (the running pluto's;") {
				t.Errorf("Add(old) = %v, want a positioned ikev1-policy error naming the running pluto's policy", err)
			}
			if loaded {
				t.Errorf("conn old loaded although pluto has ikev1-policy=drop")
			}
		})
	}
}

// conf5ProjectDifferences are project conns whose 5.2 status cannot match
// 5.2's addconn on the original file, by file base name and conn, with the
// reason. All come from reading the file the way Libreswan 4.10 (and the
// conf engine) does, where 5.x reads it otherwise.
var conf5ProjectDifferences = map[string]string{
	"also-flip.conf:a":            "the conf engine applies FreeS/WAN's alsoflip=; Libreswan 5 dropped (and ignores) it",
	"edge-default-dup-key.conf:c": "a key given twice in conn %default: the conf engine keeps the last, as 4.10 does; 5.2 keeps the first",
	"corpus.conf:forceencaps":     "4.x forceencaps=yes is mapped to encapsulation=yes (issue 12's dialect); 5.2 refuses the line, which this test drops from the original",
	"ls4-comment-nospace.conf:n":  "a # without a blank before it starts a comment for 4.10 and the conf engine, not for 5.2",
	"os26-sha2-truncbug.conf:t":   "Openswan's sha2_truncbug= is read as sha2-truncbug= (dialect mapped); 5.2 ignores the old spelling",
	"legacy.conf:fs-pfsgroup":     "pfsgroup= travels as esp=ALG;GROUP, as 5.x's whack --pfsgroup sends it; 5.2 refuses the line, which this test drops from the original",
}

// TestConf5ProjectConfigs measures the Libreswan 5 path on every project
// config: the canonical conns through 5.2's addconn against 5.2's addconn
// on the original file (lines 5.2 refuses dropped). A conn 5.2 refuses in
// the original but goswan loads is a dialect the model maps; conns both
// refuse count apart. Every difference must be listed with its reason.
func TestConf5ProjectConfigs(t *testing.T) {
	ls := testenv.MustHaveLibreswanVersion(t, "5.2")
	root := testenv.ModuleRoot()
	files := projectConfigFiles(root)
	ns := diffNetNS(t)
	theirs := testenv.StartPluto(t, &testenv.PlutoOptions{NetNS: ns, Libreswan: &ls})
	ours := testenv.StartPluto(t, &testenv.PlutoOptions{NetNS: ns, Libreswan: &ls})
	var same, differ, mapped, bothRefused int
	differing := map[string]bool{} // listed conns that did differ
	for _, f := range files {
		cfg, err := conf.Load(f, &conf.Options{})
		if err != nil || cfg == nil {
			continue
		}
		var gen bytes.Buffer
		gen.WriteString(testenv.DefaultPlutoConfig)
		var names []string
		for _, c := range cfg.Conns {
			if c.Err != nil || c.IsManual() {
				continue
			}
			m, err := FromConf(c, fixedEnv, V5_2)
			if err != nil {
				continue
			}
			names = append(names, c.Name)
			gen.WriteString("\n")
			m.WriteConf5(&gen)
		}
		if len(names) == 0 {
			continue
		}
		dir := t.TempDir()
		wrapper, dropped := dropRefusedLines(t, ls, ns, f, dir)
		genFile := filepath.Join(dir, "canonical5.conf")
		os.WriteFile(genFile, gen.Bytes(), 0o644)
		for _, p := range []struct {
			pl  *testenv.Pluto
			cfg string
		}{{theirs, wrapper}, {ours, genFile}} {
			cmd := ns.Command(append([]string{ls.Addconn, "--config", p.cfg, "--ctlsocket", p.pl.Ctl}, names...)...)
			cmd.Dir = filepath.Dir(f)
			cmd.CombinedOutput()
		}
		so, st := ours.MustWhack(t, "--status"), theirs.MustWhack(t, "--status")
		rel, _ := filepath.Rel(root, f)
		for _, n := range names {
			a, b := statusLines(so, n), statusLines(st, n)
			switch {
			case strings.Join(a, "\n") == strings.Join(b, "\n") && len(a) == 0:
				bothRefused++
			case strings.Join(a, "\n") == strings.Join(b, "\n"):
				same++
			case len(b) == 0:
				mapped++
				t.Logf("%s: conn %s: 5.2's addconn refuses the original, goswan loads it (%s)", rel, n, dropped[n])
			default:
				differ++
				if why, ok := conf5ProjectDifferences[filepath.Base(f)+":"+n]; ok {
					t.Logf("%s: conn %s differs as expected: %s", rel, n, why)
					differing[filepath.Base(f)+":"+n] = true
					break
				}
				t.Errorf("%s: conn %s differs\n--- addconn 5.2\n%s\n+++ goswan\n%s", rel, n, strings.Join(b, "\n"), strings.Join(a, "\n"))
			}
			ours.Whack("--name", n, "--delete")
			theirs.Whack("--name", n, "--delete")
		}
	}
	for key, why := range conf5ProjectDifferences {
		if !differing[key] {
			t.Errorf("%s is listed as differing (%s) but does not differ: remove it from conf5ProjectDifferences", key, why)
		}
	}
	// As on 4.10 (TestDifferentialProjectConfigs), the listed
	// differences are the conf engine's reading; the rate is reported
	// against the 99% target, every unlisted difference fails above.
	rate := float64(same) / float64(same+differ)
	t.Logf("%d identical, %d differ, all listed (%.1f%% identical, target 99%%); %d loaded by goswan only (dialect mapped), %d refused by both",
		same, differ, 100*rate, mapped, bothRefused)
}

// TestLoaderLibreswan5RefusedConn: a conn whose canonical text 5.2's
// parser refuses (a name with a blank and a double quote: 5.x reads no
// braces in a conn line, and no quote inside quotes) fails alone; the conns around it in the
// same load still load, and the exit status says something failed.
// Which release pluto is comes from pluto itself. Only a conn 5.2's
// message does not carry (%defaultroute towards a peer's name) goes
// through the canonical text: the same name without it travels as 5.2's
// message and loads.
func TestLoaderLibreswan5RefusedConn(t *testing.T) {
	ls := testenv.MustHaveLibreswanVersion(t, "5.2")
	ns := diffNetNS(t)
	p := testenv.StartPluto(t, &testenv.PlutoOptions{NetNS: ns, Libreswan: &ls})
	cfg, err := conf.Parse("refused.conf", []byte(`conn %default
	left=192.0.2.2
	right=192.0.2.9
	authby=secret
conn empty
	rightsubnets={}
conn first
	rightsubnet=10.1.0.0/16
conn "with blank"
	rightsubnet=10.2.0.0/16
conn {q "uote}
	rightsubnet=10.3.0.0/16
	left=%defaultroute
	right=peer.example
conn {n "ative}
	rightsubnet=10.5.0.0/16
conn last
	rightsubnet=10.4.0.0/16
`), &conf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The release comes from pluto's refusal of the 4.10 message (the
	// magic it wants): this whack cannot tell it.
	bin := t.TempDir()
	os.WriteFile(filepath.Join(bin, "whack"), []byte("#!/bin/sh\n[ \"$1\" = --version ] && exit 1\nexec "+ls.Whack+" \"$@\"\n"), 0o755)
	os.Symlink(ls.Addconn, filepath.Join(bin, "addconn"))
	env := *fixedEnv
	env.LookupHost = func(string) ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr("192.0.2.9")}, nil }
	var out, errOut bytes.Buffer
	l := &Loader{Whack: &Whack{Path: filepath.Join(bin, "whack"), CtlSocket: p.Ctl}, Env: &env, Out: &out, Err: &errOut, Prog: "ipsec auto"}
	err = l.Add(cfg.Conns)
	if err == nil {
		t.Errorf("Add = nil, want a non-zero exit for the refused conn")
	}
	status := p.MustWhack(t, "--status")
	// empty is a conn 4.10 cannot take (no subnet in subnets=) but 5.x
	// loads as empty/0x0: the conns are built for the release pluto is,
	// not for the 4.10 message that found it out.
	for _, n := range []string{"empty", "first", "with blank", `n "ative`, "last"} {
		if len(statusLines(status, n)) == 0 {
			t.Errorf("conn %q not loaded\n%s%s", n, out.String(), errOut.String())
		}
	}
}
