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
