package pluto

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"goswan/conf"
)

// This file renders a Conn as the messages Libreswan 4.10's addconn sends
// on pluto's control socket (confread.c's load_conn, starterwhack.c's
// set_whack_end and starter_whack_basic_add_conn); whackmsg.go writes them
// to the wire. A conn using a field whose encoding has not been checked
// byte for byte against addconn (TestEncodeMatchesAddconn) gets
// ErrNotEncodable and goes through whack's command line instead.

// ErrNotEncodable says a conn uses a field the 4.10 message renderer does
// not (yet) reproduce; the caller falls back to whack.
var ErrNotEncodable = errors.New("not encodable as a whack message")

// Policy bits (lset_t) of 4.10's enum sa_policy_bits.
const (
	polEncrypt         = 1 << 0
	polAuthenticate    = 1 << 1
	polCompress        = 1 << 2
	polTunnel          = 1 << 3
	polPFS             = 1 << 4
	polDecapDSCP       = 1 << 5
	polNoPMTUDisc      = 1 << 6
	polMSDHDowngrade   = 1 << 7
	polAllowNoSAN      = 1 << 8
	polDNSMatchID      = 1 << 9
	polSHA2Truncbug    = 1 << 10
	polDontRekey       = 1 << 11
	polReauth          = 1 << 12
	polOpportunistic   = 1 << 13
	polGroup           = 1 << 14
	polUp              = 1 << 17
	polXauth           = 1 << 18
	polModecfgPull     = 1 << 19
	polAggressive      = 1 << 20
	polOverlapIP       = 1 << 21
	polAllowNarrowing  = 1 << 22
	polSendRedirAlways = 1 << 24
	polSendRedirNever  = 1 << 25
	polAcceptRedirYes  = 1 << 26
	polIKEFragAllow    = 1 << 27
	polIKEFragForce    = 1 << 28
	polNoIKEPad        = 1 << 29
	polMobike          = 1 << 30
	polPPKAllow        = 1 << 31
	polPPKInsist       = 1 << 32
	polESNNo           = 1 << 33
	polESNYes          = 1 << 34
	polIntermediate    = 1 << 35
	polIgnorePeerDNS   = 1 << 36

	defaultPolicy = polTunnel | polEncrypt | polPFS | polIKEFragAllow | polESNNo | polESNYes
	// POL_SIGHASH_SHA2_256|384|512: bits 2, 3, 4 (RFC 7427 hash numbers).
	sighashSHA2 = 1<<2 | 1<<3 | 1<<4
)

// enum shunt_policy, enum keyword_host and friends.
const (
	shuntNone   = 1
	shuntHold   = 2
	shuntTrap   = 3
	shuntPass   = 4
	shuntDrop   = 5
	shuntReject = 6

	khDefaultRoute = 1
	khAny          = 2
	khIface        = 3
	khOppo         = 4
	khOppoGroup    = 5
	khGroup        = 6
	khHostname     = 7
	khIPAddr       = 255

	afInet      = 2
	afInet6     = 10
	ipseckeyRSA = 2
)

// Wire values of the model's enums in 4.10's message.
var (
	wireShunt          = [...]uint32{ShuntUnset: 0, ShuntNone: shuntNone, ShuntHold: shuntHold, ShuntPass: shuntPass, ShuntDrop: shuntDrop, ShuntReject: shuntReject}
	wireDPD            = [...]uint32{DPDHold: 2, DPDClear: 1, DPDRestart: 3}
	wireYNA            = [...]uint32{YNAAuto: 1, YNANo: 2, YNAYes: 3}
	wireSendCert       = [...]uint32{SendCertAlways: 3, SendCertIfAsked: 2, SendCertNever: 1}
	wireEndAuth        = map[AuthMethod]uint32{AuthNever: 1, AuthSecret: 2, AuthRSASig: 3, AuthECDSA: 4, AuthNull: 5, AuthEAPOnly: 6}
	sighashBit         = map[AuthMethod]uint64{AuthRSASHA2_256: 1 << 2, AuthRSASHA2_384: 1 << 3, AuthRSASHA2_512: 1 << 4, AuthECDSASHA2_256: 1 << 2, AuthECDSASHA2_384: 1 << 3, AuthECDSASHA2_512: 1 << 4}
	wireNATT           = map[string]uint32{"": 0, "both": 0, "rfc": 1, "drafts": 2, "none": 3}
	wireSendRedirect   = map[string]uint64{"": 0, "auto": 0, "yes": polSendRedirAlways, "no": polSendRedirNever}
	wireAcceptRedirect = map[string]uint64{"": 0, "no": 0, "yes": polAcceptRedirYes}
	wireTCP            = map[string]uint32{"": 1, "no": 1, "yes": 2, "fallback": 3}
	wireProspect       = [...]uint32{TypeTunnel: shuntTrap, TypeTransport: shuntTrap, TypePassthrough: shuntPass, TypeDrop: shuntDrop, TypeReject: shuntReject}
	wireHostKinds      = [...]uint32{HostAny: khAny, HostOpportunistic: khOppo, HostOpportunisticGroup: khOppoGroup, HostGroup: khGroup, HostDefaultRoute: khDefaultRoute}
)

