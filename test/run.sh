#!/usr/bin/env bash
# The whole test suite: installs what it needs (test/setup.sh), then runs every *.test.ts under
# test/ with Node's built-in test runner. Extra arguments are passed to `node --test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/setup.sh
mapfile -t files < <(find test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
exec node --import tsx --test --test-concurrency=2 "$@" "${files[@]}"
