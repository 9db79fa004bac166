#!/usr/bin/env bash
# Builds dist/ (npx tsc -p tsconfig.json) unless it is newer than everything it is built from; messages on
# stderr. Used by scripts/start.sh (npm start) and scripts/run-robot.sh.
#
# The stamp is written only after a build that succeeded: tsc emits even when it reports errors, so dist/'s
# own times would let a failed build look fresh. Directories are compared too, as removing a file changes them.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=dist/.build-stamp
if [ -f "$stamp" ] && [ -f dist/cli.js ] \
  && [ -z "$(find src tsconfig.json package.json package-lock.json -newer "$stamp" -print -quit)" ]; then
  exit 0
fi
echo "[build] dist/ is older than src/: npx tsc -p tsconfig.json" >&2
npx tsc -p tsconfig.json >&2
touch "$stamp"
