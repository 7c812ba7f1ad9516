package setup_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"goswan/tests/testenv"
)

// TestOpportunisticVM is opportunistic encryption on a kernel with ESP:
// inside the QEMU VM of scripts/esp-vm.sh, a named signs a reverse zone,
// two hosts configured as FreeS/WAN 2 sites make their keys with ipsec
// newhostkey, publish them with showhostkey --ipseckey --oe --publish
// (TSIG), check them signed and start with ipsec setup start; a ping makes
// west's pluto fetch east's key from DNS, the Child SA comes up with real
// ESP and the ping crosses it, which whack --trafficstatus (what ipsec
// trafficstatus runs) counts. No key is exchanged by hand. It runs once
// per Libreswan release, installed in the guest as TestSetupAutoVM
// installs it (copyVMLibreswan, testdata/vm/libreswan.sh); the host's
// named and NSS tools serve both.
func TestOpportunisticVM(t *testing.T) {
	forEachLibreswan(t, testOpportunisticVM)
}

func testOpportunisticVM(t *testing.T, ls *testenv.Libreswan) {
	testenv.MustBeRoot(t)
	certutil := testenv.MustHaveCommand(t, "certutil")
	pk12util := testenv.MustHaveCommand(t, "pk12util")
	named := testenv.MustHaveCommand(t, "named")
	dsfromkey := testenv.MustHaveCommand(t, "dnssec-dsfromkey")
	testenv.MustHaveCommand(t, "ldd")
	dir := t.TempDir()
	start := time.Now()
	copyVMLibreswan(t, ls, dir)
	// The host's tools the guest runs besides Libreswan, at their host
	// paths whatever the release: newhostkey's NSS tools and named.
	root := filepath.Join(dir, "root")
	// The DNSSEC root key a Debian host has (dns-root-data), which pluto
	// loads by default.
	if _, err := os.Stat("/usr/share/dns/root.key"); err == nil {
		testenv.CopyToRoot(t, root, "/usr/share/dns/root.key")
	}
	testenv.CopyWithLibs(t, root, append([]string{certutil, pk12util, named, dsfromkey}, testenv.HostNSSModules(t, root)...)...)
	buildVMFiles(t, dir, certutil, "oe.sh")
	// What this release's whack --status says of an OE group instance
	// whose on-demand policy is in the kernel.
	if err := os.WriteFile(filepath.Join(dir, "routed"), []byte(ls.OnDemandRouted()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	tsig := fmt.Sprintf("key \"oe-vm-tsig\" {\n\talgorithm hmac-sha256;\n\tsecret %q;\n};\n", base64.StdEncoding.EncodeToString(secret))
	if err := os.WriteFile(filepath.Join(dir, "tsig.key"), []byte(tsig), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("VM files ready after %v", time.Since(start).Round(100*time.Millisecond))
	log, err := testenv.RunVM(t, dir)
	if bytes.Contains(log, []byte(base64.StdEncoding.EncodeToString(secret))) {
		t.Errorf("the TSIG secret appears on the VM console")
	}
	if err != nil {
		t.Fatalf("esp-vm.sh: %v; console:\n%s", err, tail(log))
	}
	for _, want := range []string{"Libreswan " + ls.Version, "imported RSA host key", "is a FreeS/WAN opportunistic conn; loaded as Libreswan's", "Checking signed IPSECKEY at 45." + "2.1.192.in-addr.arpa",
		"ping through the tunnel: ok", "type=ESP", "OE over ESP: ok"} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("console lacks %q", want)
		}
	}
	// Both sides log the Child SA (the guest prefixes each side's lines);
	// 3 of 3 pings crossed it.
	for _, re := range []string{`(?m)^west: .*established Child SA`, `(?m)^east: .*established Child SA`,
		`3 packets transmitted, 3 (packets )?received`, `type=ESP.*inBytes=[1-9]`} {
		if !regexp.MustCompile(re).Match(log) {
			t.Errorf("console: no match for %s", re)
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("console:\n%s", tail(log))
	}
}
