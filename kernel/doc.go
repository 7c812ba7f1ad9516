// Package kernel turns a manually keyed connection into Linux XFRM state and
// policy, and installs or removes it through netlink.
//
// The work is split so that the part that decides is pure and the part that
// touches the kernel is small: ParseManual reads a resolved conf.Conn into a
// Manual (typed, net/netip, keys checked against their algorithms),
// Manual.Plan computes the SAs and policies for one end (a Plan, a plain
// value that tests compare and golden files record), Plan.Commands renders
// it as `ip xfrm` commands with keys censored (ipsec manual --showonly), and
// Apply/Remove (Linux only) install and delete exactly the plan's objects
// through an explicit *netlink.Handle, rolling back on failure.
//
// Keys are of type Key, which never prints its bytes; only the netlink
// boundary sees them.
package kernel
