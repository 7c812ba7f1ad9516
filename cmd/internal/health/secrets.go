package health

import (
	"context"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"

	"goswan/secrets"
)

// secretsPath is the secrets file: secretsfile= in config setup, else the
// default beside ipsec.conf.
func (e *Env) secretsPath() string { return e.setup("secretsfile", e.Secrets) }

// SecretsFileCheck: ipsec.secrets must be readable by root alone.
func SecretsFileCheck(ctx context.Context, e *Env) []Result {
	const name = "Checking ipsec.secrets permissions"
	p := e.secretsPath()
	fi, err := e.Sys.Stat(p)
	if err != nil {
		return []Result{na(name, "no "+p)}
	}
	if m := fi.Mode().Perm(); m&0o077 != 0 {
		who := "group"
		if m&0o007 != 0 {
			who = "world"
		}
		return []Result{warn(name, strings.ToUpper(who)+" READABLE", fmt.Sprintf("%s has mode %04o", p, m),
			"anyone who can read it can impersonate this host: chmod 600 "+p)}
	}
	return []Result{ok(name, "")}
}

var rsaBlock = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^[^#\n]*:\s*RSA\s*\{`) })

// PrivateKeyCheck: FreeS/WAN's "Checking for RSA private key": a raw RSA
// key in ipsec.secrets (or a file it includes), or a private key in the
// NSS database, where Libreswan keeps them.
func PrivateKeyCheck(ctx context.Context, e *Env) []Result {
	const name = "Checking for a private key"
	var found []string
	if f := e.secretsWithRSA(e.secretsPath(), 0); f != "" {
		found = append(found, "raw RSA key in "+f)
	}
	nss := e.setup("nssdir", e.NSSDir)
	if _, err := e.Sys.Stat(path.Join(nss, "key4.db")); err == nil {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		out, err := e.Sys.Run(cctx, "certutil", "-K", "-d", "sql:"+nss)
		cancel()
		if err == nil {
			if n := countNSSKeys(string(out)); n > 0 {
				found = append(found, fmt.Sprintf("%d private key(s) in the NSS database %s", n, nss))
			}
		}
	}
	if len(found) > 0 {
		return []Result{ok(name, strings.Join(found, "\n"))}
	}
	if !e.needsKey() {
		return []Result{na(name, "no conn authenticates with a public key")}
	}
	return []Result{fail(name, "MISSING", "no raw RSA key in "+e.secretsPath()+", no private key in the NSS database "+nss,
		"create one: ipsec newhostkey (then put its public key in the conns with ipsec showhostkey --left)")}
}

// countNSSKeys counts the key lines of `certutil -K` ("< 0> rsa ...").
func countNSSKeys(out string) int {
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "<") {
			n++
		}
	}
	return n
}

// secretsWithRSA returns the first file, following include lines, holding
// an RSA key block.
func (e *Env) secretsWithRSA(file string, depth int) string {
	if depth > 10 {
		return ""
	}
	b, err := e.Sys.ReadFile(file)
	if err != nil {
		return ""
	}
	if rsaBlock().Match(b) {
		return file
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.EqualFold(f[0], "include") {
			continue
		}
		pattern := f[1]
		if !path.IsAbs(pattern) {
			pattern = path.Join(path.Dir(file), pattern)
		}
		for _, m := range e.glob(pattern) {
			if r := e.secretsWithRSA(m, depth+1); r != "" {
				return r
			}
		}
	}
	return ""
}

// glob expands wildcards in the last element of pattern.
func (e *Env) glob(pattern string) []string {
	dir, base := path.Split(pattern)
	ents, err := e.Sys.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, ent := range ents {
		if ok, _ := path.Match(base, ent.Name()); ok {
			out = append(out, path.Join(dir, ent.Name()))
		}
	}
	return out
}

// needsKey: some conn authenticates with RSA or ECDSA (FreeS/WAN's default
// when authby= is unset); without a readable config, assume so.
func (e *Env) needsKey() bool {
	cfg, _ := e.Conf()
	if cfg == nil {
		return true
	}
	for _, c := range cfg.Conns {
		a := strings.ToLower(c.String("authby"))
		if a == "" || strings.Contains(a, "rsa") || strings.Contains(a, "ecdsa") {
			return true
		}
	}
	return false
}

// SecretsSyntaxCheck: the secrets file and what it includes parse
// (Libreswan's " Pluto ipsec.secret syntax", which makes a running pluto
// reload its secrets; this parses them instead and needs no pluto).
// Diagnostics carry positions and kinds, never secret text.
func SecretsSyntaxCheck(ctx context.Context, e *Env) []Result {
	const name = "Checking ipsec.secrets syntax"
	p := e.secretsPath()
	if _, err := e.Sys.Stat(p); err != nil {
		return []Result{na(name, "no "+p)}
	}
	root := e.Sys.RootDir()
	if root == "" {
		root = "/"
	}
	f, err := secrets.Parse(os.DirFS(root), p)
	if err != nil {
		return []Result{fail(name, "PARSE ERROR", errorLines(err), "entries with errors are not loaded; fix the lines above")}
	}
	if len(f.Warnings) > 0 {
		return []Result{warn(name, "WARNING", errorLines(f.Warnings), "")}
	}
	return []Result{ok(name, plural(len(f.Entries), "entry"))}
}
