package pluto

import (
	"time"
)

// This file is the wire form of Libreswan 5.2's whack message (struct
// whack_message of v5.2's include/whack.h, packed by lib/libwhack/pickle.c)
// on x86_64. As in 4.10 the fixed part is the C struct in native byte
// order and the strings follow it, but a string pointer travels as the
// string's length with its NUL (0: NULL, which packs nothing), address
// families travel as IP versions, and most conn options are the keyword's
// value as written (0: not written; pluto applies the defaults). Offsets
// were measured with offsetof() against v5.2's headers and are checked
// byte for byte against what 5.2's addconn sends (whackmsg52_test.go).

// WhackMagic52 is whack_magic() of Libreswan 5.2 (a checksum of its
// version string), as its pluto names it.
const WhackMagic52 uint32 = 3654091882

const (
	msg52FixedSize   = 1608 // offsetof(struct whack_message, string)
	msg52StringRoom  = 4096
	whackFromAddconn = 2 // WHACK_FROM_ADDCONN
)

// Offsets into v5.2's struct whack_message.
const (
	off52Name               = 24
	off52WhackAdd           = 72
	off52WhackFrom          = 76
	off52IKEVersion         = 84
	off52IKEv2              = 88
	off52Authby             = 92 // six bools
	off52SighashPolicy      = 104
	off52Shunt              = 112 // enum shunt_policy[SHUNT_KIND_ROOF]
	off52Autostart          = 140
	off52Mobike             = 144
	off52Intermediate       = 148
	off52SHA2Truncbug       = 152
	off52OverlapIP          = 156
	off52MSDHDowngrade      = 160
	off52PFSRekeyWorkaround = 164
	off52DNSMatchID         = 168
	off52PAMAuthorize       = 172
	off52IgnorePeerDNS      = 176
	off52IKEPad             = 180
	off52RequireIDOnCert    = 184
	off52ModecfgPull        = 188
	off52Aggressive         = 192
	off52DecapDSCP          = 196
	off52EncapDSCP          = 200
	off52NoPMTUDisc         = 204
	off52Fragmentation      = 208
	off52ESN                = 212
	off52PPK                = 216
	off52PFS                = 220
	off52Compress           = 224
	off52Type               = 228
	off52Phase2             = 232
	off52SessionResumption  = 236
	off52IPsecMaxBytes      = 240
	off52IPsecMaxPackets    = 248
	off52IKELifetime        = 256 // deltatime_t: struct timeval, bool is_set
	off52IPsecLifetime      = 280
	off52RekeyMargin        = 304
	off52RekeyFuzz          = 328
	off52KeyingTries        = 336 // bool set; uintmax_t value
	off52ReplayWindow       = 352
	off52RetransmitTimeout  = 360
	off52RetransmitInterval = 384
	off52NICOffload         = 408
	off52IPsecInterface     = 416
	off52DPDDelay           = 424
	off52DPDTimeout         = 432
	off52RemotePeerType     = 440
	off52Encapsulation      = 444
	off52Narrowing          = 448
	off52Rekey              = 452
	off52Reauth             = 456
	off52EnableTCP          = 460
	off52TCPRemotePort      = 464
	off52NATKeepalive       = 472
	off52NATIKEv1Method     = 476
	off52InitialContact     = 480
	off52CiscoUnity         = 481
	off52FakeStrongswan     = 482
	off52SendVendorID       = 483
	off52NMConfigured       = 484
	off52XauthBy            = 488
	off52XauthFail          = 492
	off52SendCA             = 496
	off52MTU                = 500
	off52Priority           = 504
	off52TFC                = 512
	off52SendNoESPTFC       = 520
	off52SAReqID            = 608
	off52NflogGroup         = 612
	off52SecLabel           = 616
	off52Left               = 624
	off52Right              = 912
	off52HostAFI            = 1200
	off52ChildAFI           = 1208
	off52IKE                = 1216
	off52ESP                = 1232
	off52WhackKey           = 1240
	off52KeyID              = 1248
	off52PubkeyAlg          = 1256
	off52KeyvalLen          = 1272 // chunk_t.len; .ptr travels as NULL
	off52RemoteHost         = 1280
	off52Connalias          = 1456
	off52ModecfgDNS         = 1464
	off52ModecfgDomains     = 1472
	off52ModecfgBanner      = 1480
	off52Mark               = 1488
	off52MarkIn             = 1496
	off52MarkOut            = 1504
	off52VTIInterface       = 1512
	off52VTIRouting         = 1520
	off52VTIShared          = 1524
	off52PPKIDs             = 1528
	off52GlobalRedirectTo   = 1544
	off52RedirectTo         = 1552
	off52AcceptRedirect     = 1560
	off52AcceptRedirectTo   = 1568
	off52SendRedirect       = 1576
	off52Metric             = 1584
	off52DNSHostname        = 1592
)

