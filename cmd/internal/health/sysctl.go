package health

import (
	"context"
	"path"
	"sort"
	"strings"
)

// RPFilterCheck: strict reverse-path filtering (rp_filter=1) drops
// decapsulated packets whose source is routed elsewhere; loose (2) is fine.
func RPFilterCheck(ctx context.Context, e *Env) []Result {
	const name = "Checking rp_filter"
	const dir = "/proc/sys/net/ipv4/conf"
	ents, err := e.Sys.ReadDir(dir)
	if err != nil {
		return []Result{fail(name, "UNKNOWN", err.Error(), "is /proc mounted?")}
	}
	var bad []Result
	for _, ent := range ents {
		p := path.Join(dir, ent.Name(), "rp_filter")
		if v, err := e.readValue(p); err == nil && v == "1" {
			bad = append(bad, fail(" "+p, "ENABLED", "", ""))
		}
	}
	if len(bad) == 0 {
		return []Result{ok(name, "")}
	}
	sort.Slice(bad, func(i, j int) bool { return bad[i].Name < bad[j].Name })
	hint := "rp_filter is not fully aware of IPsec and should be disabled (0) or loose (2):\n" +
		"sysctl -w net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 and per interface"
	return append([]Result{fail(name, "ENABLED", "", hint)}, bad...)
}

// ForwardingCheck: a gateway for subnets must forward (FreeS/WAN's "IP
// forwarding" check). Host-to-host configurations do not need it.
func ForwardingCheck(ctx context.Context, e *Env) []Result {
	const name = "Checking IP forwarding"
	cfg, _ := e.Conf()
	if cfg == nil {
		return []Result{na(name, "ipsec.conf could not be read")}
	}
	var subnetConns []string
	for _, c := range cfg.Conns {
		for _, kw := range []string{"leftsubnet", "rightsubnet", "leftsubnets", "rightsubnets"} {
			if c.IsSet(kw) {
				subnetConns = append(subnetConns, c.Name)
				break
			}
		}
	}
	if len(subnetConns) == 0 {
		return []Result{na(name, "no conn has a subnet")}
	}
	v, err := e.readValue("/proc/sys/net/ipv4/ip_forward")
	switch {
	case err != nil:
		return []Result{fail(name, "UNKNOWN", err.Error(), "")}
	case v != "1":
		return []Result{fail(name, "DISABLED", "conns with subnets: "+strings.Join(subnetConns, " "),
			"packets between the subnets will not be forwarded: sysctl -w net.ipv4.ip_forward=1")}
	}
	return []Result{ok(name, "")}
}
