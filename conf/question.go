package conf

// The questions other packages ask about a resolved conn, answered once
// here, where the values are.

// IKEv1 reports whether ikev2= selects IKEv1 (Libreswan 4.10: never, no,
// permit; unset means IKEv2).
func (c *Conn) IKEv1() bool { return isIKEv1(c.finder()) }

// HostIPv6 reports whether the conn's hosts are IPv6, as Libreswan 4.10
// decides it: hostaddrfamily= when set, else whether left, right or a
// nexthop is an IPv6 address, %defaultroute6 or %any6.
func (c *Conn) HostIPv6() bool { return hostFamilyIPv6(c.finder()) }

// QuoteValue writes a value so that this package (and Libreswan) reads it
// back whole: bare when it can be, else quoted or braced.
func QuoteValue(v string) string { return quote(v) }

// Default returns the value conn %default gives keyword kw, whether or not
// the conn overrides it. Libreswan reads %default as a conn of its own and
// starts every conn from that reading, so what it derived from a %default
// value (left=%defaultroute's nexthop, for one) can outlive the conn's own
// value for the keyword.
func (c *Conn) Default(kw string) (Value, bool) {
	if c.Values.base == nil {
		return Value{}, false
	}
	return c.Values.base.Get(kw)
}
