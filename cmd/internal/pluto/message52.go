package pluto

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// This file renders a Conn as the messages Libreswan 5.2's addconn sends
// on pluto's control socket (v5.2's confread.c and starterwhack.c's
// starter_whack_add_conn); whackmsg52.go writes them to the wire. 5.2's
// message carries most keywords as written, 0 meaning "not written", and
// pluto applies the defaults. The messages are those addconn sends for
// the canonical conn WriteConf5 writes, which writes a keyword exactly
// when the conn differs from the release's default: so a keyword travels
// here exactly when it differs from defaultConn, and the Loader can send
// these messages in place of running addconn on that file. A conn using
// a field whose encoding has not been checked byte for byte against 5.2's
// addconn (TestEncode52MatchesAddconn) gets ErrNotEncodable and goes the
// canonical file's way.

// Wire values of 5.2's enums.
const (
	yn52No, yn52Yes              = 1, 2
	yna52Auto, yna52No, yna52Yes = 1, 2, 3
	autostart52Add               = 2
	ks52Tunnel                   = 1
	certAlwaysSend               = 3
	ipseckeyECDSA                = 3
)

var (
	wire52Shunt    = [...]uint32{ShuntUnset: 0, ShuntNone: 2, ShuntHold: 3, ShuntPass: 5, ShuntDrop: 6, ShuntReject: 7}
	wire52Type     = [...]uint32{TypeTunnel: 1, TypeTransport: 2, TypePassthrough: 3, TypeDrop: 4, TypeReject: 5}
	wire52NeverNeg = [...]uint32{TypePassthrough: 5, TypeDrop: 6, TypeReject: 7, TypeTunnel: 0, TypeTransport: 0}
	wire52ESN      = [...]uint32{ESNEither: 3, ESNYes: 2, ESNNo: 1}
	wire52Frag     = [...]uint32{FragYes: 1, FragNo: 2, FragForce: 3}
	wire52YNA      = [...]uint32{YNAAuto: yna52Auto, YNANo: yna52No, YNAYes: yna52Yes}
	wire52Offload  = [...]uint32{YNANo: 1, YNAYes: 2}
	wire52PPK      = [...]uint32{PPKNo: 1, PPKPermit: 2, PPKInsist: 4}
	wire52TCP      = map[string]uint32{"no": 1, "yes": 2, "fallback": 3}
	wire52NATT     = map[string]uint32{"both": 1, "rfc": 2, "drafts": 3, "none": 4}
	wire52Redirect = map[string]uint32{"auto": yna52Auto, "no": yna52No, "yes": yna52Yes}
	wire52Accept   = map[string]uint32{"no": yn52No, "yes": yn52Yes}
	wire52EndAuth  = map[AuthMethod]uint32{AuthNever: 1, AuthSecret: 2, AuthRSASig: 3, AuthECDSA: 4, AuthNull: 5, AuthEAPOnly: 6}
	wire52KeyAlg   = map[KeyAlg]uint32{KeyRSA: ipseckeyRSA, KeyECDSA: ipseckeyECDSA}
)

// Messages52 renders the messages 5.2's addconn sends for the conn: the
// conn, then one key message per end with a raw public key.
func (m *Conn) Messages52() ([]*Message52, error) {
	if m.Version != V5_2 {
		return nil, notEncodable("conn built for Libreswan " + m.Version.String())
	}
	if err := m.check52(); err != nil {
		return nil, err
	}
	w := m.message52()
	w.Left = m.end52(&m.Left)
	w.Right = m.end52(&m.Right)
	if m.Right.Kind == HostName {
		w.DNSHostname = Str(m.Right.HostText)
	}
	msgs := []*Message52{w}
	for i, e := range []*WhackEnd52{&w.Left, &w.Right} {
		if !e.ID.Valid || !e.Pubkey.Valid {
			continue
		}
		if []*End{&m.Left, &m.Right}[i].KeyNone {
			// addconn cannot decode %none and stops here; pluto has
			// refused the conn for it already.
			break
		}
		key, err := decodeKey(e.Pubkey.S)
		if err != nil {
			return nil, notEncodable(err.Error())
		}
		msgs = append(msgs, &Message52{WhackFrom: whackFromAddconn, Key: true, PubkeyAlg: e.PubkeyAlg, KeyID: e.ID, Keyval: key})
	}
	return msgs, nil
}

