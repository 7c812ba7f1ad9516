package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"goswan/tests/testenv"
)

// TestVerifyNSSKey: a private key in a real NSS database (made by
// certutil, named by nssdir= in config setup) satisfies the private key
// check; the same database without a key does not.
func TestVerifyNSSKey(t *testing.T) {
	certutil := testenv.MustHaveCommand(t, "certutil")
	dir := t.TempDir()
	nss := filepath.Join(dir, "nss")
	if err := os.Mkdir(nss, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(certutil, "-N", "-d", "sql:"+nss, "--empty-password").CombinedOutput(); err != nil {
		t.Fatalf("certutil -N: %v: %s", err, out)
	}
	conf := filepath.Join(dir, "ipsec.conf")
	writeFiles(t, dir, map[string]string{
		"ipsec.conf":    "config setup\n\tnssdir=" + nss + "\n\nconn rsa\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=rsasig\n\tauto=add\n",
		"ipsec.secrets": "",
	})
	verify := func() (string, string) {
		cmd := exec.Command(testenv.Binary(t), "verify", "--config", conf, "--json")
		cmd.Env = append(os.Environ(), "IPSEC_CONFS="+dir)
		out, _ := cmd.CombinedOutput()
		s := string(out)
		i := strings.Index(s, `"name": "Checking for a private key"`)
		if i < 0 {
			t.Fatalf("no private key check in:\n%s", s)
		}
		obj := s[i:]
		obj = obj[:strings.Index(obj, "}")]
		return obj, s
	}
	if obj, _ := verify(); !strings.Contains(obj, `"status": "failed"`) {
		t.Errorf("empty NSS db, no raw key: %s, want failed", obj)
	}
	noise := filepath.Join(dir, "noise")
	if err := os.WriteFile(noise, []byte(strings.Repeat("goswan test noise ", 64)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(certutil, "-G", "-k", "ec", "-q", "nistp256", "-d", "sql:"+nss, "-z", noise).CombinedOutput(); err != nil {
		t.Fatalf("certutil -G: %v: %s", err, out)
	}
	if obj, all := verify(); !strings.Contains(obj, `"status": "ok"`) || !strings.Contains(obj, "1 private key(s) in the NSS database "+nss) {
		t.Errorf("NSS db with a key: %s, want ok naming it\n%s", obj, all)
	}
}