// AddMessages builds the pluto conn of c for 4.10 and renders its
// messages (FromConf, then Messages410).
func AddMessages(c *conf.Conn, env *Env) ([]*Message, error) {
	m, err := FromConf(c, env, V4_10)
	if err != nil {
		return nil, err
	}
	return m.Messages410()
}

func notEncodable(what string) error { return fmt.Errorf("%w: %s", ErrNotEncodable, what) }

// Messages410 renders the messages 4.10's addconn sends for the conn: the
// conn (one per leftsubnets×rightsubnets combination), each followed by
// one key message per end with a raw RSA key.
func (m *Conn) Messages410() ([]*Message, error) {
	if err := m.check410(); err != nil {
		return nil, err
	}
	base := m.message410()
	left, err := m.end410(&m.Left, "left")
	if err != nil {
		return nil, err
	}
	right, err := m.end410(&m.Right, "right")
	if err != nil {
		return nil, err
	}
	if m.Right.Kind == HostName {
		base.DNSHostname = m.Right.HostName
	}
	var msgs []*Message
	multi := m.Left.SubnetsSet || m.Right.SubnetsSet
	for _, in := range m.instances() {
		msg := *base
		msg.Name, msg.Left, msg.Right = in.name, *left, *right
		if multi {
			msg.Connalias = in.alias
		}
		msg.Left.Client = clientOf(in.left, &m.Left, multi)
		msg.Right.Client = clientOf(in.right, &m.Right, multi)
		if msgs, err = withKeys(msgs, &msg); err != nil {
			return nil, err
		}
	}
	return msgs, nil
}

// clientOf is an end's client in the message: the subnet, or (outside a
// subnets= permutation) the source address as a host subnet.
func clientOf(p netip.Prefix, e *End, multi bool) Prefix {
	if p.IsValid() {
		return Prefix{IsSet: true, P: p}
	}
	if !multi && e.SourceIP.IsValid() {
		return Prefix{IsSet: true, P: netip.PrefixFrom(e.SourceIP, e.SourceIP.BitLen())}
	}
	return Prefix{}
}

