#!/usr/bin/env bash
# `npm run bench`: compiles src/ and bench/ with tsconfig.bench.json into dist-bench/, then runs every
# dist-bench/bench/*.js in turn (each prints its figures and one JSON line). A failing bench is reported and
# the others still run; the exit code says whether all succeeded.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh >&2 || exit 1
rm -rf dist-bench
npx tsc -p tsconfig.bench.json || { echo "[bench] FAILED: npx tsc -p tsconfig.bench.json" >&2; exit 1; }
# The VM benches drive the server through the tests' Python client (test/support/xmlrpc.ts next to its driver).
cp test/support/xmlrpc_driver.py dist-bench/test/support/
status=0
for bench in dist-bench/bench/*.js; do
  echo "[bench] $bench"
  node "$bench" || { echo "[bench] FAILED: $bench" >&2; status=1; }
done
exit "$status"
