package health

import (
	"context"
	"strings"
	"time"
)

// CommandChecks: the programs the scripts around pluto need (Libreswan's
// 'ip', 'iptables' and prelink checks).
func CommandChecks(ctx context.Context, e *Env) []Result {
	var out []Result
	const ipName = "Checking 'ip' command"
	if _, err := e.Sys.LookPath("ip"); err != nil {
		out = append(out, fail(ipName, "", "", "install iproute2: the updown scripts use ip"))
	} else {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		b, _ := e.Sys.Run(cctx, "ip", "xfrm")
		cancel()
		if strings.Contains(string(b), "XFRM") {
			out = append(out, ok(ipName, ""))
		} else {
			out = append(out, fail(ipName, "IP XFRM BROKEN", strings.TrimSpace(string(b)),
				"this ip cannot manage XFRM; install a current iproute2"))
		}
	}
	const iptName = "Checking 'iptables' command"
	if _, err := e.Sys.LookPath("iptables"); err != nil {
		out = append(out, warn(iptName, "MISSING", "", "the updown scripts' firewall rules need iptables"))
	} else {
		out = append(out, ok(iptName, ""))
	}
	const prelink = "Checking 'prelink' command does not interfere with FIPS"
	if _, err := e.Sys.LookPath("prelink"); err != nil {
		out = append(out, ok(prelink, ""))
	} else if _, err := e.Sys.Stat("/etc/prelink.cache"); err == nil {
		out = append(out, warn(prelink, "PRESENT", "", "prelinked binaries fail FIPS self checks"))
	} else {
		out = append(out, fail(prelink, "IN USE", "", "remove prelink or undo it (prelink -ua)"))
	}
	return out
}
