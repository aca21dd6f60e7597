#!/usr/bin/env bash
# Every test: formatting, lints, the engine's unit, golden, property,
# interop and Wireshark tests, and the wasm32 build of the engine.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/setup.sh
ensure_rust_target
ensure_apt tshark tshark || true

log "cargo fmt --check"
cargo fmt --all -- --check
log "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
log "engine builds for wasm32"
cargo build --quiet -p tcpsim --lib --target wasm32-unknown-unknown
log "benchmarks compile"
cargo bench --quiet -p tcpsim --no-run
log "cargo test"
cargo test --release --workspace
