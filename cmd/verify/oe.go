package verify

import "goswan/cmd/internal/health"

// oeChecks returns the Opportunistic Encryption DNS checks (FreeS/WAN's
// "Opportunistic Encryption DNS checks": forward key for the host's id,
// reverse records for each public address), run after the local checks.
// They come from cmd/internal/oedns; o.Nameserver and o.Hostname are theirs.
// This is the hook: return them as health.Check values and they are run
// concurrently with the others and printed in this order.
func oeChecks(o Options) []health.Check {
	return nil
}
