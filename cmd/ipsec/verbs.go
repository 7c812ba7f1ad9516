package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"goswan/cmd/internal/applet"
)

// verbKind says who carries out a Libreswan front-end verb.
type verbKind int

const (
	// whackVerb: Libreswan's whack with one option, as both front ends
	// run it (`ipsec status` = whack --ctlsocket S --status).
	whackVerb verbKind = iota
	// autoVerb: goswan's `ipsec auto --OP CONN`, which reads ipsec.conf
	// as goswan does (Libreswan 5's `ipsec add CONN` and friends).
	autoVerb
	// setupVerb: goswan's `ipsec setup OP` (start, stop, restart).
	setupVerb
	// checkVerb: goswan's `ipsec addconn --checkconfig`.
	checkVerb
	// whackCommand: `ipsec whack ARGS`, given the control socket.
	whackCommand
	// builtinVerb: the front end does it itself, as Libreswan's does in
	// its shell (checknss, checknflog, ...).
	builtinVerb
	// libreswanVerb: a shell function of Libreswan's front end with no
	// program of its own (import, certutil, ...): Libreswan's front end
	// runs it.
	libreswanVerb
)

// verb is one command of Libreswan 4.10's or 5.x's front end.
type verb struct {
	name    string
	aliases []string // other words for it ("traffic" for trafficstatus)
	dashes  bool     // also spelled with "--" (`ipsec --checknss`)
	kind    verbKind
	op      string // whack option, auto or setup operation, builtin name
	summary string // the line `ipsec --help` shows
}

