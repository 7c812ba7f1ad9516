#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME each (go test -fuzz takes one target
# a run). make fuzz runs them for 10 minutes each and keeps the corpus they
# build in each package's testdata/fuzz/FuzzX/ (FUZZ_KEEP=1); make test runs
# them for a few seconds each and keeps nothing. A crasher fails the run
# and is left in testdata/fuzz for a regression test.
#
# Go 1.26's fuzz coordinator can report "context deadline exceeded" as the
# target's failure when -fuzztime runs out (go.dev/issue/75804: the timeout
# reaches the coordinator before its workers' context is cancelled; a
# loaded machine widens the window). A run whose only failure is that
# message, with no failing input written, found nothing and passes here.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-10m}
FUZZ_KEEP=${FUZZ_KEEP:-1}
cache=$(go env GOCACHE)/fuzz
failed=0
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		echo "== $pkg $f ($FUZZTIME)"
		start=$SECONDS
		# The output goes to the terminal as it comes and is kept to judge.
		if ! out=$(go test -run '^$' -fuzz "^$f\$" -fuzztime "$FUZZTIME" "$pkg" 2>&1 |
			while IFS= read -r l; do printf '%s\n' "$l" >&2; printf '%s\n' "$l"; done); then
			if ! grep -q 'Failing input written to' <<<"$out" &&
				[ "$(grep -c '^    ' <<<"$out")" = 1 ] &&
				grep -qx '    context deadline exceeded' <<<"$out"; then
				echo "== $f: ended by go.dev/issue/75804 at the deadline, not a finding"
			else
				failed=1
			fi
		fi
		echo "== $f: $((SECONDS - start)) s"
		if [ "$FUZZ_KEEP" = 1 ] && [ -d "$cache/$pkg/$f" ]; then
			mkdir -p "$dir/testdata/fuzz/$f"
			cp -n "$cache/$pkg/$f"/* "$dir/testdata/fuzz/$f/" 2>/dev/null || true
		fi
	done
done
exit "$failed"
