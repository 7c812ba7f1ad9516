package tests

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"goswan/tests/testenv"
)

// barfVMConf has manual conns whose keys are filled in by TestBarfVM.
const barfVMConf = `config setup
	dnssec-enable=no

conn barf-esp
	left=192.0.2.1
	right=192.0.2.2
	type=transport
	spibase=0x700
	esp=aes128-sha2_256
	espenckey=KEY(128)
	espauthkey=KEY(256)
	leftupdown=%disabled
	rightupdown=%disabled
	auto=manual

conn barf-ah
	left=192.0.2.11
	right=192.0.2.12
	type=transport
	spi=0x800
	ah=sha2_256
	ahkey=KEY(256)
	leftupdown=%disabled
	rightupdown=%disabled
	auto=manual
`

// TestBarfVM is the redaction test with real key material in the kernel:
// on a kernel with ESP and AH (QEMU, scripts/esp-vm.sh) manual conns
// install SAs with fresh keys, and neither ipsec barf nor anything else on
// the console shows them, while barf shows the SAs and verify finds ESP and
// AH present. make test-vm runs it with the other VM tests.
func TestBarfVM(t *testing.T) {
	if testing.Short() && !testenv.Strict() {
		t.Skip("skipping: the QEMU test boots a VM (about a minute) and -short was given")
	}
	dir := filepath.Join(t.TempDir(), "t")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, "ipsec"), "./cmd/ipsec")
	build.Dir = testenv.ModuleRoot()
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building a static ipsec: %v\n%s", err, out)
	}
	var keys []string
	conf := barfVMConf
	for {
		i := strings.Index(conf, "KEY(")
		if i < 0 {
			break
		}
		j := strings.Index(conf[i:], ")")
		k := vmKey(t, conf[i+4:i+j])
		keys = append(keys, strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(k, "0x"), "_", "")))
		conf = conf[:i] + k + conf[i+j+1:]
	}
	runSh, err := os.ReadFile(filepath.Join("testdata", "vm", "barf.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"ipsec.conf":    conf,
		"ipsec.secrets": "@vm : PSK \"BARFVMPSK4471\"\n",
		"keys":          strings.Join(keys, "\n") + "\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "run.sh"), runSh, 0o755); err != nil {
		t.Fatal(err)
	}

	log, err := testenv.RunVM(t, dir)
	lower := bytes.ToLower(log)
	for _, k := range keys {
		// Also a part of a key: ip prints keys whole, but a censor that
		// cut one in two would still leak most of it.
		if bytes.Contains(lower, []byte(k)) || bytes.Contains(lower, []byte(k[:16])) {
			t.Errorf("a planted key appears on the VM console")
		}
	}
	if bytes.Contains(log, []byte("BARFVMPSK4471")) {
		t.Errorf("the planted PSK appears on the VM console")
	}
	if err != nil {
		t.Fatalf("esp-vm.sh: %v; console:\n%s", err, consoleTail(log))
	}
	for _, want := range []string{"GOSWAN-VM: XFRM holds the planted keys", "GOSWAN-VM: barf and verify ok",
		"GOSWAN-BARF: + _________________________ ip-xfrm-state", "GOSWAN-VM-RESULT: PASS"} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("console lacks %q", want)
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("console:\n%s", consoleTail(log))
	}
}
