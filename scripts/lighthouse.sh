#!/usr/bin/env bash
# Lighthouse scores (performance, accessibility, best practices) of the
# release build in dist/, served from a sub-path on 127.0.0.1, in Debian's
# Chromium: once as a phone on a throttled network (Lighthouse's default)
# and once as a desktop. A measurement, not a test: it prints the scores.
# Installs Lighthouse into tools/lighthouse/ the first time (not part of
# ./test.sh, which does not need it). Usage: scripts/lighthouse.sh [PAGE-QUERY]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
query=${1:-}
[ -f dist/index.html ] || { echo "no dist/: run trunk build --release --offline first" >&2; exit 1; }
if ! [ -x tools/lighthouse/node_modules/.bin/lighthouse ]; then
  log "installing Lighthouse 12 into tools/lighthouse"
  mkdir -p tools/lighthouse
  npm install --silent --no-audit --no-fund --prefix tools/lighthouse lighthouse@12
fi
serve_dist
flags="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking --disable-component-update --disable-sync --no-first-run"
for preset in mobile desktop; do
  extra=()
  [ $preset = desktop ] && extra=(--preset=desktop)
  tools/lighthouse/node_modules/.bin/lighthouse "http://127.0.0.1:$port/course/tcp/$query" \
    --chrome-path=/usr/bin/chromium --chrome-flags="$flags" --quiet \
    --only-categories=performance,accessibility,best-practices \
    --output=json --output-path="$site/$preset.json" "${extra[@]}"
  python3 - "$site/$preset.json" "$preset" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c, a = r["categories"], r["audits"]
scores = ", ".join(f"{k} {round(v['score'] * 100)}" for k, v in c.items())
metrics = ", ".join(f"{k} {a[k]['displayValue']}" for k in ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift"))
print(f"{sys.argv[2]:8} {scores}  ({metrics})")
for k, v in c.items():
    for ref in v["auditRefs"]:
        s = a[ref["id"]]["score"]
        if ref["weight"] > 0 and s is not None and s < 0.9:
            print(f"         {k}: {ref['id']} scored {round(s * 100)}: {a[ref['id']].get('displayValue', '')}")
PY
done
