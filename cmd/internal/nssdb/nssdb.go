// Package nssdb puts RSA host keys where Libreswan's pluto reads them: its
// NSS database. Pluto 4.x and later never read a private key from
// ipsec.secrets (`WARNING: ignored unrecognized keyword: RSA`), so a
// FreeS/WAN site's `: RSA { ... }` key, or a key made by goswan's
// newhostkey, is imported with NSS's own tools (certutil, pk12util from
// libnss3-tools) through a password-protected PKCS#12 file, keyed by CKAID
// so a key is imported once and never duplicated. A database protected by
// a password is opened with the password Libreswan reads from its
// nsspassword file.
package nssdb

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"goswan/keys"
)

// DefaultDir is Libreswan's NSS database.
const DefaultDir = "/var/lib/ipsec/nss"

// PasswordFileName is the file in Libreswan's ipsec.d that holds NSS token
// passwords, one "TOKEN:PASSWORD" per line.
const PasswordFileName = "nsspassword"

// DB is one NSS database in SQL format, as pluto opens it.
type DB struct {
	Dir string
	// PasswordFile is Libreswan's nsspassword file; "" or a missing file
	// means the database has an empty password.
	PasswordFile string

	certutil, pk12util string
}

// Open finds the NSS tools for the database in dir. ipsecdir is where
// Libreswan keeps nsspassword (config setup ipsecdir=, /etc/ipsec.d).
func Open(dir, ipsecdir string) (*DB, error) {
	if dir == "" {
		dir = DefaultDir
	}
	db := &DB{Dir: dir}
	if ipsecdir != "" {
		db.PasswordFile = filepath.Join(ipsecdir, PasswordFileName)
	}
	var err error
	if db.certutil, err = exec.LookPath("certutil"); err != nil {
		return nil, fmt.Errorf("importing host keys into %s needs NSS's certutil: %w (install libnss3-tools)", dir, err)
	}
	if db.pk12util, err = exec.LookPath("pk12util"); err != nil {
		return nil, fmt.Errorf("importing host keys into %s needs NSS's pk12util: %w (install libnss3-tools)", dir, err)
	}
	return db, nil
}

// Exists reports whether the directory holds an SQL NSS database.
func (db *DB) Exists() bool {
	_, err := os.Stat(filepath.Join(db.Dir, "key4.db"))
	return err == nil
}

// password returns the token password of the database's internal token,
// read from the nsspassword file as Libreswan does: the line whose token is
// "NSS Certificate DB" (or the FIPS token), else one without a token name.
func (db *DB) password() (string, error) {
	if db.PasswordFile == "" {
		return "", nil
	}
	b, err := os.ReadFile(db.PasswordFile)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading NSS password file: %w", err)
	}
	var plain string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for line := 1; sc.Scan(); line++ {
		l := strings.TrimRight(sc.Text(), "\r")
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		token, pw, ok := strings.Cut(l, ":")
		if !ok {
			plain = l
			continue
		}
		switch token {
		case "NSS Certificate DB", "NSS FIPS 140-2 Certificate DB", "NSS Internal Private Key and Certificate Storage":
			return pw, nil
		}
	}
	return plain, nil
}

// scratch is a private temporary directory for password and PKCS#12 files,
// removed by the returned function.
func scratch() (string, func(), error) {
	d, err := os.MkdirTemp("", "goswan-nss-")
	if err != nil {
		return "", nil, err
	}
	return d, func() { os.RemoveAll(d) }, nil
}

// tokenArgs writes the token password to a file in dir and returns the
// certutil flag naming it (none for an empty password).
func (db *DB) tokenArgs(dir, flag string) ([]string, error) {
	pw, err := db.password()
	if err != nil || pw == "" {
		return nil, err
	}
	f := filepath.Join(dir, "token.pw")
	if err := os.WriteFile(f, []byte(pw+"\n"), 0o600); err != nil {
		return nil, err
	}
	return []string{flag, f}, nil
}

