// Package newhostkey is `ipsec newhostkey`: make a host's RSA key and add
// it to ipsec.secrets as a FreeS/WAN `: RSA { ... }` entry, written
// atomically with mode 0600, optionally also as PEM and PKCS#12 so that
// Libreswan can import the same key into its NSS database.
package newhostkey

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
	"goswan/cmd/internal/keygen"
	"goswan/cmd/internal/nssdb"
	"goswan/cmd/rsasigkey"
	"goswan/keys"
	"goswan/secrets"
)

// Command returns the newhostkey applet.
func Command() *cli.Command {
	return &cli.Command{
		Name:  "newhostkey",
		Usage: "generate a host key and add it to ipsec.secrets",
		UsageText: "ipsec newhostkey [--output file] [--bits n] [--hostname host] [--id id] [--force] [--quiet] [--verbose]\n" +
			"                 [--pem file [--pkcs1]] [--pkcs12 file --password-file file] [--nssdir dir]",
		Description: "Generates an RSA key (e=65537) and appends it to the secrets file as a `: RSA {` entry.\n" +
			"The file is created with mode 0600 if absent and is replaced atomically (temporary file + rename).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Usage: "append to `file` (\"-\": print the entry on standard output) instead of $IPSEC_CONFS/ipsec.secrets"},
			&cli.IntFlag{Name: "bits", Usage: "key size `n` in bits, a multiple of 16 from 2048 to 20000 (default: 3072 plus a random multiple of 16, at most 3824)"},
			&cli.StringFlag{Name: "hostname", Usage: "host `name` for the key's header (default: the system host name)"},
			&cli.StringFlag{Name: "id", Usage: "write `id` as the entry's index (default: none, the host's default key)"},
			&cli.BoolFlag{Name: "force", Usage: "add a key even if the file has one for this host name or id; replace existing --pem/--pkcs12 files"},
			&cli.BoolFlag{Name: "quiet", Usage: "print nothing on success"},
			&cli.BoolFlag{Name: "verbose", Usage: "narrate the generation on standard error"},
			&cli.StringFlag{Name: "pem", Usage: "also write the private key as PEM (PKCS#8) to `file`, mode 0600"},
			&cli.BoolFlag{Name: "pkcs1", Usage: "write --pem as PKCS#1 (BEGIN RSA PRIVATE KEY)"},
			&cli.StringFlag{Name: "pkcs12", Usage: "also write the key with a self-signed certificate as PKCS#12 to `file`, for pk12util or ipsec import"},
			&cli.StringFlag{Name: "password-file", Usage: "the PKCS#12 password is the first line of `file` (required with --pkcs12)"},
			&cli.StringFlag{Name: "nssdir", Usage: "also put the private key into the NSS database in `dir` (created if absent), where Libreswan's pluto reads it"},
		},
		Action: run,
	}
}

