package nssdb

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"goswan/conf"
	"goswan/keys"
	"goswan/secrets"
	"goswan/tests/testenv"
)

// TestImportOnce: a key goes into a password-protected database (the
// password from Libreswan's nsspassword file) once; importing it again
// adds nothing.
func TestImportOnce(t *testing.T) {
	testenv.MustHaveCommand(t, "certutil")
	testenv.MustHaveCommand(t, "pk12util")
	dir := t.TempDir()
	ipsecd := filepath.Join(dir, "ipsec.d")
	os.MkdirAll(ipsecd, 0o700)
	os.WriteFile(filepath.Join(ipsecd, PasswordFileName), []byte("# token:password\nNSS Certificate DB:planted-nss-password\n"), 0o600)
	db, err := Open(filepath.Join(dir, "nss"), ipsecd)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Create(); err != nil {
		t.Fatal(err)
	}
	k, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false} {
		got, err := db.Import(k, "")
		if err != nil || got != want {
			t.Fatalf("Import #%d = %v, %v; want %v, nil", i+1, got, err, want)
		}
	}
	ids, err := db.CKAIDs()
	if err != nil || len(ids) != 1 || !ids[keys.CKAID(&k.PublicKey)] {
		t.Errorf("CKAIDs = %v, %v; want only %s", ids, err, keys.CKAID(&k.PublicKey))
	}
	// The wrong password must not open the database.
	os.WriteFile(filepath.Join(ipsecd, PasswordFileName), []byte("NSS Certificate DB:wrong\n"), 0o600)
	if _, err := db.CKAIDs(); err == nil {
		t.Errorf("CKAIDs with a wrong password: no error")
	} else if strings.Contains(err.Error(), "planted-nss-password") || strings.Contains(err.Error(), "wrong") {
		t.Errorf("CKAIDs error shows the password: %v", err)
	}
}

// TestUsedKeys: which `: RSA {` keys conns use.
func TestUsedKeys(t *testing.T) {
	k, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := keys.RSASigKey(&k.PublicKey)
	dir := t.TempDir()
	def, _ := keys.SecretsEntry(k, 2048, "h", "", time.Now())
	idx, _ := keys.SecretsEntry(k, 2048, "h", "@west", time.Now())
	for _, tc := range []struct {
		name, secrets, conn string
		want                int
	}{
		{"key named by leftrsasigkey", string(idx), "\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=secret\n\tleftrsasigkey=" + pub, 1},
		{"key named by leftckaid", string(idx), "\tleft=192.0.2.1\n\tright=192.0.2.2\n\tleftckaid=" + keys.CKAID(&k.PublicKey), 1},
		{"index matches an rsasig conn's id", string(idx), "\tleft=192.0.2.1\n\tleftid=@west\n\tright=192.0.2.2\n\tauthby=rsasig", 1},
		{"default key, rsasig conn", string(def), "\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=rsasig", 1},
		{"default key, PSK conn", string(def), "\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=secret", 0},
		{"other index, rsasig conn", string(idx), "\tleft=192.0.2.1\n\tleftid=@east\n\tright=192.0.2.2\n\tauthby=rsasig", 0},
		{"shunt", string(def), "\tleft=192.0.2.1\n\tright=%group\n\ttype=passthrough\n\tauthby=never", 0},
	} {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			cf := filepath.Join(dir, "ipsec.conf")
			os.WriteFile(cf, []byte("config setup\n\nconn c\n"+tc.conn+"\n\tauto=add\n"), 0o644)
			sf := filepath.Join(dir, "ipsec.secrets")
			os.WriteFile(sf, []byte(tc.secrets), 0o600)
			cfg, err := conf.Load(cf, &conf.Options{})
			if err != nil {
				t.Fatal(err)
			}
			f, err := secrets.Load(sf)
			if err != nil {
				t.Fatal(err)
			}
			if got := UsedKeys(cfg.Conns, f); len(got) != tc.want {
				t.Errorf("UsedKeys = %d keys, want %d", len(got), tc.want)
			}
		})
	}
}
