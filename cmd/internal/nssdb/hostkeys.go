package nssdb

import (
	"fmt"
	"io"

	"goswan/conf"
	"goswan/keys"
	"goswan/secrets"
)

// DefaultIPsecDir is Libreswan's ipsec.d, where nsspassword lives.
const DefaultIPsecDir = "/etc/ipsec.d"

// ImportHostKeys puts each `: RSA { ... }` key of f that a conn of cfg
// uses into pluto's NSS database (config setup nssdir=, with the password
// of ipsecdir's nsspassword), unless a key with its CKAID is there: `ipsec
// setup start` and `ipsec auto --add` call it before pluto needs the key.
// It prints one line per imported key; with showonly it says what it would
// import.
func ImportHostKeys(w io.Writer, cfg *conf.Config, f *secrets.File, showonly bool) error {
	used := UsedKeys(cfg.Conns, f)
	if len(used) == 0 {
		return nil
	}
	ipsecdir := cfg.Setup.String("ipsecdir")
	if ipsecdir == "" {
		ipsecdir = DefaultIPsecDir
	}
	db, err := Open(cfg.Setup.String("nssdir"), ipsecdir)
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
