#!/usr/bin/env bash
# Builds the endpoint programs of the local interop runner into <dir> (default
# target/release): qssl's (qssl-interop-endpoint) and quinn's (quinn-interop-endpoint) with
# cargo in <profile> (default release), and OpenSSL's (openssl-interop-endpoint, from
# interop/peers/openssl/hq_endpoint.c) linked statically against the reference OpenSSL 3.5
# (scripts/reference-openssl.sh).
# Usage: scripts/interop-peers.sh [release|dev]
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-release}
cargo build -q --locked --profile "$profile" -p qssl-interop -p qssl-interop-quinn --bins
dir=target/$([ "$profile" = dev ] && echo debug || echo "$profile")
ref=$(scripts/reference-openssl.sh)
src=interop/peers/openssl/hq_endpoint.c
out=$dir/openssl-interop-endpoint
if [ ! "$out" -nt "$src" ] || [ ! "$out" -nt "$ref/lib/libssl.a" ]; then
    cc -O2 -Wall -Wextra -Werror -std=c11 -o "$out" "$src" -I"$ref/include" \
        "$ref/lib/libssl.a" "$ref/lib/libcrypto.a" -pthread -ldl
fi
