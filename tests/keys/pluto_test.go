package keys_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"goswan/tests/testenv"
)

// plutoSide is one Libreswan pluto in its own network namespace, with all
// of its state under dir.
type plutoSide struct {
	name, ns, addr, dir string
	cmd                 *exec.Cmd
	ls                  testenv.Libreswan
}

// netnsPair makes two namespaces joined by a veth pair (created inside
// them, so nothing appears in the host namespace) and removes them in
// cleanup.
func netnsPair(t *testing.T, west, east string) {
	t.Helper()
	ip := testenv.MustHaveCommand(t, "ip")
	for _, ns := range []string{west, east} {
		must(t, ip, "netns", "add", ns)
		t.Cleanup(func() { runCmd(t, nil, ip, "netns", "del", ns) })
	}
	must(t, ip, "link", "add", "w0", "netns", west, "type", "veth", "peer", "name", "e0", "netns", east)
	must(t, ip, "-n", west, "addr", "add", "192.0.2.101/24", "dev", "w0")
	must(t, ip, "-n", east, "addr", "add", "192.0.2.102/24", "dev", "e0")
	for _, a := range [][]string{{west, "lo"}, {east, "lo"}, {west, "w0"}, {east, "e0"}} {
		must(t, ip, "-n", a[0], "link", "set", a[1], "up")
	}
}

// start runs pluto in its namespace and waits until whack gets an answer.
func (p *plutoSide) start(t *testing.T) {
	t.Helper()
	for _, d := range []string{"run", "dump"} {
		os.MkdirAll(filepath.Join(p.dir, d), 0o700)
	}
	log, err := os.Create(filepath.Join(p.dir, "pluto.log"))
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command("ip", "netns", "exec", p.ns, p.ls.Pluto, "--nofork", "--stderrlog", "--no-dnssec",
		"--config", filepath.Join(p.dir, "ipsec.conf"), "--secretsfile", filepath.Join(p.dir, "ipsec.secrets"),
		"--rundir", filepath.Join(p.dir, "run"), "--nssdir", filepath.Join(p.dir, "nss"),
		"--dumpdir", filepath.Join(p.dir, "dump"), "--ipsecdir", p.dir)
	p.cmd.Stdout, p.cmd.Stderr = log, log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting pluto %s: %v", p.name, err)
	}
	t.Cleanup(func() { p.stop(t); log.Close() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		if runCmd(t, nil, p.ls.Whack, "--rundir", filepath.Join(p.dir, "run"), "--status").code == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pluto %s not answering after 10s; log:\n%s", p.name, p.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *plutoSide) stop(t *testing.T) {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	runCmd(t, nil, p.ls.Whack, "--rundir", filepath.Join(p.dir, "run"), "--shutdown")
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

func (p *plutoSide) log() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "pluto.log"))
	return string(b)
}