func run(c *cli.Context) error {
	if c.NArg() > 0 {
		return applet.Usagef("unexpected argument %q (usage: %s)", c.Args().First(), c.Command.UsageText)
	}
	if c.String("pkcs12") != "" && c.String("password-file") == "" {
		return applet.Usagef("--pkcs12 needs --password-file: NSS imports only password-protected PKCS#12 files")
	}
	if c.Bool("pkcs1") && c.String("pem") == "" {
		return applet.Usagef("--pkcs1 only applies to --pem")
	}
	out := c.String("output")
	if out == "" {
		out = applet.SecretsPath()
	}
	bits := c.Int("bits")
	var err error
	if !c.IsSet("bits") {
		if bits, err = keys.DefaultBits(); err != nil {
			return err
		}
	} else if err := keys.CheckBits(bits); err != nil {
		return err
	}
	if err := rsasigkey.CheckRandom(""); err != nil {
		return err
	}
	host := c.String("hostname")
	if host == "" {
		if host, err = keygen.Hostname(); err != nil {
			return err
		}
	}
	id := c.String("id")
	if id != "" {
		if _, err := secrets.ParseID(id, false); err != nil {
			return applet.Usagef("--id: %v", err)
		}
	}
	var password string
	if pf := c.String("password-file"); pf != "" {
		b, err := os.ReadFile(pf)
		if err != nil {
			return fmt.Errorf("reading password file: %w", err)
		}
		password, _, _ = strings.Cut(string(b), "\n")
		password = strings.TrimSuffix(password, "\r")
		if password == "" {
			return fmt.Errorf("password file %s: the first line is empty", pf)
		}
	}
	force := c.Bool("force")
	if out != "-" && !force {
		if err := checkNoKey(out, host, id); err != nil {
			return err
		}
	}
	for _, f := range []string{c.String("pem"), c.String("pkcs12")} {
		if f != "" && !force {
			if _, err := os.Lstat(f); err == nil {
				return fmt.Errorf("%s exists: %w (use --force to replace it)", f, keys.ErrExists)
			}
		}
	}

	k, err := keygen.Generate(bits, c.App.ErrWriter, c.Bool("verbose"))
	if err != nil {
		return err
	}
	now := time.Now()
	entry, err := keys.SecretsEntry(k, bits, host, id, now)
	if err != nil {
		return err
	}
	// Key export files first: if one fails, ipsec.secrets is untouched.
	if f := c.String("pem"); f != "" {
		b, err := keys.PEMPrivateKey(k, c.Bool("pkcs1"))
		if err != nil {
			return err
		}
		if err := keys.WriteFile(f, b, force); err != nil {
			return err
		}
	}
	if f := c.String("pkcs12"); f != "" {
		b, err := keys.PKCS12(k, host, password, now)
		if err != nil {
			return err
		}
		if err := keys.WriteFile(f, b, force); err != nil {
			return err
		}
	}
	if dir := c.String("nssdir"); dir != "" {
		if err := intoNSS(dir, k); err != nil {
			return err
		}
	}
	if out == "-" {
		_, err := c.App.Writer.Write(entry)
		return err
	}
	if c.Bool("verbose") {
		if fi, err := os.Stat(out); err == nil && fi.Size() > 0 {
			fmt.Fprintf(c.App.ErrWriter, "ipsec newhostkey: file %s exists, appending to it\n", out)
		}
	}
	// Another writer may have added a key since checkNoKey: the check is
	// made again on what is read under the file's lock.
	err = keys.UpdateFile(out, func(old []byte, exists bool) ([]byte, error) {
		if exists && !force {
			if err := checkNoKeyIn(out, old, host, id); err != nil {
				return nil, err
			}
		}
		if len(old) > 0 && old[len(old)-1] != '\n' {
			old = append(old, '\n')
		}
		return append(old, entry...), nil
	})
	if err != nil {
		return err
	}
	if !c.Bool("quiet") {
		ckaid := keys.CKAID(&k.PublicKey)
		fmt.Fprintf(c.App.ErrWriter, "Generated RSA key pair with CKAID %s was stored in %s\n", ckaid, out)
		if dir := c.String("nssdir"); dir != "" {
			fmt.Fprintf(c.App.ErrWriter, "and in the NSS database %s\n", dir)
		}
		fmt.Fprintf(c.App.ErrWriter, "The public key can be displayed using: ipsec showhostkey --file %s --left --ckaid %s\n", out, ckaid)
	}
	return nil
}

// intoNSS imports k into the NSS database in dir, creating the database
// as `ipsec initnss` does when there is none. The token password, if any,
// is Libreswan's nsspassword beside the configuration.
func intoNSS(dir string, k *rsa.PrivateKey) error {
	db, err := nssdb.Open(dir, filepath.Join(applet.ConfDir(), "ipsec.d"))
	if err != nil {
		return err
	}
	if !db.Exists() {
		if err := db.Create(); err != nil {
			return err
		}
	}
	_, err = db.Import(k, "")
	return err
}

// ErrHasKey is returned when the secrets file already holds a key for the
// host name or id.
var ErrHasKey = errors.New("already has a key")

// checkNoKey refuses to add a second default key (no index) or a second
// key for the same index. A file that does not parse is refused
// too: appending to it would bury the problem.
func checkNoKey(path, host, id string) error {
	src, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	return checkNoKeyIn(path, src, host, id)
}

// checkNoKeyIn is checkNoKey on the contents src of path.
func checkNoKeyIn(path string, src []byte, host, id string) error {
	f, err := secrets.LoadSource(path, src)
	if err != nil {
		return fmt.Errorf("%w\nipsec newhostkey: %s has errors; fix them before adding a key", err, path)
	}
	var want secrets.ID
	if id != "" {
		want, _ = secrets.ParseID(id, false)
	}
	for _, e := range f.Entries {
		if e.Kind != secrets.RSA {
			continue
		}
		switch {
		case id != "" && e.HasID(want):
			return fmt.Errorf("%s %w for %s (at %s); use --force to add another", path, ErrHasKey, id, e.Pos)
		case id == "" && len(e.IDs) == 0:
			// One default key per file: a second one, for this host or
			// another, would make the default ambiguous.
			owner := host
			if e.Key != nil && e.Key.Host != "" {
				owner = e.Key.Host
			}
			return fmt.Errorf("%s %w: the default key for host %s (at %s); use --id or --force to add another", path, ErrHasKey, owner, e.Pos)
		}
	}
	return nil
}
