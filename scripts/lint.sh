#!/usr/bin/env bash
# The static gates of make test: gofmt, go vet for Linux and for a second
# GOOS (the _other.go stubs), staticcheck (installed by
# scripts/install-test-deps.sh), and mandoc -T lint on the man pages.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$bad" ]; then
	echo "gofmt would change: $bad" >&2
	exit 1
fi
go vet ./...
GOOS=freebsd go vet ./...
staticcheck=$(command -v staticcheck || echo "$(go env GOPATH)/bin/staticcheck")
if [ -x "$staticcheck" ]; then
	"$staticcheck" ./...
elif [ "${IPSEC_TEST_STRICT:-}" = 1 ]; then
	echo "lint: staticcheck not installed (scripts/install-test-deps.sh installs it)" >&2
	exit 1
else
	echo "lint: skipping staticcheck: not installed (scripts/install-test-deps.sh installs it)" >&2
fi
if command -v mandoc >/dev/null 2>&1; then
	for m in man/*.[58]; do
		[ -e "$m" ] || continue
		out=$(mandoc -T lint -W warning "$m" 2>&1 || true)
		if [ -n "$out" ]; then
			echo "$out" >&2
			exit 1
		fi
	done
fi