// TestTwoPlutosAuthenticateWithOurKeys: two real Libreswan plutos in two
// network namespaces establish an IKEv2 SA with authby=rsasig. Each holds
// a key made by our newhostkey (imported into its NSS database through
// our PKCS#12 export) and knows the peer by the rsasigkey= line our
// showhostkey printed from the peer's secrets file. The Child SA may fail
// on a kernel without ESP; the authenticated IKE SA is what this proves.
func TestTwoPlutosAuthenticateWithOurKeys(t *testing.T) {
	testenv.MustBeRoot(t)
	ls := testenv.MustHaveLibreswan(t)
	pk12util := testenv.MustHaveCommand(t, "pk12util")
	pid := os.Getpid()
	west, east := fmt.Sprintf("gkw%d", pid), fmt.Sprintf("gke%d", pid)
	netnsPair(t, west, east)

	top := t.TempDir()
	sides := map[string]*plutoSide{
		"west": {name: "west", ns: west, addr: "192.0.2.101", dir: filepath.Join(top, "west"), ls: ls},
		"east": {name: "east", ns: east, addr: "192.0.2.102", dir: filepath.Join(top, "east"), ls: ls},
	}
	sigkey := map[string]string{}
	for _, n := range []string{"west", "east"} {
		s := sides[n]
		os.MkdirAll(s.dir, 0o700)
		nss := newNSSDB(t)
		os.Rename(nss, filepath.Join(s.dir, "nss"))
		ours := filepath.Join(s.dir, "goswan.secrets")
		pw := filepath.Join(s.dir, "pw")
		writeFile(t, pw, "p12-pass", 0o600)
		p12 := filepath.Join(s.dir, "key.p12")
		ok(t, "newhostkey", "--output", ours, "--bits", "2048", "--hostname", n+".example", "--pkcs12", p12, "--password-file", pw, "--quiet")
		must(t, pk12util, "-i", p12, "-d", "sql:"+filepath.Join(s.dir, "nss"), "-w", pw)
		side := map[string]string{"west": "--left", "east": "--right"}[n]
		out := ok(t, "showhostkey", "--file", ours, side)
		for _, l := range strings.Split(out, "\n") {
			l = strings.TrimSpace(l)
			if k, v, found := strings.Cut(l, "rsasigkey="); found {
				sigkey[n] = k + "rsasigkey=" + v
			}
		}
		if sigkey[n] == "" {
			t.Fatalf("showhostkey %s printed no rsasigkey line: %q", side, out)
		}
	}
	conns := fmt.Sprintf(`conn rsa
	left=192.0.2.101
	leftid=@west-rsa
	%s
	leftsubnet=198.51.100.0/24
	right=192.0.2.102
	rightid=@east-rsa
	%s
	rightsubnet=203.0.113.0/24
	authby=rsasig
	ikev2=insist
	auto=add
`, sigkey["west"], sigkey["east"])
	writeFile(t, filepath.Join(top, "conns.conf"), conns, 0o644)
	for _, s := range sides {
		writeFile(t, filepath.Join(s.dir, "ipsec.conf"), "config setup\n\tdnssec-enable=no\ninclude "+filepath.Join(top, "conns.conf")+"\n", 0o644)
		writeFile(t, filepath.Join(s.dir, "ipsec.secrets"), "", 0o600)
	}
	for _, n := range []string{"west", "east"} {
		sides[n].start(t)
	}
	for _, n := range []string{"west", "east"} {
		s := sides[n]
		must(t, ls.Addconn, "--config", filepath.Join(s.dir, "ipsec.conf"), "--ctlsocket", filepath.Join(s.dir, "run", "pluto.ctl"), "rsa")
	}
	r := runCmd(t, nil, ls.Whack, "--rundir", filepath.Join(sides["west"].dir, "run"), "--name", "rsa", "--initiate")
	initiator := "initiator established IKE SA; authenticated peer"
	if !strings.Contains(r.stdout, initiator) || !strings.Contains(r.stdout, "'@east-rsa'") {
		t.Fatalf("west did not establish the IKE SA:\n%s%s\nwest log:\n%s\neast log:\n%s", r.stdout, r.stderr, sides["west"].log(), sides["east"].log())
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(sides["east"].log(), "responder established IKE SA; authenticated peer") {
		if time.Now().After(deadline) {
			t.Fatalf("east never logged the authenticated IKE SA:\n%s", sides["east"].log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(sides["east"].log(), "'@west-rsa'") {
		t.Errorf("east authenticated someone other than @west-rsa:\n%s", sides["east"].log())
	}
	states := must(t, ls.Whack, "--rundir", filepath.Join(sides["west"].dir, "run"), "--showstates")
	if !strings.Contains(states, "STATE_V2_ESTABLISHED_IKE_SA") {
		t.Errorf("whack --showstates shows no established IKE SA:\n%s", states)
	}
	t.Logf("west: %s", firstLine(r.stdout, initiator))
}

func firstLine(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}
