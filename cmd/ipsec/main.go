// Command ipsec is goswan's multi-call front end: `ipsec APPLET args`, or an
// applet run directly through a link named ipsec_APPLET or APPLET. It is a
// superset of FreeS/WAN's and Libreswan's `ipsec`: their front-end verbs
// (`ipsec status`, `ipsec --checknss`, `ipsec add CONN`) and every program
// of Libreswan's program directory (`ipsec pluto`, `ipsec whack`) run
// through it.
package main

import (
	"os"
	"runtime/debug"
)

// memoryLimit is the heap size at which the garbage collector starts to
// work. Every applet is a short-lived command: collecting while the heap is
// small only costs time (a seventh of readwriteconf's CPU time on 100,000
// conns, whose 61 MB stay below the limit), so collection waits until the
// heap nears this limit. GOGC or GOMEMLIMIT in the environment keep the
// runtime's defaults.
const memoryLimit = 160 << 20

func main() {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(-1)
		debug.SetMemoryLimit(memoryLimit)
	}
	os.Exit(newFrontEnd(os.Stdin, os.Stdout, os.Stderr).run(os.Args))
}
