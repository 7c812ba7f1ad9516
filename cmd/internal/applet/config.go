package applet

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"goswan/conf"
	"goswan/conf/token"
)

// LoadConfig reads the ipsec.conf the applet was pointed at (--config,
// $IPSEC_CONFS or /etc) and prints its warnings on the error writer. File
// errors come back as the error (a token.ErrorList); a conn that failed
// to load carries its own Err.
func LoadConfig(c *cli.Context, opts *conf.Options) (*conf.Config, error) {
	cfg, err := conf.Load(ConfigPath(c), opts)
	if cfg != nil {
		PrintWarnings(c.App.ErrWriter, cfg.Warnings)
	}
	return cfg, err
}

// PrintWarnings writes positioned warnings as "FILE:LINE:COL: warning: MSG".
func PrintWarnings(w io.Writer, warns token.ErrorList) {
	for _, e := range warns {
		fmt.Fprintf(w, "%s: warning: %s\n", e.Pos, e.Msg)
	}
}

// ReportSkipped prints why the conns of skipped cannot load (their errors,
// FILE:LINE:COL: message, one per line, sorted), then one line naming them,
// and returns an ExitFailure error, or nil when skipped is empty. Applets
// that load several conns call it with the unusable ones they were asked
// for, load the others, and return its error (or a worse one).
func ReportSkipped(w io.Writer, prog string, skipped []*conf.Conn) error {
	if len(skipped) == 0 {
		return nil
	}
	names := make([]string, len(skipped))
	var all token.ErrorList
	for i, c := range skipped {
		var list token.ErrorList
		if errors.As(c.Err, &list) {
			all = append(all, list...)
		} else {
			all.Add(c.Pos, fmt.Sprintf("conn %q: %v", c.Name, c.Err))
		}
		names[i] = strconv.Quote(c.Name)
	}
	all.RemoveMultiples()
	Report(w, "", all)
	what := "conn"
	if len(skipped) > 1 {
		what = "conns"
	}
	fmt.Fprintf(w, "%s: %d %s not loaded (errors above): %s\n", prog, len(skipped), what, strings.Join(names, " "))
	return Exit(ExitFailure, nil)
}
