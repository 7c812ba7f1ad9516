package verify

import (
	"context"

	"goswan/cmd/internal/health"
	"goswan/cmd/internal/oedns"
	"goswan/keys/oe"
)

// oeChecks returns the Opportunistic Encryption DNS checks (FreeS/WAN's
// "Opportunistic Encryption DNS checks": forward key for the host's id,
// reverse records for each public address), run after the local checks.
// They come from cmd/internal/oedns, which decides from ipsec.conf whether
// OE is in use at all (else one DISABLED line, not a failure).
func oeChecks(o Options) []health.Check {
	return []health.Check{func(ctx context.Context, e *health.Env) []health.Result {
		rs := oedns.VerifyChecks(ctx, oedns.VerifyOptions{
			Config: e.Config, Secrets: e.Secrets, Nameserver: o.Nameserver, Hostname: o.Hostname,
		})
		out := make([]health.Result, 0, len(rs))
		for _, r := range rs {
			h := health.Result{Name: r.Label, Word: string(r.Status), Detail: r.Detail}
			switch r.Status {
			case oe.OK:
				h.Status = health.OK
			case oe.Note:
				h.Status = health.Note
			case oe.NA, oe.Disabled:
				h.Status = health.NA
			default:
				h.Status = health.Failed
				h.Hint = "publish the records with ipsec showhostkey --publish (see ipsec_showhostkey(8))"
			}
			out = append(out, h)
		}
		return out
	}}
}
