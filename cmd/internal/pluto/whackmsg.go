package pluto

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"time"
)

// This file is the wire form of Libreswan 4.10's whack message (struct
// whack_message in include/whack.h) on x86_64: the fixed part is the C
// struct in native byte order, pointers travel as NULL and the strings
// follow in string[] in a fixed order, each NUL-terminated (NULL packs as
// ""). Offsets were measured with offsetof() against v4.10's headers and
// are checked byte for byte against what the installed addconn and whack
// send (whackmsg_test.go). Another Libreswan version has another layout
// and another magic number; pluto rejects a wrong magic, and Supported()
// keeps us off the socket then.

// WhackMagic is WHACK_MAGIC of Libreswan 4.10: "ohk" and the interface
// revision 49.
const WhackMagic uint32 = ('o'<<24 | 'h'<<16 | 'k'<<8) + 49

// whackBasicMagic is WHACK_BASIC_MAGIC (status and shutdown only), which
// changes less often than WhackMagic.
const whackBasicMagic uint32 = ('w'<<24 | 'h'<<16 | 'k'<<8) + 25

const (
	msgFixedSize  = 1488 // offsetof(struct whack_message, string)
	msgStringRoom = 4096 // sizeof string[]
	msgEndSize    = 352  // sizeof(struct whack_end)
)

// Offsets into struct whack_message.
const (
	offMagic              = 0
	offWhackStatus        = 4
	offWhackShutdown      = 14
	offWhackConnection    = 76
	offWhackAsync         = 77
	offIKEVersion         = 80
	offPolicy             = 88
	offAuthby             = 96 // six bools
	offSighashPolicy      = 104
	offProspectiveShunt   = 112
	offNegotiationShunt   = 116
	offFailureShunt       = 120
	offIKELife            = 128 // deltatime_t: struct timeval
	offIPsecLife          = 144
	offRekeyMargin        = 160
	offIPsecMaxBytes      = 176
	offIPsecMaxPackets    = 184
	offRekeyFuzz          = 192
	offKeyingTries        = 200
	offReplayWindow       = 208
	offRetransmitTimeout  = 216
	offRetransmitInterval = 232
	offNICOffload         = 248
	offXfrmIfID           = 252
	offDPDDelay           = 256
	offDPDTimeout         = 272
	offDPDAction          = 288
	offRemotePeerType     = 296
	offEncaps             = 300
	offRemoteTCPPort      = 304
	offIKETCP             = 308
	offNATKeepalive       = 312
	offIKEv1NATT          = 316
	offInitialContact     = 320
	offCiscoUnity         = 321
	offFakeStrongswan     = 322
	offSendVendorID       = 323
	offNMConfigured       = 324
	offXauthBy            = 328
	offXauthFail          = 332
	offSendCA             = 336
	offConnMTU            = 340
	offSAPriority         = 344
	offSATFCPad           = 348
	offSendNoESPTFC       = 352
	offSAReqID            = 356
	offNflogGroup         = 360
	offLeft               = 376
	offRight              = 728
	offTunnelAddrFamily   = 1080
	offWhackKey           = 1112
	offPubkeyAlg          = 1128
	offKeyvalLen          = 1144 // chunk_t.len; .ptr travels as NULL
	offWhackRoute         = 1160
	offWhackUnroute       = 1161
	offWhackInitiate      = 1162
	offWhackTerminate     = 1224
	offWhackDelete        = 1225
	offWhackListen        = 1261
	offWhackUnlisten      = 1262
	offVTIRouting         = 1392
	offVTIShared          = 1393
	offMetric             = 1432
)

// Offsets into struct whack_end.
const (
	endPubkeyAlg     = 56
	endAuth          = 60
	endHostType      = 64
	endHostAddr      = 68 // ip_address, 24 bytes
	endHostIKEPort   = 92
	endHostNexthop   = 96
	endHostSrcIP     = 120
	endHostVTIIP     = 144 // ip_cidr, 28 bytes
	endIfaceIP       = 172
	endClient        = 200 // ip_subnet, 28 bytes
	endProtoport     = 228 // ip_protoport, 12 bytes
	endKeyFromDNS    = 240
	endPoolRange     = 264 // ip_range, 40 bytes
	endXauthServer   = 304
	endXauthClient   = 305
	endModecfgServer = 320
	endModecfgClient = 321
	endCat           = 322
	endSendCert      = 324
	endEAP           = 328
	endSendCA        = 332
	endCertType      = 336
)

