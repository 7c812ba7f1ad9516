package barf

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"goswan/cmd/internal/sysinfo"
)

// markers are planted secrets; each is an ASCII word whose hex form is what
// `ip xfrm state` prints (4d41524b = "MARK").
var markers = []string{
	"MARK-PSK-1", "MARK-XAUTH-2", "MARKPRIVEXP", "MARKPRIME1", "MARK-PASS-3",
	"0x4d41524b", // any key from testdata/xfrm_state.txt
	"MARKESPENC", "MARKESPAUTH", "MARKAHKEY", "MARKINCLUDED", "markespenc",
}

const plantedSecrets = `# planted markers
10.0.0.1 10.0.0.2 : PSK "MARK-PSK-1"
@user : XAUTH "MARK-XAUTH-2"
: RSA key.pem "MARK-PASS-3"
: RSA {
	Modulus: 0x00
	PublicExponent: 0x03
	PrivateExponent: 0xMARKPRIVEXP
	Prime1: 0xMARKPRIME1
	}
include ipsec.d/*.secrets
`

const plantedConf = `config setup
	interfaces=%defaultroute

conn manual
	left=192.0.2.1
	right=192.0.2.2
	spi=0x200
	esp=3des-md5-96
	espenckey=0xMARKESPENC
	espauthkey=0xMARKESPAUTH
	auto=manual

include ipsec.d/*.conf
`

