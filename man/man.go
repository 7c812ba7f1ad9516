// Package man holds goswan's manual pages (roff, man(7) macros) and the
// generator of the keyword part of ipsec.conf(5).
//
// The pages are the files beside this one: ipsec.8, ipsec.conf.5 and one
// ipsec_APPLET.8 per applet. They are embedded in Pages so that tools and
// tests read exactly what `make install` installs. The keyword reference of
// ipsec.conf.5 is not written by hand: KeywordSection renders it from
// conf/keywords.tsv, the table the parser itself is generated from, and
// Splice puts it between the marker lines of the page (go generate ./man),
// so the manual cannot describe keywords the parser does not have.
// tests/man_test.go fails when the page is stale.
package man

import "embed"

//go:generate go run gen_keywords.go

// Pages holds every manual page of this directory.
//
//go:embed *.5 *.8
var Pages embed.FS
