#!/usr/bin/env bash
# The main job: run the default scenario (curl, twelve packets) in the
# engine and print it like tcpdump. Extra arguments go to `tcpsim run curl`.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/setup.sh
cargo run --release --quiet -p tcpsim --bin tcpsim -- run curl "$@"