// verbs are Libreswan's front-end verbs, in the order `ipsec --help` lists
// them.
var verbs = []verb{
	{name: "start", dashes: true, kind: setupVerb, op: "start", summary: "ipsec setup start; with CONN: add and initiate CONN (ipsec auto --start)"},
	{name: "stop", dashes: true, kind: setupVerb, op: "stop", summary: "ipsec setup stop"},
	{name: "restart", dashes: true, kind: setupVerb, op: "restart", summary: "ipsec setup restart"},
	{name: "add", dashes: true, kind: autoVerb, op: "add", summary: "add (replace) CONN in pluto (ipsec auto --add)"},
	{name: "replace", dashes: true, kind: autoVerb, op: "replace", summary: "delete, then add CONN (ipsec auto --replace)"},
	{name: "delete", dashes: true, kind: autoVerb, op: "delete", summary: "delete CONN from pluto (ipsec auto --delete)"},
	{name: "up", aliases: []string{"initiate"}, dashes: true, kind: autoVerb, op: "up", summary: "initiate CONN (ipsec auto --up)"},
	{name: "down", aliases: []string{"terminate"}, dashes: true, kind: autoVerb, op: "down", summary: "terminate CONN (ipsec auto --down)"},
	{name: "route", dashes: true, kind: autoVerb, op: "route", summary: "route CONN: negotiate on traffic (ipsec auto --route)"},
	{name: "unroute", dashes: true, kind: autoVerb, op: "unroute", summary: "unroute CONN (ipsec auto --unroute)"},
	{name: "ondemand", dashes: true, kind: autoVerb, op: "ondemand", summary: "add, then route CONN (ipsec auto --ondemand)"},
	{name: "checkconfig", kind: checkVerb, summary: "check ipsec.conf (ipsec addconn --checkconfig)"},
	{name: "status", dashes: true, kind: whackVerb, op: "--status", summary: "pluto's status (whack --status)"},
	{name: "trafficstatus", aliases: []string{"traffic"}, dashes: true, kind: whackVerb, op: "--trafficstatus", summary: "traffic of each IPsec SA (whack --trafficstatus)"},
	{name: "globalstatus", dashes: true, kind: whackVerb, op: "--globalstatus", summary: "pluto's global counters (whack --globalstatus)"},
	{name: "shuntstatus", dashes: true, kind: whackVerb, op: "--shuntstatus", summary: "pluto's bare shunts (whack --shuntstatus)"},
	{name: "briefstatus", dashes: true, kind: whackVerb, op: "--briefstatus", summary: "pluto's status in short (whack --briefstatus)"},
	{name: "showstates", dashes: true, kind: whackVerb, op: "--showstates", summary: "pluto's IKE and IPsec states (whack --showstates)"},
	{name: "connectionstatus", dashes: true, kind: whackVerb, op: "--connectionstatus", summary: "pluto's conns (whack --connectionstatus)"},
	{name: "briefconnectionstatus", dashes: true, kind: whackVerb, op: "--briefconnectionstatus", summary: "pluto's conns in short (whack --briefconnectionstatus)"},
	{name: "fipsstatus", aliases: []string{"fips"}, dashes: true, kind: whackVerb, op: "--fipsstatus", summary: "pluto's FIPS mode (whack --fipsstatus)"},
	{name: "rereadsecrets", aliases: []string{"secrets"}, dashes: true, kind: whackVerb, op: "--rereadsecrets", summary: "reload ipsec.secrets (whack --rereadsecrets)"},
	{name: "rereadcerts", dashes: true, kind: whackVerb, op: "--rereadcerts", summary: "reload certificates (whack --rereadcerts)"},
	{name: "rereadall", dashes: true, kind: whackVerb, op: "--rereadall", summary: "reload secrets and certificates (whack --rereadall)"},
	{name: "fetchcrls", aliases: []string{"crls"}, dashes: true, kind: whackVerb, op: "--fetchcrls", summary: "fetch CRLs now (whack --fetchcrls)"},
	{name: "listen", dashes: true, kind: whackVerb, op: "--listen", summary: "rescan interfaces (whack --listen)"},
	{name: "listall", dashes: true, kind: whackVerb, op: "--listall", summary: "list keys, certificates and CRLs (whack --listall)"},
	{name: "listpubkeys", dashes: true, kind: whackVerb, op: "--listpubkeys", summary: "list public keys (whack --listpubkeys)"},
	{name: "checkpubkeys", dashes: true, kind: whackVerb, op: "--checkpubkeys", summary: "list public keys that expire soon (whack --checkpubkeys)"},
	{name: "listcerts", dashes: true, kind: whackVerb, op: "--listcerts", summary: "list certificates (whack --listcerts)"},
	{name: "listcacerts", dashes: true, kind: whackVerb, op: "--listcacerts", summary: "list CA certificates (whack --listcacerts)"},
	{name: "listcrls", dashes: true, kind: whackVerb, op: "--listcrls", summary: "list CRLs (whack --listcrls)"},
	{name: "purgeocsp", dashes: true, kind: whackVerb, op: "--purgeocsp", summary: "purge the OCSP cache (whack --purgeocsp)"},
	{name: "whack", kind: whackCommand, summary: "Libreswan's whack, given --ctlsocket unless the arguments have one"},
	{name: "checknss", dashes: true, kind: builtinVerb, op: "checknss", summary: "create the NSS database if missing (as Libreswan's)"},
	{name: "initnss", dashes: true, kind: builtinVerb, op: "checknss", summary: "create the NSS database; exit 42 if it exists"},
	{name: "checknflog", aliases: []string{"nflog"}, dashes: true, kind: builtinVerb, op: "checknflog", summary: "set up the nflog-all= iptables rules (as Libreswan's)"},
	{name: "stopnflog", dashes: true, kind: builtinVerb, op: "stopnflog", summary: "remove the nflog-all= iptables rules"},
	{name: "rereadcrls", dashes: true, kind: builtinVerb, op: "rereadcrls", summary: "obsolete: use crls"},
	{name: "unbound", dashes: true, kind: builtinVerb, op: "unbound", summary: "enable unbound's ipsecmod (unbound-control)"},
	{name: "import", dashes: true, kind: libreswanVerb, summary: "import a PKCS#12 file into the NSS database (Libreswan's front end)"},
	{name: "sniff", dashes: true, kind: libreswanVerb, summary: "tcpdump the nflog-all= group (Libreswan's front end)"},
	{name: "redirect", kind: libreswanVerb, summary: "redirect peers to another gateway (Libreswan's front end)"},
	{name: "certutil", kind: libreswanVerb, summary: "NSS certutil on pluto's database (Libreswan 5's front end)"},
	{name: "crlutil", kind: libreswanVerb, summary: "NSS crlutil on pluto's database (Libreswan 5's front end)"},
	{name: "modutil", kind: libreswanVerb, summary: "NSS modutil on pluto's database (Libreswan 5's front end)"},
	{name: "pk12util", kind: libreswanVerb, summary: "NSS pk12util on pluto's database (Libreswan 5's front end)"},
	{name: "vfychain", kind: libreswanVerb, summary: "NSS vfychain on pluto's database (Libreswan 5's front end)"},
}

// findVerb returns the verb word names: its name or an alias, with
// "--" in front where Libreswan accepts that.
func findVerb(word string) *verb {
	bare, dashed := strings.CutPrefix(word, "--")
	for i := range verbs {
		v := &verbs[i]
		if dashed && !v.dashes {
			continue
		}
		if bare == v.name || slices.Contains(v.aliases, bare) {
			return v
		}
	}
	return nil
}

// usage is the verb's one-line synopsis, printed for `ipsec VERB --help`
// and with its usage errors.
func (v *verb) usage() string {
	switch v.kind {
	case autoVerb:
		return fmt.Sprintf("ipsec %s [--config FILE] [--ctlsocket FILE] [--asynchronous] [--remote-host ADDR] [--verbose] [--dry-run] CONN", v.name)
	case setupVerb:
		if v.name == "start" {
			return "ipsec start [--config FILE] [--dry-run] [CONN]"
		}
		return fmt.Sprintf("ipsec %s [--config FILE] [--dry-run]", v.name)
	case checkVerb:
		return "ipsec checkconfig [--config FILE]"
	}
	return fmt.Sprintf("ipsec %s [CONN] [--ctlsocket FILE] [--utc] [--dry-run]", v.name)
}

