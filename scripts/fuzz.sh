#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME each (go test -fuzz takes one target
# a run). make fuzz runs them for 10 minutes each and keeps the corpus they
# build in each package's testdata/fuzz/FuzzX/ (FUZZ_KEEP=1); make test runs
# them for a few seconds each and keeps nothing. A crasher fails the run
# and is left in testdata/fuzz for a regression test.
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
		if ! go test -run '^$' -fuzz "^$f\$" -fuzztime "$FUZZTIME" "$pkg"; then
			failed=1
		fi
		if [ "$FUZZ_KEEP" = 1 ] && [ -d "$cache/$pkg/$f" ]; then
			mkdir -p "$dir/testdata/fuzz/$f"
			cp -n "$cache/$pkg/$f"/* "$dir/testdata/fuzz/$f/" 2>/dev/null || true
		fi
	done
done
exit "$failed"
