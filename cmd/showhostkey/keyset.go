package showhostkey

import (
	"crypto/rsa"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
	"goswan/keys"
	"goswan/secrets"
)

// hostKey is one public key and what its source says about it.
type hostKey struct {
	pub     *rsa.PublicKey
	header  string // FreeS/WAN `# RSA N bits host date` comment, if any
	host    string
	ids     []secrets.ID
	where   string // file:line, or file and PEM block number
	private bool
}

// load reads every RSA key of the secrets file or the PEM file.
func load(c *cli.Context) ([]*hostKey, error) {
	if f := c.String("pem-in"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading PEM file: %w", err)
		}
		pubs, privs, err := keys.ParsePEM(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		var ks []*hostKey
		for i, pub := range pubs {
			ks = append(ks, &hostKey{pub: pub, where: fmt.Sprintf("%s: PEM block %d", f, i+1), private: privs[i] != nil})
		}
		return ks, nil
	}
	file := c.String("file")
	if file == "" {
		file = applet.SecretsPath()
	}
	sf, err := secrets.Load(file)
	if err != nil {
		return nil, err
	}
	var ks []*hostKey
	for _, e := range sf.ByKind(secrets.RSA) {
		if e.Key == nil {
			// `RSA file`: show the key when its PEM file can be read
			// without a passphrase.
			if k := keyFromFile(e); k != nil {
				ks = append(ks, k)
			}
			continue
		}
		ks = append(ks, &hostKey{
			pub: e.Key.Public, header: e.Key.Header, host: e.Key.Host,
			ids: e.IDs, where: e.Pos.String(), private: !e.Key.Private.IsZero(),
		})
	}
	return ks, nil
}

// filter keeps the keys a selection flag names (all without one).
func filter(c *cli.Context, ks []*hostKey) ([]*hostKey, error) {
	match, _, err := matcher(c)
	if err != nil || match == nil {
		return ks, err
	}
	var out []*hostKey
	for _, k := range ks {
		if match(k) {
			out = append(out, k)
		}
	}
	return out, nil
}

// matcher turns --id, --ckaid or --rsaid into a predicate and its
// description; nil without a selection.
func matcher(c *cli.Context) (func(*hostKey) bool, string, error) {
	switch {
	case c.IsSet("ckaid"):
		x := strings.ToLower(c.String("ckaid"))
		if x == "" || strings.Trim(x, "0123456789abcdef") != "" {
			return nil, "", applet.Usagef("--ckaid %q is not a hex prefix", c.String("ckaid"))
		}
		return func(k *hostKey) bool { return strings.HasPrefix(keys.CKAID(k.pub), x) }, "ckaid=" + c.String("ckaid"), nil
	case c.IsSet("rsaid"):
		x := c.String("rsaid")
		return func(k *hostKey) bool { return keys.KeyID(k.pub) == x }, "rsakeyid=" + x, nil
	case c.IsSet("id"):
		id, err := secrets.ParseID(c.String("id"), false)
		if err != nil {
			return nil, "", applet.Usagef("--id: %v", err)
		}
		return func(k *hostKey) bool {
			for _, x := range k.ids {
				if x.Equal(id) {
					return true
				}
			}
			return false
		}, "id=" + c.String("id"), nil
	}
	return nil, "", nil
}

// pick finds the one key to print: the first one matching the selection,
// else the default key (the one entry without an index).
func pick(c *cli.Context, ks []*hostKey) (*hostKey, string, error) {
	src := c.String("pem-in")
	if src == "" {
		src = c.String("file")
		if src == "" {
			src = applet.SecretsPath()
		}
	}
	match, how, err := matcher(c)
	if err != nil {
		return nil, "", err
	}
	if match != nil {
		for _, k := range ks {
			if match(k) {
				return k, how, nil
			}
		}
		return nil, "", noKey("no key with %s in %s", how, src)
	}
	var defaults []*hostKey
	for _, k := range ks {
		if len(k.ids) == 0 {
			defaults = append(defaults, k)
		}
	}
	switch len(defaults) {
	case 0:
		if len(ks) > 0 {
			return nil, "", noKey("no default key in %s (its %d keys have indices: select one with --id, --ckaid or --rsaid)", src, len(ks))
		}
		return nil, "", noKey("no RSA key in %s", src)
	case 1:
		return defaults[0], "default key", nil
	}
	return nil, "", fmt.Errorf("multiple default keys in %s (%s and %s): select one with --ckaid or --rsaid", src, defaults[0].where, defaults[1].where)
}

// owner is the record owner: --owner, the FQDN of --id, the key's host
// name or the system host name.
func owner(c *cli.Context, k *hostKey) string {
	if o := c.String("owner"); o != "" {
		return o
	}
	if c.IsSet("id") {
		if id, err := secrets.ParseID(c.String("id"), false); err == nil && (id.Kind == secrets.IDFQDN || id.Kind == secrets.IDHost) {
			return id.Value
		}
	}
	if k.host != "" {
		return k.host
	}
	h, err := os.Hostname()
	if err != nil {
		return "localhost"
	}
	return h
}

// keyFromFile reads the key of an `RSA file` entry, or returns nil when the
// file is unreadable or encrypted: such an entry simply has no public key to
// show, as it has none for Pluto until its passphrase is given.
func keyFromFile(e *secrets.Entry) *hostKey {
	if e.Prompt || e.Passphrase.Len() > 0 {
		return nil
	}
	b, err := os.ReadFile(e.KeyFile)
	if err != nil {
		return nil
	}
	pubs, privs, err := keys.ParsePEM(b)
	if err != nil {
		return nil
	}
	return &hostKey{pub: pubs[0], ids: e.IDs, where: e.Pos.String() + " (" + e.KeyFile + ")", private: privs[0] != nil}
}
