#!/usr/bin/env bash
# Every test: formatting, lints, the engine's unit, golden, property,
# interop and Wireshark tests, the web app's release build (served from a
# sub-path and loaded in Chromium), and its browser tests in headless Chrome.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/setup.sh
ensure_web_tools
ensure_browser
ensure_apt tshark tshark || true

log "cargo fmt --check"
cargo fmt --all -- --check
log "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
log "engine builds for wasm32"
cargo build --quiet -p tcpsim --lib --target wasm32-unknown-unknown
log "benchmarks compile"
cargo bench --quiet -p tcpsim --no-run
log "engine tests"
cargo test --release -p tcpsim
log "app unit tests (native)"
cargo test --release -p watch-tcp --lib
log "release build: trunk build --release --offline"
trunk build --release --offline
scripts/check-release.sh
log "end-to-end: the release build in Chromium (Playwright)"
node tests/e2e/e2e.mjs dist target/e2e-screenshots
log "browser tests (wasm-bindgen-test, headless Chrome)"
CHROMEDRIVER=/usr/bin/chromedriver \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown -p watch-tcp
