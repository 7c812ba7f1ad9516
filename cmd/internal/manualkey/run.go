// Package manualkey performs the manual-keying operations (up, down,
// route, unroute) on conns of a loaded configuration: find which end this
// host is, resolve %defaultroute, plan with package kernel, install or
// remove through netlink, and run the updown script. ipsec manual is its
// command line; ipsec setup uses it for the manualstart= conns.
package manualkey

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strings"

	"goswan/conf"
	"goswan/conf/token"
	"goswan/kernel"
)

// Operations are the operations Run knows, in FreeS/WAN's spelling.
var Operations = []string{"up", "down", "route", "unroute"}

// IAm is --iam ADDRESS@INTERFACE: this host's end, given instead of
// looked up.
type IAm struct {
	Addr  netip.Addr
	Iface string
}

// ParseIAm reads ADDRESS@INTERFACE.
func ParseIAm(s string) (IAm, error) {
	a, ifc, ok := strings.Cut(s, "@")
	addr, err := netip.ParseAddr(a)
	if !ok || err != nil || ifc == "" {
		return IAm{}, fmt.Errorf("--iam %q: want ADDRESS@INTERFACE, e.g. 192.0.2.1@eth0", s)
	}
	return IAm{Addr: addr.Unmap(), Iface: ifc}, nil
}

// Options say what Run does and where it reports.
type Options struct {
	Op       string // one of Operations
	ShowOnly bool   // print what would be done (keys censored), change nothing
	Show     bool   // print each step on Stderr as it is done
	Other    bool   // act as the other end
	IAm      *IAm   // this host's end; nil to look at the host's addresses
	// Prog prefixes messages ("ipsec manual").
	Prog           string
	Stdout, Stderr io.Writer
}

// Run performs opt.Op on each named conn in order. A conn that fails is
// reported on opt.Stderr (positioned errors bare, one per line, then
// "PROG: fatal error in ..."), and the others are still done; Run returns
// how many failed.
func Run(cfg *conf.Config, names []string, opt Options) int {
	r := &runner{op: opt.Op, showonly: opt.ShowOnly, show: opt.Show, other: opt.Other, iam: opt.IAm,
		out: opt.Stdout, errw: opt.Stderr}
	defer func() {
		if r.h != nil {
			r.h.Close()
		}
	}()
	failed := 0
	for _, name := range names {
		if err := r.conn(cfg, name); err != nil {
			var list token.ErrorList
			if errors.As(err, &list) {
				for _, e := range list {
					fmt.Fprintln(opt.Stderr, e.Error())
				}
				err = fmt.Errorf("fatal error in %q: conn not usable for manual keying", name)
			}
			fmt.Fprintf(opt.Stderr, "%s: %v\n", opt.Prog, err)
			failed++
		}
	}
	return failed
}

// runner carries one Run's options and netlink handle across its conns.
type runner struct {
	op                    string
	showonly, show, other bool
	iam                   *IAm
	out, errw             io.Writer
	h                     *kernel.Handle
	addrs                 map[netip.Addr]string // the host's, read once per run
}

func (r *runner) conn(cfg *conf.Config, name string) error {
	cn := cfg.Conn(name)
	if cn == nil {
		names := make([]string, 0, len(cfg.Conns))
		for _, c := range cfg.Conns {
			names = append(names, c.Name)
		}
		sort.Strings(names)
		msg := fmt.Sprintf("no conn %q in %s", name, strings.Join(cfg.Files[:min(1, len(cfg.Files))], ""))
		if s := token.Suggest(name, names); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return errors.New(msg)
	}
	if cn.Err != nil {
		return cn.Err
	}
	if !cn.IsManual() {
		return fmt.Errorf("fatal error in %q: not a manually keyed conn (no spi=, spibase= or keys; use ipsec auto)", name)
	}
	m, err := kernel.ParseManual(cn)
	if err != nil {
		return err
	}
	host, err := r.orient(m)
	if err != nil {
		return fmt.Errorf("fatal error in %q: %w", name, err)
	}
	plan, err := m.Plan(host.side, kernel.Options{})
	if err != nil {
		return fmt.Errorf("fatal error in %q: %w", name, err)
	}
	u := newUpdown(m, host)
	if r.showonly {
		r.printPlan(m, host, plan, u)
		return nil
	}
	if _, err := r.handle(); err != nil {
		return err
	}
	return r.do(plan, u)
}

// handle opens netlink on first use, so --showonly --iam needs none.
func (r *runner) handle() (*kernel.Handle, error) {
	if r.h == nil {
		h, err := kernel.OpenHandle("")
		if err != nil {
			return nil, err
		}
		r.h = h
	}
	return r.h, nil
}

// do runs the operation. A failing --up takes back what it did, as
// FreeS/WAN's script ran its --down sequence.
func (r *runner) do(plan *kernel.Plan, u *updown) error {
	switch r.op {
	case "up":
		r.step("installing %d SAs and %d policies for %q", len(plan.States), len(plan.Policies), plan.Conn)
		if err := r.h.Apply(plan); err != nil {
			return err
		}
		for _, verb := range []string{"prepare", "route", "up"} {
			if err := r.updown(u, verb); err != nil {
				_ = r.updown(u, "down")
				if _, rerr := r.h.Remove(plan); rerr != nil {
					err = errors.Join(err, rerr)
				}
				return fmt.Errorf("%w; conn %q taken down again", err, plan.Conn)
			}
		}
	case "down":
		derr := r.updown(u, "down")
		r.step("deleting the SAs and policies of %q (the route stays)", plan.Conn)
		if _, err := r.h.Remove(plan); err != nil {
			return errors.Join(derr, err)
		}
		return derr
	case "route":
		for _, verb := range []string{"prepare", "route"} {
			if err := r.updown(u, verb); err != nil {
				return err
			}
		}
	case "unroute":
		return r.updown(u, "unroute")
	}
	return nil
}

func (r *runner) updown(u *updown, verb string) error {
	if u.command == "" {
		r.step("no updown script (%s skipped)", u.verb(verb))
		return nil
	}
	r.step("PLUTO_VERB=%s %s", u.verb(verb), u.command)
	return u.run(verb, r.h, r.out, r.errw)
}

func (r *runner) step(format string, args ...any) {
	if r.show {
		fmt.Fprintf(r.errw, "+ "+format+"\n", args...)
	}
}

// printPlan is --showonly: the kernel commands with keys censored and the
// updown calls, in the order the operation would run them.
func (r *runner) printPlan(m *kernel.Manual, host hostEnd, plan *kernel.Plan, u *updown) {
	w := r.out
	fmt.Fprintf(w, "# conn %q --%s: this host is %s (%s@%s)\n", m.Name, r.op, host.side, host.addr, host.iface)
	call := func(verb string) {
		if u.command == "" {
			fmt.Fprintf(w, "# no updown script (%s skipped)\n", u.verb(verb))
			return
		}
		fmt.Fprintf(w, "%s %s\n", strings.Join(u.env(verb), " "), u.command)
	}
	switch r.op {
	case "up":
		for _, l := range plan.UpCommands() {
			fmt.Fprintln(w, l)
		}
		call("prepare")
		call("route")
		call("up")
	case "down":
		call("down")
		fmt.Fprintln(w, "# the route stays")
		for _, l := range plan.DownCommands() {
			fmt.Fprintln(w, l)
		}
	case "route":
		call("prepare")
		call("route")
	case "unroute":
		call("unroute")
	}
}
