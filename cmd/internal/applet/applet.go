// Package applet holds what every goswan applet shares: exit codes, the error
// types that carry them, the --config default, install paths and the version.
//
// Applets are urfave/cli commands built by a constructor (never a package
// level *cli.Command, whose flags would carry state from one run to the
// next). Their Action reads and writes only through c.App.Reader, Writer and
// ErrWriter and returns an error; the ipsec front end turns that error into a
// message and an exit status with Report.
package applet

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"goswan/conf/token"
)

// Version is goswan's version, printed by `ipsec --version`.
const Version = "0.1.0"

// Exit statuses shared by all applets. Applets document any other status they
// use in their man page.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// ExitError is an error with the exit status it calls for.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode makes ExitError a cli.ExitCoder.
func (e *ExitError) ExitCode() int { return e.Code }

// Exit wraps err with an exit status. A nil err gives a silent exit with that
// status.
func Exit(code int, err error) error { return &ExitError{Code: code, Err: err} }

// UsageError reports a command line the applet cannot run; it exits 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef builds a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// Status returns the exit status err calls for: 0 for nil, the code of an
// ExitError or cli.ExitCoder, 2 for a usage error and 1 otherwise.
func Status(err error) int {
	if err == nil {
		return ExitOK
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return ExitFailure
}

// Report prints err for the user: positioned diagnostics bare, one per line
// (editor-jumpable), anything else as "ipsec NAME: message". It returns the
// exit status.
func Report(w io.Writer, name string, err error) int {
	if err == nil {
		return ExitOK
	}
	var list token.ErrorList
	var one *token.Error
	switch {
	case errors.As(err, &list):
		for _, e := range list {
			fmt.Fprintln(w, e.Error())
		}
	case errors.As(err, &one):
		fmt.Fprintln(w, one.Error())
	default:
		if msg := err.Error(); msg != "" && !isSilent(err) {
			prefix := "ipsec"
			if name != "" {
				prefix += " " + name
			}
			for _, line := range strings.Split(msg, "\n") {
				fmt.Fprintf(w, "%s: %s\n", prefix, line)
			}
		}
	}
	return Status(err)
}

func isSilent(err error) bool {
	var ee *ExitError
	return errors.As(err, &ee) && ee.Err == nil
}

// ConfigFlag returns a fresh --config flag; every applet that reads
// ipsec.conf offers it.
func ConfigFlag() *cli.StringFlag {
	return &cli.StringFlag{
		Name:  "config",
		Usage: "read `FILE` instead of $IPSEC_CONFS/ipsec.conf (default /etc/ipsec.conf)",
	}
}

// ConfDir is the configuration directory: $IPSEC_CONFS or /etc.
func ConfDir() string {
	if d := os.Getenv("IPSEC_CONFS"); d != "" {
		return d
	}
	return "/etc"
}

// ConfigPath is the ipsec.conf an applet reads: --config if given, else
// ipsec.conf in ConfDir.
func ConfigPath(c *cli.Context) string {
	if c.IsSet("config") {
		return c.String("config")
	}
	return filepath.Join(ConfDir(), "ipsec.conf")
}

// SecretsPath is the ipsec.secrets beside the configuration.
func SecretsPath() string { return filepath.Join(ConfDir(), "ipsec.secrets") }

// ExecDir is the directory that holds the ipsec_APPLET links, reported by
// `ipsec --directory`: $IPSEC_EXECDIR, else PREFIX/libexec/ipsec where PREFIX
// is the parent of the directory holding the running binary.
func ExecDir() string {
	if d := os.Getenv("IPSEC_EXECDIR"); d != "" {
		return d
	}
	exe, err := os.Executable()
	if err != nil {
		return "/usr/local/libexec/ipsec"
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	return filepath.Join(filepath.Dir(filepath.Dir(exe)), "libexec", "ipsec")
}