// check52 refuses what is not proven identical to 5.2's addconn.
func (m *Conn) check52() error {
	switch {
	case m.EnableTCP != "" && !knownWord(wire52TCP, m.EnableTCP):
		return notEncodable("enable-tcp=")
	case m.NATIKEv1Method != "" && !knownWord(wire52NATT, m.NATIKEv1Method):
		return notEncodable("nat-ikev1-method=")
	case m.SendRedirect != "" && !knownWord(wire52Redirect, m.SendRedirect):
		return notEncodable("send-redirect=")
	case m.AcceptRedirect != "" && !knownWord(wire52Accept, m.AcceptRedirect):
		return notEncodable("accept-redirect=")
	}
	for i, e := range []*End{&m.Left, &m.Right} {
		side := [...]string{"left", "right"}[i]
		switch {
		case e.FromDefaultRoute && (m.HostIPv6 || e.RouteToPeerName):
			// addconn routes towards the peer (or IPv6): not reproduced.
			return notEncodable(side + "=%defaultroute")
		case e.NexthopDirect && e.FromDefaultRoute:
			// addconn would route a %defaultroute end's nexthop.
			return notEncodable(side + "nexthop=%direct")
		case e.Auth != AuthDefault && wire52EndAuth[e.Auth] == 0:
			return notEncodable(side + "auth=")
		case e.AutoEAP != "" && e.AutoEAP != "tls" && e.AutoEAP != "none":
			return notEncodable(side + "autheap=")
		case e.Key != "" && wire52KeyAlg[e.KeyAlg] == 0:
			return notEncodable(side + " raw key")
		case e.VTI != "" && !validPrefix(e.VTI):
			return notEncodable(side + "vti=")
		}
	}
	return nil
}

// esp5 is esp= as 5.x reads it: 5.x has no pfsgroup= keyword, and its
// whack's --pfsgroup appends the group to the proposal, esp=ALG;GROUP,
// which is how the group reaches pluto (the canonical file writes it so).
// Without esp= FromConf lists pfsgroup= in Ignored.
func (m *Conn) esp5() string {
	if m.PFSGroup == "" {
		return m.ESP
	}
	return m.ESP + ";" + m.PFSGroup
}

// ipsecManualReqIDMax is IPSEC_MANUAL_REQID_MAX: 5.x's addconn drops a
// larger reqid= with an error (FromConf lists it in Ignored).
const ipsecManualReqIDMax = 0x3fff

// yn52 is a yes/no keyword: written (and so sent) only when v is not the
// default.
func yn52(v, dflt bool) uint32 {
	switch {
	case v == dflt:
		return 0
	case v:
		return yn52Yes
	}
	return yn52No
}

// delta52 is a duration keyword, sent when it is not the default.
func delta52(d, dflt time.Duration) Delta {
	if d == dflt {
		return Delta{}
	}
	return Delta{Set: true, D: d}
}

