package barf

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"

	"goswan/cmd/internal/applet"
	"goswan/cmd/internal/health"
	"goswan/secrets"
)

// sections lists the report in Libreswan 4.10's order; sections that
// Libreswan prints only when a feature is present are decided here.
func (g *gatherer) sections() []section {
	ls := "/usr/libexec/ipsec/"
	s := []section{
		{"version", func(ctx context.Context, g *gatherer, w *bytes.Buffer) {
			fmt.Fprintf(w, "+ ipsec --version\ngoswan %s\n", applet.Version)
			if g.exists(ls + "pluto") {
				g.cmd(ctx, w, nil, ls+"pluto", "--version")
			}
		}},
		{"/proc/version", catSec("/proc/version")},
	}
	if g.exists("/proc/sys/net/core/xfrm_acq_expires") {
		s = append(s,
			section{"ip-xfrm-state", cmdSec(censorXFRM, "ip", "xfrm", "state")},
			section{"ip-xfrm-policy", cmdSec(nil, "ip", "xfrm", "policy")},
			section{"cat-proc-net-xfrm_stat", catSec("/proc/net/xfrm_stat")})
	}
	s = append(s, section{"ip-l2tp-tunnel", func(ctx context.Context, g *gatherer, w *bytes.Buffer) {
		if g.exists("/sys/module/l2tp_core") {
			g.cmd(ctx, w, nil, "ip", "l2tp", "show", "tunnel")
			w.WriteString("+ _________________________ ip-l2tp-session\n")
			g.cmd(ctx, w, nil, "ip", "l2tp", "show", "session")
		}
	}})
	if g.exists("/sys/module/ip_vti") {
		s = append(s, section{"ip-tunnel", cmdSec(nil, "ip", "-s", "tunnel", "show")})
	}
	s = append(s,
		section{"/proc/crypto", catSec("/proc/crypto")},
		section{"/proc/sys/net/core/xfrm-star", func(_ context.Context, g *gatherer, w *bytes.Buffer) {
			ents, _ := g.sys.ReadDir("/proc/sys/net/core")
			for _, e := range ents {
				if strings.HasPrefix(e.Name(), "xfrm_") {
					p := "/proc/sys/net/core/" + e.Name()
					b, _ := g.sys.ReadFile(p)
					fmt.Fprintf(w, "%s: %s\n", p, strings.TrimSpace(string(b)))
				}
			}
		}},
		section{"/proc/sys/net/ipsec-star", func(_ context.Context, g *gatherer, w *bytes.Buffer) {
			g.grepFiles(w, "/proc/sys/net/ipsec", func(string) bool { return true }, 0)
		}},
		section{"ipsec/status", g.whack("--status")},
		section{"ip-addr-list", cmdSec(nil, "ip", "addr", "list")},
		section{"ip-route-list-table-all", cmdSec(nil, "ip", "route", "list", "table", "all")},
		section{"ip-rule-list", cmdSec(nil, "ip", "rule", "list")},
		section{"ipsec_verify", func(ctx context.Context, g *gatherer, w *bytes.Buffer) {
			w.WriteString("+ ipsec verify --nocolour\n")
			e := &health.Env{Sys: g.sys, Config: g.o.Config, Secrets: g.o.Secrets, RunDir: g.o.RunDir,
				NSSDir: g.o.NSSDir, Version: "goswan " + applet.Version}
			_ = health.Write(w, health.Run(ctx, e, health.Checks()), false)
		}},
		section{"ipsec/directory", text("+ ipsec --directory\n" + g.o.ExecDir + "\n")},
		section{"hostname/fqdn", cmdSec(nil, "hostname", "--fqdn")},
		section{"hostname/ipaddress", cmdSec(nil, "hostname", "--ip-address")},
		section{"uptime", cmdSec(nil, "uptime")},
		section{"ps", cmdSec(grepLines(`(?i)ppid|pluto|ipsec`), "ps", "alxwf")},
		section{"ipsec/conf", func(_ context.Context, g *gatherer, w *bytes.Buffer) {
			fmt.Fprintf(w, "+ ipsec _include %s | ipsec _keycensor\n", g.o.Config)
			w.Write(secrets.CensorConfig([]byte(expandIncludes(g.sys, g.o.Config))))
		}},
		section{"ipsec/secrets", func(_ context.Context, g *gatherer, w *bytes.Buffer) {
			fmt.Fprintf(w, "+ ipsec _include %s | ipsec _secretcensor\n", g.o.Secrets)
			w.Write(secrets.Censor([]byte(expandIncludes(g.sys, g.o.Secrets))))
		}},
		section{"ipsec/listall", g.whack("--listall")},
		section{"nss/contents", cmdSec(nil, "certutil", "-L", "-d", "sql:"+g.o.NSSDir)},
		section{"nss/crls", cmdSec(nil, "crlutil", "-L", "-d", "sql:"+g.o.NSSDir)},
	)
	policies := path.Join(g.o.ConfDir, "ipsec.d", "policies")
	if ents, err := g.sys.ReadDir(policies); err == nil {
		for _, e := range ents {
			s = append(s, section{"ipsec/policies/" + e.Name(), catSec(path.Join(policies, e.Name()))})
		}
	}
	s = append(s,
		section{"ipsec/ls-execdir", cmdSec(nil, "ls", "-l", g.o.ExecDir)},
		section{"/proc/net/dev", catSec("/proc/net/dev")},
		section{"/proc/net/route", catSec("/proc/net/route")},
		section{"/proc/sys/net/ipv4/ip_no_pmtu_disc", catSec("/proc/sys/net/ipv4/ip_no_pmtu_disc")},
		section{"/proc/sys/net/ipv4/ip_forward", catSec("/proc/sys/net/ipv4/ip_forward")},
		section{"/proc/sys/net/ipv4/tcp_ecn", catSec("/proc/sys/net/ipv4/tcp_ecn")},
		section{"/proc/sys/net/ipv4/conf/star-rp_filter", func(_ context.Context, g *gatherer, w *bytes.Buffer) {
			g.grepFiles(w, "/proc/sys/net/ipv4/conf", func(r string) bool { return path.Base(r) == "rp_filter" }, 1)
		}},
		section{"/proc/sys/net/ipv4/conf/star-star-redirects", func(_ context.Context, g *gatherer, w *bytes.Buffer) {
			g.grepFiles(w, "/proc/sys/net/ipv4/conf", func(r string) bool { return strings.HasSuffix(r, "redirects") }, 1)
		}},
		section{"/proc/sys/net/ipv4/tcp_window_scaling", catSec("/proc/sys/net/ipv4/tcp_window_scaling")},
		section{"/proc/sys/net/ipv4/tcp_adv_win_scale", catSec("/proc/sys/net/ipv4/tcp_adv_win_scale")},
		section{"uname-a", cmdSec(nil, "uname", "-a")},
		section{"config-built-with", func(_ context.Context, g *gatherer, w *bytes.Buffer) {
			if g.exists("/proc/config_built_with") {
				g.cat(w, "/proc/config_built_with")
			}
		}},
		section{"distro-release", func(_ context.Context, g *gatherer, w *bytes.Buffer) {
			for _, f := range []string{"/etc/os-release", "/etc/redhat-release", "/etc/debian_version", "/etc/SuSE-release", "/etc/gentoo-release"} {
				if g.exists(f) {
					g.cat(w, f)
				}
			}
		}},
		section{"iptables", cmdSec(nil, "iptables-save")},
		section{"ip6tables", cmdSec(nil, "ip6tables-save")},
		section{"nftables", cmdSec(nil, "nft", "list", "ruleset")},
		section{"/proc/modules", catSec("/proc/modules")},
		section{"usr/src/linux/.config", kernelConfig},
	)
	for _, f := range []string{"etc/syslog.conf", "etc/syslog-ng/syslog-ng.conf", "etc/rsyslog.conf"} {
		if g.exists("/" + f) {
			s = append(s, section{f, catSec("/" + f)})
		}
	}
	s = append(s,
		section{"etc/resolv.conf", catSec("/etc/resolv.conf")},
		section{"lib/modules-ls", cmdSec(nil, "ls", "-ltr", "/lib/modules")},
		section{"fipscheck", catSec("/proc/sys/crypto/fips_enabled")},
		section{"/proc/ksyms-netif_rx", func(_ context.Context, g *gatherer, w *bytes.Buffer) {
			w.WriteString("+ grep -E netif_rx /proc/kallsyms\n")
			g.grepFile(w, "/proc/kallsyms", "netif_rx")
		}},
		section{"kern.debug", func(_ context.Context, g *gatherer, w *bytes.Buffer) {
			if b, err := g.sys.ReadFile("/var/log/kern.debug"); err == nil {
				w.WriteString("+ tail -100 /var/log/kern.debug\n" + tail(100, string(b)))
			}
		}},
		section{"klog", cmdSec(func(s string) string {
			return tail(g.o.LogLines, grepLines(`(?i)xfrm|ipsec|esp`)(s))
		}, "dmesg")},
		section{"plog", plutoLog},
		section{"date", text("+ date\n" + time.Now().Format(time.UnixDate) + "\n")},
	)
	return s
}

