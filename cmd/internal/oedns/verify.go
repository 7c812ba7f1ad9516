package oedns

import (
	"context"
	"crypto/rsa"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"goswan/cmd/internal/oeconf"
	"goswan/conf"
	"goswan/keys/oe"
	"goswan/secrets"
)

// VerifyOptions are the inputs of verify's OE checks.
type VerifyOptions struct {
	Config     string         // ipsec.conf: whether OE is used, and its leftid=@FQDN
	Secrets    string         // ipsec.secrets: the local key (unless Pub is set)
	Nameserver string         // HOST[:PORT]; "" for ResolvConf's servers
	ResolvConf string         // "" for /etc/resolv.conf
	Hostname   string         // check this host (verify --hostname) instead of the local one
	Pub        *rsa.PublicKey // the local key; nil: read it from Secrets
	Addrs      []netip.Addr   // public addresses; nil: those of this host's interfaces
	Timeout    time.Duration  // per DNS query; 5 s when zero
	// Anchors are trust-anchor files; nil: those of config setup
	// (dnssec-anchors=, dnssec-rootkey-file=), as pluto loads them.
	Anchors []string
}

// VerifyTimeout bounds all of verify's OE lookups together.
const VerifyTimeout = 30 * time.Second

// VerifyHeading is the line above the OE checks, FreeS/WAN's wording.
const VerifyHeading = "Opportunistic Encryption DNS checks:"

// VerifyChecks runs FreeS/WAN verify's Opportunistic Encryption DNS
// checks: the keys in the forward map of the host's @FQDN id, then those
// in the reverse map of each public address, each compared with the local
// key. Without an OE conn in ipsec.conf (right=%opportunistic, or a key
// of %dns/%dnsondemand) and without --hostname/--nameserver they are one
// DISABLED line, as Openswan's verify printed for oe=no: a host that does
// no OE must not fail verify for lacking DNS records. The first result is
// a heading (status Note).
func VerifyChecks(ctx context.Context, o VerifyOptions) []oe.Result {
	cfg, _ := conf.Load(o.Config, &conf.Options{}) // conf errors are verify's own check
	oeConn := opportunisticConn(cfg)
	if oeConn == nil && o.Hostname == "" && o.Nameserver == "" {
		return []oe.Result{{Label: "Opportunistic Encryption DNS checks", Status: oe.Disabled,
			Detail: "no conn uses right=%opportunistic or %dns keys"}}
	}
	out := []oe.Result{{Label: VerifyHeading, Status: oe.Note}}
	// Unreachable name servers must not hold verify up for minutes: every
	// lookup left after this bound fails at once.
	ctx, cancel := context.WithTimeout(ctx, VerifyTimeout)
	defer cancel()
	resolvConf := o.ResolvConf
	if resolvConf == "" {
		resolvConf = ResolvConf
	}
	res, err := oe.NewResolver(o.Nameserver, resolvConf)
	if err != nil {
		return append(out, oe.Result{Label: "Finding a name server", Status: oe.Failed, Detail: err.Error()})
	}
	if o.Timeout != 0 {
		res.Timeout = o.Timeout
	}
	id := o.Hostname
	if id == "" && oeConn != nil {
		if l := oeConn.String("leftid"); strings.HasPrefix(l, "@") && !strings.HasPrefix(l, "@@") && !strings.HasPrefix(l, "@[") {
			id = l
		}
	}
	if id == "" {
		if h, err := os.Hostname(); err == nil && strings.Contains(h, ".") {
			id = h
		}
	}
	id = strings.TrimPrefix(id, "@")
	pub := o.Pub
	if pub == nil {
		var why string
		pub, why = localKey(o.Secrets, id)
		if pub == nil {
			return append(out, oe.Result{Label: "Checking for RSA key (" + o.Secrets + ")", Status: oe.Failed, Detail: why})
		}
	}
	c := oe.Checker{Resolver: res, Pub: pub}
	if id != "" {
		out = append(out, c.Forward(ctx, id)...)
	} else {
		out = append(out, oe.Result{Label: "Looking for keys in forward map", Status: oe.NA,
			Detail: "no @FQDN id: set leftid=@FQDN in the OE conn"})
	}
	addrs := o.Addrs
	label := "Does the machine have at least one non-private address?"
	switch {
	case o.Hostname != "" && addrs == nil:
		label = "Looking for addresses of " + o.Hostname
		addrs = hostAddrs(ctx, res, o.Hostname)
	case addrs == nil:
		addrs = publicAddrs()
	}
	if len(addrs) == 0 {
		out = append(out, oe.Result{Label: label, Status: oe.NA, Detail: "no public address: reverse-map checks skipped (initiator-only OE needs none)"})
	} else {
		out = append(out, oe.Result{Label: label, Status: oe.OK})
		for _, a := range addrs {
			out = append(out, c.Reverse(ctx, a)...)
		}
	}
	return append(out, verifySigned(ctx, cfg, o, c, id, addrs)...)
}

// opportunisticConn returns the first conn doing OE, or nil.
func opportunisticConn(cfg *conf.Config) *conf.Conn {
	if cfg == nil {
		return nil
	}
	cfg, _ = oeconf.Complete(cfg, "") // FreeS/WAN's implicit groups too
	for _, cn := range cfg.Conns {
		for _, kw := range []string{"right", "left"} {
			if strings.HasPrefix(strings.ToLower(cn.String(kw)), "%opportunistic") {
				return cn
			}
		}
		for _, kw := range []string{"leftrsasigkey", "rightrsasigkey"} {
			if strings.HasPrefix(strings.ToLower(cn.String(kw)), "%dns") {
				return cn
			}
		}
	}
	return nil
}

// localKey finds the RSA key of ipsec.secrets that OE would use for id:
// the entry indexed by @id, else the default entry (no index).
func localKey(path, id string) (*rsa.PublicKey, string) {
	f, err := secrets.Load(path)
	if err != nil {
		return nil, fmt.Sprintf("reading the key: %v", errorLine(err))
	}
	var def *rsa.PublicKey
	for _, e := range f.ByKind(secrets.RSA) {
		if e.Key == nil || e.Key.Public == nil {
			continue
		}
		if len(e.IDs) == 0 && def == nil {
			def = e.Key.Public
		}
		for _, i := range e.IDs {
			if id != "" && strings.EqualFold(strings.TrimPrefix(i.String(), "@"), id) {
				return e.Key.Public, ""
			}
		}
	}
	if def == nil {
		return nil, "no RSA key in " + path + " (ipsec newhostkey makes one)"
	}
	return def, ""
}

// errorLine keeps the first line of a multi-line error.
func errorLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " ..."
	}
	return s
}

// publicAddrs lists this host's global unicast addresses that are not
// private (RFC 1918, RFC 4193): the ones peers could reach for OE.
func publicAddrs() []netip.Addr {
	ifas, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, ifa := range ifas {
		p, err := netip.ParsePrefix(ifa.String())
		if err != nil {
			continue
		}
		a := p.Addr().Unmap()
		if a.IsGlobalUnicast() && !a.IsPrivate() {
			out = append(out, a)
		}
	}
	return out
}

// hostAddrs looks up a host's A and AAAA records with res.
func hostAddrs(ctx context.Context, res *oe.Resolver, host string) []netip.Addr {
	return res.Addrs(ctx, host)
}
