package pluto

import (
	"net/netip"
	"strconv"
	"time"

	"goswan/conf/token"
)

// Conn is one conn as pluto takes it: every field pluto knows, typed, with
// the defaults of the target Libreswan release already applied
// (defaults.go). It is built once from conf's resolved conn (FromConf) and
// rendered by small functions: the 4.10 control-socket message
// (message410.go) and whack's command line per release family (argv.go).
type Conn struct {
	Name string
	Pos  token.Position
	// Version is the Libreswan release the defaults and dialect are for.
	Version Version

	IKEVersion IKEVersion
	Type       Type
	// TypeSet records that type= was written: addconn arms the trap
	// shunt only then.
	TypeSet bool
	Phase2  Phase2
	Auth    []AuthMethod // authby=, in written order; nil: addconn's default
	// HostIPv6 and ClientIPv6 are the address families of the hosts and
	// of the clients (subnets).
	HostIPv6, ClientIPv6 bool

	PFS, Compress, Rekey, Reauth, Aggressive, Narrowing, Mobike bool
	ESN                                                         ESN
	Fragmentation                                               Fragmentation
	IKEPad                                                      bool

	IKE, ESP, PFSGroup string

	IKELifetime, IPsecLifetime, RekeyMargin time.Duration
	RekeyFuzz, KeyingTries                  uint64
	ReplayWindow                            uint64
	ReplayWindowSet                         bool
	IPsecMaxBytes, IPsecMaxPackets          uint64
	IPsecMaxBytesSet, IPsecMaxPacketsSet    bool
	RetransmitTimeout, RetransmitInterval   time.Duration

	DPDDelay, DPDTimeout time.Duration
	DPDAction            DPDAction

	FailureShunt, NegotiationShunt Shunt
	AutoKeep                       bool // auto=keep: pluto keeps it up

	Encapsulation, NICOffload YNA
	SendCA                    SendCA
	RemotePeerType            RemotePeerType
	XauthBy                   XauthBy
	XauthFail                 XauthFail
	PPK                       PPK
	TCPRemotePort             uint32
	EnableTCP                 string
	NATIKEv1Method            string

	Connalias, RedirectTo, AcceptRedirectTo, SendRedirect, AcceptRedirect string
	ModecfgDNS, ModecfgDomains, ModecfgBanner                             string
	Mark, MarkIn, MarkOut                                                 string
	VTIInterface, IPsecInterface, SecLabel                                string

	Metric, MTU, Priority, TFC, ReqID, NflogGroup uint64

	ModecfgPull, IgnorePeerDNS, CiscoUnity, NMConfigured, SendVendorID     bool
	OverlapIP, SHA2Truncbug, DNSMatchID, MSDHDowngrade, DecapDSCP          bool
	NoPMTUDisc, Intermediate, InitialContact, FakeStrongswan, NATKeepalive bool
	SendNoESPTFC, VTIRouting, VTIShared, RequireIDOnCert, PAMAuthorize     bool

	Left, Right End

	// DurationFraction says a duration was written with a FreeS/WAN
	// decimal fraction (1.5h), which 4.10's addconn reads differently.
	DurationFraction bool

	// Ignored are the keywords this release does not take (or takes from
	// a dialect it no longer reads), each with the reason: the per-conn
	// "not passed to pluto" warning.
	Ignored []Ignored
}

// Ignored is a keyword left out of the conn, and why.
type Ignored struct {
	Keyword, Why string
}