// check410 refuses the fields that have no place in 4.10's message or
// whose encoding is not proven against addconn.
func (m *Conn) check410() error {
	for _, a := range m.Auth {
		if a == AuthEAPOnly {
			return notEncodable("authby=" + a.String())
		}
	}
	switch {
	case m.PFSGroup != "":
		return notEncodable("pfsgroup=")
	case m.EnableTCP != "" && wireTCP[m.EnableTCP] == 0:
		return notEncodable("enable-tcp=")
	case m.NATIKEv1Method != "" && !knownWord(wireNATT, m.NATIKEv1Method):
		return notEncodable("nat-ikev1-method=")
	case !knownWord(wireSendRedirect, m.SendRedirect) || !knownWord(wireAcceptRedirect, m.AcceptRedirect):
		return notEncodable("send-redirect=/accept-redirect=")
	case !xfrmIfIDOK(m.IPsecInterface):
		return notEncodable("ipsec-interface=")
	case m.PAMAuthorize:
		return notEncodable("pam-authorize=")
	case m.DurationFraction:
		return notEncodable("fractional duration")
	}
	for i, e := range []*End{&m.Left, &m.Right} {
		side := [...]string{"left", "right"}[i]
		switch {
		case e.FromDefaultRoute && (m.HostIPv6 || e.RouteToPeerName):
			// addconn routes towards the peer (or IPv6): not reproduced.
			return notEncodable(side + "=%defaultroute")
		case e.Kind == HostAddr && (e.Addr.Is6() != m.HostIPv6 || e.Addr.Zone() != ""):
			return notEncodable(side + "=")
		case e.Nexthop.IsValid() && e.Nexthop.Is6() != m.HostIPv6:
			return notEncodable(side + "nexthop=")
		case e.Virt != "" && m.IKEVersion != IKEv1:
			return notEncodable(side + "subnet=vhost:")
		case e.SubnetHostBits:
			return notEncodable(side + "subnet=")
		case e.Cert != "" && e.CKAID != "":
			return notEncodable(side + "ckaid=")
		case e.AutoEAP != "":
			return notEncodable(side + "autheap=")
		case e.VTI != "" && !validPrefix(e.VTI):
			return notEncodable(side + "vti=")
		case e.AddressPool.IsSet && e.Subnet.IsValid():
			return notEncodable(side + "addresspool=")
		case e.Key2 != "" || e.Key != "" && e.KeyAlg != KeyRSA:
			return notEncodable(side + " raw key")
		}
	}
	return nil
}

