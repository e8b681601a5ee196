#!/usr/bin/env bash
# Sets up everything the tests need on a fresh machine, then runs every check and test.
# Usage: scripts/test.sh   (from anywhere inside the repository)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# Incremental caches only help repeated local builds; on a fresh clone they double the disk
# the build takes.
export CARGO_INCREMENTAL=0

step "toolchain"
# rust-toolchain.toml pins the compiler; make sure its components are present.
rustup show active-toolchain
rustup component add rustfmt clippy >/dev/null 2>&1 || true
cargo --version

step "test peers"
# aioquic is the Python interop peer of the QUIC tests (interop/peers/aioquic_hq.py).
python3 -m pip install --quiet --disable-pip-version-check "aioquic==1.7.2"
python3 -c "import aioquic; print('aioquic', aioquic.__version__)"
# Debian packages the tests need, installed only when a command is missing.
apt_updated=
need() { # need COMMAND PACKAGE...
    command -v "$1" >/dev/null 2>&1 && return 0
    shift
    if [ -z "$apt_updated" ]; then
        apt-get update -qq || sudo apt-get update -qq
        apt_updated=1
    fi
    apt-get install -y -qq --no-install-recommends "$@" \
        || sudo apt-get install -y -qq --no-install-recommends "$@"
}
# The system OpenSSL command-line tool is the TLS interop peer of the Rust tests.
need openssl openssl
openssl version
# The C API tests build C programs (cc), link qssl's libraries (binutils), use pkg-config,
# build the reference OpenSSL (make, perl) and check memory with valgrind.
need cc gcc
need readelf binutils
need make make
need perl perl
need pkg-config pkg-config
need valgrind valgrind
# The local interop runner decrypts its captures with tshark (as the QUIC interop runner
# does); ngtcp2's Debian examples are the HTTP/3 peer.
export DEBIAN_FRONTEND=noninteractive
need tshark tshark
tshark --version | head -1
need gtlsclient ngtcp2-client
need gtlsserver ngtcp2-server

step "reference OpenSSL 3.5 (built once from the openssl-src package, cached in target/)"
time scripts/reference-openssl.sh

step "format"
cargo fmt --all -- --check

step "lint"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "unit, integration and benchmark-smoke tests"
# --all-targets also runs each criterion benchmark once in test mode and builds the examples.
cargo test --workspace --all-targets --locked

step "doc tests, and the documentation builds without warnings"
cargo test --workspace --doc --locked
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

step "fuzz targets still build (running them: fuzz/README.md)"
cargo check --manifest-path fuzz/Cargo.toml --locked

step "interop: a fast subset of the local runner (the full run: scripts/interop.sh)"
scripts/interop-peers.sh dev
target/debug/qssl-interop-runner --peers qssl,quinn,openssl,aioquic,ngtcp2 --jobs 2 \
    --cases handshake,chacha20,retry,resumption,keyupdate,transferloss,http3 \
    --work target/interop-ci
# NAT rebinding, ECN and 0-RTT against the peers that support them (OpenSSL 3.5 does none
# of them, aioquic no ECN).
target/debug/qssl-interop-runner --peers qssl,quinn,aioquic --jobs 2 \
    --cases rebind-port,rebind-addr,ecn,zerortt --work target/interop-ci
# A server's preferred address, followed by qssl's and aioquic's clients (not quinn's);
# QUIC v2 by compatible version negotiation (quinn and OpenSSL 3.5 speak v1 only).
target/debug/qssl-interop-runner --peers qssl,aioquic --jobs 2 \
    --cases connectionmigration,v2 --work target/interop-ci

step "main job (small run)"
cargo run -q --locked -p qssl-interop --example quic-demo -- --size-mib 4 --files 3
cargo run -q --locked -p qssl-interop --example quic-demo -- --size-mib 4 --ipv6
cargo run -q --locked -p qssl-bio --example dgram-demo -- --count 2000
cargo run -q --locked -p qssl-bio --example dgram-demo -- --count 2000 --ipv6

step "done"