// whack asks pluto through its control socket.
func (g *gatherer) whack(arg string) func(context.Context, *gatherer, *bytes.Buffer) {
	return func(ctx context.Context, g *gatherer, w *bytes.Buffer) {
		whack := "/usr/libexec/ipsec/whack"
		if !g.exists(whack) {
			whack = "whack"
		}
		g.cmd(ctx, w, nil, whack, "--ctlsocket", path.Join(g.o.RunDir, "pluto.ctl"), arg)
	}
}

var kernelConfigRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`IPSEC|ESP|CONFIG_NET_KEY|CONFIG_INET|CONFIG_IP|_XFRM`)
})

// kernelConfig shows the kernel's IPsec options from /proc/config.gz or the
// build tree's .config.
func kernelConfig(_ context.Context, g *gatherer, w *bytes.Buffer) {
	filter := func(r io.Reader) {
		b, err := io.ReadAll(r)
		if err != nil {
			fmt.Fprintf(w, "%v\n", err)
		}
		for _, l := range strings.SplitAfter(string(b), "\n") {
			if kernelConfigRE().MatchString(l) {
				w.WriteString(l)
			}
		}
	}
	if b, err := g.sys.ReadFile("/proc/config.gz"); err == nil {
		w.WriteString("+ zcat /proc/config.gz | grep -E 'IPSEC|ESP|CONFIG_NET_KEY|CONFIG_INET|CONFIG_IP|_XFRM'\n")
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			fmt.Fprintf(w, "zcat: %v\n", err)
			return
		}
		filter(zr)
		return
	}
	rel, _ := g.sys.ReadFile("/proc/sys/kernel/osrelease")
	cfg := "/lib/modules/" + strings.TrimSpace(string(rel)) + "/build/.config"
	if b, err := g.sys.ReadFile(cfg); err == nil {
		w.WriteString("+ grep -E 'IPSEC|ESP|CONFIG_NET_KEY|CONFIG_INET|CONFIG_IP|_XFRM' " + cfg + "\n")
		filter(bytes.NewReader(b))
		return
	}
	w.WriteString("no .config file found, cannot list kernel properties\n")
}