// Offsets into v5.2's struct whack_end (288 bytes).
const (
	end52ID            = 8
	end52CA            = 16
	end52Groups        = 24
	end52Cert          = 32
	end52CKAID         = 40
	end52Pubkey        = 48
	end52PubkeyAlg     = 56
	end52Auth          = 60
	end52HostType      = 64
	end52HostAddr      = 68
	end52HostIKEPort   = 92
	end52Nexthop       = 96
	end52SourceIP      = 120
	end52HostVTIIP     = 128
	end52InterfaceIP   = 160
	end52Subnet        = 168
	end52Subnets       = 176
	end52Protoport     = 184
	end52KeyFromDNS    = 196
	end52Updown        = 200
	end52Virt          = 208
	end52AddressPool   = 216
	end52XauthServer   = 224
	end52XauthClient   = 225
	end52XauthUsername = 232
	end52Cat           = 240
	end52SendCert      = 244
	end52EAP           = 248
	end52SendCA        = 252
	end52CertType      = 256
	end52ModecfgServer = 260
	end52ModecfgClient = 264
	end52HostAddrName  = 272
	end52Groundhog     = 280
)

// CStr is a C string of the 5.x message: NULL (the zero CStr, which packs
// nothing) or a text, perhaps empty.
type CStr struct {
	Valid bool
	S     string
}

// Str is s as addconn passes an optional keyword: NULL when empty.
func Str(s string) CStr { return CStr{Valid: s != "", S: s} }

func (c CStr) String() string { return c.S }

// Delta is a deltatime_t of 5.x: a duration and whether it was given.
type Delta struct {
	Set bool
	D   time.Duration
}

// WhackEnd52 is v5.2's struct whack_end.
type WhackEnd52 struct {
	ID, CA, Groups, Cert, CKAID, Pubkey CStr
	PubkeyAlg, Auth, HostType           uint32
	HostAddr                            Address
	HostIKEPort                         uint32
	Nexthop                             Address
	SourceIP                            CStr
	HostVTIIP                           Prefix
	InterfaceIP, Subnet, Subnets        CStr
	Protoport                           Protoport
	KeyFromDNS                          bool
	Updown, Virt, AddressPool           CStr
	XauthServer, XauthClient            bool
	XauthUsername                       CStr
	Cat, SendCert, EAP                  uint32
	SendCA                              bool
	CertType                            uint32
	ModecfgServer, ModecfgClient        uint32
	HostAddrName, Groundhog             CStr
}

