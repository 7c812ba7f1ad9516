// Package secrets reads ipsec.secrets: the index lists (addresses, @FQDN,
// user@FQDN, %any, %any6, DNs, key ids), the key parts PSK, XAUTH, PPKS,
// PIN, `RSA { ... }` raw keys, `RSA` and `ECDSA` key files, the
// `include` directive with globs, the 0x/0s/0t encodings, quoting and the
// record/indentation rules of FreeS/WAN, Openswan and Libreswan.
//
// Secret values are held in types that print as [redacted] under every fmt
// verb, and errors carry FILE:LINE:COL and the kind of problem but never the
// text of a secret, so neither can leak into logs or diagnostics. Each entry
// also records where its secret tokens sit in the file (Entry.Spans), so a
// censor can blank them in a copy of the text.
//
// Lookup picks the secret for a pair of ids with the precedence FreeS/WAN's
// Pluto used.
package secrets