// End is one side of a conn.
type End struct {
	Kind HostKind
	// HostText is left= as written: addconn passes the text on.
	HostText string
	// Addr is the host address (HostAddr, HostIface, a resolved
	// %defaultroute).
	Addr netip.Addr
	// HostName is the name pluto resolves (HostName) or the interface
	// (HostIface).
	HostName string
	// Nexthop is the gateway (invalid: unset, pluto decides).
	Nexthop netip.Addr
	// NexthopDefaultRoute says the nexthop came from the default route;
	// FromDefaultRoute that the host did (left=%defaultroute), and
	// RouteToPeerName that addconn would have routed towards the peer's
	// resolved name instead.
	NexthopDefaultRoute, FromDefaultRoute, RouteToPeerName bool
	// NexthopDirect is nexthop=%direct: the peer is on-link.
	NexthopDirect bool

	ID, Cert, CKAID, CA string
	SendCert            SendCert

	// Subnet is the client (invalid: none); Virt is a vhost:/vnet: client
	// of IKEv1; Subnets is subnets= (one conn per combination).
	Subnet  netip.Prefix
	Virt    string
	Subnets []netip.Prefix
	// SubnetsSet says subnets= was given, perhaps as an empty list
	// (subnets={}), which Libreswan 5 loads as one instance NAME/0x0.
	SubnetsSet bool
	// SubnetHostBits says subnet= was written with host bits set
	// (Subnet holds the masked network); SubnetFromSourceIP that the
	// subnet is the one 4.x derives from sourceip=, not written.
	SubnetHostBits, SubnetFromSourceIP bool

	SourceIP      netip.Addr
	VTI           string
	Updown        string
	Protoport     Protoport
	ProtoportText string
	IKEPort       uint32
	Auth          AuthMethod // leftauth= (AuthDefault: from authby=)
	AutoEAP       string

	XauthServer, XauthClient, ModecfgServer, ModecfgClient, Cat bool
	Username                                                    string
	AddressPool                                                 Range

	// Key is a raw public key (0s/0x) of KeyAlg, filed under the end's ID;
	// Key2 is rsasigkey2= (added, not replacing).
	Key, Key2  string
	KeyAlg     KeyAlg
	KeyFromDNS bool
	// KeyNone is rsasigkey=%none: no key (addconn passes the word on).
	KeyNone bool
}

// HostKind is what left= names.
type HostKind uint8

const (
	HostAddr HostKind = iota
	HostAny
	HostOpportunistic
	HostOpportunisticGroup
	HostGroup
	HostDefaultRoute // %defaultroute left for pluto (the peer's name did not resolve)
	HostIface
	HostName
)

func (k HostKind) String() string {
	return [...]string{"address", "%any", "%opportunistic", "%opportunisticgroup", "%group",
		"%defaultroute", "%iface", "name"}[k]
}

// IKEVersion is the IKE major version.
type IKEVersion uint8

const (
	IKEv2 IKEVersion = iota
	IKEv1
)

func (v IKEVersion) String() string { return [...]string{"ikev2", "ikev1"}[v] }

// Type is type=.
type Type uint8

const (
	TypeTunnel Type = iota
	TypeTransport
	TypePassthrough
	TypeDrop
	TypeReject
)

func (t Type) String() string {
	return [...]string{"tunnel", "transport", "passthrough", "drop", "reject"}[t]
}

// Shunt reports whether the conn is a shunt (no IPsec).
func (t Type) Shunt() bool { return t >= TypePassthrough }

// Phase2 is phase2=.
type Phase2 uint8

const (
	Phase2ESP Phase2 = iota
	Phase2AH
)

func (p Phase2) String() string { return [...]string{"esp", "ah"}[p] }

// AuthMethod is one authby= (or leftauth=) method.
type AuthMethod uint8

const (
	AuthDefault AuthMethod = iota
	AuthSecret
	AuthRSASig
	AuthRSASHA1
	AuthRSASHA2
	AuthRSASHA2_256
	AuthRSASHA2_384
	AuthRSASHA2_512
	AuthECDSA
	AuthECDSASHA2
	AuthECDSASHA2_256
	AuthECDSASHA2_384
	AuthECDSASHA2_512
	AuthNull
	AuthNever
	AuthEAPOnly
)

var authNames = [...]string{"", "secret", "rsasig", "rsa-sha1", "rsa-sha2", "rsa-sha2_256",
	"rsa-sha2_384", "rsa-sha2_512", "ecdsa", "ecdsa-sha2", "ecdsa-sha2_256", "ecdsa-sha2_384",
	"ecdsa-sha2_512", "null", "never", "eaponly"}