func (m *Conn) message410() *Message {
	w := &Message{
		Connection: true, Delete: true, Name: m.Name,
		IKEVersion: 2, Policy: defaultPolicy, SighashPolicy: sighashSHA2,
		NICOffload: wireYNA[m.NICOffload], IKELife: m.IKELifetime, IPsecLife: m.IPsecLifetime,
		RekeyMargin: m.RekeyMargin, IPsecMaxBytes: m.IPsecMaxBytes, IPsecMaxPackets: m.IPsecMaxPackets,
		RekeyFuzz: m.RekeyFuzz, KeyingTries: m.KeyingTries, ReplayWindow: m.ReplayWindow,
		RetransmitTimeout: m.RetransmitTimeout, RetransmitInt: m.RetransmitInterval, XfrmIfID: 0xffffffff,
		DPDDelay: m.DPDDelay, DPDTimeout: m.DPDTimeout, DPDAction: wireDPD[m.DPDAction],
		Encaps: wireYNA[m.Encapsulation], RemoteTCPPort: m.TCPRemotePort, IKETCP: wireTCP[m.EnableTCP],
		NATKeepalive: m.NATKeepalive, InitialContact: m.InitialContact, CiscoUnity: m.CiscoUnity,
		FakeStrongswan: m.FakeStrongswan, SendVendorID: m.SendVendorID, NMConfigured: m.NMConfigured,
		XauthBy: uint32(m.XauthBy), XauthFail: uint32(m.XauthFail), SendCA: uint32(m.SendCA),
		ConnMTU: uint32(m.MTU), SAPriority: uint32(m.Priority), SATFCPad: uint32(m.TFC),
		SendNoESPTFC: m.SendNoESPTFC, SAReqID: uint32(m.ReqID), NflogGroup: uint32(m.NflogGroup),
		SecLabel: m.SecLabel, RemotePeerType: uint32(m.RemotePeerType),
		IKE: m.IKE, ESP: m.ESP, Connalias: m.Connalias, RedirectTo: m.RedirectTo,
		AcceptRedirectTo: m.AcceptRedirectTo, ModecfgDNS: m.ModecfgDNS, ModecfgDomains: m.ModecfgDomains,
		ModecfgBanner: m.ModecfgBanner, ConnMarkBoth: m.Mark, ConnMarkIn: m.MarkIn, ConnMarkOut: m.MarkOut,
		VTIIface: m.VTIInterface, VTIRouting: m.VTIRouting, VTIShared: m.VTIShared, Metric: uint32(m.Metric),
		TunnelAddrFamily: afInet,
	}
	if m.HostIPv6 {
		w.TunnelAddrFamily = afInet6
	}
	if m.IKEVersion == IKEv1 {
		w.IKEVersion = 1
	}
	p := &w.Policy
	set := func(bit uint64, on bool) {
		if on {
			*p |= bit
		} else {
			*p &^= bit
		}
	}
	switch m.Type {
	case TypeTransport:
		*p &^= polTunnel
	case TypePassthrough, TypeDrop, TypeReject:
		*p &^= polEncrypt | polAuthenticate | polTunnel
	}
	if m.TypeSet {
		w.ProspectiveShunt = wireProspect[m.Type]
	}
	w.NegotiationShunt = wireShunt[m.NegotiationShunt]
	w.FailureShunt = wireShunt[m.FailureShunt]
	set(polCompress, m.Compress)
	set(polPFS, m.PFS)
	set(polDontRekey, !m.Rekey)
	set(polReauth, m.Reauth)
	set(polAggressive, m.Aggressive)
	set(polAllowNarrowing, m.Narrowing)
	set(polMobike, m.Mobike)
	*p &^= polESNNo | polESNYes
	*p |= [...]uint64{ESNEither: polESNNo | polESNYes, ESNYes: polESNYes, ESNNo: polESNNo}[m.ESN]
	*p &^= polIKEFragAllow | polIKEFragForce
	*p |= [...]uint64{FragYes: polIKEFragAllow, FragNo: 0, FragForce: polIKEFragAllow | polIKEFragForce}[m.Fragmentation]
	if m.Auth != nil {
		w.SighashPolicy = 0
		for _, a := range m.Auth {
			switch a {
			case AuthSecret:
				w.Authby.PSK = true
			case AuthRSASig:
				w.Authby.RSASig, w.Authby.RSASigV15 = true, true
				w.SighashPolicy |= sighashSHA2
			case AuthRSASHA1:
				w.Authby.RSASigV15 = true
			case AuthRSASHA2:
				w.Authby.RSASig = true
				w.SighashPolicy |= sighashSHA2
			case AuthRSASHA2_256, AuthRSASHA2_384, AuthRSASHA2_512:
				w.Authby.RSASig = true
				w.SighashPolicy |= sighashBit[a]
			case AuthECDSA, AuthECDSASHA2:
				w.Authby.ECDSA = true
				w.SighashPolicy |= sighashSHA2
			case AuthECDSASHA2_256, AuthECDSASHA2_384, AuthECDSASHA2_512:
				w.Authby.ECDSA = true
				w.SighashPolicy |= sighashBit[a]
			case AuthNever:
				w.Authby.Never = true
			case AuthNull:
				w.Authby.Null = true
			}
		}
	}
	if m.Type.Shunt() {
		*p &^= polPFS | polCompress | polESNNo | polESNYes | polDecapDSCP |
			polNoPMTUDisc | polIKEFragAllow | polIKEFragForce
	} else if m.Phase2 == Phase2AH {
		*p = *p&^(polAuthenticate|polEncrypt) | polAuthenticate
	}
	for _, e := range []*End{&m.Left, &m.Right} {
		switch e.Kind {
		case HostOpportunistic:
			*p |= polOpportunistic
		case HostOpportunisticGroup:
			*p |= polOpportunistic | polGroup
		case HostGroup:
			*p |= polGroup
		}
		if e.XauthServer || e.XauthClient {
			*p |= polXauth
		}
	}
	set(polNoIKEPad, !m.IKEPad)
	set(polAllowNoSAN, !m.RequireIDOnCert)
	*p |= wireSendRedirect[m.SendRedirect] | wireAcceptRedirect[m.AcceptRedirect]
	w.IKEv1NATT = wireNATT[m.NATIKEv1Method]
	w.XfrmIfID = xfrmIfID(m.IPsecInterface)
	set(polUp, m.AutoKeep)
	set(polIgnorePeerDNS, m.IgnorePeerDNS)
	set(polModecfgPull, m.ModecfgPull)
	set(polOverlapIP, m.OverlapIP)
	set(polSHA2Truncbug, m.SHA2Truncbug)
	set(polDNSMatchID, m.DNSMatchID)
	set(polMSDHDowngrade, m.MSDHDowngrade)
	set(polDecapDSCP, m.DecapDSCP)
	set(polNoPMTUDisc, m.NoPMTUDisc)
	set(polIntermediate, m.Intermediate)
	switch m.PPK {
	case PPKPermit:
		*p |= polPPKAllow
	case PPKInsist:
		*p |= polPPKAllow | polPPKInsist
	}
	return w
}

