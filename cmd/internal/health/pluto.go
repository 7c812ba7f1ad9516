package health

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// PlutoCheck: a pluto process whose pid file is current and whose control
// socket answers; then, as Libreswan does, whether it listens on the IKE
// ports (and on every ikeport= a conn sets).
func PlutoCheck(ctx context.Context, e *Env) []Result {
	const name = "Checking that pluto is running"
	pidFile := path.Join(e.RunDir, "pluto.pid")
	ctl := path.Join(e.RunDir, "pluto.ctl")
	start := "start it: ipsec setup start (or systemctl start ipsec)"
	dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	b, err := e.Sys.ReadFile(pidFile)
	if err != nil {
		// No pid file: pluto is not running with this run directory.
		// Plutos found by name belong to other run directories (test
		// instances, containers) and do not count, but are mentioned.
		if e.Sys.DialControl(dctx, ctl) == nil {
			return append([]Result{ok(name, "control socket "+ctl+" answers; no "+pidFile)}, plutoPorts(e)...)
		}
		detail := "no " + pidFile
		if pids := e.findPluto(); len(pids) > 0 {
			detail += fmt.Sprintf("; pluto process(es) %s run with another run directory (--rundir)",
				strings.Trim(fmt.Sprint(pids), "[]"))
		}
		return []Result{fail(name, "", detail, start)}
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if pid <= 0 {
		return []Result{fail(name, "", fmt.Sprintf("%s holds no pid", pidFile), start)}
	}
	if comm, err := e.readValue(fmt.Sprintf("/proc/%d/comm", pid)); err != nil || comm != "pluto" {
		return []Result{fail(name, "", fmt.Sprintf("stale pid file %s: pid %d is not running pluto", pidFile, pid),
			"pluto died without cleaning up; look at its log (ipsec barf shows it), then "+start)}
	}
	if err := e.Sys.DialControl(dctx, ctl); err != nil {
		return []Result{fail(name, "NOT ANSWERING", fmt.Sprintf("pid %d; control socket %s: %v", pid, ctl, err),
			"pluto is not accepting commands; restart it")}
	}
	return append([]Result{ok(name, fmt.Sprintf("pid %d, control socket %s", pid, ctl))}, plutoPorts(e)...)
}

// plutoPorts: the IKE ports of a running pluto.
func plutoPorts(e *Env) []Result {
	var out []Result
	ports := udpPorts(e)
	if ports == nil {
		return append(out, warn(" Pluto listening for IKE on udp 500", "UNKNOWN", "cannot read /proc/net/udp", ""))
	}
	if ports[500] {
		out = append(out, ok(" Pluto listening for IKE on udp 500", ""))
	} else {
		out = append(out, fail(" Pluto listening for IKE on udp 500", "", "",
			"no socket on udp port 500: check listen= and interfaces in ipsec.conf, and pluto's log"))
	}
	if ports[4500] {
		out = append(out, ok(" Pluto listening for IKE/NAT-T on udp 4500", ""))
	} else {
		out = append(out, warn(" Pluto listening for IKE/NAT-T on udp 4500", "DISABLED", "",
			"peers behind NAT cannot connect"))
	}
	for _, p := range e.confPorts() {
		label := fmt.Sprintf(" Pluto listening for IKE on udp %d (ikeport=)", p)
		if ports[p] {
			out = append(out, ok(label, ""))
		} else {
			out = append(out, warn(label, "NOT LISTENING", "", "a conn sets this ikeport but nothing listens on it"))
		}
	}
	return out
}

// findPluto is pidof pluto: processes whose command name is pluto.
func (e *Env) findPluto() []int {
	ents, err := e.Sys.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		if comm, err := e.readValue(fmt.Sprintf("/proc/%d/comm", pid)); err == nil && comm == "pluto" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// udpPorts returns the local UDP ports with a socket, IPv4 and IPv6, in
// this network namespace; nil when /proc/net/udp cannot be read.
func udpPorts(e *Env) map[int]bool {
	var ports map[int]bool
	for _, f := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		b, err := e.Sys.ReadFile(f)
		if err != nil {
			continue
		}
		if ports == nil {
			ports = map[int]bool{}
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) < 2 {
				continue
			}
			local := fields[1]
			i := strings.LastIndexByte(local, ':')
			if i < 0 {
				continue
			}
			if p, err := strconv.ParseUint(local[i+1:], 16, 16); err == nil {
				ports[int(p)] = true
			}
		}
	}
	return ports
}

// confPorts lists the ikeport= values of the conns, sorted.
func (e *Env) confPorts() []int {
	cfg, _ := e.Conf()
	if cfg == nil {
		return nil
	}
	seen := map[int]bool{}
	var ps []int
	for _, c := range cfg.Conns {
		for _, kw := range []string{"leftikeport", "rightikeport"} {
			if v, ok := c.Int(kw); ok && v > 0 && v < 65536 && v != 500 && v != 4500 && !seen[int(v)] {
				seen[int(v)] = true
				ps = append(ps, int(v))
			}
		}
	}
	sort.Ints(ps)
	return ps
}
