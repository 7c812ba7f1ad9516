package health

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"goswan/cmd/internal/sysinfo"
)

// KernelCheck: XFRM answers over netlink, ESP and AH can hold SAs, and the
// sysctls XFRM cares about (Libreswan's "NETKEY: Testing XFRM related proc
// values").
func KernelCheck(ctx context.Context, e *Env) []Result {
	const name = "Checking for IPsec support in kernel"
	x := e.Kernel(ctx)
	_, procErr := e.Sys.Stat("/proc/sys/net/core/xfrm_acq_expires")
	var r Result
	switch {
	case x.Err != nil && (errors.Is(x.Err, unix.EPERM) || errors.Is(x.Err, unix.EACCES)) && procErr == nil:
		// Not root: /proc says XFRM is there; what it can do stays unknown.
		r = warn(name, "UNKNOWN", "XFRM present (/proc/sys/net/core/xfrm_acq_expires); ESP and AH not probed: "+x.Err.Error(),
			"run ipsec verify as root to probe ESP and AH")
	case x.Err != nil:
		hint := "the kernel lacks XFRM (CONFIG_XFRM_USER) or it is not loaded: modprobe xfrm_user"
		if errors.Is(x.Err, unix.EPERM) || errors.Is(x.Err, unix.EACCES) {
			hint = "run ipsec verify as root"
		}
		return []Result{fail(name, "", "XFRM netlink: "+x.Err.Error(), hint)}
	default:
		r = kernelSupport(name, x)
		if procErr != nil && r.Status == OK {
			r = warn(name, "", r.Detail+"\n/proc/sys/net/core/xfrm_acq_expires is missing", "is /proc mounted?")
		}
	}
	out := []Result{r, note(" NETKEY: Testing XFRM related proc values")}
	for _, opt := range []string{"send_redirects", "accept_redirects"} {
		label := "         ICMP default/" + opt
		v, err := e.readValue("/proc/sys/net/ipv4/conf/default/" + opt)
		switch {
		case err != nil:
			out = append(out, fail(label, "VERY BROKEN KERNEL", err.Error(), ""))
		case v == "0":
			out = append(out, ok(label, ""))
		default:
			out = append(out, fail(label, "NOT DISABLED", "",
				fmt.Sprintf("Disable /proc/sys/net/ipv4/conf/*/%s or XFRM/NETKEY will act on or cause sending of bogus ICMP redirects!\n"+
					"(sysctl -w net.ipv4.conf.default.%s=0 net.ipv4.conf.all.%s=0)", opt, opt, opt)))
		}
	}
	const larval = "         XFRM larval drop"
	switch v, err := e.readValue("/proc/sys/net/core/xfrm_larval_drop"); {
	case err != nil:
		out = append(out, fail(larval, "OLD OR BROKEN KERNEL", err.Error(), ""))
	case v == "1":
		out = append(out, ok(larval, ""))
	default:
		out = append(out, fail(larval, "NOT ENABLED", "",
			"packets for a tunnel still being negotiated are queued instead of dropped: sysctl -w net.core.xfrm_larval_drop=1"))
	}
	return out
}

// readValue reads a one-line /proc or /sys file.
func (e *Env) readValue(name string) (string, error) {
	b, err := e.Sys.ReadFile(name)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// kernelSupport words what the probe found: "XFRM present, ESP missing,
// AH present (2 SAs, 4 policies)"; ESP missing fails, AH missing does not.
func kernelSupport(name string, x sysinfo.XFRM) Result {
	parts := []string{"XFRM present"}
	r := ok(name, "")
	for _, p := range []struct {
		name string
		s    sysinfo.Support
		need bool
	}{{"ESP", x.ESP, true}, {"AH", x.AH, false}} {
		switch {
		case !p.s.Known:
			why := "no probe"
			if p.s.Err != nil {
				why = p.s.Err.Error()
			}
			parts = append(parts, p.name+" not probed ("+why+")")
		case p.s.OK:
			parts = append(parts, p.name+" present")
		default:
			parts = append(parts, p.name+" missing")
			if p.need {
				r = fail(name, "ESP MISSING", "", fmt.Sprintf("the kernel cannot hold ESP SAs (tried in a throwaway namespace: %v); "+
					"build or load esp4/esp6 (CONFIG_INET_ESP, CONFIG_INET6_ESP)", p.s.Err))
			}
		}
	}
	r.Detail = strings.Join(parts, ", ") + fmt.Sprintf(" (%d SAs, %d policies)", x.States, x.Policies)
	return r
}
