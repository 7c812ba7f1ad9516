package updown

import (
	"fmt"
	"io"
	"os"
	"os/exec"
)

// runProgram runs name from PATH with extra environment.
func runProgram(stdout, stderr io.Writer, env []string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	return cmd.Run()
}

// iptables runs iptables; the status is that of the last command, as in
// the script.
func (c *call) iptables(cmds ...[]string) error {
	var err error
	for _, args := range cmds {
		err = c.sys.Run(c.sys.Stdout, c.sys.Stderr, nil, "iptables", args...)
	}
	return err
}

// nflogRules are the two rules that log the conn's traffic to NFLOG group
// (nflog-group=), inserted or deleted by op ("-I" or "-D").
func (c *call) nflogRules(op string) [][]string {
	return [][]string{
		{op, "OUTPUT", "-m", "policy", "--dir", "out", "--pol", "ipsec",
			"-s", c.MyClient.String(), "-d", c.PeerClient.String(),
			"-j", "NFLOG", "--nflog-group", c.NFLOG, "--nflog-prefix", c.Conn},
		{op, "INPUT", "-m", "policy", "--dir", "in", "--pol", "ipsec",
			"-s", c.PeerClient.String(), "-d", c.MyClient.String(),
			"-j", "NFLOG", "--nflog-group", c.NFLOG, "--nflog-prefix", c.Conn},
	}
}

func addNFLOG(c *call) error {
	if c.NFLOG == "" {
		return nil
	}
	return c.iptables(c.nflogRules("-I")...)
}

func delNFLOG(c *call) error {
	if c.NFLOG == "" {
		return nil
	}
	return c.iptables(c.nflogRules("-D")...)
}

// addCAT and delCAT translate the client address (CAT=YES): outgoing
// tunnel traffic gets the client address as source, incoming traffic to
// it goes to this host.
func addCAT(c *call) error {
	if !c.CAT || c.MyClientNet.String() == "0.0.0.0" {
		return nil
	}
	return c.iptables(
		[]string{"-t", "nat", "-I", "POSTROUTING", "-m", "policy", "--dir", "out", "--pol", "ipsec",
			"-d", c.PeerClient.String(), "-j", "SNAT", "--to-source", c.MyClientNet.String()},
		[]string{"-t", "nat", "-I", "PREROUTING", "-m", "policy", "--dir", "in", "--pol", "ipsec",
			"-d", c.MyClientNet.String(), "-s", c.PeerClient.String(), "-j", "DNAT", "--to-destination", c.Me.String()},
	)
}

func delCAT(c *call) error {
	if !c.CAT {
		return nil
	}
	return c.iptables(
		[]string{"-t", "nat", "-D", "PREROUTING", "-m", "policy", "--dir", "in", "--pol", "ipsec",
			"-d", c.MyClientNet.String(), "-s", c.PeerClient.String(), "-j", "DNAT", "--to-destination", c.Me.String()},
		[]string{"-t", "nat", "-D", "POSTROUTING", "-m", "policy", "--dir", "out", "--pol", "ipsec",
			"-d", c.PeerClient.String(), "-j", "SNAT", "--to-source", c.MyClientNet.String()},
	)
}

// errVTI refuses vti-interface=: goswan's _updown does not create VTI
// devices; the conn needs Libreswan's script as its updown.
var errVTI = fmt.Errorf("vti-interface= is not supported by goswan's _updown; set leftupdown= to Libreswan's _updown.xfrm for this conn")

func addVTIIface(c *call) error { return c.vti() }
func addVTI(c *call) error      { return c.vti() }
func delVTI(c *call) error      { return c.vti() }

func (c *call) vti() error {
	if c.VTIIface == "" {
		return nil
	}
	if c.env("CONNMARK_IN") == "" || c.env("CONNMARK_OUT") == "" {
		fmt.Fprintln(c.sys.Stdout, "vti-interface option ignored because no mark was configured")
		return nil
	}
	c.warnf("%v", errVTI)
	return errVTI
}