func plantedRoot(t *testing.T) *sysinfo.Fake {
	t.Helper()
	xfrm, err := os.ReadFile(filepath.Join("testdata", "xfrm_state.txt"))
	if err != nil {
		t.Fatal(err)
	}
	f := &sysinfo.Fake{
		Root: t.TempDir(),
		Host: "west",
		Commands: map[string]sysinfo.Command{
			// A log that repeats secrets (as pluto may with
			// plutodebug=private) and a manual key as ip prints it.
			"journalctl": func([]string) ([]byte, error) {
				return []byte("pluto[1]: PSK is MARK-PSK-1\npluto[1]: key 0xmarkespenc\n"), nil
			},
			"ip": func(args []string) ([]byte, error) {
				if strings.Join(args, " ") == "xfrm state" {
					return xfrm, nil
				}
				return []byte("ip " + strings.Join(args, " ") + " output\n"), nil
			},
		},
	}
	for name, content := range map[string]string{
		"/etc/ipsec.conf":                     plantedConf,
		"/etc/ipsec.d/extra.conf":             "conn extra\n\tahkey=0xMARKAHKEY\n\tleftrsasigkey=0sAQOCx08CfMARK\n",
		"/etc/ipsec.secrets":                  plantedSecrets,
		"/etc/ipsec.d/more.secrets":           "@inc : PSK \"MARKINCLUDED\"\n",
		"/etc/ipsec.d/policies/private":       "10.0.0.0/8\n",
		"/proc/sys/net/core/xfrm_acq_expires": "165\n",
		"/proc/version":                       "Linux version 6.x\n",
	} {
		if err := f.WriteFile(name, content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func options() Options {
	return Options{Config: "/etc/ipsec.conf", Secrets: "/etc/ipsec.secrets", ConfDir: "/etc",
		RunDir: "/run/pluto", NSSDir: "/var/lib/ipsec/nss", ExecDir: "/usr/libexec/ipsec", Timeout: 5 * time.Second}
}

// wantSections are the section markers every report has, in order
// (Libreswan 4.10's, less those it shows only for a present feature).
var wantSections = []string{
	"version", "/proc/version", "ip-xfrm-state", "ip-xfrm-policy", "cat-proc-net-xfrm_stat",
	"ip-l2tp-tunnel", "/proc/crypto", "/proc/sys/net/core/xfrm-star", "/proc/sys/net/ipsec-star",
	"ipsec/status", "ip-addr-list", "ip-route-list-table-all", "ip-rule-list", "ipsec_verify",
	"ipsec/directory", "hostname/fqdn", "hostname/ipaddress", "uptime", "ps", "ipsec/conf",
	"ipsec/secrets", "ipsec/listall", "nss/contents", "nss/crls", "ipsec/policies/private",
	"ipsec/ls-execdir", "/proc/net/dev", "/proc/net/route", "/proc/sys/net/ipv4/ip_no_pmtu_disc",
	"/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv4/tcp_ecn", "/proc/sys/net/ipv4/conf/star-rp_filter",
	"/proc/sys/net/ipv4/conf/star-star-redirects", "/proc/sys/net/ipv4/tcp_window_scaling",
	"/proc/sys/net/ipv4/tcp_adv_win_scale", "uname-a", "config-built-with", "distro-release",
	"iptables", "ip6tables", "/proc/modules", "usr/src/linux/.config", "etc/resolv.conf",
	"lib/modules-ls", "fipscheck", "/proc/ksyms-netif_rx", "kern.debug", "klog", "plog", "date",
}

var sectionRE = regexp.MustCompile(`(?m)^\+ _________________________ (.*)$`)

// Sections returns the section names of a report, in order.
func Sections(report string) []string {
	var names []string
	for _, m := range sectionRE.FindAllStringSubmatch(report, -1) {
		names = append(names, m[1])
	}
	return names
}

// TestRedaction plants markers in ipsec.secrets (PSK, XAUTH, RSA block, a
// key passphrase, an included file), in ipsec.conf and an included file
// (manual keys) and in `ip xfrm state` (keys as iproute2 prints them), and
// finds none of them in the report, but every section marker.
func TestRedaction(t *testing.T) {
	var b bytes.Buffer
	if err := Run(context.Background(), plantedRoot(t), options(), &b); err != nil {
		t.Fatal(err)
	}
	report := b.String()
	for _, m := range markers {
		if i := strings.Index(report, m); i >= 0 {
			start := strings.LastIndexByte(report[:i], '\n') + 1
			end := i + strings.IndexByte(report[i:], '\n')
			t.Errorf("report leaks marker %q: %q", m, report[start:end])
		}
	}
	got := Sections(report)
	have := map[string]bool{}
	for _, s := range got {
		have[s] = true
	}
	for _, s := range wantSections {
		if !have[s] {
			t.Errorf("section %q missing", s)
		}
	}
	// What the censors keep must still be there: the report is for reading.
	for _, keep := range []string{"proto esp spi 0xc0ffee01", "enc cbc(aes) [censored 66 chars]", "auth-trunc hmac(sha256) [censored", "conn extra",
		"#< /etc/ipsec.d/extra.conf 1", "espenckey=[censored 12 chars]", "@inc : PSK \"[censored 12 chars]\"", "[keyid AQOCx08Cf]"} {
		if !strings.Contains(report, keep) {
			t.Errorf("report lacks %q", keep)
		}
	}
}

// TestSecretsFileFromConfig: a secretsfile= in config setup is the file
// barf shows (censored) and scrubs.
func TestSecretsFileFromConfig(t *testing.T) {
	f := plantedRoot(t)
	if err := f.WriteFile("/etc/ipsec.conf", "config setup\n\tsecretsfile=/etc/other.secrets\n", 0o600); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteFile("/etc/other.secrets", "@o : PSK \"MARK-OTHER-FILE\"\n", 0o600); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Run(context.Background(), f, options(), &b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "+ ipsec _include /etc/other.secrets | ipsec _secretcensor\n@o : PSK \"[censored 15 chars]\"") {
		t.Errorf("secretsfile= not followed:\n%s", b.String())
	}
	if strings.Contains(b.String(), "MARK-OTHER-FILE") {
		t.Errorf("secret of the secretsfile= file leaks")
	}
}

func TestMissingProgramAndTimeout(t *testing.T) {
	f := plantedRoot(t)
	g := &gatherer{sys: f, o: options()}
	g.o.Timeout = 50 * time.Millisecond
	var b bytes.Buffer
	g.cmd(context.Background(), &b, nil, "nosuchprogram", "-x")
	if want := "+ nosuchprogram -x\nipsec barf: nosuchprogram: not found, skipped\n"; b.String() != want {
		t.Errorf("missing program: %q, want %q", b.String(), want)
	}
	// A real program that outlives its timeout is stopped and noted.
	g = &gatherer{sys: sysinfo.Real(), o: options()}
	g.o.Timeout = 100 * time.Millisecond
	b.Reset()
	start := time.Now()
	g.cmd(context.Background(), &b, nil, "sleep", "10")
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("sleep 10 with a 100ms timeout took %v", took)
	}
	if !strings.Contains(b.String(), "ipsec barf: sleep: stopped after 100ms") {
		t.Errorf("timeout not noted: %q", b.String())
	}
}

func TestCensorXFRM(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"enc", "\tenc cbc(aes) 0x0102030405060708", "\tenc cbc(aes) [censored 18 chars]"},
		{"aead keeps icv size", "\taead rfc4106(gcm(aes)) 0x01020304 128", "\taead rfc4106(gcm(aes)) [censored 10 chars] 128"},
		{"spi stays", "\tproto esp spi 0xc0ffee01 reqid 1 mode tunnel", "\tproto esp spi 0xc0ffee01 reqid 1 mode tunnel"},
		{"long hex anywhere", "\tfoo 0x0102030405060708090a", "\tfoo [censored 22 chars]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := censorXFRM(tc.in); got != tc.want {
				t.Errorf("censorXFRM(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTail(t *testing.T) {
	if got := tail(2, "a\nb\nc\n"); got != "b\nc\n" {
		t.Errorf("tail(2) = %q", got)
	}
	if got := tail(0, "a\nb\n"); got != "a\nb\n" {
		t.Errorf("tail(0) = %q", got)
	}
}

func TestWriteAtomic(t *testing.T) {
	p := filepath.Join(t.TempDir(), "barf.out")
	if err := writeAtomic(p, []byte("report\n")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if err := writeAtomic(filepath.Join(t.TempDir(), "nodir", "x"), nil); err == nil {
		t.Errorf("writeAtomic into a missing directory succeeded")
	}
}
