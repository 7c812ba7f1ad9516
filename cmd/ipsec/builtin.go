package main

import (
	"fmt"
	"os/exec"

	"goswan/cmd/internal/applet"
)

// builtin runs a verb the front end answers itself.
func (fe *frontEnd) builtin(name string, args []string) int {
	switch name {
	case "usage":
		// Both Libreswan front ends print their usage on stdout and exit 2.
		fe.help(fe.stdout)
		return applet.ExitUsage
	case "help":
		fe.help(fe.stdout)
	case "print":
		for _, a := range args {
			fmt.Fprintln(fe.stdout, a)
		}
	case "version":
		fmt.Fprint(fe.stdout, versionLine())
	case "versioncode":
		fmt.Fprintln(fe.stdout, applet.Version)
	case "directory":
		fmt.Fprintln(fe.stdout, applet.ExecDir())
	case "confdir":
		fmt.Fprintln(fe.stdout, applet.ConfDir())
	case "checknss":
		return fe.checkNSS(args)
	case "checknflog":
		return fe.checkNflog(args)
	case "stopnflog":
		return fe.stopNflog(args)
	case "rereadcrls":
		// Libreswan's words and status.
		fmt.Fprintln(fe.stdout, "ipsec auto: --rereadcrls and /etc/ipsec.d/crls/ are obsoleted. did you mean: ipsec crls")
		return applet.ExitFailure
	case "unbound":
		return fe.runCommand("unbound-control", "set_option", "ipsecmod-enabled:", "yes")
	default:
		panic("unknown builtin " + name) // programmer error: a verb names a builtin that does not exist
	}
	return applet.ExitOK
}

// runCommand runs a program found on PATH with the front end's output and
// returns its exit status, as the shell does (127 when it is missing).
func (fe *frontEnd) runCommand(name string, args ...string) int {
	cmd := exec.Command(name, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = fe.stdin, fe.stdout, fe.stderr
	cmd.Env = fe.environ
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		fmt.Fprintf(fe.stderr, "ipsec: %s: %v\n", name, err)
		return exitNotFound
	}
	return applet.ExitOK
}