// Address is an ip_address as it travels: unset, the unspecified address
// of a family (IsSet with Addr invalid and V6 telling the family), or an
// address.
type Address struct {
	IsSet bool
	V6    bool
	Addr  netip.Addr
}

// AddrOf is the ip_address holding a.
func AddrOf(a netip.Addr) Address { return Address{IsSet: true, V6: a.Is6(), Addr: a} }

// Unspec is the family's unspecified address (0.0.0.0 or ::), which
// addconn sends for a nexthop it leaves to pluto.
func Unspec(v6 bool) Address { return Address{IsSet: true, V6: v6} }

// Prefix is an ip_subnet or ip_cidr.
type Prefix struct {
	IsSet bool
	P     netip.Prefix
}

// Range is an ip_range (addresspool=).
type Range struct {
	IsSet, IsSubnet bool
	Start, End      netip.Addr
}

// Protoport is an ip_protoport (protoport=).
type Protoport struct {
	IsSet, PortWildcard bool
	Port, Proto         uint32
}

// Authby is struct authby: the authentication methods a conn allows.
type Authby struct{ PSK, Null, Never, RSASig, ECDSA, RSASigV15 bool }

// WhackEnd is struct whack_end.
type WhackEnd struct {
	ID, CA, Groups, Cert, CKAID, Pubkey string
	PubkeyAlg, Auth, HostType           uint32
	HostAddr                            Address
	HostIKEPort                         uint32
	HostNexthop, HostSrcIP              Address
	HostVTIIP, IfaceIP, Client          Prefix
	Protoport                           Protoport
	KeyFromDNS                          bool
	Updown, Virt                        string
	PoolRange                           Range
	XauthServer, XauthClient            bool
	XauthUsername                       string
	ModecfgServer, ModecfgClient, Cat   bool
	SendCert, EAP                       uint32
	SendCA                              bool
	CertType                            uint32
	HostAddrName                        string
}

// Message is the part of struct whack_message that conns, keys and the
// control commands we send use. Fields left zero travel as zero bytes,
// as in a C message initialised from a zeroed one.
type Message struct {
	Basic bool // use WHACK_BASIC_MAGIC (status, shutdown)

	Status, Shutdown bool

	Name string

	Connection, Async bool
	IKEVersion        uint32
	Policy            uint64
	Authby            Authby
	SighashPolicy     uint64

	ProspectiveShunt, NegotiationShunt, FailureShunt uint32

	IKELife, IPsecLife, RekeyMargin  time.Duration
	IPsecMaxBytes, IPsecMaxPackets   uint64
	RekeyFuzz, KeyingTries           uint64
	ReplayWindow                     uint64
	RetransmitTimeout, RetransmitInt time.Duration
	NICOffload, XfrmIfID             uint32
	DPDDelay, DPDTimeout             time.Duration
	DPDAction                        uint32
	RemotePeerType, Encaps           uint32
	RemoteTCPPort, IKETCP            uint32
	NATKeepalive                     bool
	IKEv1NATT                        uint32
	InitialContact, CiscoUnity       bool
	FakeStrongswan, SendVendorID     bool
	NMConfigured                     bool
	XauthBy, XauthFail, SendCA       uint32
	ConnMTU, SAPriority, SATFCPad    uint32
	SendNoESPTFC                     bool
	SAReqID, NflogGroup              uint32
	SecLabel                         string

	Left, Right WhackEnd

	TunnelAddrFamily uint16 // AF_INET or AF_INET6

	IKE, ESP string

	Key       bool
	KeyID     string
	PubkeyAlg uint32
	Keyval    []byte

	RemoteHost string

	Route, Unroute, Initiate, Terminate, Delete bool
	Listen, Unlisten                            bool

	Connalias                                 string
	ModecfgDNS, ModecfgDomains, ModecfgBanner string
	ConnMarkBoth, ConnMarkIn, ConnMarkOut     string
	VTIIface                                  string
	VTIRouting, VTIShared                     bool
	GlobalRedirectTo, RedirectTo              string
	AcceptRedirectTo, ActiveRedirectDests     string
	Metric                                    uint32
	DNSHostname                               string
	String1, String2, String3                 string
}

// ErrMessageTooLong is pack_whack_msg's overflow: the strings and key do
// not fit in the 4,096 bytes of string[].
var ErrMessageTooLong = errors.New("too many bytes of strings or key to fit in message to pluto")

type wire []byte

