#!/usr/bin/env bash
# Prints the directory of OpenSSL 3.5's unmodified source tree inside the crates.io package
# openssl-src that Cargo.lock pins (a dev-dependency of qssl-capi), downloading it if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo metadata --format-version 1 --locked | python3 -c '
import json, os, sys
meta = json.load(sys.stdin)
path = next(p["manifest_path"] for p in meta["packages"] if p["name"] == "openssl-src")
print(os.path.join(os.path.dirname(path), "openssl"))'
