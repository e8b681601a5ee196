#!/usr/bin/env bash
# Installs qssl's C libraries, headers and pkg-config files under PREFIX, as OpenSSL lays
# them out: PREFIX/lib/{libssl.so.3,libcrypto.so.3,libqssl.so.0,libssl.so,libcrypto.so,
# libssl.a,libcrypto.a}, PREFIX/lib/pkgconfig/{openssl,libssl,libcrypto}.pc and
# PREFIX/include/openssl/*.h, with qssl's own headers in PREFIX/include/qssl/. Then `PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pkg-config --cflags
# --libs openssl` works against PREFIX.
# Usage: scripts/install.sh [--debug] [--no-build] PREFIX   (the flags as scripts/c-libs.sh's)
set -euo pipefail
cd "$(dirname "$0")/.."
flags=()
prefix=
for arg in "$@"; do
    case $arg in
        --debug | --no-build) flags+=("$arg") ;;
        -*) echo "usage: $0 [--debug] [--no-build] PREFIX" >&2; exit 2 ;;
        *) prefix=$arg ;;
    esac
done
[ -n "$prefix" ] || { echo "usage: $0 [--debug] [--no-build] PREFIX" >&2; exit 2; }
lib=$(scripts/c-libs.sh "${flags[@]}" | tail -n 1)
mkdir -p "$prefix/lib/pkgconfig" "$prefix/include/openssl" "$prefix/include/qssl"
prefix=$(cd "$prefix" && pwd)
cp -P "$lib"/lib*.so* "$lib"/lib*.a "$prefix/lib/"
cp capi/include/openssl/*.h "$prefix/include/openssl/"
cp capi/include/qssl/*.h "$prefix/include/qssl/"
for pc in "$lib"/pkgconfig/*.pc; do
    sed -e "s|^prefix=.*|prefix=$prefix|" -e 's|^includedir=.*|includedir=${prefix}/include|' \
        "$pc" >"$prefix/lib/pkgconfig/$(basename "$pc")"
done
echo "$prefix"