// plutoLog is pluto's log: the journal of ipsec.service when there is a
// journal, else the syslog file where pluto last started.
func plutoLog(ctx context.Context, g *gatherer, w *bytes.Buffer) {
	if _, err := g.sys.LookPath("journalctl"); err == nil {
		g.cmd(ctx, w, func(s string) string { return tail(g.o.LogLines, s) },
			"journalctl", "-u", "ipsec.service", "--no-pager", "--since", "24 hours ago")
		return
	}
	for _, f := range []string{"secure", "auth.log", "daemon.log", "debug", "syslog", "messages"} {
		p := "/var/log/" + f
		b, err := g.sys.ReadFile(p)
		if err != nil || !bytes.Contains(b, []byte("pluto")) {
			continue
		}
		lines := strings.SplitAfter(string(b), "\n")
		start := 0
		for i, l := range lines {
			if strings.Contains(l, "Starting Pluto") {
				start = i
			}
		}
		fmt.Fprintf(w, "+ sed -n '%d,$p' %s | grep -E -i pluto\n", start+1, p)
		w.WriteString(tail(g.o.LogLines, grepLines(`(?i)pluto`)(strings.Join(lines[start:], ""))))
		return
	}
	w.WriteString("Unable to find Pluto messages, typically found in /var/log/secure or equivalent.\n")
}
