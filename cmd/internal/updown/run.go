package updown

import (
	"errors"
	"fmt"
	"os/exec"
	"sort"
)

// step is one function of the script (uproute, addsource, ...); its
// error is the function's non-zero return.
type step func(*call) error

// verbs maps every PLUTO_VERB to the steps _updown.xfrm runs for it, in
// order. Like the script, the verb's exit status is that of its last step;
// earlier steps report failures on stderr only.
var verbs = map[string][]step{
	"prepare-host":   {addVTIIface},
	"prepare-client": {addVTIIface},
	"route-host":     {addVTI, upRoute, addNFLOG},
	"route-client":   {addVTI, upRoute, addNFLOG},
	"unroute-host":   {downRoute, delSource},
	"unroute-client": {downRoute, delSource},
	"up-host":        {},
	"down-host":      {downRule, delNFLOG, delCAT, delVTI},
	"up-client":      {addVTIIface, updateResolvConf, addCAT, addSource, notifyConnect, addVTI},
	"down-client":    {downRule, delNFLOG, delCAT, delVTI, restoreResolvConf, notifyDisconnect},

	"prepare-host-v6":   {},
	"prepare-client-v6": {},
	"route-host-v6":     {upRoute},
	"route-client-v6":   {upRoute},
	"unroute-host-v6":   {downRoute, delSource},
	"unroute-client-v6": {downRoute, delSource},
	"up-host-v6":        {},
	"down-host-v6":      {},
	"up-client-v6":      {addSource, updateResolvConf, notifyConnect},
	"down-client-v6":    {restoreResolvConf, notifyDisconnect},
}

// Verbs lists every verb Run knows, sorted.
func Verbs() []string {
	out := make([]string, 0, len(verbs))
	for v := range verbs {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// call is the state of one run: the event, the system, and the script's
// globals that steps share (ROUTE, PROXY_ARP_ROUTE).
type call struct {
	*Event
	sys           *System
	route         string // ROUTE
	proxyARPRoute string // PROXY_ARP_ROUTE
}

// Run loads the event from getenv and args, performs its verb and returns
// the exit status _updown.xfrm would: 1 for an unknown verb or address
// family, otherwise that of the verb's last step; 2 for an unknown argument
// (an ArgError).
func Run(sys *System, getenv func(string) string, args []string) int {
	e, err := Load(getenv, args)
	if err != nil {
		fmt.Fprintf(sys.Stderr, "ipsec _updown: %v\n", err)
		var ae *ArgError
		if errors.As(err, &ae) {
			return 2
		}
		return 1
	}
	return e.Run(sys)
}

// Run performs e's verb on sys.
func (e *Event) Run(sys *System) int {
	steps, ok := verbs[e.Verb]
	if !ok {
		fmt.Fprintf(sys.Stderr, "ipsec _updown: unknown verb %q\n", e.Verb)
		return 1
	}
	if sys.Run == nil {
		sys.Run = runProgram
	}
	c := &call{Event: e, sys: sys}
	switch e.RouteArg {
	case "yes":
		c.route, c.proxyARPRoute = "yes", "no"
	}
	status := 0
	for _, s := range steps {
		status = 0
		if err := s(c); err != nil {
			status = exitStatus(err)
		}
	}
	return status
}

// exitStatus is the status a failed step returns: a program's own exit
// status, else 2 (what ip(8) exits with when the kernel refuses).
func exitStatus(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() > 0 {
		return ee.ExitCode()
	}
	return 2
}

// warnf prints a message the way the script's functions do, on stderr.
func (c *call) warnf(format string, args ...any) {
	fmt.Fprintf(c.sys.Stderr, "ipsec _updown: "+format+"\n", args...)
}
