#!/usr/bin/env bash
# Trunk post-build hook: the built page's HTML, in order (Trunk runs a
# stage's hooks at the same time, so the steps that rewrite it are one hook):
# 1. a release build of index.html gets its opening view prerendered
#    (src/bin/prerender.rs), so it shows before the WebAssembly arrives;
#    debug builds (`trunk serve`) and full.html render from nothing;
# 2. then its Content-Security-Policy, which hashes the inline scripts as
#    they finally are (scripts/add-csp.py).
set -euo pipefail
cd "${TRUNK_SOURCE_DIR:-.}"
case "${TRUNK_HTML_FILE:-}:${TRUNK_PROFILE:-}" in
  */index.html:release)
    cargo run --quiet --release --features prerender --bin prerender -- "$TRUNK_STAGING_DIR" ;;
esac
exec python3 scripts/add-csp.py
