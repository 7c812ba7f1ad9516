package keys_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"goswan/tests/testenv"
)

// showFormats are the showhostkey output forms both implementations have.
// Libreswan selects the key in its NSS database, we in the secrets or PEM
// file; the text must be byte for byte the same.
var showFormats = [][]string{
	{"--left"},
	{"--right"},
	{"--left", "--pubkey"},
	{"--ipseckey"},
	{"--ipseckey", "--pubkey"},
	{"--ipseckey", "--gateway", "192.0.2.1"},
	{"--ipseckey", "--gateway", "2001:db8::1", "--precedence", "20"},
	{"--pem"},
}

// Intended differences, not compared here:
//   - Libreswan's --list enumerates an NSS database; ours lists the keys of
//     a secrets or PEM file. For one key the line is the same (checked).
//   - Libreswan's --ipseckey resolves a gateway name to pick type 1 or 2
//     and fails on an unresolvable one; ours never resolves and writes a
//     name as RFC 4025 gateway type 3.
//   - Libreswan exits 1 for usage errors and prints usage on stderr; ours
//     exits 2 like every goswan applet.

// TestNewhostkeyKeyInLibreswan: a key made by our newhostkey, exported as
// PKCS#12 and imported into a fresh NSS database with pk12util, is listed
// by Libreswan with our CKAID and key id, and Libreswan prints exactly the
// lines our showhostkey prints from the secrets file.
func TestNewhostkeyKeyInLibreswan(t *testing.T) {
	ls := testenv.MustHaveLibreswan(t)
	pk12util := testenv.MustHaveCommand(t, "pk12util")
	db := newNSSDB(t)
	dir := t.TempDir()
	secretsFile := filepath.Join(dir, "ipsec.secrets")
	pw := filepath.Join(dir, "pw")
	writeFile(t, pw, "pkcs12-pass-MARKER\n", 0o600)
	p12 := filepath.Join(dir, "host.p12")
	host, _ := os.Hostname() // Libreswan's --ipseckey owner is gethostname()
	ok(t, "newhostkey", "--output", secretsFile, "--bits", "2192", "--hostname", host, "--pkcs12", p12, "--password-file", pw, "--quiet")
	pwBare := filepath.Join(dir, "pw-bare")
	writeFile(t, pwBare, "pkcs12-pass-MARKER", 0o600)
	must(t, pk12util, "-i", p12, "-d", "sql:"+db, "-w", pwBare)

	ours := ok(t, "showhostkey", "--file", secretsFile, "--list")
	theirs := must(t, ls.Showhostkey, "--nssdir", db, "--list")
	if ours != theirs {
		t.Fatalf("--list:\n ours:   %q\n theirs: %q", ours, theirs)
	}
	ckaid, rsaid := listField(t, ours, 5), listField(t, ours, 3)
	for _, f := range showFormats {
		for _, sel := range [][]string{{"--ckaid", ckaid}, {"--ckaid", strings.ToUpper(ckaid[:8])}, {"--rsaid", rsaid}} {
			args := append(append([]string{}, f...), sel...)
			o := ok(t, append([]string{"showhostkey", "--file", secretsFile}, args...)...)
			l := must(t, ls.Showhostkey, append([]string{"--nssdir", db}, args...)...)
			if o != l {
				t.Errorf("showhostkey %s:\n ours:   %q\n theirs: %q", strings.Join(args, " "), o, l)
			}
		}
	}
}

// TestLibreswanKeyInOurShowhostkey: a key Libreswan's rsasigkey made in
// NSS, exported with its private half (certutil attaches a certificate,
// pk12util exports, openssl converts to PEM), is printed by our
// showhostkey --pem-in exactly as Libreswan prints it.
func TestLibreswanKeyInOurShowhostkey(t *testing.T) {
	ls := testenv.MustHaveLibreswan(t)
	certutil := testenv.MustHaveCommand(t, "certutil")
	pk12util := testenv.MustHaveCommand(t, "pk12util")
	openssl := testenv.MustHaveCommand(t, "openssl")
	db := newNSSDB(t)
	dir := t.TempDir()
	must(t, ls.Rsasigkey, "--nssdir", db, "--seeddev", "/dev/urandom", "2192")
	list := must(t, ls.Showhostkey, "--nssdir", db, "--list")
	ckaid := listField(t, list, 5)
	// NSS exports keys only with a certificate: make one for this key.
	must(t, certutil, "-S", "-d", "sql:"+db, "-k", ckaid, "-n", "lskey", "-s", "CN=lskey", "-x", "-t", ",,", "-z", "/dev/null")
	p12 := filepath.Join(dir, "ls.p12")
	must(t, pk12util, "-o", p12, "-n", "lskey", "-d", "sql:"+db, "-W", "export-pass")
	pemFile := filepath.Join(dir, "ls.pem")
	must(t, openssl, "pkcs12", "-in", p12, "-nocerts", "-nodes", "-passin", "pass:export-pass", "-out", pemFile)

	if ours := ok(t, "showhostkey", "--pem-in", pemFile, "--list"); ours != list {
		t.Errorf("--list:\n ours:   %q\n theirs: %q", ours, list)
	}
	for _, f := range showFormats {
		args := append(append([]string{}, f...), "--ckaid", ckaid)
		o := ok(t, append([]string{"showhostkey", "--pem-in", pemFile}, args...)...)
		l := must(t, ls.Showhostkey, append([]string{"--nssdir", db}, args...)...)
		if o != l {
			t.Errorf("showhostkey %s:\n ours:   %q\n theirs: %q", strings.Join(args, " "), o, l)
		}
	}
	// The public PEM Libreswan prints is also input enough.
	pubFile := filepath.Join(dir, "ls.pub")
	writeFile(t, pubFile, must(t, ls.Showhostkey, "--nssdir", db, "--pem", "--ckaid", ckaid), 0o644)
	if o, l := ok(t, "showhostkey", "--pem-in", pubFile, "--left"), must(t, ls.Showhostkey, "--nssdir", db, "--left", "--ckaid", ckaid); o != l {
		t.Errorf("--left from public PEM:\n ours:   %q\n theirs: %q", o, l)
	}
}
