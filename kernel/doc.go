// Package kernel turns a manually keyed connection into Linux XFRM state and
// policy, and installs or removes it through netlink.
//
// The work is split so that the part that decides is pure and the part that
// touches the kernel is small: ParseManual reads a resolved conf.Conn into a
// Manual (typed, net/netip, keys checked against their algorithms),
// Manual.Plan computes the SAs and policies for one end (a Plan, a plain
// value that tests compare and golden files record), Plan.UpCommands and
// DownCommands render it as `ip xfrm` commands with keys censored (ipsec
// manual --showonly), and Handle.Apply/Remove (Linux only) install and
// delete exactly the plan's objects through a Handle bound to one network
// namespace (OpenHandle, or NewHandle around an explicit *netlink.Handle),
// rolling back on failure. Handle.Snapshot reads SAs, policies and routes
// back for ipsec look.
//
// Keys are of type Key, which never prints its bytes; only the netlink
// boundary sees them.
package kernel
