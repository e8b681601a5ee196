#!/usr/bin/env bash
# The local interop runner: qssl's interop endpoint against each peer (qssl itself, quinn,
# OpenSSL 3.5 and aioquic; scripts/interop-peers.sh builds the programs, scripts/test.sh
# installs aioquic), in both roles, for each test case, through a relay that plays the QUIC
# interop runner's network scenarios. Prints one line per run
# (CASE PEER ROLE pass|fail|unsupported (reason)) and exits non-zero if any run failed.
# Usage: scripts/interop.sh [--peers P,...] [--cases C,...] [--roles client,server]
#        [--matrix docs/INTEROP.md]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/interop-peers.sh release
exec target/release/qssl-interop-runner --notes interop/known-failures.md "$@"