// Message52 is the part of v5.2's struct whack_message that addconn's
// conns and keys use. Fields left zero travel as zero bytes.
type Message52 struct {
	Name      CStr
	WhackAdd  bool
	WhackFrom uint32

	IKEVersion, IKEv2 uint32
	Authby            Authby
	SighashPolicy     uint64
	// NeverNegotiateShunt, NegotiationShunt and FailureShunt are
	// shunt[SHUNT_KIND_NEVER_NEGOTIATE], [_NEGOTIATION] and [_FAILURE].
	NeverNegotiateShunt, NegotiationShunt, FailureShunt uint32
	Autostart                                           uint32

	// enum yn_options and friends: 0 is "not written".
	Mobike, Intermediate, SHA2Truncbug, OverlapIP, MSDHDowngrade uint32
	PFSRekeyWorkaround, DNSMatchID, PAMAuthorize, IgnorePeerDNS  uint32
	IKEPad, RequireIDOnCert, ModecfgPull, Aggressive             uint32
	DecapDSCP, EncapDSCP, NoPMTUDisc, Fragmentation, ESN, PPK    uint32
	PFS, Compress, Type, Phase2, SessionResumption               uint32

	IPsecMaxBytes, IPsecMaxPackets          uint64
	IKELifetime, IPsecLifetime, RekeyMargin Delta
	RekeyFuzz                               uint64
	KeyingTriesSet                          bool
	KeyingTries, ReplayWindow               uint64
	RetransmitTimeout, RetransmitInterval   Delta
	NICOffload                              uint32
	IPsecInterface, DPDDelay, DPDTimeout    CStr
	RemotePeerType, Encapsulation           uint32
	Narrowing, Rekey, Reauth, EnableTCP     uint32
	TCPRemotePort                           uint64
	NATKeepalive                            bool
	NATIKEv1Method                          uint32
	InitialContact, CiscoUnity              bool
	FakeStrongswan, SendVendorID            bool
	NMConfigured, XauthBy, XauthFail        uint32
	SendCA, MTU                             uint32
	Priority, TFC                           uint64
	SendNoESPTFC                            bool
	SAReqID, NflogGroup                     uint32
	SecLabel                                CStr

	Left, Right WhackEnd52

	// HostAFI and ChildAFI travel as IP versions (4, 6; 0: none).
	HostAFI, ChildAFI uint32
	IKE, ESP          CStr

	Key       bool
	KeyID     CStr
	PubkeyAlg uint32
	Keyval    []byte

	RemoteHost                                CStr
	Connalias                                 CStr
	ModecfgDNS, ModecfgDomains, ModecfgBanner CStr
	Mark, MarkIn, MarkOut, VTIInterface       CStr
	VTIRouting, VTIShared                     uint32
	PPKIDs, GlobalRedirectTo, RedirectTo      CStr
	AcceptRedirect                            uint32
	AcceptRedirectTo                          CStr
	SendRedirect, Metric                      uint32
	DNSHostname                               CStr
}

// delta52 writes a deltatime_t of 5.x: struct timeval and is_set.
func (w wire) delta52(off int, d Delta) {
	w.delta(off, d.D)
	w.u8(off+16, d.Set)
}

// packer appends the strings of a 5.x message after its fixed part,
// writing each one's length into its pointer's place (pickle.c's
// pack_string).
type packer struct{ buf []byte }

func (p *packer) str(off int, s CStr) {
	if !s.Valid {
		return
	}
	wire(p.buf).u64(off, uint64(len(s.S)+1))
	p.buf = append(p.buf, s.S...)
	p.buf = append(p.buf, 0)
}

func (w wire) end52(off int, e *WhackEnd52) {
	w.u32(off+end52PubkeyAlg, e.PubkeyAlg)
	w.u32(off+end52Auth, e.Auth)
	w.u32(off+end52HostType, e.HostType)
	w.addr(off+end52HostAddr, e.HostAddr)
	w.u32(off+end52HostIKEPort, e.HostIKEPort)
	w.addr(off+end52Nexthop, e.Nexthop)
	w.prefix(off+end52HostVTIIP, e.HostVTIIP)
	if p := e.Protoport; p.IsSet {
		w[off+end52Protoport] = 1
		w.u8(off+end52Protoport+1, p.PortWildcard)
		w.u32(off+end52Protoport+4, p.Port)
		w.u32(off+end52Protoport+8, p.Proto)
	}
	w.u8(off+end52KeyFromDNS, e.KeyFromDNS)
	w.u8(off+end52XauthServer, e.XauthServer)
	w.u8(off+end52XauthClient, e.XauthClient)
	w.u32(off+end52Cat, e.Cat)
	w.u32(off+end52SendCert, e.SendCert)
	w.u32(off+end52EAP, e.EAP)
	w.u8(off+end52SendCA, e.SendCA)
	w.u32(off+end52CertType, e.CertType)
	w.u32(off+end52ModecfgServer, e.ModecfgServer)
	w.u32(off+end52ModecfgClient, e.ModecfgClient)
}