// conf5Duration is a duration as WriteConf5 writes it (dpddelay= and
// dpdtimeout= travel as that text).
func conf5Duration(d time.Duration) string {
	if d%time.Second != 0 {
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}

func (m *Conn) message52() *Message52 {
	def := defaultConn(m.Version)
	w := &Message52{
		Name: CStr{true, m.Name}, WhackAdd: true, WhackFrom: whackFromAddconn,
		// addconn adds a conn named on its command line as auto=add.
		IKEVersion: 2, SighashPolicy: sighashSHA2, Autostart: autostart52Add,
		Type: ks52Tunnel, IPsecMaxBytes: 1 << 63, IPsecMaxPackets: 1 << 63,
		RekeyFuzz: m.RekeyFuzz, ReplayWindow: m.ReplayWindow,
		NATKeepalive: m.NATKeepalive, HostAFI: ipVersion(m.HostIPv6),
	}
	if m.IKEVersion == IKEv1 {
		w.IKEVersion = 1
	}
	if m.TypeSet {
		w.Type = wire52Type[m.Type]
		if m.Type.Shunt() {
			w.NeverNegotiateShunt = wire52NeverNeg[m.Type]
		}
	}
	if m.Phase2 != def.Phase2 {
		w.Phase2 = uint32(m.Phase2) + 1 // ENCAP_PROTO_ESP, _AH
	}
	if m.Auth != nil {
		w.Authby, w.SighashPolicy = authby52(m.Auth)
	}
	if !m.Type.Shunt() {
		w.PFS = yn52(m.PFS, def.PFS)
	}
	w.Compress = yn52(m.Compress, def.Compress)
	w.Rekey = yn52(m.Rekey, def.Rekey)
	w.Reauth = yn52(m.Reauth, def.Reauth)
	w.Aggressive = yn52(m.Aggressive, def.Aggressive)
	w.Narrowing = yn52(m.Narrowing, def.Narrowing)
	w.Mobike = yn52(m.Mobike, def.Mobike)
	if m.ESN != def.ESN {
		w.ESN = wire52ESN[m.ESN]
	}
	if m.Fragmentation != def.Fragmentation {
		w.Fragmentation = wire52Frag[m.Fragmentation]
	}
	w.IKE, w.ESP = Str(m.IKE), Str(m.esp5())
	w.IKELifetime = delta52(m.IKELifetime, def.IKELifetime)
	w.IPsecLifetime = delta52(m.IPsecLifetime, def.IPsecLifetime)
	w.RekeyMargin = delta52(m.RekeyMargin, def.RekeyMargin)
	if m.KeyingTries != def.KeyingTries {
		w.KeyingTriesSet, w.KeyingTries = true, m.KeyingTries
	}
	if m.IPsecMaxBytesSet && m.IPsecMaxBytes != 0 {
		w.IPsecMaxBytes = m.IPsecMaxBytes
	}
	if m.IPsecMaxPacketsSet && m.IPsecMaxPackets != 0 {
		w.IPsecMaxPackets = m.IPsecMaxPackets
	}
	w.RetransmitTimeout = delta52(m.RetransmitTimeout, def.RetransmitTimeout)
	w.RetransmitInterval = delta52(m.RetransmitInterval, def.RetransmitInterval)
	if m.DPDDelay != 0 {
		w.DPDDelay = Str(conf5Duration(m.DPDDelay))
		if m.DPDTimeout != 0 {
			w.DPDTimeout = Str(conf5Duration(m.DPDTimeout))
		}
	}
	w.FailureShunt = wire52Shunt[m.FailureShunt]
	w.NegotiationShunt = wire52Shunt[m.NegotiationShunt]
	if m.Encapsulation != def.Encapsulation {
		w.Encapsulation = wire52YNA[m.Encapsulation]
	}
	if m.NICOffload != def.NICOffload {
		w.NICOffload = wire52Offload[m.NICOffload]
	}
	w.SendCA = uint32(m.SendCA)
	w.RemotePeerType = uint32(m.RemotePeerType)
	w.XauthBy, w.XauthFail = uint32(m.XauthBy), uint32(m.XauthFail)
	if m.PPK != def.PPK {
		w.PPK = wire52PPK[m.PPK]
	}
	if m.TCPRemotePort != def.TCPRemotePort {
		w.TCPRemotePort = uint64(m.TCPRemotePort)
	}
	w.EnableTCP = wire52TCP[m.EnableTCP]
	w.NATIKEv1Method = wire52NATT[m.NATIKEv1Method]
	w.Connalias, w.RedirectTo, w.AcceptRedirectTo = Str(m.Connalias), Str(m.RedirectTo), Str(m.AcceptRedirectTo)
	w.SendRedirect, w.AcceptRedirect = wire52Redirect[m.SendRedirect], wire52Accept[m.AcceptRedirect]
	w.ModecfgDNS, w.ModecfgDomains, w.ModecfgBanner = Str(m.ModecfgDNS), Str(m.ModecfgDomains), Str(m.ModecfgBanner)
	w.Mark, w.MarkIn, w.MarkOut = Str(m.Mark), Str(m.MarkIn), Str(m.MarkOut)
	w.VTIInterface, w.IPsecInterface, w.SecLabel = Str(m.VTIInterface), Str(m.IPsecInterface), Str(m.SecLabel)
	w.Metric, w.MTU, w.Priority, w.TFC = uint32(m.Metric), uint32(m.MTU), m.Priority, m.TFC
	w.SAReqID, w.NflogGroup = uint32(m.ReqID), uint32(m.NflogGroup)
	w.ModecfgPull = yn52(m.ModecfgPull, false)
	w.IgnorePeerDNS = yn52(m.IgnorePeerDNS, false)
	w.CiscoUnity = m.CiscoUnity
	w.NMConfigured = yn52(m.NMConfigured, false)
	w.SendVendorID = m.SendVendorID
	w.OverlapIP = yn52(m.OverlapIP, false)
	w.SHA2Truncbug = yn52(m.SHA2Truncbug, false)
	w.MSDHDowngrade = yn52(m.MSDHDowngrade, false)
	w.DecapDSCP = yn52(m.DecapDSCP, false)
	w.NoPMTUDisc = yn52(m.NoPMTUDisc, false)
	w.Intermediate = yn52(m.Intermediate, false)
	w.InitialContact = m.InitialContact
	w.FakeStrongswan = m.FakeStrongswan
	w.SendNoESPTFC = m.SendNoESPTFC
	w.VTIRouting = yn52(m.VTIRouting, false)
	w.VTIShared = yn52(m.VTIShared, false)
	w.RequireIDOnCert = yn52(m.RequireIDOnCert, true)
	w.PAMAuthorize = yn52(m.PAMAuthorize, false)
	return w
}

// authby52 is confread.c's reading of authby=.
func authby52(auth []AuthMethod) (a Authby, sighash uint64) {
	for _, m := range auth {
		switch m {
		case AuthSecret:
			a.PSK = true
		case AuthRSASig:
			a.RSASig, a.RSASigV15 = true, true
			sighash |= sighashSHA2
		case AuthNever:
			a.Never = true
		case AuthNull:
			a.Null = true
		case AuthRSASHA1:
			a.RSASigV15 = true
		case AuthRSASHA2:
			a.RSASig = true
			sighash |= sighashSHA2
		case AuthRSASHA2_256, AuthRSASHA2_384, AuthRSASHA2_512:
			a.RSASig = true
			sighash |= sighashBit[m]
		case AuthECDSA, AuthECDSASHA2:
			a.ECDSA = true
			sighash |= sighashSHA2
		case AuthECDSASHA2_256, AuthECDSASHA2_384, AuthECDSASHA2_512:
			a.ECDSA = true
			sighash |= sighashBit[m]
		}
	}
	return a, sighash
}

func (m *Conn) end52(e *End) WhackEnd52 {
	w := WhackEnd52{SendCert: certAlwaysSend, Nexthop: Unspec(m.HostIPv6)}
	switch {
	case e.Kind == HostAddr:
		// addconn resolves %defaultroute itself (resolve_default_route),
		// as the model has.
		w.HostType = khIPAddr
		w.HostAddr = AddrOf(e.Addr)
		w.ID = Str(e.Addr.String())
		if !e.FromDefaultRoute {
			w.HostAddrName = Str(e.HostText)
		}
	case e.Kind == HostIface:
		w.HostType = khIface
		w.HostAddr = AddrOf(e.Addr)
		w.HostAddrName = Str(e.HostText)
	case e.Kind == HostName:
		w.HostType = khHostname
		w.HostAddrName = Str(e.HostText)
	default:
		w.HostType = wireHostKinds[e.Kind]
	}
	if e.Nexthop.IsValid() && e.Kind != HostDefaultRoute {
		w.Nexthop = AddrOf(e.Nexthop)
	}
	if e.ID != "" {
		w.ID = Str(legacyDNCommas(strings.ReplaceAll(e.ID, `\,`, ",,")))
	}
	w.Cert, w.CKAID, w.CA = Str(e.Cert), Str(e.CKAID), Str(e.CA)
	w.SendCert = wireSendCert[e.SendCert]
	if e.Virt != "" {
		w.Virt = Str(e.Virt)
	} else if e.Subnet.IsValid() && !e.SubnetFromSourceIP {
		w.Subnet = Str(e.Subnet.String())
	}
	if e.SubnetsSet {
		s := make([]string, 0, len(e.Subnets))
		for _, p := range e.Subnets {
			s = append(s, p.String())
		}
		w.Subnets = CStr{true, strings.Join(s, ",")}
	}
	if e.SourceIP.IsValid() {
		w.SourceIP = Str(e.SourceIP.String())
	}
	if e.VTI != "" {
		w.HostVTIIP = Prefix{IsSet: true, P: netip.MustParsePrefix(e.VTI)}
	}
	if e.Updown != "ipsec _updown" {
		w.Updown = Str(e.Updown)
	}
	if e.ProtoportText != "" {
		w.Protoport = e.Protoport
	}
	w.HostIKEPort = e.IKEPort
	w.Auth = wire52EndAuth[e.Auth]
	if e.AutoEAP == "tls" {
		w.EAP = 1
	}
	w.XauthServer, w.XauthClient = e.XauthServer, e.XauthClient
	w.ModecfgServer = yn52(e.ModecfgServer, false)
	w.ModecfgClient = yn52(e.ModecfgClient, false)
	w.Cat = yn52(e.Cat, false)
	w.XauthUsername = Str(e.Username)
	if e.AddressPool.IsSet {
		w.AddressPool = Str(e.AddressPool.String())
	}
	switch {
	case e.KeyFromDNS:
		w.KeyFromDNS = true
	case e.Key != "":
		w.Pubkey, w.PubkeyAlg = Str(e.Key), wire52KeyAlg[e.KeyAlg]
	case e.KeyNone:
		// FreeS/WAN's "no key": addconn passes the word on as the key,
		// and pluto refuses the conn (rsasigkey invalid), as 4.10 does.
		w.Pubkey, w.PubkeyAlg = Str("%none"), ipseckeyRSA
	}
	return w
}

// legacyDNCommas is set_whack_end's fix-up of an ID: in a DN (not @name,
// with an =), ",," is a comma within a value, `\,`.
func legacyDNCommas(id string) string {
	if strings.HasPrefix(id, "@") || !strings.Contains(id, "=") {
		return id
	}
	return strings.ReplaceAll(id, ",,", `\,`)
}
