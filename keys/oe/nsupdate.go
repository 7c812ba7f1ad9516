package oe

import (
	"fmt"
	"net"
	"strings"

	"github.com/miekg/dns"
)

// Nsupdate writes the updates in nsupdate(1) syntax, for --dry-run and for
// users who prefer to send them with nsupdate -k. The TSIG key is named in
// a comment only: its secret is never printed.
func Nsupdate(server string, key TSIGKey, updates []Update) string {
	var b strings.Builder
	if !key.IsZero() {
		fmt.Fprintf(&b, "; signed with %s\n", key)
	} else {
		b.WriteString("; unsigned\n")
	}
	if server != "" {
		host, port, err := net.SplitHostPort(server)
		if err != nil {
			host, port = server, "53"
		}
		fmt.Fprintf(&b, "server %s %s\n", host, port)
	}
	for _, u := range updates {
		fmt.Fprintf(&b, "zone %s\n", u.Zone)
		for _, s := range u.rrsets() {
			fmt.Fprintf(&b, "update delete %s %s\n", s.owner, dns.TypeToString[s.rtype])
			for _, rr := range s.rrs {
				fmt.Fprintf(&b, "update add %s\n", strings.ReplaceAll(rr.String(), "\t", " "))
			}
		}
		b.WriteString("send\n")
	}
	return b.String()
}
