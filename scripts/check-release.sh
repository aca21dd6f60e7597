#!/usr/bin/env bash
# Checks the release build in dist/ as users meet it: served as static files
# from a sub-path (/course/tcp/), loaded in headless Chromium, it must render
# the app at the step the URL asks for. Prints the bundle size (raw and
# gzip) and the time from navigation to the app's first render.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh

serve_dist

url="http://127.0.0.1:$port/course/tcp/?scenario=curl&step=3"
dom=$(timeout 60 chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
  --disable-background-networking --disable-component-update --disable-sync --no-first-run \
  --user-data-dir="$site/profile" --virtual-time-budget=10000 --dump-dom "$url" 2>/dev/null)

fail() { echo "release check failed: $*" >&2; exit 1; }
grep -q 'data-testid="state-client" data-state="ESTABLISHED"' <<<"$dom" || fail "client badge is not ESTABLISHED at step 3"
grep -q 'data-testid="state-server" data-state="ESTABLISHED"' <<<"$dom" || fail "server badge is not ESTABLISHED at step 3"
grep -q '3 / 12' <<<"$dom" || fail "the page is not at step 3 of 12"
first=$(grep -o 'data-first-frame-ms="[0-9]*"' <<<"$dom" | grep -o '[0-9]*' || echo "?")

# The default page's view is prerendered into index.html, which carries
# its lesson's script too: nothing else is fetched to show it.
grep -q 'class=prerendered' dist/index.html || fail "index.html has no prerendered view"
grep -q 'id=first-lesson' dist/index.html || fail "index.html does not carry its lesson's script"
raw=0; gz=0
for f in dist/*.html dist/*.js dist/*.wasm dist/*.css; do
  raw=$((raw + $(stat -c %s "$f"))); gz=$((gz + $(gzip -9c "$f" | wc -c)))
done
log "release build OK from a sub-path: HTML (with the prerendered view)+JS+wasm+CSS $raw bytes raw, $gz bytes gzip -9 ($((gz / 1024)) KiB); first render ${first} ms after navigation (virtual time)"

# The full build (modern TCP), which lessons that need it load instead.
[ -f dist/full/index.html ] || fail "no full build in dist/full"
fgz=0
for f in dist/full/*.html dist/full/*.js dist/full/*.wasm dist/full/*.css; do
  fgz=$((fgz + $(gzip -9c "$f" | wc -c)))
done
log "full build (dist/full/, loaded by the lessons with modern TCP): HTML+JS+wasm+CSS $fgz bytes gzip -9"
