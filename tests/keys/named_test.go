package keys_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"goswan/tests/testenv"
)

// TestRecordsServedByBIND: the KEY, TXT and IPSECKEY records our
// showhostkey prints re-parse with miekg/dns, load into a real BIND as
// zone-file lines, and come back from dig as the same records.
func TestRecordsServedByBIND(t *testing.T) {
	named := testenv.MustHaveCommand(t, "named")
	dig := testenv.MustHaveCommand(t, "dig")
	dir := t.TempDir()
	secretsFile := filepath.Join(dir, "ipsec.secrets")
	ok(t, "newhostkey", "--output", secretsFile, "--bits", "3072", "--hostname", "west.example", "--quiet")

	outputs := []string{
		ok(t, "showhostkey", "--file", secretsFile, "--key"),
		ok(t, "showhostkey", "--file", secretsFile, "--txt", "192.0.2.1", "--owner", "1.2.0.192.in-addr.example"),
		ok(t, "showhostkey", "--file", secretsFile, "--txt", "@gw.example", "--precedence", "20", "--owner", "2.2.0.192.in-addr.example"),
		ok(t, "showhostkey", "--file", secretsFile, "--ipseckey"),
		ok(t, "showhostkey", "--file", secretsFile, "--ipseckey", "--gateway", "192.0.2.1", "--owner", "v4.example"),
		ok(t, "showhostkey", "--file", secretsFile, "--ipseckey", "--gateway", "2001:db8::1", "--owner", "v6.example"),
		ok(t, "showhostkey", "--file", secretsFile, "--ipseckey", "--gateway", "gw.example", "--owner", "name.example"),
	}
	var ours []dns.RR
	zone := "$TTL 300\nexample. IN SOA ns.example. host.example. 1 3600 600 86400 300\nexample. IN NS ns.example.\nns.example. IN A 127.0.0.1\n"
	for _, out := range outputs {
		zone += out
		for _, l := range strings.Split(out, "\n") {
			if l == "" || strings.HasPrefix(l, ";") {
				continue
			}
			rr, err := dns.NewRR(l)
			if err != nil {
				t.Fatalf("dns.NewRR(%q): %v", l, err)
			}
			ours = append(ours, rr)
		}
	}
	writeFile(t, filepath.Join(dir, "example.zone"), zone, 0o644)
	if cz, err := testenv.LookPath("named-checkzone"); err == nil {
		must(t, cz, "example", filepath.Join(dir, "example.zone"))
	}
	port := startNamed(t, named, dir)

	for _, want := range ours {
		name, typ := want.Header().Name, dns.TypeToString[want.Header().Rrtype]
		out := must(t, dig, "@127.0.0.1", "-p", port, "+noall", "+answer", "+norecurse", name, typ)
		var got []dns.RR
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if l == "" {
				continue
			}
			rr, err := dns.NewRR(l)
			if err != nil {
				t.Fatalf("dig output %q does not parse: %v", l, err)
			}
			got = append(got, rr)
		}
		found := false
		for _, g := range got {
			found = found || dns.IsDuplicate(g, want)
		}
		if !found {
			t.Errorf("dig %s %s =\n%s\nwant the record\n%s", name, typ, out, want)
		}
	}
}

// startNamed runs BIND in the foreground on a free 127.0.0.1 port serving
// the zone in dir, and stops it in cleanup.
func startNamed(t *testing.T, named, dir string) string {
	t.Helper()
	for attempt := 0; attempt < 5; attempt++ {
		port := freePort(t)
		conf := fmt.Sprintf(`options {
	directory "%[1]s";
	pid-file "%[1]s/named.pid";
	listen-on port %[2]s { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
};
controls { };
zone "example" { type primary; file "%[1]s/example.zone"; };
`, dir, port)
		writeFile(t, filepath.Join(dir, "named.conf"), conf, 0o644)
		cmd := exec.Command(named, "-g", "-c", filepath.Join(dir, "named.conf"))
		logf, _ := os.Create(filepath.Join(dir, "named.log"))
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting named: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		stop := func() {
			cmd.Process.Signal(os.Interrupt)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				<-exited
			}
			logf.Close()
		}
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				deadline = time.Time{} // port taken or config error: retry
				continue
			default:
			}
			b, _ := os.ReadFile(filepath.Join(dir, "named.log"))
			if strings.Contains(string(b), "running") && strings.Contains(string(b), "zone example/IN: loaded") {
				t.Cleanup(stop)
				return port
			}
			time.Sleep(50 * time.Millisecond)
		}
		stop()
	}
	b, _ := os.ReadFile(filepath.Join(dir, "named.log"))
	testenv.Unavailable(t, "named did not start:\n%s", b)
	return ""
}

// freePort asks the kernel for a free UDP port on 127.0.0.1.
func freePort(t *testing.T) string {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, port, _ := net.SplitHostPort(c.LocalAddr().String())
	return port
}
