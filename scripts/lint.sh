#!/usr/bin/env bash
# gofmt and go vet must be clean; man pages must pass mandoc -T lint.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$bad" ]; then
	echo "gofmt would change: $bad" >&2
	exit 1
fi
go vet ./...
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
