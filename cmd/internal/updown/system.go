package updown

import (
	"io"
	"net/netip"

	"goswan/kernel"
)

// Kernel is the part of a network namespace's routing that updown changes
// and reads; *kernel.Handle is the real one.
type Kernel interface {
	RouteGet(dst, from netip.Addr) (kernel.Lookup, error)
	RouteReplace(kernel.Route) error
	RouteDel(kernel.Route) error
	MainRoutes(v6 bool) ([]kernel.Route, error)
	AddrAdd(dev string, p netip.Prefix, scope int) error
	AddrDel(dev string, p netip.Prefix) error
	Addrs(dev string, v6 bool, scope int) ([]netip.Prefix, error)
	AddrTentative(dev string, p netip.Prefix) (bool, error)
	Link(dev string) (kernel.LinkInfo, error)
	ProxyNeighAdd(addr netip.Addr, dev, mac string) error
	ProxyNeighDel(addr netip.Addr, dev string) error
	RuleAdd(kernel.Rule) error
	RuleDel(kernel.Rule) error
}

// System is everything an Event acts on: the kernel, the programs it runs
// (iptables, NetworkManager's helper; nil runs them with os/exec), where its
// messages go, and the files it edits.
type System struct {
	Kernel Kernel
	// Run runs a program with extra environment; it returns the program's
	// error (an *exec.ExitError for a non-zero status).
	Run    func(stdout, stderr io.Writer, env []string, name string, args ...string) error
	Stdout io.Writer
	Stderr io.Writer
	// ResolvConf and ResolvBackup are /etc/resolv.conf and pluto's backup
	// of it (/run/pluto/libreswan-resolv-conf-backup).
	ResolvConf, ResolvBackup string
}
