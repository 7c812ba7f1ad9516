// Package oe publishes and checks the DNS records of opportunistic
// encryption (OE), as FreeS/WAN defined them: the record sets each OE role
// needs (a host's KEY in the forward or reverse map, the
// X-IPsec-Server TXT records a gateway places in its clients' reverse map,
// their PTRs, and the RFC 4025 IPSECKEY forms), RFC 2136 dynamic updates
// that replace those records on a name server, signed with TSIG (RFC 8945),
// and the lookups a peer makes to find a host's key, compared with the
// local key.
//
// It builds on the single-record builders of package keys and is what
// `ipsec showhostkey --publish/--check` and `ipsec verify` call through
// cmd/internal/oedns.
package oe
