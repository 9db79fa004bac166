#!/usr/bin/env bash
# `npm start`: build dist/ when something it is built from changed (scripts/build-dist.sh), then run the
# server in the foreground with the given options. Everything else goes to stderr, so stdout carries the
# server's two lines (docs/server.md); npm prints its own banner there unless run as `npm start --silent`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh >&2
bash scripts/build-dist.sh
exec node dist/cli.js "$@"
