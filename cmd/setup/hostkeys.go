package setup

import (
	"fmt"
	"os"

	"goswan/cmd/internal/applet"
	"goswan/cmd/internal/nssdb"
	"goswan/conf"
	"goswan/secrets"
)

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
	return nssdb.ImportHostKeys(s.out, cfg, f, s.showonly)
}

// secretsFile is the secrets file pluto will read.
func secretsFile(cfg *conf.Config) string {
	if v := cfg.Setup.String("secretsfile"); v != "" {
		return v
	}
	return applet.SecretsPath()
}
