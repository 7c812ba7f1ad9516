package setup

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"goswan/cmd/internal/pluto"
	"goswan/conf"
)

// plutoSetupKeywords are the `config setup` keywords Libreswan 4.10's pluto
// reads itself; setup passes them on unchanged.
var plutoSetupKeywords = []string{
	"plutodebug", "logfile", "logtime", "logappend", "logip", "audit-log", "dumpdir",
	"uniqueids", "crl-strict", "crlcheckinterval", "curl-timeout", "curl-iface",
	"ocsp-enable", "ocsp-strict", "ocsp-uri", "ocsp-timeout", "ocsp-trustname",
	"ocsp-cache-size", "ocsp-cache-min-age", "ocsp-cache-max-age", "ocsp-method",
	"ddos-mode", "ddos-ike-threshold", "max-halfopen-ike", "seccomp",
	"ike-socket-bufsize", "ike-socket-errqueue", "nflog-all", "xfrmlifetime",
	"virtual-private", "keep-alive", "seedbits", "listen", "listen-tcp", "listen-udp",
	"protostack", "nhelpers", "drop-oppo-null", "ikev1-secctx-attr-type",
	"dnssec-enable", "dnssec-rootkey-file", "dnssec-anchors", "ipsecdir", "nssdir",
	"secretsfile", "statsbin", "myvendorid", "global-redirect", "global-redirect-to",
	"ikev1-policy", "shuntlifetime",
}

// plutoSetupKeywords5 are the `config setup` keywords Libreswan 5's
// pluto reads beyond 4.10's.
var plutoSetupKeywords5 = []string{"ipsec-interface-managed"}

// obsoleteSetup5 are 4.10 keywords Libreswan 5's pluto only warns about
// and ignores, with the reason printed in setup's warning.
var obsoleteSetup5 = map[string]string{
	"ikev1-secctx-attr-type": "Libreswan 5 made it obsolete (the labelled-IPsec attribute type is fixed)",
}

// renamedSetup maps FreeS/WAN, Openswan and older Libreswan spellings to
// the 4.10 keyword.
var renamedSetup = map[string]string{
	"plutostderrlog":     "logfile",
	"plutostderrlogtime": "logtime",
	"virtual_private":    "virtual-private",
	"keep_alive":         "keep-alive",
	"strictcrlpolicy":    "crl-strict",
	"secctx_attr_value":  "ikev1-secctx-attr-type",
	"secctx-attr-type":   "ikev1-secctx-attr-type",
	"crl-timeout":        "curl-timeout",
	"expire-lifetime":    "xfrmlifetime",
}

// handledBySetup are keywords setup acts on itself rather than pluto.
var handledBySetup = map[string]bool{
	"plutoload": true, "plutostart": true, "manualstart": true, "pluto": true,
	"plutoopts": true, "prepluto": true, "postpluto": true, "forwardcontrol": true,
	"plutowait": true, "also": true,
}

// ignoredSetup are legacy keywords with no meaning for pluto 4.10 on XFRM,
// each with the reason printed in the warning.
var ignoredSetup = map[string]string{
	"interfaces":            "pluto listens on every interface; use listen= to restrict it",
	"myid":                  "Libreswan has no %myid; write the ID in leftid=",
	"syslog":                "pluto logs to syslog's authpriv facility, or to logfile=",
	"klipsdebug":            "KLIPS is gone; the kernel's XFRM stack is used",
	"plutorestartoncrash":   "restart pluto with your init system",
	"dump":                  "use dumpdir=",
	"plutobackgroundload":   "conns are always loaded after pluto answers",
	"no_eroute_pass":        "use a passthrough conn",
	"fragicmp":              "KLIPS only",
	"hidetos":               "KLIPS only",
	"overridemtu":           "KLIPS only; use the conn's mtu=",
	"rp_filter":             "set net.ipv4.conf.*.rp_filter with sysctl",
	"nocrsend":              "use leftsendcert=",
	"nat_traversal":         "NAT traversal is always on in Libreswan",
	"disable_port_floating": "NAT traversal is always on in Libreswan",
	"force_keepalive":       "Libreswan sends keepalives only when behind NAT",
	"seeddev":               "pluto seeds from the kernel's random source",
	"plutofork":             "setup always lets pluto fork",
	"oe":                    "write opportunistic conns explicitly",
}