func (w wire) u8(off int, b bool) {
	if b {
		w[off] = 1
	}
}
func (w wire) u16(off int, v uint16) { binary.LittleEndian.PutUint16(w[off:], v) }
func (w wire) u32(off int, v uint32) { binary.LittleEndian.PutUint32(w[off:], v) }
func (w wire) u64(off int, v uint64) { binary.LittleEndian.PutUint64(w[off:], v) }

// delta writes a deltatime_t (struct timeval: seconds, microseconds).
func (w wire) delta(off int, d time.Duration) {
	us := d.Microseconds()
	w.u64(off, uint64(us/1e6))
	w.u64(off+8, uint64(us%1e6))
}

func ipVersion(v6 bool) uint32 {
	if v6 {
		return 6
	}
	return 4
}

func (w wire) addr(off int, a Address) {
	if !a.IsSet {
		return
	}
	w[off] = 1
	v6 := a.V6
	if a.Addr.IsValid() {
		v6 = a.Addr.Is6() && !a.Addr.Is4In6()
	}
	w.u32(off+4, ipVersion(v6))
	if a.Addr.IsValid() {
		copy(w[off+8:off+24], a.Addr.AsSlice())
	}
}

func (w wire) prefix(off int, p Prefix) {
	if !p.IsSet {
		return
	}
	w[off] = 1
	w.u32(off+4, ipVersion(p.P.Addr().Is6()))
	copy(w[off+8:off+24], p.P.Addr().AsSlice())
	w.u32(off+24, uint32(p.P.Bits()))
}

func (w wire) end(off int, e *WhackEnd) {
	w.u32(off+endPubkeyAlg, e.PubkeyAlg)
	w.u32(off+endAuth, e.Auth)
	w.u32(off+endHostType, e.HostType)
	w.addr(off+endHostAddr, e.HostAddr)
	w.u32(off+endHostIKEPort, e.HostIKEPort)
	w.addr(off+endHostNexthop, e.HostNexthop)
	w.addr(off+endHostSrcIP, e.HostSrcIP)
	w.prefix(off+endHostVTIIP, e.HostVTIIP)
	w.prefix(off+endIfaceIP, e.IfaceIP)
	w.prefix(off+endClient, e.Client)
	if p := e.Protoport; p.IsSet {
		w[off+endProtoport] = 1
		w.u8(off+endProtoport+1, p.PortWildcard)
		w.u32(off+endProtoport+4, p.Port)
		w.u32(off+endProtoport+8, p.Proto)
	}
	w.u8(off+endKeyFromDNS, e.KeyFromDNS)
	if r := e.PoolRange; r.IsSet {
		o := off + endPoolRange
		w[o] = 1
		w.u8(o+1, r.IsSubnet)
		w.u32(o+4, ipVersion(r.Start.Is6()))
		copy(w[o+8:o+24], r.Start.AsSlice())
		copy(w[o+24:o+40], r.End.AsSlice())
	}
	w.u8(off+endXauthServer, e.XauthServer)
	w.u8(off+endXauthClient, e.XauthClient)
	w.u8(off+endModecfgServer, e.ModecfgServer)
	w.u8(off+endModecfgClient, e.ModecfgClient)
	w.u8(off+endCat, e.Cat)
	w.u32(off+endSendCert, e.SendCert)
	w.u32(off+endEAP, e.EAP)
	w.u8(off+endSendCA, e.SendCA)
	w.u32(off+endCertType, e.CertType)
}

func (e *WhackEnd) strings() []string {
	// pickle_whack_end's order.
	return []string{e.ID, e.Cert, e.Pubkey, e.CKAID, e.CA, e.Groups,
		e.Updown, e.Virt, e.XauthUsername, e.HostAddrName}
}

