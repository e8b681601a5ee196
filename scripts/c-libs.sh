#!/usr/bin/env bash
# Builds qssl's C libraries the way OpenSSL installs its own, and prints their directory
# (target/<profile>/c/lib):
#   libssl.so.3, libcrypto.so.3  with those SONAMEs; each declares exactly the OpenSSL names
#                                of its library that qssl implements, with OpenSSL's version
#                                nodes (OPENSSL_3.0.0 ... OPENSSL_3.5.0), and is a filter on
#                                libqssl.so.0, so the loader takes every definition from there
#   libqssl.so.0                 the implementation: one Rust runtime, one error queue
#   libssl.so, libcrypto.so      links for `cc -lssl -lcrypto`
#   libssl.a, libcrypto.a        for static linking (everything is in libcrypto.a, so both
#                                `-lssl -lcrypto` and `-lcrypto` alone link)
#   pkgconfig/{openssl,libssl,libcrypto}.pc
# The exports are the names recorded in the static archive's .qssl_exports section (by
# #[entry] and the C shim); their versions come from OpenSSL 3.5's util/*.num lists.
# Usage: scripts/c-libs.sh [--debug] [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
build=1
for arg in "$@"; do
    case $arg in
        --debug) profile=debug ;;
        --no-build) build=0 ;;
        *) echo "usage: $0 [--debug] [--no-build]" >&2; exit 2 ;;
    esac
done
if [ "$build" = 1 ]; then
    flags=(--locked -p qssl-capi)
    [ "$profile" = release ] && flags+=(--release)
    cargo build "${flags[@]}" >&2
fi
target=$(cargo metadata --no-deps --format-version 1 --locked |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
archive=$target/$profile/libqssl_capi.a
out=$target/$profile/c
# One link at a time: test binaries of different crates may ask for the libraries at once.
mkdir -p "$target/$profile"
exec 9>"$target/$profile/c-libs.lock"
flock 9
lib=$out/lib
work=$out/work
include=$PWD/capi/include
[ -f "$archive" ] || { echo "$archive is missing: build qssl-capi first" >&2; exit 1; }

# Up to date: nothing the libraries are made of is newer than they are.
if [ -f "$lib/.complete" ] && [ -z "$(find "$archive" capi/shim capi/include scripts/c-libs.sh \
        scripts/c_exports.py -newer "$lib/.complete" -print -quit)" ]; then
    echo "$lib"
    exit 0
fi
rm -rf "$out"
mkdir -p "$work" "$lib/pkgconfig"

# The variadic functions, which Rust cannot define, are C.
cc -c -O2 -fPIC -std=c11 -Wall -Wextra -Werror -I"$include" capi/shim/variadic.c -o "$work/variadic.o"

readelf -p .qssl_exports "$archive" "$work/variadic.o" 2>/dev/null |
    sed -n 's/^ *\[ *[0-9a-f]*\] *//p' >"$work/names.txt"
python3 scripts/c_exports.py "$(scripts/openssl-src.sh)" "$work" <"$work/names.txt"
undefined=()
while read -r name _; do undefined+=("-Wl,-u,$name"); done <"$work/exports.txt"

# The implementation: only the exports are global, each with its version.
cc -shared -o "$lib/libqssl.so.0" -Wl,-soname,libqssl.so.0 \
    -Wl,--version-script="$work/libqssl.ld" -Wl,--gc-sections -Wl,-z,noexecstack \
    "${undefined[@]}" "$work/variadic.o" "$archive" \
    -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
# The two libraries programs name: filters whose symbols resolve in libqssl.so.0 (found next
# to them through $ORIGIN). libssl needs libcrypto, as OpenSSL's does.
cc -shared -fPIC -fno-builtin -w -o "$lib/libcrypto.so.3" "$work/libcrypto.c" \
    -Wl,-soname,libcrypto.so.3 -Wl,--version-script="$work/libcrypto.ld" \
    -Wl,--filter=libqssl.so.0 -Wl,-rpath,'$ORIGIN' -Wl,-z,noexecstack
cc -shared -fPIC -fno-builtin -w -o "$lib/libssl.so.3" "$work/libssl.c" \
    -Wl,-soname,libssl.so.3 -Wl,--version-script="$work/libssl.ld" \
    -Wl,--filter=libqssl.so.0 -Wl,-rpath,'$ORIGIN' -Wl,-z,noexecstack \
    -Wl,--no-as-needed -L"$lib" -l:libcrypto.so.3
ln -sf libssl.so.3 "$lib/libssl.so"
ln -sf libcrypto.so.3 "$lib/libcrypto.so"

# Static linking: the Rust archive plus the shim in libcrypto.a; libssl.a is empty. (The
# archive's objects carry LLVM bitcode that the system's LTO plugin cannot read: index their
# ELF symbols without it.)
cp "$archive" "$lib/libcrypto.a"
ar qcs --plugin /dev/null "$lib/libcrypto.a" "$work/variadic.o"
ar qcs --plugin /dev/null "$lib/libssl.a"

pc() {
    printf 'prefix=%s\nlibdir=${prefix}/lib\nincludedir=%s\n\nName: %s\n' "$out" "$include" "$1"
    printf 'Description: qssl, an OpenSSL-compatible QUIC and TLS library\nVersion: 3.5.0\n'
    [ -n "$3" ] && printf '%s\n' "$3"
    printf 'Libs: -L${libdir} %s\nCflags: -I${includedir}\n' "$2"
}
pc OpenSSL-libcrypto "-lcrypto" "" >"$lib/pkgconfig/libcrypto.pc"
pc OpenSSL-libssl "-lssl" "Requires.private: libcrypto" >"$lib/pkgconfig/libssl.pc"
pc OpenSSL "-lssl -lcrypto" "" >"$lib/pkgconfig/openssl.pc"
touch "$lib/.complete"
echo "$lib"
