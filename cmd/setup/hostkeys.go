package setup

import (
	"fmt"
	"io"
	"os"

	"goswan/cmd/internal/applet"
	"goswan/cmd/internal/nssdb"
	"goswan/conf"
	"goswan/keys"
	"goswan/secrets"
)

// DefaultIPsecDir is Libreswan's ipsec.d, where nsspassword lives.
const DefaultIPsecDir = "/etc/ipsec.d"

// importHostKeys puts each `: RSA { ... }` key of the secrets file that a
// loaded conn uses into pluto's NSS database, where Libreswan's pluto
// looks for private keys; keys already there (same CKAID) are left alone,
// so a second start imports nothing.
func (s *setup) importHostKeys(cfg *conf.Config, secretsPath string) error {
	if _, err := os.Stat(secretsPath); os.IsNotExist(err) {
		return nil
	}
	f, err := secrets.Load(secretsPath)
	if err != nil {
		// pluto loads the entries that parse; so do we, after saying why
		// the others are skipped.
		fmt.Fprintln(s.err, err)
	}
	return ImportHostKeys(s.out, cfg, f, s.showonly)
}

// secretsFile is the secrets file pluto will read.
func secretsFile(cfg *conf.Config) string {
	if v := cfg.Setup.String("secretsfile"); v != "" {
		return v
	}
	return applet.SecretsPath()
}

// ImportHostKeys is importHostKeys for a loaded secrets file; `ipsec auto
// --add` calls it too. With showonly it says what it would import.
func ImportHostKeys(w io.Writer, cfg *conf.Config, f *secrets.File, showonly bool) error {
	used := nssdb.UsedKeys(cfg.Conns, f)
	if len(used) == 0 {
		return nil
	}
	ipsecdir := cfg.Setup.String("ipsecdir")
	if ipsecdir == "" {
		ipsecdir = DefaultIPsecDir
	}
	db, err := nssdb.Open(cfg.Setup.String("nssdir"), ipsecdir)
	if err != nil {
		return err
	}
	if showonly {
		for _, k := range used {
			fmt.Fprintf(w, "# import RSA host key %s (CKAID %s) of %s into NSS database %s unless present\n",
				keys.KeyID(&k.Key.PublicKey), keys.CKAID(&k.Key.PublicKey), k.Entry.Pos, db.Dir)
		}
		return nil
	}
	if !db.Exists() {
		if err := db.Create(); err != nil {
			return err
		}
	}
	for _, k := range used {
		done, err := db.Import(k.Key, "")
		if err != nil {
			return fmt.Errorf("%s: %w", k.Entry.Pos, err)
		}
		if done {
			fmt.Fprintf(w, "imported RSA host key %s (CKAID %s) of %s, used by conn %q, into NSS database %s\n",
				keys.KeyID(&k.Key.PublicKey), keys.CKAID(&k.Key.PublicKey), k.Entry.Pos, k.By, db.Dir)
		}
	}
	return nil
}