// Encode is the message as whack and addconn write it to the socket: the
// fixed part, then the packed strings (the unused rest of string[] is not
// sent).
func (m *Message) Encode() ([]byte, error) {
	w := wire(make([]byte, msgFixedSize, msgFixedSize+256))
	if m.Basic {
		w.u32(offMagic, whackBasicMagic)
	} else {
		w.u32(offMagic, WhackMagic)
	}
	w.u8(offWhackStatus, m.Status)
	w.u8(offWhackShutdown, m.Shutdown)
	w.u8(offWhackConnection, m.Connection)
	w.u8(offWhackAsync, m.Async)
	w.u32(offIKEVersion, m.IKEVersion)
	w.u64(offPolicy, m.Policy)
	for i, b := range []bool{m.Authby.PSK, m.Authby.Null, m.Authby.Never, m.Authby.RSASig, m.Authby.ECDSA, m.Authby.RSASigV15} {
		w.u8(offAuthby+i, b)
	}
	w.u64(offSighashPolicy, m.SighashPolicy)
	w.u32(offProspectiveShunt, m.ProspectiveShunt)
	w.u32(offNegotiationShunt, m.NegotiationShunt)
	w.u32(offFailureShunt, m.FailureShunt)
	w.delta(offIKELife, m.IKELife)
	w.delta(offIPsecLife, m.IPsecLife)
	w.delta(offRekeyMargin, m.RekeyMargin)
	w.u64(offIPsecMaxBytes, m.IPsecMaxBytes)
	w.u64(offIPsecMaxPackets, m.IPsecMaxPackets)
	w.u64(offRekeyFuzz, m.RekeyFuzz)
	w.u64(offKeyingTries, m.KeyingTries)
	w.u64(offReplayWindow, m.ReplayWindow)
	w.delta(offRetransmitTimeout, m.RetransmitTimeout)
	w.delta(offRetransmitInterval, m.RetransmitInt)
	w.u32(offNICOffload, m.NICOffload)
	w.u32(offXfrmIfID, m.XfrmIfID)
	w.delta(offDPDDelay, m.DPDDelay)
	w.delta(offDPDTimeout, m.DPDTimeout)
	w.u32(offDPDAction, m.DPDAction)
	w.u32(offRemotePeerType, m.RemotePeerType)
	w.u32(offEncaps, m.Encaps)
	w.u32(offRemoteTCPPort, m.RemoteTCPPort)
	w.u32(offIKETCP, m.IKETCP)
	w.u8(offNATKeepalive, m.NATKeepalive)
	w.u32(offIKEv1NATT, m.IKEv1NATT)
	w.u8(offInitialContact, m.InitialContact)
	w.u8(offCiscoUnity, m.CiscoUnity)
	w.u8(offFakeStrongswan, m.FakeStrongswan)
	w.u8(offSendVendorID, m.SendVendorID)
	w.u8(offNMConfigured, m.NMConfigured)
	w.u32(offXauthBy, m.XauthBy)
	w.u32(offXauthFail, m.XauthFail)
	w.u32(offSendCA, m.SendCA)
	w.u32(offConnMTU, m.ConnMTU)
	w.u32(offSAPriority, m.SAPriority)
	w.u32(offSATFCPad, m.SATFCPad)
	w.u8(offSendNoESPTFC, m.SendNoESPTFC)
	w.u32(offSAReqID, m.SAReqID)
	w.u32(offNflogGroup, m.NflogGroup)
	w.end(offLeft, &m.Left)
	w.end(offRight, &m.Right)
	w.u16(offTunnelAddrFamily, m.TunnelAddrFamily)
	w.u8(offWhackKey, m.Key)
	w.u32(offPubkeyAlg, m.PubkeyAlg)
	w.u64(offKeyvalLen, uint64(len(m.Keyval)))
	w.u8(offWhackRoute, m.Route)
	w.u8(offWhackUnroute, m.Unroute)
	w.u8(offWhackInitiate, m.Initiate)
	w.u8(offWhackTerminate, m.Terminate)
	w.u8(offWhackDelete, m.Delete)
	w.u8(offWhackListen, m.Listen)
	w.u8(offWhackUnlisten, m.Unlisten)
	w.u8(offVTIRouting, m.VTIRouting)
	w.u8(offVTIShared, m.VTIShared)
	w.u32(offMetric, m.Metric)

	// pickle_whack_message's order.
	strs := []string{m.Name}
	strs = append(strs, m.Left.strings()...)
	strs = append(strs, m.Right.strings()...)
	strs = append(strs, m.KeyID, m.IKE, m.ESP, m.Connalias, m.String1, m.String2, m.String3,
		m.DNSHostname, m.ModecfgDNS, m.ModecfgDomains, m.ModecfgBanner,
		m.ConnMarkBoth, m.ConnMarkIn, m.ConnMarkOut, m.VTIIface, m.RemoteHost,
		m.GlobalRedirectTo, m.RedirectTo, m.AcceptRedirectTo, m.ActiveRedirectDests)
	buf := []byte(w)
	for _, s := range strs {
		buf = append(buf, s...)
		buf = append(buf, 0)
	}
	buf = append(buf, m.Keyval...)
	// impairments: none. sec_label comes last.
	buf = append(buf, m.SecLabel...)
	buf = append(buf, 0)
	if len(buf)-msgFixedSize > msgStringRoom {
		return nil, ErrMessageTooLong
	}
	return buf, nil
}
