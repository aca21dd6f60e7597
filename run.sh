#!/usr/bin/env bash
# The main job: build the web app and serve it at http://127.0.0.1:8080/
# (installing what is missing first). Extra arguments go to `trunk serve`.
# `./run.sh build` instead writes the release site to dist/ (see the
# README's "Deploying"), with the same tools on the PATH.
# The engine alone runs from the command line: see the README.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/setup.sh
ensure_web_tools
if [ "${1:-}" = build ]; then
  exec trunk build --release --offline
fi
exec trunk serve --offline --address 127.0.0.1 --port 8080 "$@"
