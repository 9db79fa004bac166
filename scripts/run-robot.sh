#!/usr/bin/env bash
# Runs the Robot Framework suites in robot-tests/ when Robot Framework is importable by python3; otherwise
# says plainly that they were not run and exits 0 (Robot is not a dependency of this project).
#
#   scripts/run-robot.sh [OUTPUT_DIR] [extra robot options...]     (default OUTPUT_DIR: robot-results)
#
# Builds dist/ first when it is missing or older than src/ (scripts/build-dist.sh), and the demo launcher (test/fixtures/demo-cli.ts)
# into dist-test/, then checks `libdoc` against a running demo server (the suites check libdoc in depth too)
# before running the suites.
set -uo pipefail
cd "$(dirname "$0")/.."
outdir=${1:-robot-results}
shift || true

if ! python3 -c 'import robot' 2>/dev/null; then
  echo "[robot] Robot Framework is not importable by python3: the robot-tests were NOT run."
  echo "[robot] Install it (pip install robotframework) to run them."
  exit 0
fi

bash scripts/build-dist.sh || { echo "[robot] FAILED: build (npx tsc -p tsconfig.json)" >&2; exit 1; }
npx tsc -p tsconfig.fixtures.json || { echo "[robot] FAILED: build (npx tsc -p tsconfig.fixtures.json)" >&2; exit 1; }
mkdir -p "$outdir"

# libdoc against a live demo server: the smallest proof that Robot can document what we serve.
workdir=$(mktemp -d)
node dist-test/test/fixtures/demo-cli.js --library demo --port 0 --port-file "$workdir/port" --log-level warn >"$workdir/server.out" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do [ -s "$workdir/port" ] && break; sleep 0.1; done
libdoc_rc=1
if [ -s "$workdir/port" ]; then
  python3 -m robot.libdoc "Remote::http://127.0.0.1:$(cat "$workdir/port")/x" "$outdir/demo-libdoc.json"
  libdoc_rc=$?
else
  echo "[robot] the demo server did not start:" >&2
  cat "$workdir/server.out" >&2
fi
kill "$server_pid" 2>/dev/null
wait "$server_pid" 2>/dev/null
rm -rf "$workdir"
if [ "$libdoc_rc" != 0 ]; then
  echo "[robot] FAILED: python3 -m robot.libdoc Remote::http://127.0.0.1:PORT/x out.json" >&2
  exit 1
fi

python3 -m robot --outputdir "$outdir" "$@" robot-tests/
