// Package updown is goswan's default updown script for Linux XFRM: what
// `ipsec _updown` does when pluto (or ipsec manual) calls it with
// PLUTO_VERB and the other PLUTO_* variables of libreswan(7) "The updown
// script".
//
// Its effect on the kernel and the firewall is that of Libreswan 4.10's
// _updown.xfrm for the same environment: routes to the peer's client
// (with the conn's source address, metric, MTU and extra ip-route
// arguments), the source address added to lo when it is not local, the
// half routes that eclipse a default route, proxy ARP for a single
// on-link peer client, the table-50 route and fwmark rule of an XFRM
// interface mark, and iptables rules for nflog-group= (NFLOG) and client
// address translation (CAT). With PLUTO_CLIENT_FAMILY set (Libreswan 5.x's
// pluto) it takes 5.2's changes: the host and client families may differ,
// ::/0 is eclipsed by ::/1 and 8000::/1, and "File exists" is not an error.
//
// Routes, addresses, rules and neighbours go through netlink (a Kernel,
// normally a *kernel.Handle on the caller's namespace); firewall rules go
// through iptables, the site's own tool, as Libreswan's script does.
//
// Load reads the environment and arguments into an Event; Event.Run
// performs the verb and returns the exit status the script would.
package updown
