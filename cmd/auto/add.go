package auto

import (
	"fmt"

	"goswan/cmd/internal/applet"
	"goswan/cmd/internal/pluto"
	"goswan/conf"
	"goswan/conf/token"
)

func (r *runner) loader() *pluto.Loader {
	l := &pluto.Loader{Whack: r.whack, Env: pluto.System(), Out: r.out, Err: r.err,
		Prog: "ipsec auto", ShowOnly: r.showonly, Show: r.show}
	if r.cfg != nil {
		l.Setup = &r.cfg.Setup
	}
	return l
}

// add loads the named conns (replace: delete each first, as Libreswan's
// auto --replace does; add alone replaces silently, like addconn). A named
// conn that cannot load is reported with its errors and skipped; the
// others still load, and the exit status is then non-zero. Errors of conns
// that were not named do not matter here.
func (r *runner) add(names []string, replace bool) error {
	cfg, err := r.config()
	if err != nil {
		return err
	}
	var conns, skipped []*conf.Conn
	var missing token.ErrorList
	for _, n := range names {
		c := cfg.Conn(n)
		switch {
		case c == nil:
			msg := fmt.Sprintf("conn %q not found in %s", n, r.cfgPath)
			if s := token.Suggest(n, connNames(cfg)); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			missing.Add(token.Position{}, msg)
		case c.Err != nil:
			skipped = append(skipped, c)
		default:
			conns = append(conns, c)
		}
	}
	skipErr := applet.ReportSkipped(r.err, "ipsec auto", skipped)
	if replace {
		for _, c := range conns {
			if err := r.run([]string{"--name", c.Name, "--delete"}); err != nil {
				return err
			}
		}
	}
	err = r.loader().Add(conns)
	if len(missing) > 0 {
		for _, m := range missing {
			fmt.Fprintf(r.err, "ipsec auto: %s\n", m.Msg)
		}
		if err == nil {
			return applet.Exit(applet.ExitFailure, nil)
		}
	}
	if err == nil {
		err = skipErr
	}
	return err
}

// addAll loads every usable conn whose auto= asks for it, as addconn
// --autoall does, without routing or initiating. Every conn that cannot
// load is reported (its auto= may be the bad value) and makes the exit
// status non-zero; the others load.
func (r *runner) addAll() error {
	cfg, err := r.config()
	if err != nil {
		return err
	}
	var conns []*conf.Conn
	for _, c := range cfg.Usable() {
		if pluto.AutoAdd(c) {
			conns = append(conns, c)
		}
	}
	skipErr := applet.ReportSkipped(r.err, "ipsec auto", cfg.Unusable())
	if r.verbose {
		fmt.Fprintf(r.err, "ipsec auto: adding %d conns from %s\n", len(conns), r.cfgPath)
	}
	if err := r.loader().Add(conns); err != nil {
		return err
	}
	return skipErr
}

func connNames(cfg *conf.Config) []string {
	var n []string
	for _, c := range cfg.Conns {
		n = append(n, c.Name)
	}
	return n
}