func (m *Conn) end410(e *End, side string) (*WhackEnd, error) {
	w := &WhackEnd{SendCert: wireSendCert[e.SendCert], Updown: e.Updown, HostNexthop: Unspec(m.HostIPv6)}
	switch e.Kind {
	case HostAddr:
		w.HostType = khIPAddr
		w.HostAddr = AddrOf(e.Addr)
		if !e.FromDefaultRoute {
			w.ID = e.Addr.String()
			w.HostAddrName = e.HostText
		}
	case HostIface:
		// %IFACE: the interface's address, without ID.
		w.HostType = khIface
		w.HostAddr = AddrOf(e.Addr)
		w.HostAddrName = e.HostName
	case HostName:
		// Not an address: addconn passes the name on for pluto to
		// resolve, with the ID of an unset address.
		w.HostType = khHostname
		w.ID = "<unset-address>"
		w.HostAddrName = e.HostName
	default:
		w.HostType = wireHostKinds[e.Kind]
	}
	if e.Nexthop.IsValid() && e.Kind != HostDefaultRoute {
		w.HostNexthop = AddrOf(e.Nexthop)
	}
	if e.ID != "" {
		w.ID = e.ID
	}
	w.Virt = e.Virt
	if e.VTI != "" {
		w.HostVTIIP = Prefix{IsSet: true, P: netip.MustParsePrefix(e.VTI)}
	}
	if e.SourceIP.IsValid() {
		w.HostSrcIP = AddrOf(e.SourceIP)
	}
	w.XauthServer, w.XauthClient = e.XauthServer, e.XauthClient
	w.ModecfgServer, w.ModecfgClient, w.Cat = e.ModecfgServer, e.ModecfgClient, e.Cat
	w.XauthUsername = e.Username
	w.Cert, w.CKAID, w.CA = e.Cert, e.CKAID, e.CA
	if e.Auth != AuthDefault {
		w.Auth = wireEndAuth[e.Auth]
	}
	w.HostIKEPort = e.IKEPort
	w.Protoport = e.Protoport
	w.PoolRange = e.AddressPool
	w.PoolRange.IsSubnet = false // addconn sends a CIDR pool as its range
	w.KeyFromDNS = e.KeyFromDNS
	switch {
	case e.Key != "":
		w.Pubkey, w.PubkeyAlg = e.Key, ipseckeyRSA
	case e.KeyNone:
		w.Pubkey, w.PubkeyAlg = "%none", ipseckeyRSA
	}
	return w, nil
}

// withKeys appends m and the key messages addconn sends after it.
func withKeys(msgs []*Message, m *Message) ([]*Message, error) {
	msgs = append(msgs, m)
	for _, e := range []*WhackEnd{&m.Left, &m.Right} {
		if !isLiteralKey(e.Pubkey) || e.ID == "" {
			continue
		}
		key, err := decodeKey(e.Pubkey)
		if err != nil {
			return nil, notEncodable(err.Error())
		}
		msgs = append(msgs, &Message{Key: true, PubkeyAlg: ipseckeyRSA, KeyID: e.ID, Keyval: key})
	}
	return msgs, nil
}

// decodeKey is ttochunk with base 0 for the forms addconn accepts.
func decodeKey(s string) ([]byte, error) {
	switch {
	case strings.HasPrefix(s, "0s"):
		return base64.StdEncoding.DecodeString(s[2:])
	case strings.HasPrefix(s, "0x"):
		return hex.DecodeString(strings.ReplaceAll(s[2:], "_", ""))
	}
	return nil, fmt.Errorf("key %.8s...: only 0s and 0x forms", s)
}

func knownWord[T any](words map[string]T, w string) bool {
	_, ok := words[w]
	return ok
}

func validPrefix(s string) bool {
	_, err := netip.ParsePrefix(s)
	return err == nil
}

// xfrmIfID is ipsec-interface= as the message carries it: no interface
// (all ones), yes (1) or the number.
func xfrmIfID(s string) uint32 {
	switch s {
	case "", "no":
		return 0xffffffff
	case "yes":
		return 1
	}
	n, _ := strconv.ParseUint(s, 10, 32)
	return uint32(n)
}

func xfrmIfIDOK(s string) bool {
	switch s {
	case "", "no", "yes":
		return true
	}
	_, err := strconv.ParseUint(s, 10, 32)
	return err == nil
}
