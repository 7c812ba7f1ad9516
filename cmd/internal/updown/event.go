package updown

import (
	"fmt"
	"net/netip"
	"strings"
)

// Event is one call of the updown command: the verb and what pluto says
// about the conn, parsed once from the PLUTO_* environment.
type Event struct {
	Verb string // PLUTO_VERB, e.g. "route-client-v6"
	Conn string // PLUTO_CONNECTION

	V6     bool // client family (PLUTO_CLIENT_FAMILY, else PLUTO_CONN_ADDRFAMILY)
	HostV6 bool // PLUTO_CONN_ADDRFAMILY
	V5     bool // PLUTO_CLIENT_FAMILY is set: Libreswan 5.x's pluto called us

	Me, Peer, NextHop    netip.Addr
	MyClient, PeerClient netip.Prefix
	// MyClientNet and PeerClientNet are the client nets' addresses as pluto
	// gave them (PLUTO_*_CLIENT_NET).
	MyClientNet, PeerClientNet netip.Addr
	SourceIP                   netip.Addr // PLUTO_MY_SOURCEIP, invalid when unset

	Interface     string // PLUTO_INTERFACE
	VirtInterface string // PLUTO_VIRT_INTERFACE
	XFRMIRoute    string // PLUTO_XFRMI_ROUTE ("yes" with an ipsec-interface)
	XFRMIFwmark   string // PLUTO_XFRMI_FWMARK, "MARK/MASK"

	Metric, MTU int    // PLUTO_METRIC, PLUTO_MTU (0: unset)
	MobikeEvent string // PLUTO_MOBIKE_EVENT
	PeerIsCisco bool   // PLUTO_IS_PEER_CISCO=1

	NFLOG string // nflog group, "" when unset
	CAT   bool   // client address translation

	VTIIface string // VTI_IFACE

	CfgClient     bool     // PLUTO_CFG_CLIENT=1
	NMConfigured  bool     // PLUTO_NM_CONFIGURED=1
	PeerDNS       string   // PLUTO_PEER_DNS_INFO
	PeerDomains   string   // PLUTO_PEER_DOMAIN_INFO
	PeerBanner    string   // PLUTO_PEER_BANNER
	RouteArg      string   // --route: "yes", "" (unset) or "no"
	IPRouteArgs   []string // --iproute ARGS
	IPRouteExtras []string // IPROUTEARGS, from the environment or pluto_updown defaults

	env func(string) string
}

// ArgError reports an argument _updown does not take. The script exits 1
// for it; goswan's applets exit 2 (usage).
type ArgError struct{ Arg string }

func (e *ArgError) Error() string { return fmt.Sprintf("unknown argument %q", e.Arg) }