// pack is pickle_whack_end's order.
func (p *packer) end52(off int, e *WhackEnd52) {
	for _, s := range []struct {
		off int
		s   CStr
	}{
		{end52ID, e.ID}, {end52Cert, e.Cert}, {end52Pubkey, e.Pubkey}, {end52CKAID, e.CKAID},
		{end52CA, e.CA}, {end52Groups, e.Groups}, {end52Updown, e.Updown}, {end52Virt, e.Virt},
		{end52XauthUsername, e.XauthUsername}, {end52HostAddrName, e.HostAddrName},
		{end52InterfaceIP, e.InterfaceIP}, {end52AddressPool, e.AddressPool},
		{end52Subnet, e.Subnet}, {end52Subnets, e.Subnets}, {end52SourceIP, e.SourceIP},
		{end52Groundhog, e.Groundhog},
	} {
		p.str(off+s.off, s.s)
	}
}

// Encode is the message as 5.2's addconn writes it to the socket: the
// fixed part, then the packed strings and key (the unused rest of
// string[] is not sent).
func (m *Message52) Encode() ([]byte, error) {
	w := wire(make([]byte, msg52FixedSize, msg52FixedSize+512))
	w.u32(offMagic, WhackMagic52)
	w.u8(off52WhackAdd, m.WhackAdd)
	w.u32(off52WhackFrom, m.WhackFrom)
	w.u32(off52IKEVersion, m.IKEVersion)
	w.u32(off52IKEv2, m.IKEv2)
	for i, b := range []bool{m.Authby.PSK, m.Authby.Null, m.Authby.Never, m.Authby.RSASig, m.Authby.ECDSA, m.Authby.RSASigV15} {
		w.u8(off52Authby+i, b)
	}
	w.u64(off52SighashPolicy, m.SighashPolicy)
	w.u32(off52Shunt+4*shuntKindNeverNegotiate, m.NeverNegotiateShunt)
	w.u32(off52Shunt+4*shuntKindNegotiation, m.NegotiationShunt)
	w.u32(off52Shunt+4*shuntKindFailure, m.FailureShunt)
	for _, f := range []struct {
		off int
		v   uint32
	}{
		{off52Autostart, m.Autostart}, {off52Mobike, m.Mobike}, {off52Intermediate, m.Intermediate},
		{off52SHA2Truncbug, m.SHA2Truncbug}, {off52OverlapIP, m.OverlapIP},
		{off52MSDHDowngrade, m.MSDHDowngrade}, {off52PFSRekeyWorkaround, m.PFSRekeyWorkaround},
		{off52DNSMatchID, m.DNSMatchID}, {off52PAMAuthorize, m.PAMAuthorize},
		{off52IgnorePeerDNS, m.IgnorePeerDNS}, {off52IKEPad, m.IKEPad},
		{off52RequireIDOnCert, m.RequireIDOnCert}, {off52ModecfgPull, m.ModecfgPull},
		{off52Aggressive, m.Aggressive}, {off52DecapDSCP, m.DecapDSCP}, {off52EncapDSCP, m.EncapDSCP},
		{off52NoPMTUDisc, m.NoPMTUDisc}, {off52Fragmentation, m.Fragmentation}, {off52ESN, m.ESN},
		{off52PPK, m.PPK}, {off52PFS, m.PFS}, {off52Compress, m.Compress}, {off52Type, m.Type},
		{off52Phase2, m.Phase2}, {off52SessionResumption, m.SessionResumption},
		{off52NICOffload, m.NICOffload}, {off52RemotePeerType, m.RemotePeerType},
		{off52Encapsulation, m.Encapsulation}, {off52Narrowing, m.Narrowing}, {off52Rekey, m.Rekey},
		{off52Reauth, m.Reauth}, {off52EnableTCP, m.EnableTCP}, {off52NATIKEv1Method, m.NATIKEv1Method},
		{off52NMConfigured, m.NMConfigured}, {off52XauthBy, m.XauthBy}, {off52XauthFail, m.XauthFail},
		{off52SendCA, m.SendCA}, {off52MTU, m.MTU}, {off52SAReqID, m.SAReqID},
		{off52NflogGroup, m.NflogGroup}, {off52HostAFI, m.HostAFI}, {off52ChildAFI, m.ChildAFI},
		{off52PubkeyAlg, m.PubkeyAlg}, {off52VTIRouting, m.VTIRouting}, {off52VTIShared, m.VTIShared},
		{off52AcceptRedirect, m.AcceptRedirect}, {off52SendRedirect, m.SendRedirect},
		{off52Metric, m.Metric},
	} {
		w.u32(f.off, f.v)
	}
	w.u64(off52IPsecMaxBytes, m.IPsecMaxBytes)
	w.u64(off52IPsecMaxPackets, m.IPsecMaxPackets)
	w.delta52(off52IKELifetime, m.IKELifetime)
	w.delta52(off52IPsecLifetime, m.IPsecLifetime)
	w.delta52(off52RekeyMargin, m.RekeyMargin)
	w.u64(off52RekeyFuzz, m.RekeyFuzz)
	w.u8(off52KeyingTries, m.KeyingTriesSet)
	w.u64(off52KeyingTries+8, m.KeyingTries)
	w.u64(off52ReplayWindow, m.ReplayWindow)
	w.delta52(off52RetransmitTimeout, m.RetransmitTimeout)
	w.delta52(off52RetransmitInterval, m.RetransmitInterval)
	w.u64(off52TCPRemotePort, m.TCPRemotePort)
	w.u8(off52NATKeepalive, m.NATKeepalive)
	w.u8(off52InitialContact, m.InitialContact)
	w.u8(off52CiscoUnity, m.CiscoUnity)
	w.u8(off52FakeStrongswan, m.FakeStrongswan)
	w.u8(off52SendVendorID, m.SendVendorID)
	w.u64(off52Priority, m.Priority)
	w.u64(off52TFC, m.TFC)
	w.u8(off52SendNoESPTFC, m.SendNoESPTFC)
	w.end52(off52Left, &m.Left)
	w.end52(off52Right, &m.Right)
	w.u8(off52WhackKey, m.Key)
	w.u64(off52KeyvalLen, uint64(len(m.Keyval)))

	// pickle_whack_message's order.
	p := &packer{buf: w}
	p.str(off52Name, m.Name)
	p.end52(off52Left, &m.Left)
	p.end52(off52Right, &m.Right)
	for _, s := range []struct {
		off int
		s   CStr
	}{
		{off52KeyID, m.KeyID}, {off52IKE, m.IKE}, {off52ESP, m.ESP}, {off52Connalias, m.Connalias},
		{off52DNSHostname, m.DNSHostname}, {off52ModecfgDNS, m.ModecfgDNS},
		{off52ModecfgDomains, m.ModecfgDomains}, {off52ModecfgBanner, m.ModecfgBanner},
		{off52Mark, m.Mark}, {off52MarkIn, m.MarkIn}, {off52MarkOut, m.MarkOut},
		{off52VTIInterface, m.VTIInterface}, {off52IPsecInterface, m.IPsecInterface},
		{off52RemoteHost, m.RemoteHost}, {off52PPKIDs, m.PPKIDs},
		{off52GlobalRedirectTo, m.GlobalRedirectTo}, {off52RedirectTo, m.RedirectTo},
		{off52AcceptRedirectTo, m.AcceptRedirectTo},
	} {
		p.str(s.off, s.s)
	}
	p.buf = append(p.buf, m.Keyval...)
	// impairments: none; host_afi and child_afi are written above.
	p.str(off52SecLabel, m.SecLabel)
	p.str(off52DPDTimeout, m.DPDTimeout)
	p.str(off52DPDDelay, m.DPDDelay)
	if len(p.buf)-msg52FixedSize > msg52StringRoom {
		return nil, ErrMessageTooLong
	}
	return p.buf, nil
}

// enum shunt_kind indexes of shunt[].
const (
	shuntKindNeverNegotiate = 1
	shuntKindNegotiation    = 3
	shuntKindFailure        = 5
)
