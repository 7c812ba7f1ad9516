package health

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"path"
	"sort"
	"strings"
	"time"

	"goswan/cmd/internal/pluto"
)

// libreswanDirs are where distributions and `make install` put pluto, in
// the order goswan's setup and auto look (pluto.Find).
var libreswanDirs = []string{"/usr/libexec/ipsec", "/usr/local/libexec/ipsec", "/usr/lib/ipsec", "/usr/local/lib/ipsec"}

// libreswan is the installed Libreswan: its pluto and the release that
// pluto reports.
type libreswan struct {
	pluto   string
	version pluto.Version
	err     error
}

// Libreswan finds pluto (Env.Pluto, else the usual directories, else
// PATH) and asks it its release, once for all checks.
func (e *Env) Libreswan(ctx context.Context) (string, pluto.Version, error) {
	e.lsOnce.Do(func() {
		p := e.Pluto
		if p == "" {
			for _, d := range libreswanDirs {
				if _, err := e.Sys.Stat(path.Join(d, "pluto")); err == nil {
					p = path.Join(d, "pluto")
					break
				}
			}
		}
		if p == "" {
			p, _ = e.Sys.LookPath("pluto")
		}
		if p == "" {
			e.ls.err = errors.New("pluto not found in " + strings.Join(libreswanDirs, ", ") + " or PATH")
			return
		}
		e.ls.pluto = p
		// pluto --version starts no daemon; the limit is for a host so
		// loaded that nothing else would answer either.
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		out, err := e.Sys.Run(cctx, p, "--version")
		if err != nil {
			e.ls.err = fmt.Errorf("%s --version: %v", p, err)
			return
		}
		e.ls.version, e.ls.err = pluto.ParseVersion(string(out))
	})
	return e.ls.pluto, e.ls.version, e.ls.err
}

// LibreswanCheck: the Libreswan whose pluto goswan drives, and whether
// goswan knows its release (4.x and 5.x: how conns are loaded and which
// keywords exist differ between them).
func LibreswanCheck(ctx context.Context, e *Env) []Result {
	const name = "Checking Libreswan's pluto"
	p, v, err := e.Libreswan(ctx)
	switch {
	case p == "":
		return []Result{fail(name, "MISSING", err.Error(),
			"install Libreswan 4.x or 5.x: apt-get install libreswan (Debian/Ubuntu) or dnf install libreswan")}
	case err != nil:
		return []Result{fail(name, "BROKEN", err.Error(), "reinstall Libreswan; pluto must run to answer --version")}
	case v.Major < 4:
		return []Result{warn(name, "TOO OLD", fmt.Sprintf("Libreswan %s (%s)", v, p),
			"goswan drives Libreswan 4.x and 5.x; upgrade Libreswan")}
	case v.Major > 5:
		return []Result{warn(name, "UNTESTED", fmt.Sprintf("Libreswan %s (%s)", v, p),
			"goswan is tested with Libreswan 4.10 and 5.2; conns go through that release's own addconn")}
	}
	return []Result{ok(name, fmt.Sprintf("Libreswan %s (%s)", v, p))}
}

// IKEv1PolicyCheck: IKEv1 conns and config setup's ikev1-policy=.
// Libreswan 5 refuses to load IKEv1 conns unless ikev1-policy=accept;
// Debian's 4.10 loads them but its pluto drops IKEv1 packets by default.
// The conn's IKE version is the pluto model's reading for the installed
// release (keyexchange=ikev1, 5.x's spelling, means IKEv1 for 4.x too).
// Nothing is printed
// when no conn uses IKEv1.
func IKEv1PolicyCheck(ctx context.Context, e *Env) []Result {
	const name = "Checking IKEv1 conns against ikev1-policy"
	cfg, _ := e.Conf()
	_, v, err := e.Libreswan(ctx)
	if cfg == nil || err != nil {
		return nil
	}
	var v1 []string
	for _, c := range cfg.Conns {
		if c.Err != nil || c.IsManual() || c.Auto() == "ignore" {
			continue
		}
		m, err := pluto.FromConf(c, noLookups, v)
		if err == nil && m.IKEVersion == pluto.IKEv1 {
			v1 = append(v1, c.Name)
		}
	}
	if len(v1) == 0 {
		return nil
	}
	sort.Strings(v1)
	policy := strings.ToLower(e.setup("ikev1-policy", "drop"))
	conns := plural(len(v1), "IKEv1 conn") + ": " + strings.Join(v1, ", ")
	switch {
	case policy == "accept":
		return []Result{ok(name, conns+"; ikev1-policy=accept")}
	case v.AtLeast(pluto.V5_0):
		return []Result{fail(name, "IKEV1 REFUSED", fmt.Sprintf("%s; ikev1-policy=%s: Libreswan %s will not load them", conns, policy, v),
			"add ikev1-policy=accept to config setup, or move the conns to IKEv2 (keyexchange=ikev2)")}
	}
	return []Result{warn(name, "IKEV1 "+strings.ToUpper(policy), fmt.Sprintf("%s; ikev1-policy=%s: pluto loads them but answers no IKEv1 peer", conns, policy),
		"add ikev1-policy=accept to config setup, or move the conns to IKEv2 (ikev2=insist)")}
}

// noLookups resolves nothing: verify reads the conns, it does not route
// them. Conns that need %defaultroute or a DNS name are judged by what
// they say without it.
var noLookups = &pluto.Env{
	DefaultRoute: func(bool) (pluto.Route, error) { return pluto.Route{}, errors.New("not resolved by verify") },
	IfaceAddr: func(string, bool) (netip.Addr, error) {
		return netip.Addr{}, errors.New("not resolved by verify")
	},
	LookupHost: func(string) ([]netip.Addr, error) { return nil, errors.New("not resolved by verify") },
}
