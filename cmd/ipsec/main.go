// Command ipsec is goswan's multi-call front end: `ipsec APPLET args`, or an
// applet run directly through a link named ipsec_APPLET or APPLET.
package main

import "os"

func main() { os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr)) }