// ckaidRE is compiled on first use: every ipsec command links this
// package, and most never list a database.
var ckaidRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?m)^<\s*\d+>\s+\S+\s+([0-9a-fA-F]{40})\b`)
})

// CKAIDs lists the CKAIDs of the private keys in the database
// (`certutil -K`), lower case.
func (db *DB) CKAIDs() (map[string]bool, error) {
	dir, done, err := scratch()
	if err != nil {
		return nil, err
	}
	defer done()
	pw, err := db.tokenArgs(dir, "-f")
	if err != nil {
		return nil, err
	}
	argv := append([]string{"-K", "-d", "sql:" + db.Dir}, pw...)
	out, err := exec.Command(db.certutil, argv...).CombinedOutput()
	ids := map[string]bool{}
	for _, m := range ckaidRE().FindAllStringSubmatch(string(out), -1) {
		ids[strings.ToLower(m[1])] = true
	}
	// An empty database: "certutil: no keys found", exit status 255.
	if err != nil && !bytes.Contains(out, []byte("no keys found")) {
		return nil, fmt.Errorf("listing the keys of NSS database %s: %v: %s", db.Dir, err, lastLine(out))
	}
	return ids, nil
}

// Has reports whether the database holds the private key of pub.
func (db *DB) Has(pub *rsa.PublicKey) (bool, error) {
	ids, err := db.CKAIDs()
	if err != nil {
		return false, err
	}
	return ids[keys.CKAID(pub)], nil
}

// Import adds k to the database unless a key with its CKAID is there
// already; it reports whether it imported. The key goes in as pk12util
// takes it, a PKCS#12 file with a self-signed certificate under a random
// one-time password, never on a command line; the certificate is deleted
// afterwards, leaving the key as rsasigkey leaves one.
func (db *DB) Import(k *rsa.PrivateKey, label string) (bool, error) {
	has, err := db.Has(&k.PublicKey)
	if err != nil || has {
		return false, err
	}
	dir, done, err := scratch()
	if err != nil {
		return false, err
	}
	defer done()
	ckaid := keys.CKAID(&k.PublicKey)
	nick := label
	if nick == "" {
		nick = "goswan-" + ckaid[:8]
	}
	pass := make([]byte, 24)
	if _, err := rand.Read(pass); err != nil {
		return false, err
	}
	p12pw := hex.EncodeToString(pass)
	der, err := keys.PKCS12(k, nick, p12pw, time.Now())
	if err != nil {
		return false, err
	}
	p12 := filepath.Join(dir, "key.p12")
	pwf := filepath.Join(dir, "p12.pw")
	if err := os.WriteFile(p12, der, 0o600); err != nil {
		return false, err
	}
	if err := os.WriteFile(pwf, []byte(p12pw+"\n"), 0o600); err != nil {
		return false, err
	}
	tok, err := db.tokenArgs(dir, "-k")
	if err != nil {
		return false, err
	}
	argv := append([]string{"-i", p12, "-d", "sql:" + db.Dir, "-w", pwf}, tok...)
	if out, err := exec.Command(db.pk12util, argv...).CombinedOutput(); err != nil {
		return false, fmt.Errorf("importing key %s into NSS database %s: %v: %s", ckaid, db.Dir, err, lastLine(out))
	}
	ftok, err := db.tokenArgs(dir, "-f")
	if err != nil {
		return false, err
	}
	del := append([]string{"-D", "-d", "sql:" + db.Dir, "-n", nick}, ftok...)
	if out, err := exec.Command(db.certutil, del...).CombinedOutput(); err != nil {
		return true, fmt.Errorf("key %s imported into %s, but removing its carrier certificate %q failed: %v: %s", ckaid, db.Dir, nick, err, lastLine(out))
	}
	if has, err := db.Has(&k.PublicKey); err != nil || !has {
		if err == nil {
			err = errors.New("pk12util reported success but certutil -K does not list it")
		}
		return true, fmt.Errorf("key %s imported into %s: %w", ckaid, db.Dir, err)
	}
	return true, nil
}

// Create makes an empty database with the nsspassword password (empty when
// there is none), as Libreswan's `ipsec initnss` does.
func (db *DB) Create() error {
	if err := os.MkdirAll(db.Dir, 0o700); err != nil {
		return err
	}
	dir, done, err := scratch()
	if err != nil {
		return err
	}
	defer done()
	argv := []string{"-N", "-d", "sql:" + db.Dir}
	tok, err := db.tokenArgs(dir, "-f")
	if err != nil {
		return err
	}
	if tok == nil {
		argv = append(argv, "--empty-password")
	} else {
		argv = append(argv, tok...)
	}
	if out, err := exec.Command(db.certutil, argv...).CombinedOutput(); err != nil {
		return fmt.Errorf("creating NSS database in %s: %v: %s", db.Dir, err, lastLine(out))
	}
	return nil
}

// lastLine keeps the NSS tools' last line, which carries the error
// ("certutil: could not authenticate to token ...: SEC_ERROR_BAD_PASSWORD");
// earlier ones narrate ("Checking token ...").
func lastLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
