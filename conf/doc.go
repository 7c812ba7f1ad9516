// Package conf reads ipsec.conf in every dialect its users have — FreeS/WAN
// 1.x and 2.x, Openswan 2.6, Libreswan 4 and 5 — and resolves each conn the
// way Libreswan 4.10 does: `conn %default` first, then the conn's own
// keywords, then its also= sections breadth first, with includes expanded
// in place.
//
// Reading is split in stages, one file each: scan.go (lines to tokens, with
// file:line:col), parse.go (tokens to sections), include.go (include lines,
// globs, depth and cycles), keyword.go with the generated zkeywords.go (the
// keyword table: section, left/right, type, aliases, obsolete forms),
// value.go (typed values), resolve.go (%default and also=), format.go (the
// canonical printer behind `ipsec readwriteconf`).
//
// Every diagnostic is a token.Error at FILE:LINE:COL. Errors are collected,
// not stopped at, so one run shows all of them, and each belongs to the
// smallest thing that is wrong: Load's error holds only what makes the file
// unreadable (syntax, section headers, includes); a bad or unknown keyword
// is the Err of its section (config setup leaves just that keyword out; a
// conn cannot load, nor can each conn that takes the bad value from
// %default or through also=), as are a missing also= target and conflicting
// keys. Consumers ask Config.Usable and Config.Err. Warnings (obsolete
// keywords, FreeS/WAN forms that were mapped, a conn name defined again:
// the first definition is used) come back in Config.Warnings.
//
// Where Libreswan silently drops or misreads input, conf does what the user
// meant or reports it; each such case is listed in tests/differential_test.go.
package conf
