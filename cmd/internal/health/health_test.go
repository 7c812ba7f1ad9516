package health

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"goswan/cmd/internal/sysinfo"
)

const healthyConf = `config setup
	listen=192.0.2.1

conn net
	left=192.0.2.1
	leftsubnet=10.1.0.0/16
	right=192.0.2.2
	rightsubnet=10.2.0.0/16
	authby=rsasig
	auto=add
`

// healthySecrets is a valid raw RSA host key (a test key, used nowhere).
var healthySecrets = func() string {
	b, err := os.ReadFile("testdata/hostkey.secrets")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// udp lists sockets on 500 and 4500 (01F4, 1194) as the kernel prints them.
const udpTable = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  1: 010200C0:01F4 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1 2 0000000000000000 0
  2: 010200C0:1194 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 2 2 0000000000000000 0
`

func fatalIf(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// healthy builds a fake root on which every check passes, with pluto's
// control socket answering.
func healthy(t testing.TB) (*sysinfo.Fake, *Env) {
	t.Helper()
	// A short root: a unix socket path must stay under 108 bytes.
	root, err := os.MkdirTemp("", "vfy")
	fatalIf(t, err)
	t.Cleanup(func() { os.RemoveAll(root) })
	f := &sysinfo.Fake{
		Root: root,
		Commands: map[string]sysinfo.Command{
			"ipsec": func([]string) ([]byte, error) { return []byte("goswan\n"), nil },
			"ip": func([]string) ([]byte, error) {
				return []byte("Usage: ip xfrm XFRM-OBJECT { COMMAND | help }\n"), errors.New("exit status 255")
			},
			"iptables": func([]string) ([]byte, error) { return nil, nil },
			"pluto": func([]string) ([]byte, error) {
				return []byte("Libreswan 5.2 IKEv2 IKEv1 XFRM XFRMI\n"), nil
			},
		},
		Kernel: sysinfo.XFRM{ESP: sysinfo.Support{Known: true, OK: true}, AH: sysinfo.Support{Known: true, OK: true}},
		Host:   "west",
		Exe:    "/usr/sbin/ipsec",
	}
	files := map[string]string{
		"/proc/sys/net/core/xfrm_acq_expires": "165",
		"/proc/sys/net/core/xfrm_larval_drop": "1",
		"/proc/sys/net/ipv4/ip_forward":       "1",
		"/proc/net/udp":                       udpTable,
		"/run/pluto/pluto.pid":                "4242\n",
		"/proc/4242/comm":                     "pluto\n",
		"/etc/ipsec.conf":                     healthyConf,
		"/usr/sbin/ipsec":                     "",
		"/usr/libexec/ipsec/pluto":            "",
	}
	for _, dev := range []string{"all", "default", "lo", "eth0"} {
		for _, k := range []string{"rp_filter", "send_redirects", "accept_redirects"} {
			files["/proc/sys/net/ipv4/conf/"+dev+"/"+k] = "0\n"
		}
	}
	for name, content := range files {
		fatalIf(t, f.WriteFile(name, content, 0o644))
	}
	fatalIf(t, f.WriteFile("/etc/ipsec.secrets", healthySecrets, 0o600))
	fatalIf(t, os.MkdirAll(f.Root+"/var/lib/ipsec/nss", 0o700))
	l, err := f.Listen("/run/pluto/pluto.ctl")
	fatalIf(t, err)
	t.Cleanup(func() { l.Close() })
	go acceptAll(l)
	e := &Env{Sys: f, Config: "/etc/ipsec.conf", Secrets: "/etc/ipsec.secrets", RunDir: "/run/pluto",
		NSSDir: "/var/lib/ipsec/nss", Version: "goswan test"}
	return f, e
}

func acceptAll(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}

func find(rs []Result, name string) (Result, bool) {
	for _, r := range rs {
		if strings.TrimSpace(r.Name) == name {
			return r, true
		}
	}
	return Result{}, false
}

// TestHealthy: on the healthy root nothing warns or fails.
func TestHealthy(t *testing.T) {
	_, e := healthy(t)
	rs := Run(context.Background(), e, Checks())
	for _, r := range rs {
		if r.Status == Failed || r.Status == Warning {
			t.Errorf("%s: %s [%s] %s %s", r.Name, r.Status, r.Word, r.Detail, r.Hint)
		}
	}
}

// TestFaults injects one fault at a time into the healthy root and checks
// that exactly the check that should notice does, with the expected word.
func TestFaults(t *testing.T) {
	tests := []struct {
		name   string
		inject func(t *testing.T, f *sysinfo.Fake, e *Env)
		check  string
		status Status
		word   string
	}{
		{"ip_forward off", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.WriteFile("/proc/sys/net/ipv4/ip_forward", "0\n", 0o644))
		}, "Checking IP forwarding", Failed, "DISABLED"},
		{"rp_filter strict", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.WriteFile("/proc/sys/net/ipv4/conf/eth0/rp_filter", "1\n", 0o644))
		}, "Checking rp_filter", Failed, "ENABLED"},
		{"send_redirects on", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.WriteFile("/proc/sys/net/ipv4/conf/default/send_redirects", "1\n", 0o644))
		}, "ICMP default/send_redirects", Failed, "NOT DISABLED"},
		{"accept_redirects on", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.WriteFile("/proc/sys/net/ipv4/conf/default/accept_redirects", "1\n", 0o644))
		}, "ICMP default/accept_redirects", Failed, "NOT DISABLED"},
		{"larval drop off", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.WriteFile("/proc/sys/net/core/xfrm_larval_drop", "0\n", 0o644))
		}, "XFRM larval drop", Failed, "NOT ENABLED"},
		{"no private key", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.WriteFile("/etc/ipsec.secrets", "@a : PSK \"x\"\n", 0o600))
		}, "Checking for a private key", Failed, "MISSING"},
		{"bad config", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.WriteFile("/etc/ipsec.conf", "conn x\n\tleft=192.0.2.1\n\tnosuchkeyword=1\n", 0o644))
		}, "Pluto ipsec.conf syntax", Failed, ""},
		{"obsolete keyword", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.WriteFile("/etc/ipsec.conf", strings.Replace(healthyConf, "config setup\n", "config setup\n\tklipsdebug=none\n", 1), 0o644))
		}, "Checking for obsolete ipsec.conf options", Warning, "OBSOLETE KEYWORD"},
		{"configured ikeport closed", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.WriteFile("/etc/ipsec.conf", strings.Replace(healthyConf, "\tauto=add\n", "\tauto=add\n\tleftikeport=4600\n", 1), 0o644))
		}, "Pluto listening for IKE on udp 4600 (ikeport=)", Warning, "NOT LISTENING"},
		{"secrets syntax error", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.WriteFile("/etc/ipsec.secrets", healthySecrets+"@x : PSK \"unterminated\n", 0o600))
		}, "Checking ipsec.secrets syntax", Failed, "PARSE ERROR"},
		{"world-readable secrets", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.WriteFile("/etc/ipsec.secrets", healthySecrets, 0o644))
		}, "Checking ipsec.secrets permissions", Warning, "WORLD READABLE"},
		{"group-readable secrets", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.WriteFile("/etc/ipsec.secrets", healthySecrets, 0o640))
		}, "Checking ipsec.secrets permissions", Warning, "GROUP READABLE"},
		{"world-writable ipsec.conf", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, os.Chmod(f.Root+"/etc/ipsec.conf", 0o666))
		}, "Checking permissions of ipsec.conf, its includes and ipsec.secrets", Failed, "WORLD WRITABLE"},
		{"world-writable include directory", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.WriteFile("/etc/ipsec.d/a.conf", "conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n", 0o644))
			fatalIf(t, f.WriteFile("/etc/ipsec.conf", healthyConf+"\ninclude /etc/ipsec.d/*.conf\n", 0o644))
			fatalIf(t, os.Chmod(f.Root+"/etc/ipsec.d", 0o777))
		}, "Checking permissions of ipsec.conf, its includes and ipsec.secrets", Failed, "WORLD WRITABLE"},
		{"world-writable secrets", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, os.Chmod(f.Root+"/etc/ipsec.secrets", 0o602))
		}, "Checking permissions of ipsec.conf, its includes and ipsec.secrets", Failed, "WORLD WRITABLE"},
		{"NSS directory open to others", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.WriteFile("/var/lib/ipsec/nss/key4.db", "", 0o644))
			fatalIf(t, os.Chmod(f.Root+"/var/lib/ipsec/nss", 0o755))
		}, "Checking NSS database permissions", Warning, "WORLD READABLE"},
		{"pluto dead, stale pid file", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.Remove("/proc/4242/comm"))
		}, "Checking that pluto is running", Failed, "FAILED"},
		{"pluto gone", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.Remove("/proc/4242/comm"))
			fatalIf(t, f.Remove("/run/pluto/pluto.pid"))
			fatalIf(t, f.Remove("/run/pluto/pluto.ctl"))
		}, "Checking that pluto is running", Failed, "FAILED"},
		{"only another rundir's pluto", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.Remove("/run/pluto/pluto.pid"))
			fatalIf(t, f.Remove("/run/pluto/pluto.ctl"))
		}, "Checking that pluto is running", Failed, "FAILED"},
		{"control socket not answering", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.Remove("/run/pluto/pluto.ctl"))
			l, err := f.Listen("/run/pluto/pluto.ctl")
			fatalIf(t, err)
			l.Close() // leaves a socket file nobody listens on
		}, "Checking that pluto is running", Failed, "NOT ANSWERING"},
		{"port 500 closed", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.WriteFile("/proc/net/udp", strings.Replace(udpTable, ":01F4", ":01F5", 1), 0o644))
		}, "Pluto listening for IKE on udp 500", Failed, "FAILED"},
		{"port 4500 closed", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.WriteFile("/proc/net/udp", strings.Replace(udpTable, ":1194", ":1195", 1), 0o644))
		}, "Pluto listening for IKE/NAT-T on udp 4500", Warning, "DISABLED"},
		{"ESP missing", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			f.Kernel.ESP = sysinfo.Support{Known: true, Err: unix.EPROTONOSUPPORT}
		}, "Checking for IPsec support in kernel", Failed, "ESP MISSING"},
		{"no XFRM", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			f.Kernel.Err = unix.EPROTONOSUPPORT
		}, "Checking for IPsec support in kernel", Failed, "FAILED"},
		{"not root", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			f.Kernel = sysinfo.XFRM{Err: unix.EPERM}
		}, "Checking for IPsec support in kernel", Warning, "UNKNOWN"},
		{"ipsec not on PATH", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			delete(f.Commands, "ipsec")
		}, "Version check and ipsec on-path", Failed, "FAILED"},
		{"no ip command", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			delete(f.Commands, "ip")
		}, "Checking 'ip' command", Failed, "FAILED"},
		{"no iptables", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			delete(f.Commands, "iptables")
		}, "Checking 'iptables' command", Warning, "MISSING"},
		{"no Libreswan", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			delete(f.Commands, "pluto")
			fatalIf(t, f.Remove("/usr/libexec/ipsec/pluto"))
		}, "Checking Libreswan's pluto", Failed, "MISSING"},
		{"old Libreswan", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			f.Commands["pluto"] = func([]string) ([]byte, error) { return []byte("Libreswan 3.32\n"), nil }
		}, "Checking Libreswan's pluto", Warning, "TOO OLD"},
		{"IKEv1 conn on Libreswan 5", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			fatalIf(t, f.WriteFile("/etc/ipsec.conf", healthyConf+"\nconn v1\n\tleft=192.0.2.1\n\tright=192.0.2.3\n\tauthby=secret\n\tkeyexchange=ikev1\n\tauto=add\n", 0o644))
		}, ikev1Check, Failed, "IKEV1 REFUSED"},
		{"IKEv1 conn on Libreswan 4.10", func(t *testing.T, f *sysinfo.Fake, e *Env) {
			f.Commands["pluto"] = func([]string) ([]byte, error) { return []byte("Libreswan 4.10\n"), nil }
			fatalIf(t, f.WriteFile("/etc/ipsec.conf", healthyConf+"\nconn v1\n\tleft=192.0.2.1\n\tright=192.0.2.3\n\tauthby=secret\n\tikev2=no\n\tauto=add\n", 0o644))
		}, ikev1Check, Warning, "IKEV1 DROP"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, e := healthy(t)
			before, ok := find(Run(context.Background(), e, Checks()), tc.check)
			if strings.Contains(tc.check, "ikeport") || tc.check == ikev1Check {
				before, ok = Result{Status: OK}, true // exists only once a conn sets it
			}
			if !ok || before.Status != OK {
				t.Fatalf("healthy root: %q = %+v, want OK", tc.check, before)
			}
			f, e := healthy(t) // a fresh root and Env: Env caches the config and kernel
			tc.inject(t, f, e)
			rs := Run(context.Background(), e, Checks())
			r, ok := find(rs, tc.check)
			if !ok {
				t.Fatalf("no result %q after the fault", tc.check)
			}
			if r.Status != tc.status || (tc.word != "" && r.Word != tc.word) {
				t.Errorf("%q after the fault = %s [%s] (%s), want %s [%s]", tc.check, r.Status, r.Word, r.Detail, tc.status, tc.word)
			}
			if (r.Status == Failed || r.Status == Warning) && r.Hint == "" && r.Detail == "" {
				t.Errorf("%q says %s without a detail or hint", tc.check, r.Word)
			}
		})
	}
}

const ikev1Check = "Checking IKEv1 conns against ikev1-policy"

// TestIKEv1Policy: the IKEv1 check says nothing without IKEv1 conns, is
// OK with ikev1-policy=accept, and reads keyexchange=ikev1 as IKEv1 only
// on Libreswan 5 (4.10 ignores it).
func TestIKEv1Policy(t *testing.T) {
	v1 := "\nconn v1\n\tleft=192.0.2.1\n\tright=192.0.2.3\n\tauthby=secret\n\tkeyexchange=ikev1\n\tauto=add\n"
	tests := []struct {
		name, version, conf string
		want                Status // -1: no result at all
	}{
		{"no IKEv1 conn", "5.2", healthyConf, -1},
		{"accepted", "5.2", strings.Replace(healthyConf, "config setup\n", "config setup\n\tikev1-policy=accept\n", 1) + v1, OK},
		// keyexchange=ikev1 is Libreswan 5's spelling; a 5.x file read for
		// 4.10 means IKEv1 too (the pluto model maps it), and Debian's
		// 4.10 pluto drops IKEv1 by default: a warning, not a failure.
		{"keyexchange=ikev1 on 4.10 is IKEv1, warned", "4.10", healthyConf + v1, Warning},
		{"ignored conns do not count", "5.2", healthyConf + strings.Replace(v1, "auto=add", "auto=ignore", 1), -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, e := healthy(t)
			f.Commands["pluto"] = func([]string) ([]byte, error) { return []byte("Libreswan " + tc.version + "\n"), nil }
			fatalIf(t, f.WriteFile("/etc/ipsec.conf", tc.conf, 0o644))
			r, ok := find(Run(context.Background(), e, Checks()), ikev1Check)
			switch {
			case tc.want == -1 && ok:
				t.Errorf("%s: %s [%s] %s, want no result", ikev1Check, r.Status, r.Word, r.Detail)
			case tc.want != -1 && (!ok || r.Status != tc.want):
				t.Errorf("%s = %v %s (%s), want %s", ikev1Check, ok, r.Status, r.Detail, tc.want)
			}
		})
	}
}

// TestConfigErrorPositions: a bad ipsec.conf is reported with file:line:col
// as the administrator names the file, not the fake root's path.
func TestConfigErrorPositions(t *testing.T) {
	f, e := healthy(t)
	fatalIf(t, f.WriteFile("/etc/ipsec.conf", "conn x\n\tleft=192.0.2.1\n\tnosuchkeyword=1\n", 0o644))
	r, _ := find(ConfigCheck(context.Background(), e), "Pluto ipsec.conf syntax")
	if r.Status != Failed || !strings.Contains(r.Detail, "/etc/ipsec.conf:3:2: ") {
		t.Errorf("ConfigCheck = %+v, want FAILED with /etc/ipsec.conf:3:2", r)
	}
	if strings.Contains(r.Detail, f.Root) {
		t.Errorf("detail names the fake root: %q", r.Detail)
	}
}

// BenchmarkChecks runs every check on the healthy fake root: the cost of
// verify without process start-up, kernel probe or DNS.
func BenchmarkChecks(b *testing.B) {
	_, proto := healthy(b)
	b.ReportAllocs()
	for b.Loop() {
		e := &Env{Sys: proto.Sys, Config: proto.Config, Secrets: proto.Secrets, RunDir: proto.RunDir,
			NSSDir: proto.NSSDir, Version: proto.Version}
		Run(context.Background(), e, Checks())
	}
}
