package testenv

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Named is a private BIND 9 name server started by StartNamed: primary for
// its zones, listening on 127.0.0.1 only, accepting RFC 2136 updates signed
// with one TSIG key.
type Named struct {
	Addr    string   // "127.0.0.1:PORT", for dig -p and the Go client
	Port    int      // the port alone
	Dir     string   // private directory: named.conf, zones, journals, log
	Zones   []string // the zones it serves, without the final dot
	KeyName string   // TSIG key name, without the final dot
	KeyAlg  string   // TSIG algorithm, BIND spelling (hmac-sha256)
	Secret  string   // TSIG secret, base64
	KeyFile string   // the key in BIND's key-file format (tsig-keygen output)
	Log     string   // named's stderr log
	Pid     int      // named's process, for tests that stop or kill it mid-exchange

	netns *NetNS // where named runs; nil: the host
}

// DefaultNamedZones is what StartNamed serves when given no zones: a forward
// zone, the reverse zone of the hosts and gateways (192.0.2.0/24), the
// reverse zone of a gateway's client subnet (198.51.100.0/24) and the IPv6
// reverse zone of 2001:db8::/32.
var DefaultNamedZones = []string{"example.com", "2.0.192.in-addr.arpa", "100.51.198.in-addr.arpa", "8.b.d.0.1.0.0.2.ip6.arpa"}

// MustHaveNamed returns the paths of named and dig or skips/fails t.
func MustHaveNamed(t testing.TB) (named, dig string) {
	t.Helper()
	return MustHaveCommand(t, "named"), MustHaveCommand(t, "dig")
}

// StartNamed starts named on a free port of 127.0.0.1 with the given zones
// (DefaultNamedZones when none), each with an SOA, an NS and nothing else,
// updatable with a fresh hmac-sha256 key. It is stopped, and its directory
// removed, by t.Cleanup.
func StartNamed(t testing.TB, zones ...string) *Named {
	t.Helper()
	return StartNamedConfig(t, NamedConfig{Zones: zones})
}

// NamedConfig says what StartNamedConfig serves.
type NamedConfig struct {
	Zones         []string // updatable only with the TSIG key; DefaultNamedZones when empty
	InsecureZones []string // updatable by anyone on 127.0.0.1, without TSIG
	ReadOnlyZones []string // not updatable at all
	// SignedZones are updatable with the TSIG key and signed by named
	// itself (dnssec-policy default): what it receives is signed, as a
	// site's OE zone is. StartNamedConfig waits until each is signed.
	SignedZones []string
	// Raw is added to named.conf as is (zone statements of zones the test
	// prepared itself, such as a zone signed offline).
	Raw string
	// NetNS runs named inside that namespace, listening on Listen port 53
	// (for plutos in other namespaces); nil: the host's 127.0.0.1 on a
	// free port.
	NetNS  *NetNS
	Listen string
}

// StartNamedConfig is StartNamed with zones that accept unsigned updates
// too, for testing --insecure.
func StartNamedConfig(t testing.TB, cfg NamedConfig) *Named {
	t.Helper()
	bin, _ := MustHaveNamed(t)
	if len(cfg.Zones) == 0 && len(cfg.SignedZones) == 0 && cfg.Raw == "" {
		cfg.Zones = DefaultNamedZones
	}
	var lastErr error
	// A port found free can be taken before named binds it; try a few.
	for attempt := 0; attempt < 3; attempt++ {
		n, err := startNamed(t, bin, cfg)
		if err == nil {
			return n
		}
		lastErr = err
	}
	t.Fatalf("starting named: %v", lastErr)
	return nil
}