// resolve decides what `ipsec [globals] WORD ARGS` runs for this verb.
func (v *verb) resolve(fe *frontEnd, g *globals, word string, args []string) (action, error) {
	switch v.kind {
	case whackCommand:
		whack, err := fe.needProgram("whack")
		if err != nil {
			return action{}, err
		}
		argv := []string{whack}
		if !slices.Contains(args, "--ctlsocket") {
			argv = append(argv, "--ctlsocket", fe.ctlSocket(g))
		}
		act := fe.program(g, whack, append(argv[1:], args...))
		act.DryRun = g.dryRun
		return act, nil
	case builtinVerb:
		return action{Builtin: v.op, Args: append([]string{word}, args...)}, nil
	case libreswanVerb:
		script, err := fe.libreswanFrontEnd()
		if err != nil {
			return action{}, fmt.Errorf("%s: %w", word, err)
		}
		argv := append(append([]string{script}, g.args...), word)
		return action{Program: script, Argv: append(argv, args...), Env: fe.environ}, nil
	}
	conns, checkconfig, help, err := v.options(g, args)
	if err != nil {
		return action{}, err
	}
	if help {
		return action{Builtin: "print", Args: []string{v.usage()}}, nil
	}
	switch {
	case v.kind == checkVerb || (v.op == "add" && checkconfig):
		return action{Applet: append(append([]string{"addconn"}, fe.configArgs(g)...), "--checkconfig")}, nil
	case v.kind == setupVerb && !(v.op == "start" && len(conns) > 0):
		argv := append([]string{"setup"}, fe.configArgs(g)...)
		if d := fe.setupRunDir(g); d != "" {
			argv = append(argv, "--rundir", d)
		}
		if g.dryRun {
			argv = append(argv, "--showonly")
		}
		return action{Applet: append(argv, v.op)}, nil
	case v.kind == setupVerb, v.kind == autoVerb:
		argv := append([]string{"auto"}, fe.configArgs(g)...)
		if ctl := fe.ctlSocket(g); ctl != filepath.Join(defaultRunDir, "pluto.ctl") {
			argv = append(argv, "--ctlsocket", ctl)
		}
		if g.async {
			argv = append(argv, "--asynchronous")
		}
		if g.remoteHost != "" {
			argv = append(argv, "--remote-host", g.remoteHost)
		}
		if g.verbose {
			argv = append(argv, "--verbose")
		}
		if g.dryRun {
			argv = append(argv, "--showonly")
		}
		argv = append(argv, "--"+v.op)
		return action{Applet: append(argv, conns...)}, nil
	}
	// whackVerb: the argument order of Libreswan 5's ipsec_whack.
	whack, err := fe.needProgram("whack")
	if err != nil {
		return action{}, err
	}
	argv := []string{"--ctlsocket", fe.ctlSocket(g)}
	if g.async {
		argv = append(argv, "--asynchronous")
	}
	for _, c := range conns {
		argv = append(argv, "--name", c)
	}
	if g.utc {
		argv = append(argv, "--utc")
	}
	argv = append(argv, v.op)
	if g.remoteHost != "" {
		argv = append(argv, "--remote-host", g.remoteHost)
	}
	act := fe.program(g, whack, argv)
	act.DryRun = g.dryRun
	return act, nil
}

// options reads the arguments after a verb as Libreswan 5 does: its
// options (the front end's own, and --checkconfig for add), help, and
// the conn names.
func (v *verb) options(g *globals, args []string) (conns []string, checkconfig, help bool, err error) {
	for len(args) > 0 {
		switch args[0] {
		case "help", "--help", "-h":
			return nil, false, true, nil
		case "--checkconfig":
			if v.op == "add" || v.kind == checkVerb {
				checkconfig = true
				args = args[1:]
				continue
			}
		}
		n, err := g.option(args)
		if err != nil {
			return nil, false, false, err
		}
		if n > 0 {
			args = args[n:]
			continue
		}
		if strings.HasPrefix(args[0], "-") {
			return nil, false, false, applet.Usagef("%s: unknown option %q (usage: %s)", v.name, args[0], v.usage())
		}
		conns = append(conns, args[0])
		args = args[1:]
	}
	return conns, checkconfig, false, nil
}

// configArgs hands --config on to a goswan applet.
func (fe *frontEnd) configArgs(g *globals) []string {
	if g.config != "" {
		return []string{"--config", g.config}
	}
	return nil
}

// setupRunDir is the run directory `ipsec setup` is told about, when it
// is not the default: --rundir, the directory of --ctlsocket, or
// $IPSEC_RUNDIR.
func (fe *frontEnd) setupRunDir(g *globals) string {
	switch {
	case g.rundir != "":
		return g.rundir
	case g.ctlsocket != "":
		return filepath.Dir(g.ctlsocket)
	case fe.getenv("IPSEC_RUNDIR") != "":
		return fe.getenv("IPSEC_RUNDIR")
	}
	return ""
}
