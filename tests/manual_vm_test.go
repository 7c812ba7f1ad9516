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

// vmConns are the conns TestManualVM brings up, as ipsec.conf text with
// KEY(bits) placeholders; run.sh names them.
const vmConf = `version 2.0

conn %default
	left=192.0.2.1
	right=192.0.2.2
	leftupdown=%disabled
	rightupdown=%disabled
	auto=manual

conn clients
	leftsubnet=198.51.100.0/24
	rightsubnet=203.0.113.0/24
	leftupdown=/t/updown
	rightupdown=/t/updown

conn tr-cbc
	type=transport
	spibase=0x100
	esp=aes128-sha2_256
	also=tr-cbc-keys

conn tun-gcm
	also=clients
	spibase=0x200
	esp=aes_gcm128
	espenckey=KEY(160)

conn tun-cbc
	also=clients
	spibase=0x300
	esp=aes256-sha2_256
	leftespenckey=KEY(256)
	rightespenckey=KEY(256)
	leftespauthkey=KEY(256)
	rightespauthkey=KEY(256)
	espreplay_window=32

# dup reuses tr-cbc's SPI 0x100 (left to right) to test rollback.
conn dup
	also=clients
	spi=0x100
	esp=aes_gcm128
	espenckey=KEY(160)

conn tr-ah
	type=transport
	spi=0x400
	ah=sha2_256
	ahkey=KEY(256)

conn tun-ah
	also=clients
	spibase=0x500
	ah=hmac-sha1-96
	ahkey=KEY(160)

# ESP in tunnel mode inside AH in transport mode (KLIPS's tun+esp+ah).
conn tun-esp-ah
	also=clients
	spibase=0x700
	esp=aes128-sha2_256
	espenckey=KEY(128)
	espauthkey=KEY(256)
	ah=sha2_256
	ahkey=KEY(256)

conn tr-v6
	left=2001:db8::1
	right=2001:db8::2
	type=transport
	spi=0x600
	esp=aes_gcm256
	espenckey=KEY(288)

include ipsec.keys.conf
`

// The keys of tr-cbc live in their own 0600 file, as seed 003 advises.
const vmKeys = `conn tr-cbc-keys
	espenckey=KEY(128)
	espauthkey=KEY(256)
`

const vmUpdown = `#!/bin/sh
echo "$PLUTO_VERB $PLUTO_MY_CLIENT $PLUTO_PEER_CLIENT" >> /tmp/updown.log
`

// TestManualVM is the end-to-end test on a kernel with ESP and AH: it boots
// Debian's kernel under QEMU (scripts/esp-vm.sh) and runs ipsec manual in
// two namespaces there, for ESP (cbc(aes)+hmac(sha256), AES-GCM) and AH in
// tunnel and transport mode, pinging through each and checking the SA
// counters and that --down leaves nothing, and that a failed --up rolls
// back on that kernel too. make test-vm runs it alone.
func TestManualVM(t *testing.T) {
	if testing.Short() && !testenv.Strict() {
		t.Skip("skipping: the QEMU test boots a VM (about a minute) and -short was given")
	}
	dir := filepath.Join(t.TempDir(), "t")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Stripped: a smaller initramfs boots faster under emulation.
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(dir, "ipsec"), "./cmd/ipsec")
	build.Dir = testenv.ModuleRoot()
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building a static ipsec: %v\n%s", err, out)
	}
	var keys []string
	fill := func(text string) string {
		for {
			i := strings.Index(text, "KEY(")
			if i < 0 {
				return text
			}
			j := strings.Index(text[i:], ")")
			bits := text[i+4 : i+j]
			k := vmKey(t, bits)
			keys = append(keys, strings.ReplaceAll(strings.TrimPrefix(k, "0x"), "_", ""))
			text = text[:i] + k + text[i+j+1:]
		}
	}
	for name, content := range map[string]string{"ipsec.conf": fill(vmConf), "ipsec.keys.conf": fill(vmKeys)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range map[string]string{"updown": vmUpdown} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	runSh, err := os.ReadFile(filepath.Join("testdata", "vm", "run.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "run.sh"), runSh, 0o755); err != nil {
		t.Fatal(err)
	}

	log, err := testenv.RunVM(t, dir)
	for _, k := range keys {
		if bytes.Contains(bytes.ToLower(log), []byte(k)) {
			t.Errorf("a key appears on the VM console")
		}
	}
	if err != nil {
		t.Fatalf("esp-vm.sh: %v; console:\n%s", err, consoleTail(log))
	}
	for _, want := range []string{"tr-cbc: ok", "tun-gcm: ok", "tun-cbc: ok", "tr-ah: ok", "tun-ah: ok", "tr-v6: ok", "tun-esp-ah: ok", "rollback: ok", "all conns ok", "GOSWAN-VM-RESULT: PASS"} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("console lacks %q", want)
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("console:\n%s", consoleTail(log))
	}
}

// vmKey makes a key of bits bits with ipsec ranbits, as seed 003 has
// manual keys made.
func vmKey(t *testing.T, bits string) string {
	t.Helper()
	out, err := exec.Command(testenv.Binary(t), "ranbits", "--quick", bits).Output()
	k := strings.TrimSpace(string(out))
	if err != nil || !strings.HasPrefix(k, "0x") {
		t.Fatalf("ipsec ranbits --quick %s: %v (output %d bytes)", bits, err, len(out))
	}
	return k
}

// consoleTail drops the kernel's own lines and keeps the end.
func consoleTail(log []byte) string {
	var keep []string
	for _, l := range strings.Split(string(log), "\n") {
		if strings.HasPrefix(l, "[") {
			continue
		}
		keep = append(keep, l)
	}
	if len(keep) > 200 {
		keep = keep[len(keep)-200:]
	}
	return strings.Join(keep, "\n")
}
