#!/usr/bin/env bash
# Every test: formatting, lints, the engine's unit, golden, property,
# interop and Wireshark tests, the web app's release build (served from a
# sub-path and loaded in Chromium), and its browser tests in headless Chrome.
# The last line sums every suite: "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"
. scripts/setup.sh

results=$(mktemp)
passed=0
failed=0
# At the end, on success or failure: cargo's and wasm-bindgen-test's
# "test result" lines, the end-to-end checks, and each step that is a check
# of its own, summed on one line.
summarize() {
  local status=$?
  set +e
  local n
  n=$(grep -ho 'test result: [A-Za-z]*\. [0-9]* passed; [0-9]* failed' "$results" \
    | awk '{p += $4; f += $6} END {print p + 0, f + 0}')
  passed=$((passed + ${n% *}))
  failed=$((failed + ${n#* }))
  passed=$((passed + $(grep -c '^ok  ' "$results")))
  failed=$((failed + $(grep -c '^FAIL ' "$results")))
  # A step that stopped the run without a failed test of its own.
  if [ "$status" != 0 ] && [ "$failed" = 0 ]; then failed=1; fi
  rm -f "$results"
  echo "$passed passed, $failed failed"
}
trap summarize EXIT

# suite CMD...: a command whose test results are counted from its output.
suite() { "$@" 2>&1 | tee -a "$results"; }
# check NAME CMD...: a step that is one check: it passes or fails as a whole.
check() {
  local name=$1
  shift
  log "$name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); exit 1; fi
}

ensure_web_tools
ensure_browser
ensure_apt tshark tshark || true

check "cargo fmt --check" cargo fmt --all -- --check
check "cargo clippy" cargo clippy --workspace --all-targets --quiet -- -D warnings
check "engine builds for wasm32" cargo build --quiet -p tcpsim --lib --target wasm32-unknown-unknown
check "benchmarks compile" cargo bench --quiet -p tcpsim --no-run
log "engine tests"
suite cargo test --release -p tcpsim
log "engine unit tests without modern TCP (the first page's build)"
suite cargo test --release -p tcpsim --lib --no-default-features
log "app unit tests (native)"
suite cargo test --release -p watch-tcp --lib --features full
check "release build: ./run.sh build" ./run.sh build
check "release build loads from a sub-path in Chromium" scripts/check-release.sh
log "end-to-end: the release build in Chromium (Playwright)"
suite node tests/e2e/e2e.mjs dist target/e2e-screenshots
log "browser tests (wasm-bindgen-test, headless Chrome)"
suite env CHROMEDRIVER=/usr/bin/chromedriver \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown -p watch-tcp --features full
