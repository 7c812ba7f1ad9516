package kernel

import (
	"fmt"
	"net/netip"
)

// Proto is an IPsec protocol as XFRM names it.
type Proto uint8

// The IPsec protocols a manual conn can use.
const (
	ProtoESP Proto = iota + 1
	ProtoAH
)

func (p Proto) String() string {
	switch p {
	case ProtoESP:
		return "esp"
	case ProtoAH:
		return "ah"
	}
	return fmt.Sprintf("proto(%d)", uint8(p))
}

// Mode is an SA's encapsulation mode.
type Mode uint8

// SA modes.
const (
	ModeTransport Mode = iota
	ModeTunnel
)

func (m Mode) String() string {
	if m == ModeTunnel {
		return "tunnel"
	}
	return "transport"
}

// Dir is a policy direction.
type Dir uint8

// Policy directions: out for packets this host sends, in for packets it
// receives for itself, fwd for packets it forwards to the subnet behind it.
const (
	DirOut Dir = iota
	DirIn
	DirFwd
)

func (d Dir) String() string {
	switch d {
	case DirIn:
		return "in"
	case DirFwd:
		return "fwd"
	}
	return "out"
}

// Algo is one kernel algorithm with its key: Name is the kernel's crypto API
// name ("cbc(aes)", "hmac(sha256)", "rfc4106(gcm(aes))").
type Algo struct {
	Name string
	Key  Key
	// Bits is the truncation length of an authentication algorithm or the
	// ICV length of an AEAD one; 0 for a cipher.
	Bits int
}

// State is one XFRM SA.
type State struct {
	Src, Dst     netip.Addr
	Proto        Proto
	SPI          uint32
	Mode         Mode
	Reqid        uint32
	ReplayWindow uint32
	// Enc and Auth are set for ESP with a cipher plus an integrity
	// algorithm, AEAD alone for combined-mode ESP, Auth alone for AH.
	Enc, Auth, AEAD *Algo
}

// ID names the SA as the kernel finds it: destination, protocol and SPI.
func (s State) ID() string {
	return fmt.Sprintf("%s %s spi 0x%08x", s.Dst, s.Proto, s.SPI)
}

// Template is one transform a policy requires.
type Template struct {
	Src, Dst netip.Addr
	Proto    Proto
	Mode     Mode
	Reqid    uint32
}

// Policy is one XFRM policy: traffic from Src to Dst in direction Dir must
// pass through Tmpls, innermost first.
type Policy struct {
	Src, Dst netip.Prefix
	Dir      Dir
	Priority uint32
	Action   Action
	Tmpls    []Template
}

// ID names the policy as the kernel finds it: selector and direction.
func (p Policy) ID() string {
	return fmt.Sprintf("%s -> %s dir %s", p.Src, p.Dst, p.Dir)
}
