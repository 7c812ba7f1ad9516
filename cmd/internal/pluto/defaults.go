package pluto

import "time"

// defaultConn is a conn before its keywords apply: the defaults addconn of
// release v starts from (4.10: confread.c's built-in %default and
// starterwhack.c; 5.x: the same values, now also whack's own defaults).
// Every renderer reads them from the model, none applies its own.
func defaultConn(v Version) Conn {
	c := Conn{
		Version:            v,
		IKEVersion:         IKEv2,
		Type:               TypeTunnel,
		Phase2:             Phase2ESP,
		PFS:                true,
		Rekey:              true,
		IKEPad:             true,
		ESN:                ESNEither,
		Fragmentation:      FragYes,
		IKELifetime:        8 * time.Hour,
		IPsecLifetime:      8 * time.Hour,
		RekeyMargin:        9 * time.Minute,
		RekeyFuzz:          100,
		ReplayWindow:       128,
		IPsecMaxBytes:      1 << 63,
		IPsecMaxPackets:    1 << 63,
		RetransmitTimeout:  60 * time.Second,
		RetransmitInterval: 500 * time.Millisecond,
		DPDAction:          DPDHold,
		Encapsulation:      YNAAuto,
		NICOffload:         YNAAuto,
		TCPRemotePort:      4500,
		NATKeepalive:       true,
	}
	for _, e := range []*End{&c.Left, &c.Right} {
		e.SendCert = SendCertAlways
		e.Updown = "ipsec _updown"
	}
	return c
}

// maxLifetime is pluto's ceiling for ikelifetime= and ipsec-lifetime=:
// addconn passes larger values and pluto clamps them, whack refuses them.
const maxLifetime = 24 * time.Hour
