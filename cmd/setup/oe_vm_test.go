package setup_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"goswan/tests/testenv"
)

// TestOpportunisticVM is opportunistic encryption on a kernel with ESP:
// inside the QEMU VM of scripts/esp-vm.sh, a named signs a reverse zone,
// two hosts configured as FreeS/WAN 2 sites make their keys with ipsec
// newhostkey, publish them with showhostkey --ipseckey --oe --publish
// (TSIG), check them signed and start with ipsec setup start; a ping makes
// west's pluto fetch east's key from DNS, the Child SA comes up with real
// ESP and the ping crosses it, which whack --trafficstatus (what ipsec
// trafficstatus runs) counts. No key is exchanged by hand.
func TestOpportunisticVM(t *testing.T) {
	testenv.MustBeRoot(t)
	ls := testenv.MustHaveLibreswan(t)
	certutil := testenv.MustHaveCommand(t, "certutil")
	pk12util := testenv.MustHaveCommand(t, "pk12util")
	named := testenv.MustHaveCommand(t, "named")
	dsfromkey := testenv.MustHaveCommand(t, "dnssec-dsfromkey")
	testenv.MustHaveCommand(t, "ldd")
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	var nss []string
	for _, d := range []string{"/usr/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu/nss"} {
		for _, l := range nssDlopened {
			p := filepath.Join(d, l)
			if _, err := os.Stat(p); err == nil {
				nss = append(nss, p)
				chk := strings.TrimSuffix(p, ".so") + ".chk"
				if _, err := os.Stat(chk); err == nil {
					copySamePath(t, root, chk)
				}
			}
		}
	}
	// The DNSSEC root key a Debian host has (dns-root-data), which pluto
	// loads by default.
	if _, err := os.Stat("/usr/share/dns/root.key"); err == nil {
		copySamePath(t, root, "/usr/share/dns/root.key")
	}
	copyWithLibs(t, root, append([]string{ls.Pluto, ls.Whack, ls.Addconn, certutil, pk12util, named, dsfromkey}, nss...)...)

	build := exec.Command("go", "build", "-o", filepath.Join(dir, "ipsec"), "goswan/cmd/ipsec")
	build.Dir = testenv.ModuleRoot()
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building a static ipsec: %v\n%s", err, out)
	}
	for _, n := range []string{"west", "east"} {
		nssdir := filepath.Join(dir, n, "nss")
		os.MkdirAll(nssdir, 0o700)
		if out, err := exec.Command(certutil, "-N", "-d", "sql:"+nssdir, "--empty-password").CombinedOutput(); err != nil {
			t.Fatalf("certutil: %v\n%s", err, out)
		}
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	tsig := fmt.Sprintf("key \"oe-vm-tsig\" {\n\talgorithm hmac-sha256;\n\tsecret %q;\n};\n", base64.StdEncoding.EncodeToString(secret))
	if err := os.WriteFile(filepath.Join(dir, "tsig.key"), []byte(tsig), 0o600); err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join("testdata", "vm", "oe.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "run.sh"), script, 0o755); err != nil {
		t.Fatal(err)
	}
	log, err := testenv.RunVM(t, dir)
	if bytes.Contains(log, []byte(base64.StdEncoding.EncodeToString(secret))) {
		t.Errorf("the TSIG secret appears on the VM console")
	}
	if err != nil {
		t.Fatalf("esp-vm.sh: %v; console:\n%s", err, tail(log))
	}
	for _, want := range []string{"imported RSA host key", "is a FreeS/WAN opportunistic conn; loaded as Libreswan's", "Checking signed IPSECKEY at 45." + "2.1.192.in-addr.arpa",
		"established Child SA", "ping through the tunnel: ok", "type=ESP", "OE over ESP: ok"} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("console lacks %q", want)
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("console:\n%s", tail(log))
	}
}
