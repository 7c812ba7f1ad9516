package health

import (
	"context"
	"os"
)

// VersionCheck: this program's version, and whether the `ipsec` a user
// types is this program (FreeS/WAN's "ipsec on-path").
func VersionCheck(ctx context.Context, e *Env) []Result {
	const name = "Version check and ipsec on-path"
	p, err := e.Sys.LookPath("ipsec")
	if err != nil {
		return []Result{fail(name, "", e.Version,
			"no `ipsec` on PATH: add the directory holding it (e.g. /usr/local/sbin) to PATH")}
	}
	if self := e.Sys.Self(); self != "" && !samePath(e, p, self) {
		return []Result{warn(name, "OTHER IPSEC", e.Version+"\n`ipsec` on PATH is "+p+", not this program ("+self+")",
			"two IPsec toolkits are installed; put the one you mean first on PATH")}
	}
	return []Result{ok(name, e.Version)}
}

func samePath(e *Env, a, b string) bool {
	if a == b {
		return true
	}
	fa, err1 := e.Sys.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}
