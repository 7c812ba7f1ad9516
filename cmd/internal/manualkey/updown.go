package manualkey

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"

	goupdown "goswan/cmd/internal/updown"
	"goswan/kernel"
)

// updown runs the conn's updown script as pluto would: one shell command
// line, told what to do by PLUTO_VERB and about the conn by the other
// PLUTO_* variables (libreswan(7), "The updown script").
type updown struct {
	command string // "" when there is none
	vars    []string
	suffix  string // -host or -client, plus -v6
}

func newUpdown(m *kernel.Manual, h hostEnd) *updown {
	me, peer := m.End(h.side), m.End(h.side.Other())
	u := &updown{command: me.Updown}
	u.suffix = "-host"
	if me.HasClient() || peer.HasClient() {
		u.suffix = "-client"
	}
	if me.Host.Is6() {
		u.suffix += "-v6"
	}
	nexthop := me.NextHop
	if !nexthop.IsValid() {
		nexthop = peer.Host // %direct: the peer is on-link
	}
	myNet, peerNet := me.Client(), peer.Client()
	family, connType := "ipv4", "tunnel"
	if me.Host.Is6() {
		family = "ipv6"
	}
	if m.Mode() == kernel.ModeTransport {
		connType = "transport"
	}
	u.vars = []string{
		"PLUTO_VERSION=1.1",
		"PLUTO_CONNECTION=" + m.Name,
		"PLUTO_CONNECTION_TYPE=" + connType,
		"PLUTO_CONN_ADDRFAMILY=" + family,
		"PLUTO_STACK=xfrm",
		"PLUTO_NEXT_HOP=" + nexthop.String(),
		"PLUTO_INTERFACE=" + h.iface,
		"PLUTO_ME=" + me.Host.String(),
		"PLUTO_MY_ID=" + me.Host.String(),
		"PLUTO_MY_CLIENT=" + myNet.String(),
		"PLUTO_MY_CLIENT_NET=" + myNet.Addr().String(),
		"PLUTO_MY_CLIENT_MASK=" + mask(myNet),
		"PLUTO_MY_PROTOCOL=0",
		"PLUTO_MY_PORT=0",
		"PLUTO_PEER=" + peer.Host.String(),
		"PLUTO_PEER_ID=" + peer.Host.String(),
		"PLUTO_PEER_CLIENT=" + peerNet.String(),
		"PLUTO_PEER_CLIENT_NET=" + peerNet.Addr().String(),
		"PLUTO_PEER_CLIENT_MASK=" + mask(peerNet),
		"PLUTO_PEER_PROTOCOL=0",
		"PLUTO_PEER_PORT=0",
	}
	return u
}

// verb is the full PLUTO_VERB for an operation.
func (u *updown) verb(op string) string { return op + u.suffix }

// env is the PLUTO_* environment for an operation.
func (u *updown) env(op string) []string {
	return append([]string{"PLUTO_VERB=" + u.verb(op)}, u.vars...)
}

// run runs the updown command for op: goswan's _updown in-process on h's
// namespace when it is the default, else the conn's command through the
// shell, as pluto runs it.
func (u *updown) run(op string, h *kernel.Handle, stdout, stderr io.Writer) error {
	if args, ok := builtinArgs(u.command); ok {
		vars := map[string]string{}
		for _, kv := range u.env(op) {
			k, v, _ := strings.Cut(kv, "=")
			vars[k] = v
		}
		getenv := func(k string) string {
			if v, ok := vars[k]; ok {
				return v
			}
			return os.Getenv(k)
		}
		sys := &goupdown.System{Kernel: h, Stdout: stdout, Stderr: stderr,
			ResolvConf: "/etc/resolv.conf", ResolvBackup: "/run/pluto/libreswan-resolv-conf-backup"}
		if code := goupdown.Run(sys, getenv, args); code != 0 {
			return fmt.Errorf("updown %s (PLUTO_VERB=%s) failed: exit status %d", u.command, u.verb(op), code)
		}
		return nil
	}
	cmd := exec.Command("/bin/sh", "-c", u.command)
	cmd.Env = append(os.Environ(), u.env(op)...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("updown %s (PLUTO_VERB=%s) failed: %w", u.command, u.verb(op), err)
	}
	return nil
}

// builtinArgs recognises the default updown command, pluto's as
// FreeS/WAN's (`ipsec _updown`), also with plain arguments (`ipsec _updown
// --route yes`): goswan's own _updown, which ipsec manual runs in-process
// with those arguments, as `ipsec _updown` would run. A command with shell
// syntax goes to the shell.
func builtinArgs(command string) ([]string, bool) {
	if strings.ContainsAny(command, "'\"\\$`;&|<>(){}*?[]~#=") {
		return nil, false
	}
	f := strings.Fields(command)
	if len(f) < 2 || f[0] != "ipsec" || f[1] != "_updown" {
		return nil, false
	}
	return f[2:], true
}

// mask is the netmask FreeS/WAN's updown scripts expect: dotted quad for
// IPv4, the prefix length for IPv6.
func mask(p netip.Prefix) string {
	if p.Addr().Is4() {
		return net.IP(net.CIDRMask(p.Bits(), 32)).String()
	}
	return fmt.Sprint(p.Bits())
}