func (a AuthMethod) String() string { return authNames[a] }

// ESN is esn=.
type ESN uint8

const (
	ESNEither ESN = iota
	ESNYes
	ESNNo
)

func (e ESN) String() string { return [...]string{"either", "yes", "no"}[e] }

// Fragmentation is fragmentation=.
type Fragmentation uint8

const (
	FragYes Fragmentation = iota
	FragNo
	FragForce
)

func (f Fragmentation) String() string { return [...]string{"yes", "no", "force"}[f] }

// DPDAction is dpdaction=.
type DPDAction uint8

const (
	DPDHold DPDAction = iota
	DPDClear
	DPDRestart
)

func (d DPDAction) String() string { return [...]string{"hold", "clear", "restart"}[d] }

// Shunt is failureshunt= / negotiationshunt= (ShuntUnset: pluto's own).
type Shunt uint8

const (
	ShuntUnset Shunt = iota
	ShuntNone
	ShuntHold
	ShuntPass
	ShuntDrop
	ShuntReject
)

func (s Shunt) String() string {
	return [...]string{"", "none", "hold", "passthrough", "drop", "reject"}[s]
}

// YNA is a yes/no/auto keyword (encapsulation=, nic-offload=).
type YNA uint8

const (
	YNAAuto YNA = iota
	YNANo
	YNAYes
)

func (y YNA) String() string { return [...]string{"auto", "no", "yes"}[y] }

// SendCert is leftsendcert=.
type SendCert uint8

const (
	SendCertAlways SendCert = iota
	SendCertIfAsked
	SendCertNever
)

func (s SendCert) String() string { return [...]string{"always", "sendifasked", "never"}[s] }

// SendCA is sendca=.
type SendCA uint8

const (
	SendCANone SendCA = iota
	SendCAIssuer
	SendCAAll
)

func (s SendCA) String() string { return [...]string{"none", "issuer", "all"}[s] }

// RemotePeerType is remote-peer-type=.
type RemotePeerType uint8

const (
	PeerIETF RemotePeerType = iota
	PeerCisco
)

func (r RemotePeerType) String() string { return [...]string{"ietf", "cisco"}[r] }

// XauthBy is xauthby=.
type XauthBy uint8

const (
	XauthByFile XauthBy = iota
	XauthByPAM
	XauthByAlwaysOK
)

func (x XauthBy) String() string { return [...]string{"file", "pam", "alwaysok"}[x] }

// XauthFail is xauthfail=.
type XauthFail uint8

const (
	XauthFailHard XauthFail = iota
	XauthFailSoft
)

func (x XauthFail) String() string { return [...]string{"hard", "soft"}[x] }

// PPK is ppk=.
type PPK uint8

const (
	PPKNo PPK = iota
	PPKPermit
	PPKInsist
)

func (p PPK) String() string { return [...]string{"no", "permit", "insist"}[p] }

// KeyAlg is the algorithm of a raw public key.
type KeyAlg uint8

const (
	KeyNone KeyAlg = iota
	KeyRSA
	KeyECDSA
	KeyEdDSA
)

func (k KeyAlg) String() string { return [...]string{"", "rsa", "ecdsa", "eddsa"}[k] }

// String is the protoport as whack's --clientprotoport takes it.
func (p Protoport) String() string {
	if p.Port == 0 && !p.PortWildcard {
		return strconv.FormatUint(uint64(p.Proto), 10)
	}
	port := strconv.FormatUint(uint64(p.Port), 10)
	if p.PortWildcard {
		port = "%any"
	}
	return strconv.FormatUint(uint64(p.Proto), 10) + "/" + port
}

// String is the range as addresspool= writes it.
func (r Range) String() string {
	if r.IsSubnet {
		bits := r.Start.BitLen()
		s, e := r.Start.AsSlice(), r.End.AsSlice()
		for i := range s {
			x := s[i] ^ e[i]
			for x != 0 {
				bits--
				x >>= 1
			}
		}
		return netip.PrefixFrom(r.Start, bits).String()
	}
	return r.Start.String() + "-" + r.End.String()
}