// plutoConfig turns `config setup` into what setup starts pluto with: the
// pluto command line and the text of a Libreswan-only ipsec.conf (pluto
// parses its --config itself, and would reject the FreeS/WAN conns and
// keywords of the user's file), for Libreswan release v (4.x and 5.x
// pluto take the same options; 5.x knows a few more keywords and drops
// one). It also returns one warning per keyword that has no effect. It is
// pure so it can be golden-tested.
func plutoConfig(s *conf.Section, v pluto.Version, rundir, defaultSecrets string) (args []string, text string, warnings []string) {
	v5 := v.AtLeast(pluto.V5_0)
	release := "4.10"
	if v5 {
		release = v.String()
	}
	values := map[string]string{}
	for _, kw := range s.Keywords() {
		val, _ := s.Get(kw)
		name := kw
		if to, ok := renamedSetup[kw]; ok {
			name = to
			warnings = append(warnings, fmt.Sprintf("config setup: %s= is now called %s=; passed on as such", kw, to))
		}
		switch {
		case handledBySetup[kw]:
		case kw == "force_busy":
			if b, err := conf.ParseBool(strings.ToLower(val.Raw)); err == nil && b {
				values["ddos-mode"] = "busy"
			}
			warnings = append(warnings, "config setup: force_busy= is now ddos-mode=busy")
		case ignoredSetup[kw] != "":
			warnings = append(warnings, fmt.Sprintf("config setup: %s= ignored: %s", kw, ignoredSetup[kw]))
		case v5 && obsoleteSetup5[name] != "":
			warnings = append(warnings, fmt.Sprintf("config setup: %s= ignored: %s", kw, obsoleteSetup5[name]))
		case contains(plutoSetupKeywords, name) || v5 && contains(plutoSetupKeywords5, name):
			values[name] = val.Raw
		case strings.HasPrefix(kw, "x-") || strings.HasPrefix(kw, "x_"):
		default:
			warnings = append(warnings, fmt.Sprintf("config setup: %s= is not known to Libreswan %s's pluto; ignored", kw, release))
		}
	}
	if dbg, ok := values["plutodebug"]; ok {
		mapped, dropped := mapPlutoDebug(dbg)
		values["plutodebug"] = mapped
		if len(dropped) > 0 {
			warnings = append(warnings, fmt.Sprintf("config setup: plutodebug: FreeS/WAN debug classes %s have no Libreswan equivalent; using %q", strings.Join(dropped, ", "), mapped))
		}
	}
	if _, ok := values["secretsfile"]; !ok {
		values["secretsfile"] = defaultSecrets
	}
	var b strings.Builder
	b.WriteString("# written by ipsec setup from the config setup section; do not edit\nconfig setup\n")
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "\t%s=%s\n", k, quoteValue(values[k]))
	}
	args = []string{"--config", filepath.Join(rundir, "goswan-setup.conf"), "--rundir", rundir,
		"--secretsfile", values["secretsfile"]}
	if v, ok := s.Get("plutoopts"); ok {
		for _, o := range strings.Fields(v.Raw) {
			// setup waits for pluto to fork; a foreground pluto would
			// hold setup forever.
			if o == "--nofork" {
				warnings = append(warnings, "config setup: plutoopts: --nofork dropped; ipsec setup runs pluto in the background")
				continue
			}
			args = append(args, o)
		}
	}
	return args, b.String(), warnings
}

// mapPlutoDebug keeps the classes Libreswan 4.10 knows and maps the rest
// of FreeS/WAN's list to "base".
func mapPlutoDebug(v string) (string, []string) {
	known := map[string]bool{"none": true, "all": true, "base": true, "cpu-usage": true,
		"crypt": true, "private": true, "tmi": true, "add-prefix": true, "whackwatch": true, "refcnt": true}
	var keep, dropped []string
	for _, w := range conf.SplitList(strings.ToLower(v)) {
		if known[w] || strings.HasPrefix(w, "no-") {
			keep = append(keep, w)
		} else {
			dropped = append(dropped, w)
		}
	}
	if len(dropped) > 0 && !contains(keep, "base") && !contains(keep, "all") {
		keep = append(keep, "base")
	}
	if len(keep) == 0 {
		keep = []string{"none"}
	}
	return strings.Join(keep, " "), dropped
}

func quoteValue(v string) string {
	if strings.ContainsAny(v, " \t#") || v == "" {
		return `"` + v + `"`
	}
	return v
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
