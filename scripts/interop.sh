#!/usr/bin/env bash
# The local interop runner: qssl's interop endpoint against each peer (qssl itself and
# aioquic, installed by scripts/test.sh), in both roles, for each test case, through a relay
# that plays the QUIC interop runner's network scenarios. Prints one line per run
# (CASE PEER ROLE pass|fail|unsupported (reason)) and exits non-zero if any run failed.
# Usage: scripts/interop.sh [--peers P,...] [--cases C,...] [--roles client,server]
#        [--matrix docs/INTEROP.md]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release --locked -p qssl-interop --bins
exec target/release/qssl-interop-runner "$@"
