package tests

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"goswan/tests/testenv"
)

// The OE test bed: a name server and two hosts on one bridge, addresses as
// Libreswan's OE tests use them.
const (
	oeDNSAddr  = "192.1.2.254"
	oeDNSAddr2 = "192.1.2.253" // a second named serving the zone unsigned
	oeWestAddr = "192.1.2.45"
	oeEastAddr = "192.1.2.23"
	oeZone     = "2.1.192.in-addr.arpa"
)

// oeHost is one OE host: its namespace, its pluto's files, its goswan
// configuration.
type oeHost struct {
	name, addr string
	ns         *testenv.NetNS
	p          *testenv.Pluto
	conf       string // ipsec.conf for goswan
	resolv     string // the resolv.conf its pluto sees
	pub        string // leftrsasigkey= value
	freeswan   bool   // configured as a FreeS/WAN 2 site: policy files only, no OE conns
}

// env is the environment goswan runs in for this host. The Libreswan
// release goes to setup as --execdir, not as IPSEC_EXECDIR: pluto would
// inherit that, and 5.2's `ipsec _updown` would look for _updown there.
func (h *oeHost) env() []string {
	return append(os.Environ(), "IPSEC_CONFS="+filepath.Dir(h.conf))
}

func (h *oeHost) ipsec(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := h.ns.Command(append([]string{testenv.Binary(t)}, args...)...)
	cmd.Env = h.env()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (h *oeHost) mustIpsec(t *testing.T, args ...string) string {
	t.Helper()
	out, err := h.ipsec(t, args...)
	if err != nil {
		t.Fatalf("%s: ipsec %s: %v\n%s", h.name, strings.Join(args, " "), err, out)
	}
	return out
}

// start runs `ipsec setup start` in a private mount namespace whose
// /etc/resolv.conf names our name server: pluto's libunbound reads it.
func (h *oeHost) start(t *testing.T, group ...string) string {
	t.Helper()
	script := fmt.Sprintf("mount --bind %s /etc/resolv.conf && exec %s setup --config %s --rundir %s --execdir %s start",
		h.resolv, testenv.Binary(t), h.conf, h.p.RunDir, h.p.Libreswan.ExecDir)
	cmd := h.ns.Command("unshare", "-m", "sh", "-c", script)
	cmd.Env = h.env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: setup start: %v\n%s", h.name, err, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	ready := `"private-or-clear#192.1.2.0/24": `
	if len(group) > 0 {
		ready = `"` + group[0] + `": `
	}
	for st := h.whack("--status"); !strings.Contains(st, ready) || !strings.Contains(st, h.p.Libreswan.OnDemandRouted()); st = h.whack("--status") {
		if time.Now().After(deadline) {
			t.Fatalf("%s: OE policies not installed after setup start\n%s\n%s", h.name, h.whack("--status"), h.p.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return string(out)
}

// stop runs `ipsec setup stop`; it may run on another goroutine, so it
// reports with Errorf.
func (h *oeHost) stop(t *testing.T) {
	if out, err := h.ipsec(t, "setup", "--config", h.conf, "--rundir", h.p.RunDir, "--execdir", h.p.Libreswan.ExecDir, "stop"); err != nil {
		t.Errorf("%s: setup stop: %v\n%s", h.name, err, out)
	}
	os.Remove(h.p.LogFile)
}

func (h *oeHost) whack(args ...string) string {
	out, _ := h.p.Whack(args...)
	return out
}

// writeConf writes the host's ipsec.conf: Libreswan's OE conns (as its
// test dnsoe-01 has them) with the peer's key from DNS, and its policy
// groups.
func (h *oeHost) writeConf(t *testing.T, anchors string, groups map[string]string) {
	t.Helper()
	dir := filepath.Dir(h.conf)
	pol := filepath.Join(h.p.Dir, "policies")
	if h.freeswan {
		// Where FreeS/WAN kept them; setup installs them for pluto.
		pol = filepath.Join(dir, "ipsec.d", "policies")
	}
	os.MkdirAll(pol, 0o755)
	for _, g := range []string{"private-or-clear", "private", "clear", "clear-or-private", "block"} {
		if err := os.WriteFile(filepath.Join(pol, g), []byte(groups[g]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	text := fmt.Sprintf(`config setup
	nssdir=%s
	ipsecdir=%s
	dumpdir=%s
	secretsfile=%s
	logfile=%s
	dnssec-enable=yes
	dnssec-rootkey-file=""
	dnssec-anchors=%s
%s`, h.p.NSSDir, h.p.Dir, h.p.DumpDir, h.p.Secrets, h.p.LogFile, anchors, h.conns())
	if err := os.WriteFile(filepath.Join(dir, "ipsec.conf"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// conns are Libreswan's OE conns; a FreeS/WAN 2 site has none (its
// groups were implicit) but may switch one off.
func (h *oeHost) conns() string {
	if h.freeswan {
		return "\nconn block\n\tauto=ignore\n"
	}
	return fmt.Sprintf(`
conn clear
	type=passthrough
	authby=never
	left=%%defaultroute
	right=%%group
	auto=ondemand

conn oe-base
	type=tunnel
	ikev2=insist
	left=%%defaultroute
	leftauth=rsasig
	leftrsasigkey=%s
	right=%%opportunisticgroup
	rightauth=rsasig
	rightrsasigkey=%%dnsondemand

conn private-or-clear
	also=oe-base
	failureshunt=passthrough
	negotiationshunt=passthrough
	auto=ondemand

conn clear-or-private
	also=oe-base
	failureshunt=passthrough
	negotiationshunt=passthrough
	auto=add

conn private
	also=oe-base
	failureshunt=drop
	negotiationshunt=drop
	auto=ondemand

conn block
	type=reject
	authby=never
	left=%%defaultroute
	right=%%group
	auto=ondemand
`, h.pub)
}

// TestOpportunisticDNSSEC: two hosts that were never configured for each
// other. Each makes its key with `ipsec newhostkey`, publishes it with
// `ipsec showhostkey --ipseckey --oe --publish` (TSIG) into a reverse zone
// that named signs itself, checks it with `showhostkey --check --dnssec`,
// and starts with `ipsec setup start` (which puts the key into pluto's NSS
// database). Traffic from west to east makes west's pluto fetch east's key
// from DNS, validate it and establish the IKE SA (the Child SA cannot be
// installed: this kernel has no ESP). Then the ways it must not work: the
// peer's record holds another key, the zone is not signed, the record is
// missing (the OE policy decides: clear or block). East is configured as
// a FreeS/WAN 2 site: its key only in ipsec.secrets, no OE conns (they were
// implicit), its policy groups in ipsec.d/policies beside ipsec.conf.
//
// It runs with each Libreswan release (testenv.LibreswanVersions). 5.2's
// pluto runs chrooted in a private mount namespace that binds the
// /etc/resolv.conf it was started with, so the resolv.conf that start
// binds reaches 5.2's libunbound as it reaches 4.10's; the anchors file
// is in the temp dir, which the chroot sees at the same path.
func TestOpportunisticDNSSEC(t *testing.T) {
	for _, v := range testenv.LibreswanVersions {
		t.Run(v, func(t *testing.T) {
			ls := testenv.MustHaveLibreswanVersion(t, v)
			testOpportunisticDNSSEC(t, &ls)
		})
	}
}

func testOpportunisticDNSSEC(t *testing.T, ls *testenv.Libreswan) {
	testenv.MustBeRoot(t)
	testenv.MustHaveCommand(t, "unshare")
	testenv.MustHaveCommand(t, "nsupdate")
	ping := testenv.MustHaveCommand(t, "ping")
	began := time.Now()
	lap := func(what string) { t.Logf("%-40s %6.2fs", what, time.Since(began).Seconds()) }

	dns := testenv.NewNetNS(t, "oed")
	dns.MustIP(t, "link", "add", "br0", "type", "bridge")
	dns.AddAddr(t, "br0", oeDNSAddr+"/24")
	dns.AddAddr(t, "br0", oeDNSAddr2+"/24")
	dns.MustIP(t, "link", "set", "br0", "up")
	var west, east *oeHost
	for i, h := range []*oeHost{{name: "west", addr: oeWestAddr}, {name: "east", addr: oeEastAddr, freeswan: true}} {
		h.ns = testenv.NewNetNS(t, "oe"+h.name[:1])
		dev := fmt.Sprintf("v%d", i)
		if out, err := exec.Command("ip", "-n", dns.Name, "link", "add", dev, "type", "veth", "peer", "name", "eth0", "netns", h.ns.Name).CombinedOutput(); err != nil {
			testenv.Unavailable(t, "cannot create veth pair: %v: %s", err, out)
		}
		dns.MustIP(t, "link", "set", dev, "master", "br0", "up")
		h.ns.AddAddr(t, "eth0", h.addr+"/24")
		h.ns.MustIP(t, "link", "set", "eth0", "up")
		h.ns.MustIP(t, "route", "add", "default", "via", oeDNSAddr)
		h.p = testenv.PreparePluto(t, &testenv.PlutoOptions{NetNS: h.ns, Libreswan: ls})
		confDir := filepath.Join(h.p.Dir, "etc")
		os.MkdirAll(confDir, 0o755)
		h.conf = filepath.Join(confDir, "ipsec.conf")
		h.resolv = filepath.Join(h.p.Dir, "resolv.conf")
		os.WriteFile(h.resolv, []byte("nameserver "+oeDNSAddr+"\n"), 0o644)
		if i == 0 {
			west = h
		} else {
			east = h
		}
	}
	lap("topology")

	named := testenv.StartNamedConfig(t, testenv.NamedConfig{NetNS: dns, Listen: oeDNSAddr, SignedZones: []string{oeZone}})
	unsigned := testenv.StartNamedConfig(t, testenv.NamedConfig{NetNS: dns, Listen: oeDNSAddr2, Zones: []string{oeZone}})
	anchors := filepath.Join(t.TempDir(), "anchors.ds")
	if err := os.WriteFile(anchors, []byte(named.DS(t, oeZone)), 0o644); err != nil {
		t.Fatal(err)
	}
	lap("named up, zone signed")

	leftKey := func(h *oeHost, secretsFile string) string {
		t.Helper()
		out := h.mustIpsec(t, "showhostkey", "--file", secretsFile, "--left")
		for _, l := range strings.Split(out, "\n") {
			if k, ok := strings.CutPrefix(strings.TrimSpace(l), "leftrsasigkey="); ok {
				return k
			}
		}
		t.Fatalf("showhostkey --left %s printed no leftrsasigkey=:\n%s", secretsFile, out)
		return ""
	}

	// Keys: ipsec newhostkey into each host's ipsec.secrets only.
	rogue := filepath.Join(t.TempDir(), "rogue.secrets")
	for _, h := range []*oeHost{west, east} {
		os.Remove(h.p.Secrets)
		h.mustIpsec(t, "newhostkey", "--output", h.p.Secrets, "--bits", "2048", "--hostname", h.name, "--quiet")
		h.pub = leftKey(h, h.p.Secrets)
		h.writeConf(t, anchors, map[string]string{"private-or-clear": "192.1.2.0/24\n", "clear": oeDNSAddr + "/32\n" + oeDNSAddr2 + "/32\n"})
	}
	west.mustIpsec(t, "newhostkey", "--output", rogue, "--bits", "2048", "--hostname", "rogue", "--quiet")
	roguePub := leftKey(west, rogue)
	lap("keys made by ipsec newhostkey")

	publish := func(h *oeHost, n *testenv.Named, secretsFile string) {
		t.Helper()
		out := h.mustIpsec(t, "showhostkey", "--file", secretsFile, "--ipseckey", "--oe", "--config", h.conf,
			"--publish", "--server", n.Addr, "--tsig-key", n.KeyFile)
		if !strings.Contains(out, "published 1 records in zone "+oeZone) {
			t.Fatalf("%s: showhostkey --publish: %s", h.name, out)
		}
	}
	for _, h := range []*oeHost{west, east} {
		publish(h, named, h.p.Secrets)
		publish(h, unsigned, h.p.Secrets)
		out := h.mustIpsec(t, "showhostkey", "--file", h.p.Secrets, "--ipseckey", "--oe", "--config", h.conf,
			"--check", "--dnssec", "--nameserver", oeDNSAddr)
		rev := strings.Join(reverseLabels(h.addr), ".") + ".in-addr.arpa"
		if !strings.Contains(out, "Checking signed IPSECKEY at "+rev) || strings.Contains(out, "FAILED") {
			t.Fatalf("%s: showhostkey --check --dnssec:\n%s", h.name, out)
		}
	}
	lap("published with TSIG, checked signed")

	// --- positive: traffic makes west fetch east's key and establish.
	for _, h := range []*oeHost{east, west} {
		out := h.start(t)
		if !strings.Contains(out, "imported RSA host key") {
			t.Fatalf("%s: setup start did not import the host key:\n%s", h.name, out)
		}
		if h.freeswan && (!strings.Contains(out, `added FreeS/WAN's implicit conn "private-or-clear"`) || !strings.Contains(out, "installed policy group")) {
			t.Errorf("%s: setup start did not read the FreeS/WAN OE configuration:\n%s", h.name, out)
		}
	}
	lap("both plutos started")
	exec.Command("ip", "netns", "exec", west.ns.Name, ping, "-c", "2", "-i", "0.3", "-W", "1", oeEastAddr).Run()
	established := func(h *oeHost, limit time.Duration) bool {
		if ls.Version != "4.10" {
			// 5.2 deletes the IKE SA within a second or two of its
			// Child SA failing (this kernel has no ESP), so
			// --showstates may no longer show it: the log ("initiator
			// established IKE SA; authenticated peer ..." or
			// "responder ...") records it. stop removes the log, so
			// it covers this start only.
			return h.p.WaitLog(" established IKE SA; authenticated peer", limit)
		}
		deadline := time.Now().Add(limit)
		for {
			if strings.Contains(h.whack("--showstates"), "STATE_V2_ESTABLISHED_IKE_SA") {
				return true
			}
			if time.Now().After(deadline) {
				return false
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !established(west, 10*time.Second) || !established(east, 2*time.Second) {
		t.Fatalf("no IKE SA from keys in DNS\nwest:\n%s\neast:\n%s", west.p.Log(), east.p.Log())
	}
	keyID := func(pub string) string { return strings.TrimPrefix(pub, "0s")[:9] }
	if pk := west.whack("--listpubkeys"); !strings.Contains(pk, keyID(east.pub)) || !strings.Contains(pk, "'"+oeEastAddr+"'") {
		t.Errorf("west does not hold east's key (from DNS) for %s:\n%s", oeEastAddr, pk)
	}
	if !strings.Contains(west.p.Log(), "authenticated peer") {
		t.Errorf("west's log has no authenticated peer:\n%s", west.p.Log())
	}
	lap("positive: IKE SA established")

	// Both plutos restart for each case: pluto caches a key from DNS
	// for its TTL. They stop side by side (whack --shutdown takes seconds).
	restart := func() {
		t.Helper()
		done := make(chan struct{})
		go func() { defer close(done); west.stop(t) }()
		east.stop(t)
		<-done
		east.start(t)
		west.start(t)
	}
	oppo := func() {
		west.p.Whack("--oppohere", oeWestAddr, "--oppothere", oeEastAddr)
	}

	// --- east's record holds another key: authentication fails.
	publish(east, named, rogue)
	restart()
	oppo()
	// Both releases say which key they tried: the one DNS holds.
	if !west.p.WaitLog("authentication failed", 10*time.Second) || !strings.Contains(west.p.Log(), "tried preloaded: *"+keyID(roguePub)) {
		t.Errorf("another key in DNS: west did not fail authentication with the key from DNS (%s)\n%s", keyID(roguePub), west.p.Log())
	}
	if established(west, 0) {
		t.Errorf("another key in DNS: west established an IKE SA:\n%s", west.whack("--showstates"))
	}
	publish(east, named, east.p.Secrets)
	lap("negative: another key")

	// --- the zone is not signed: the answer is insecure, the key unused.
	for _, h := range []*oeHost{west, east} {
		os.WriteFile(h.resolv, []byte("nameserver "+oeDNSAddr2+"\n"), 0o644)
	}
	restart()
	oppo()
	// The anchor says the zone is signed: libunbound calls the unsigned
	// answer BOGUS and pluto ignores it.
	if !west.p.WaitLog("unbound returned BOGUS response - ignored", 10*time.Second) {
		t.Errorf("unsigned zone: west did not reject the answer\n%s", west.p.Log())
	}
	if established(west, time.Second) {
		t.Errorf("unsigned zone: west established an IKE SA:\n%s", west.whack("--showstates"))
	}
	if pk := west.whack("--listpubkeys"); strings.Contains(pk, keyID(east.pub)) {
		t.Errorf("unsigned zone: west took east's key from an unsigned answer:\n%s", pk)
	}
	for _, h := range []*oeHost{west, east} {
		os.WriteFile(h.resolv, []byte("nameserver "+oeDNSAddr+"\n"), 0o644)
	}
	lap("negative: unsigned zone")

	// --- the record is missing: private-or-clear lets traffic pass in
	// the clear, private blocks it.
	nsupdate := named.KeyFile
	cmd := dns.Command(testenv.MustHaveCommand(t, "nsupdate"), "-k", nsupdate)
	cmd.Stdin = strings.NewReader(fmt.Sprintf("server %s\nzone %s\nupdate delete 23.%s. IPSECKEY\nsend\n", oeDNSAddr, oeZone, oeZone))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nsupdate delete: %v\n%s", err, out)
	}
	restart()
	pingOK := func() bool {
		return exec.Command("ip", "netns", "exec", west.ns.Name, ping, "-c", "3", "-i", "0.3", "-W", "1", oeEastAddr).Run() == nil
	}
	if !pingOK() {
		t.Errorf("record missing, private-or-clear: ping did not pass in the clear\n%s", west.p.Log())
	}
	if established(west, 0) {
		t.Errorf("record missing: west established an IKE SA")
	}
	west.stop(t)
	west.writeConf(t, anchors, map[string]string{"private": "192.1.2.0/24\n", "clear": oeDNSAddr + "/32\n" + oeDNSAddr2 + "/32\n"})
	west.start(t, "private#192.1.2.0/24")
	if pingOK() {
		t.Errorf("record missing, private: ping passed although the policy is private (drop)")
	}
	if !strings.Contains(west.p.Log(), `"private#192.1.2.0/24"[1] ...`+oeEastAddr) {
		t.Errorf("record missing, private: the packet did not go to the private policy\n%s", west.p.Log())
	}
	lap("negative: record missing (clear, then block)")
}

func reverseLabels(addr string) []string {
	p := strings.Split(addr, ".")
	for i, j := 0, len(p)-1; i < j; i, j = i+1, j-1 {
		p[i], p[j] = p[j], p[i]
	}
	return p
}
