package applet

import (
	"fmt"
	"io"

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
