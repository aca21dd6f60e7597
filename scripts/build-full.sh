#!/usr/bin/env bash
# Trunk post-build hook: after index.html (the first page, without modern
# TCP), builds full.html (the same app with it: SACK, timestamps and the
# newer congestion controls) into full/ of the same build. A lesson that
# needs modern TCP hands its URL over to full/ (see src/hooks.rs).
set -euo pipefail
case "${TRUNK_HTML_FILE:-}" in
  */index.html) ;;
  *) exit 0 ;;
esac
profile=()
[ "${TRUNK_PROFILE:-}" = release ] && profile=(--release)
out="$TRUNK_STAGING_DIR/full"
cd "$TRUNK_SOURCE_DIR"
# A clean environment for the inner build: the outer build's TRUNK_*
# variables describe index.html.
exec env -u TRUNK_STAGING_DIR -u TRUNK_DIST_DIR -u TRUNK_HTML_FILE -u TRUNK_PUBLIC_URL \
  -u TRUNK_PROFILE -u TRUNK_SOURCE_DIR -u TRUNK_SERVE \
  trunk build "${profile[@]}" --offline --dist "$out" full.html
