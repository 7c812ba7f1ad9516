package health

import (
	"context"
	"errors"
	"strings"

	"goswan/conf/token"
)

// ConfigCheck: ipsec.conf reads and resolves without error (Libreswan's
// "Pluto ipsec.conf syntax", through our conf engine instead of addconn).
func ConfigCheck(ctx context.Context, e *Env) []Result {
	const name = "Pluto ipsec.conf syntax"
	cfg, err := e.Conf()
	if err != nil {
		return []Result{fail(name, "PARSE ERROR", errorLines(err),
			"fix the lines above (ipsec addconn --checkconfig shows the same)")}
	}
	if err := cfg.Err(); err != nil {
		return []Result{fail(name, "CONN ERROR", errorLines(err),
			"the conns with these errors will not load; bad config setup keywords are ignored")}
	}
	return []Result{ok(name, "")}
}

// ObsoleteCheck: keywords the conf engine warns about (Libreswan's
// "Checking for obsolete ipsec.conf options").
func ObsoleteCheck(ctx context.Context, e *Env) []Result {
	const name = "Checking for obsolete ipsec.conf options"
	cfg, _ := e.Conf()
	if cfg == nil {
		return []Result{na(name, "ipsec.conf could not be read")}
	}
	if len(cfg.Warnings) > 0 {
		return []Result{warn(name, "OBSOLETE KEYWORD", errorLines(cfg.Warnings),
			"remove or replace these keywords")}
	}
	return []Result{ok(name, "")}
}

// errorLines prints an error one diagnostic per line (file:line:col: msg).
func errorLines(err error) string {
	var list token.ErrorList
	if errors.As(err, &list) {
		lines := make([]string, len(list))
		for i, e := range list {
			lines[i] = e.Error()
		}
		return strings.Join(lines, "\n")
	}
	return err.Error()
}