// Load parses the PLUTO_* environment (through getenv) and the command's
// arguments as _updown.xfrm does: an optional leading "custom", then
// --route yes|no and --iproute ARGS pairs.
func Load(getenv func(string) string, args []string) (*Event, error) {
	e := &Event{
		Verb:          getenv("PLUTO_VERB"),
		Conn:          getenv("PLUTO_CONNECTION"),
		Interface:     getenv("PLUTO_INTERFACE"),
		VirtInterface: getenv("PLUTO_VIRT_INTERFACE"),
		XFRMIRoute:    getenv("PLUTO_XFRMI_ROUTE"),
		XFRMIFwmark:   getenv("PLUTO_XFRMI_FWMARK"),
		MobikeEvent:   getenv("PLUTO_MOBIKE_EVENT"),
		PeerIsCisco:   shellInt(getenv("PLUTO_IS_PEER_CISCO")) == 1,
		NFLOG:         getenv("NFLOG"),
		CAT:           getenv("CAT") != "",
		VTIIface:      getenv("VTI_IFACE"),
		CfgClient:     shellInt(getenv("PLUTO_CFG_CLIENT")) != 0,
		NMConfigured:  shellInt(getenv("PLUTO_NM_CONFIGURED")) == 1,
		PeerDNS:       getenv("PLUTO_PEER_DNS_INFO"),
		PeerDomains:   getenv("PLUTO_PEER_DOMAIN_INFO"),
		PeerBanner:    getenv("PLUTO_PEER_BANNER"),
		IPRouteExtras: strings.Fields(getenv("IPROUTEARGS")),
		env:           getenv,
	}
	var err error
	if e.HostV6, err = family(getenv("PLUTO_CONN_ADDRFAMILY")); err != nil {
		return nil, err
	}
	e.V6 = e.HostV6
	if cf, ok := lookup(getenv, "PLUTO_CLIENT_FAMILY"); ok {
		e.V5 = true
		if e.V6, err = family(cf); err != nil {
			return nil, err
		}
	}
	if len(args) > 0 && args[0] == "custom" {
		args = args[1:]
	}
	for len(args) > 0 {
		switch args[0] {
		case "--route", "--iproute":
			val := ""
			if len(args) > 1 {
				val = args[1]
			}
			if args[0] == "--route" {
				e.RouteArg = "no"
				if strings.HasPrefix(val, "y") || strings.HasPrefix(val, "Y") {
					e.RouteArg = "yes"
				}
			} else {
				e.IPRouteArgs = strings.Fields(val)
			}
			args = args[min(2, len(args)):]
		default:
			return nil, &ArgError{Arg: args[0]}
		}
	}
	for _, a := range []struct {
		name string
		dst  *netip.Addr
	}{
		{"PLUTO_ME", &e.Me}, {"PLUTO_PEER", &e.Peer}, {"PLUTO_NEXT_HOP", &e.NextHop},
		{"PLUTO_MY_CLIENT_NET", &e.MyClientNet}, {"PLUTO_PEER_CLIENT_NET", &e.PeerClientNet},
		{"PLUTO_MY_SOURCEIP", &e.SourceIP},
	} {
		if *a.dst, err = addr(getenv, a.name); err != nil {
			return nil, err
		}
	}
	for _, p := range []struct {
		name string
		dst  *netip.Prefix
	}{{"PLUTO_MY_CLIENT", &e.MyClient}, {"PLUTO_PEER_CLIENT", &e.PeerClient}} {
		if *p.dst, err = prefix(getenv, p.name); err != nil {
			return nil, err
		}
	}
	if e.Metric, err = number(getenv, "PLUTO_METRIC"); err != nil {
		return nil, err
	}
	if e.MTU, err = number(getenv, "PLUTO_MTU"); err != nil {
		return nil, err
	}
	return e, nil
}

func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

func family(s string) (v6 bool, err error) {
	switch s {
	case "ipv4":
		return false, nil
	case "ipv6":
		return true, nil
	}
	return false, fmt.Errorf("unknown address family %q", s)
}

func addr(getenv func(string) string, name string) (netip.Addr, error) {
	s := getenv(name)
	if s == "" {
		return netip.Addr{}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return a, fmt.Errorf("%s=%q: not an IP address", name, s)
	}
	return a, nil
}

func prefix(getenv func(string) string, name string) (netip.Prefix, error) {
	s := getenv(name)
	if s == "" {
		return netip.Prefix{}, nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return p, fmt.Errorf("%s=%q: not an address/length", name, s)
	}
	return p, nil
}

func number(getenv func(string) string, name string) (int, error) {
	s := getenv(name)
	if s == "" {
		return 0, nil
	}
	n := 0
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || fmt.Sprint(n) != s || n < 0 {
		return 0, fmt.Errorf("%s=%q: not a number", name, s)
	}
	return n, nil
}

// shellInt reads a 0/1 flag as the script's `[ 0${X} -eq 1 ]` does: empty
// is 0, and so is anything that is not a number.
func shellInt(s string) int {
	n := 0
	fmt.Sscanf("0"+s, "%d", &n)
	return n
}

// maxBits is the address length of the client family (MAX_CIDR).
func (e *Event) maxBits() int {
	if e.V6 {
		return 128
	}
	return 32
}

// hostMaxBits is the address length of the host family (HOST_MAX_CIDR).
func (e *Event) hostMaxBits() int {
	if e.HostV6 {
		return 128
	}
	return 32
}

// famFlag is ip(8)'s family flag for the client family: "-4" or "-6".
func (e *Event) famFlag() string {
	if e.V6 {
		return "-6"
	}
	return "-4"
}
