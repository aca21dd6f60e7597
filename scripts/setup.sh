#!/usr/bin/env bash
# Installs what the project needs and is missing. Idempotent: every step
# checks first, so a second run is fast. Sourced by run.sh and test.sh.
set -euo pipefail

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_rust_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

apt_updated=0
ensure_apt() { # ensure_apt COMMAND PACKAGE...
  local cmd=$1; shift
  command -v "$cmd" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    log "$cmd is missing and cannot be installed here (needs root and apt-get); skipping"
    return 1
  fi
  if [ $apt_updated = 0 ]; then
    log "apt-get update"
    apt-get update -qq
    apt_updated=1
  fi
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# `cargo install` of one exact version, skipped when that version is there.
ensure_cargo_tool() { # ensure_cargo_tool BINARY VERSION CRATE [INSTALL-FLAGS...]
  local bin=$1 version=$2 crate=$3; shift 3
  if "$bin" --version 2>/dev/null | grep -qF "$version"; then return 0; fi
  log "installing $crate $version (cargo install; slow the first time)"
  cargo install --quiet "$@" "$crate" --version "$version"
}

# What the web app needs: the wasm target, Trunk, wasm-bindgen matching
# Cargo.lock, wasm-opt 132 from npm (Debian's is too old), Chromium and its
# driver for the browser tests. See ../shared/toolchain-notes.md.
ensure_web_tools() {
  ensure_rust_target
  # trunk 0.22 needs a newer rustc than this machine's 1.95.
  ensure_cargo_tool trunk 0.21.14 trunk --locked
  local bindgen
  bindgen=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
  # `--locked` fails here: one pinned dependency is not served.
  ensure_cargo_tool wasm-bindgen "$bindgen" wasm-bindgen-cli
  # tools/package.json pins binaryen (wasm-opt), terser, playwright-core and axe-core.
  if ! [ -x tools/node_modules/.bin/wasm-opt ] || ! [ -d tools/node_modules/axe-core ] \
      || ! [ -d tools/node_modules/terser ] \
      || [ tools/package-lock.json -nt tools/node_modules/.package-lock.json ]; then
    command -v npm >/dev/null || ensure_apt npm nodejs npm
    log "installing node tools into tools/ (wasm-opt 132, terser, playwright-core, axe-core)"
    (cd tools && npm ci --silent --no-audit --no-fund)
  fi
  export PATH="$PWD/tools/node_modules/.bin:$PATH"
}

ensure_browser() {
  ensure_apt chromium chromium chromium-driver
  ensure_apt chromedriver chromium-driver
}

# Serves dist/ as static files under /course/tcp/ on a free port of
# 127.0.0.1 until the calling script exits; sets $site (a scratch folder,
# removed at exit) and $port.
serve_dist() {
  site=$(mktemp -d)
  mkdir -p "$site/course"
  ln -s "$PWD/dist" "$site/course/tcp"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 -m http.server "$port" --bind 127.0.0.1 --directory "$site" >/dev/null 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true; rm -rf "$site"' EXIT
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
}