func startNamed(t testing.TB, bin string, cfg NamedConfig) (*Named, error) {
	t.Helper()
	listen, port := "127.0.0.1", 53
	if cfg.NetNS != nil {
		listen = cfg.Listen
	} else {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		port = p
	}
	dir := t.TempDir()
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	n := &Named{
		Addr:    net.JoinHostPort(listen, fmt.Sprint(port)),
		Port:    port,
		Dir:     dir,
		Zones:   append(append(append(append([]string{}, cfg.Zones...), cfg.InsecureZones...), cfg.ReadOnlyZones...), cfg.SignedZones...),
		KeyName: "ipsec-test-key",
		KeyAlg:  "hmac-sha256",
		Secret:  base64.StdEncoding.EncodeToString(secret),
		KeyFile: filepath.Join(dir, "tsig.key"),
		Log:     filepath.Join(dir, "named.log"),
		netns:   cfg.NetNS,
	}
	keyText := fmt.Sprintf("key %q {\n\talgorithm %s;\n\tsecret %q;\n};\n", n.KeyName, n.KeyAlg, n.Secret)
	if err := os.WriteFile(n.KeyFile, []byte(keyText), 0o600); err != nil {
		return nil, err
	}
	var conf strings.Builder
	fmt.Fprintf(&conf, `include %q;
options {
	directory %q;
	pid-file %q;
	session-keyfile %q;
	managed-keys-directory %q;
	listen-on port %d { %s; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	notify no;
	allow-query { any; };
};
controls { };
%s
`, n.KeyFile, dir, filepath.Join(dir, "named.pid"), filepath.Join(dir, "session.key"), dir, port, listen, cfg.Raw)
	for i, z := range n.Zones {
		file := filepath.Join(dir, z+".db")
		allow := fmt.Sprintf("key %q;", n.KeyName)
		extra := ""
		switch {
		case i >= len(cfg.Zones)+len(cfg.InsecureZones)+len(cfg.ReadOnlyZones):
			keyDir := filepath.Join(dir, "keys-"+z)
			if err := os.MkdirAll(keyDir, 0o700); err != nil {
				return nil, err
			}
			extra = fmt.Sprintf("\tkey-directory %q;\n\tdnssec-policy default;\n\tinline-signing no;\n", keyDir)
		case i >= len(cfg.Zones)+len(cfg.InsecureZones):
			allow = "none;"
		case i >= len(cfg.Zones):
			allow = "127.0.0.1;"
		}
		fmt.Fprintf(&conf, "zone %q {\n\ttype primary;\n\tfile %q;\n\tallow-update { %s };\n%s};\n", z, file, allow, extra)
		zone := "$TTL 300\n@\tIN SOA\tns1.example.com. hostmaster.example.com. 1 3600 600 86400 300\n\tIN NS\tns1.example.com.\n"
		if z == "example.com" {
			zone += "ns1\tIN A\t127.0.0.1\n"
		}
		if err := os.WriteFile(file, []byte(zone), 0o644); err != nil {
			return nil, err
		}
	}
	confPath := filepath.Join(dir, "named.conf")
	if err := os.WriteFile(confPath, []byte(conf.String()), 0o644); err != nil {
		return nil, err
	}
	logf, err := os.Create(n.Log)
	if err != nil {
		return nil, err
	}
	// -g: foreground, log to stderr, no setuid; -n 1: one worker thread is
	// plenty for a test and spares a shared machine.
	cmd := exec.Command(bin, "-g", "-c", confPath, "-n", "1")
	if cfg.NetNS != nil {
		cmd = cfg.NetNS.Command(bin, "-g", "-c", confPath, "-n", "1")
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("running %s: %w", bin, err)
	}
	n.Pid = cmd.Process.Pid
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); logf.Close() }()
	stop := func() {
		select {
		case <-exited:
			return
		default:
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		b, _ := os.ReadFile(n.Log)
		log := string(b)
		switch {
		case strings.Contains(log, " running\n") && (strings.Contains(log, "could not listen") || strings.Contains(log, "unable to listen") || strings.Contains(log, "address in use")):
			// named runs on without the socket it could not bind: the
			// port was taken after freePort; try another.
			stop()
			return nil, fmt.Errorf("named could not listen on port %d:\n%s", port, log)
		case strings.Contains(log, " running\n") && !n.signed(cfg.SignedZones):
			// dnssec-policy signs a zone shortly after loading it.
		case strings.Contains(log, " running\n"): // the last start-up line
			t.Cleanup(func() {
				stop()
				if t.Failed() {
					b, _ := os.ReadFile(n.Log)
					t.Logf("named log:\n%s", b)
				}
			})
			return n, nil
		case time.Now().After(deadline):
			stop()
			return nil, fmt.Errorf("named not ready after 15s; log:\n%s", log)
		}
		select {
		case err := <-exited:
			exited <- err
			b, _ := os.ReadFile(n.Log)
			return nil, fmt.Errorf("named exited (%v); log:\n%s", err, b)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// freePort finds a port of 127.0.0.1 that is free for both UDP and TCP.
func freePort() (int, error) {
	for i := 0; i < 20; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		l.Close()
		if err != nil {
			continue
		}
		u.Close()
		return port, nil
	}
	return 0, fmt.Errorf("no port of 127.0.0.1 free for both UDP and TCP")
}

// Dig runs dig against n and returns its output: `+noall +answer` lines
// with base64 RDATA unbroken (dig splits it every 56 characters otherwise).
func (n *Named) Dig(t testing.TB, name, qtype string) string {
	t.Helper()
	dig := MustHaveCommand(t, "dig")
	out, err := n.command(dig, "@"+n.host(), "-p", fmt.Sprint(n.Port), "+noall", "+answer",
		"+tcp", "+nosplit", "+tries=1", "+time=5", name, qtype).CombinedOutput()
	if err != nil {
		t.Fatalf("dig %s %s: %v\n%s", name, qtype, err, out)
	}
	return string(out)
}

// signed reports whether every zone answers its DNSKEY query with a
// signature, i.e. named has signed it.
func (n *Named) signed(zones []string) bool {
	for _, z := range zones {
		out, err := n.command("dig", "@"+n.host(), "-p", fmt.Sprint(n.Port), "+norec", "+dnssec", "+noall",
			"+answer", "+tries=1", "+time=1", z, "DNSKEY").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "RRSIG") {
			return false
		}
	}
	return true
}

func (n *Named) host() string {
	h, _, _ := net.SplitHostPort(n.Addr)
	return h
}

// command runs argv where named runs (its namespace, or the host).
func (n *Named) command(argv ...string) *exec.Cmd {
	if n.netns != nil {
		return n.netns.Command(argv...)
	}
	return exec.Command(argv[0], argv[1:]...)
}

// DS returns the DS records (SHA-256) of zone's key-signing keys as
// zone-file lines, made by BIND's dnssec-dsfromkey from the DNSKEYs named
// serves: what a parent publishes, or what pluto takes as dnssec-anchors=.
func (n *Named) DS(t testing.TB, zone string) string {
	t.Helper()
	dsfromkey := MustHaveCommand(t, "dnssec-dsfromkey")
	out, err := n.command("dig", "@"+n.host(), "-p", fmt.Sprint(n.Port), "+norec", "+noall", "+answer",
		"+tries=1", "+time=5", zone, "DNSKEY").Output()
	if err != nil {
		t.Fatalf("dig %s DNSKEY: %v", zone, err)
	}
	cmd := exec.Command(dsfromkey, "-2", "-f", "-", zone)
	cmd.Stdin = strings.NewReader(string(out))
	ds, err := cmd.CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(ds))) == 0 {
		t.Fatalf("dnssec-dsfromkey %s: %v: %s (DNSKEYs: %s)", zone, err, ds, out)
	}
	return string(ds)
}
