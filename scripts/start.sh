#!/usr/bin/env bash
# `npm start`: build if needed, then run the server in the foreground with the given options.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh >&2
npx tsc -p tsconfig.json >&2
exec node dist/cli.js "$@"
