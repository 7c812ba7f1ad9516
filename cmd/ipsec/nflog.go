package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"goswan/cmd/internal/applet"
	"goswan/conf"
)

// nflogGroup is config setup's nflog-all=, read as goswan reads ipsec.conf
// ($IPSEC_CONF, else ipsec.conf in $IPSEC_CONFS or /etc). Libreswan's
// front end asks its own addconn; a file it cannot read means no group
// there too.
func (fe *frontEnd) nflogGroup() string {
	path := fe.getenv("IPSEC_CONF")
	if path == "" {
		path = filepath.Join(applet.ConfDir(), "ipsec.conf")
	}
	cfg, _ := conf.Load(path, &conf.Options{})
	if cfg == nil {
		return ""
	}
	return strings.TrimSpace(cfg.Setup.String("nflog-all"))
}

// nflogArgs checks the arguments of checknflog and stopnflog as Libreswan
// 5 does (4.10 ignored them): help prints the usage, anything else is an
// error.
func (fe *frontEnd) nflogArgs(args []string) (done bool, status int) {
	name := strings.TrimPrefix(args[0], "--")
	for _, a := range args[1:] {
		switch a {
		case "help", "--help", "-h":
			fmt.Fprintf(fe.stdout, "Usage: ipsec %s\n", name)
			return true, applet.ExitOK
		default:
			fmt.Fprintf(fe.stderr, "ipsec %s: Unknown option %q\n\nUsage: ipsec %s\n", name, a, name)
			return true, applet.ExitUsage
		}
	}
	return false, 0
}

// checkNflog is `ipsec checknflog`: it makes the iptables NFLOG rules
// that copy all IPsec traffic to config setup's nflog-all= group match the
// configuration, with the words of Libreswan 4.10's front end. It always
// exits 0, as Libreswan's does, so a missing iptables does not keep pluto
// from starting.
func (fe *frontEnd) checkNflog(args []string) int {
	if done, status := fe.nflogArgs(args); done {
		return status
	}
	group := fe.nflogGroup()
	old := fe.oldNflogGroup()
	if old != "" && old == group {
		fmt.Fprintf(fe.stdout, "nflog ipsec capture enabled on nflog:%s\n", group)
		return applet.ExitOK
	}
	if old != "" {
		fmt.Fprintf(fe.stdout, "deleting rules with old nflog group %s\n", old)
		fe.nflogRules("-D", old)
	}
	if group == "" {
		fmt.Fprintln(fe.stdout, "nflog ipsec capture disabled")
		return applet.ExitOK
	}
	fe.nflogRules("-I", group)
	fmt.Fprintf(fe.stdout, "nflog ipsec capture enabled on nflog:%s\n", group)
	return applet.ExitOK
}

// stopNflog is `ipsec stopnflog`: it removes the rules checknflog added.
func (fe *frontEnd) stopNflog(args []string) int {
	if done, status := fe.nflogArgs(args); done {
		return status
	}
	if group := fe.nflogGroup(); group != "" {
		fe.nflogRules("-D", group)
	}
	return applet.ExitOK
}

// nflogRules inserts (-I) or deletes (-D) the two rules for group.
func (fe *frontEnd) nflogRules(op, group string) {
	for _, dir := range [][2]string{{"INPUT", "in"}, {"OUTPUT", "out"}} {
		fe.runCommand("iptables", op, dir[0], "-m", "policy", "--dir", dir[1], "--pol", "ipsec",
			"-j", "NFLOG", "--nflog-group", group, "--nflog-prefix", "all-ipsec")
	}
}

// oldNflogGroup is the group of the last rule checknflog inserted, from
// `iptables -L -n` ("" when there is none or no iptables).
func (fe *frontEnd) oldNflogGroup() string {
	out, _ := exec.Command("iptables", "-L", "-n").Output()
	group := ""
	for _, l := range bytes.Split(out, []byte("\n")) {
		if bytes.Contains(l, []byte("all-ipsec nflog-group")) {
			f := bytes.Fields(l)
			group = string(f[len(f)-1])
		}
	}
	return group
}
