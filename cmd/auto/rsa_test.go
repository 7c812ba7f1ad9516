package auto_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"goswan/tests/testenv"
)

// hostKey makes an RSA key with our newhostkey, puts its private half into
// the pluto's NSS database (PKCS#12 through pk12util, as a site moving
// keys to Libreswan does) and returns the public key as our showhostkey
// prints it for ipsec.conf.
func hostKey(t *testing.T, p *testenv.Pluto, name string) string {
	t.Helper()
	pk12util := testenv.MustHaveCommand(t, "pk12util")
	bin := testenv.Binary(t)
	dir := t.TempDir()
	secrets, p12, pw := filepath.Join(dir, "ipsec.secrets"), filepath.Join(dir, "k.p12"), filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("test-password\n"), 0o600)
	run := func(argv ...string) string {
		out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
		}
		return string(out)
	}
	run(bin, "newhostkey", "--output", secrets, "--bits", "2048", "--hostname", name, "--quiet",
		"--pkcs12", p12, "--password-file", pw)
	run(pk12util, "-i", p12, "-d", "sql:"+p.NSSDir, "-w", pw)
	out := run(bin, "showhostkey", "--file", secrets, "--left")
	for _, l := range strings.Split(out, "\n") {
		if k, ok := strings.CutPrefix(strings.TrimSpace(l), "leftrsasigkey="); ok {
			return k
		}
	}
	t.Fatalf("showhostkey printed no leftrsasigkey=:\n%s", out)
	return ""
}

// TestUpRSA: raw RSA keys made by goswan's newhostkey and printed by its
// showhostkey, loaded by ipsec auto --add (conn plus --pubkeyrsa), bring an
// IKEv2 IKE SA up between two real plutos.
func TestUpRSA(t *testing.T) {
	forEachLibreswan(t, testUpRSA)
}

func testUpRSA(t *testing.T, ls *testenv.Libreswan) {
	testenv.MustBeRoot(t)
	w, e := testenv.NetNSPair(t)
	west := testenv.StartPluto(t, &testenv.PlutoOptions{NetNS: w, Libreswan: ls})
	east := testenv.StartPluto(t, &testenv.PlutoOptions{NetNS: e, Libreswan: ls})
	wk, ek := hostKey(t, west, "west"), hostKey(t, east, "east")
	cfg := filepath.Join(t.TempDir(), "ipsec.conf")
	os.WriteFile(cfg, []byte(`config setup

conn rsa
	left=192.0.2.101
	leftid=@west-rsa
	leftrsasigkey=`+wk+`
	leftsubnet=198.51.100.0/24
	right=192.0.2.102
	rightid=@east-rsa
	rightrsasigkey=`+ek+`
	rightsubnet=203.0.113.0/24
	authby=rsasig
	auto=add
`), 0o644)
	for _, p := range []*testenv.Pluto{west, east} {
		out, errOut, code := auto(t, ls, "--config", cfg, "--ctlsocket", p.Ctl, "--add", "rsa")
		if code != 0 {
			t.Fatalf("--add: exit %d\n%s%s", code, out, errOut)
		}
	}
	keys := west.MustWhack(t, "--listpubkeys")
	if !strings.Contains(keys, "@west-rsa") || !strings.Contains(keys, "@east-rsa") {
		t.Fatalf("keys not loaded:\n%s", keys)
	}
	out, errOut, code := auto(t, ls, append([]string{"--config", cfg, "--ctlsocket", west.Ctl}, upArgs(ls, "rsa")...)...)
	if !waitInitiated(t, west, out) {
		t.Fatalf("--up: exit %d\n%s%s\nwest:\n%s\neast:\n%s", code, out, errOut, west.Log(), east.Log())
	}
	if !east.WaitLog("responder established IKE SA", 5*time.Second) {
		t.Fatalf("east did not establish:\n%s", east.Log())
	}
}
