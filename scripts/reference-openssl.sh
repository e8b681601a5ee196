#!/usr/bin/env bash
# Builds the reference OpenSSL 3.5 from the unmodified source in the crates.io package
# openssl-src (a dev-dependency of qssl-capi) and installs it under
# target/reference-openssl/<version>/: the `openssl` command, headers, static archives, and
# libssl.so.3/libcrypto.so.3 with OpenSSL's symbol versions (the package lacks mkdef.pl, so
# the version scripts are generated here from util/libssl.num and util/libcrypto.num).
# Prints the install prefix. Builds only what is missing: OpenSSL once per version, the
# shared libraries again when this script changes.
# Usage: scripts/reference-openssl.sh
set -euo pipefail
cd "$(dirname "$0")/.."

src=$(scripts/openssl-src.sh)
version=$(sed -n 's/^\(MAJOR\|MINOR\|PATCH\)=\([0-9]*\)$/\2/p' "$src/VERSION.dat" | paste -sd.)
prefix=$PWD/target/reference-openssl/$version
build=$PWD/target/reference-openssl/build-$version
recipe=$(sha256sum "$0" | cut -d' ' -f1)
if [ "$(cat "$prefix/.linked" 2>/dev/null)" = "$recipe" ]; then
    echo "$prefix"
    exit 0
fi

if [ ! -f "$prefix/.built" ]; then
rm -rf "$build" "$prefix"
mkdir -p "$build"
(
    cd "$build"
    # Static libraries built position-independent, so they can be linked into the shared
    # libraries below; no loadable modules, tests or documents.
    perl "$src/Configure" linux-x86_64 no-shared no-module no-tests no-docs -fPIC \
        --prefix="$prefix" --openssldir="$prefix/ssl" --libdir=lib
    make -j"$(nproc)" build_sw
    make install_sw
) >"$build.log" 2>&1 || { tail -40 "$build.log" >&2; exit 1; }
touch "$prefix/.built"
fi

# One version node per OpenSSL release, each inheriting the one before, as mkdef.pl writes
# them: OPENSSL_3.0.0 { global: ...; local: *; }; OPENSSL_3.1.0 { global: ...; } OPENSSL_3.0.0;
version_script() {
    awk '$4 ~ /^EXIST:/ { v = "OPENSSL_" $3; gsub("_", ".", v); sub("OPENSSL.", "OPENSSL_", v);
                          syms[v] = syms[v] "    " $1 ";\n"; if (!(v in seen)) { seen[v] = 1; order[n++] = v } }
         END { prev = "";
               # Releases in ascending order.
               for (i = 0; i < n; i++) for (j = i + 1; j < n; j++)
                   if (order[j] < order[i]) { t = order[i]; order[i] = order[j]; order[j] = t }
               for (i = 0; i < n; i++) {
                   v = order[i]; printf "%s {\n  global:\n%s", v, syms[v];
                   if (prev == "") printf "  local: *;\n};\n"; else printf "} %s;\n", prev;
                   prev = v } }' "$1"
}
version_script "$src/util/libcrypto.num" >"$build/libcrypto.ld"
version_script "$src/util/libssl.num" >"$build/libssl.ld"
cd "$prefix/lib"
cc -shared -o libcrypto.so.3 -Wl,-soname,libcrypto.so.3 -Wl,--version-script="$build/libcrypto.ld" \
    -Wl,--whole-archive libcrypto.a -Wl,--no-whole-archive -pthread -ldl
# libssl uses libcrypto's exports from libcrypto.so.3, and takes its own copies of the few
# internal helpers it shares with libcrypto (packet writing, locks, time), as OpenSSL's own
# shared build compiles them into both.
cc -shared -o libssl.so.3 -Wl,-soname,libssl.so.3 -Wl,--version-script="$build/libssl.ld" \
    -Wl,--whole-archive libssl.a -Wl,--no-whole-archive -L. -l:libcrypto.so.3 libcrypto.a -pthread
ln -sf libcrypto.so.3 libcrypto.so
ln -sf libssl.so.3 libssl.so
# The openssl command's configuration, as a stock install has it for `req` (openssl-src
# leaves out apps/openssl.cnf): `req -x509` makes what it makes on users' machines.
mkdir -p "$prefix/ssl"
cat >"$prefix/ssl/openssl.cnf" <<'EOF'
[req]
distinguished_name = req_distinguished_name
x509_extensions = v3_ca
req_extensions = v3_req
string_mask = utf8only

[req_distinguished_name]

[v3_req]
basicConstraints = CA:FALSE
keyUsage = nonRepudiation, digitalSignature, keyEncipherment

[v3_ca]
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always,issuer
basicConstraints = critical,CA:true
EOF
echo "$recipe" >"$prefix/.linked"
echo "$prefix"
