#!/usr/bin/env bash
# Runs the Rust tests of the BIOs, the transport and the SSL layer under AddressSanitizer
# (the nightly toolchain's -Zsanitizer=address, built apart in target/asan), then the C
# programs built with AddressSanitizer and under valgrind on qssl's libraries.
# Usage: scripts/sanitizers.sh   (needs the nightly toolchain; the C part runs in
# scripts/test.sh as well)
set -euo pipefail
cd "$(dirname "$0")/.."

target=$(rustc -vV | sed -n 's/^host: //p')
echo "==> Rust tests under AddressSanitizer ($target, nightly)"
# --target keeps the sanitizer out of build scripts and procedural macros.
RUSTFLAGS="-Zsanitizer=address" ASAN_OPTIONS="detect_leaks=1" \
    cargo +nightly test --locked --no-fail-fast --target "$target" --target-dir target/asan \
    -p qssl-bio -p qssl-quic -p qssl --tests

echo "==> C programs under AddressSanitizer and valgrind"
cargo test --locked -p qssl-capi --test c_programs -- under_
