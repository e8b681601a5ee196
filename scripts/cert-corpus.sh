#!/usr/bin/env bash
# Generates the certificate-verification corpus of capi/tests/verify_corpus.rs: certificates
# made the way users make them, with the `openssl` command (req -x509, req -new + x509 -req
# -CA -extfile) from a stock-like openssl.cnf, and a list of scenarios for
# capi/tests/c/verify_corpus.c.
#
# Usage: OPENSSL=/path/to/openssl scripts/cert-corpus.sh <out-dir>
# (OPENSSL defaults to `openssl`; the tests use the reference OpenSSL 3.5, whose `x509` and
# `req` have -not_before/-not_after.)
#
# <out-dir>/scenarios.txt has one scenario a line, fields separated by spaces:
#   name chain key cafile host depth param-flags host-flags # description
# chain (what the server sends: leaf first), key (the server's key) and cafile (the client's
# trust store) are paths relative to <out-dir>; host is the name or IP address the client
# checks (SSL_set1_host) or "-"; depth is the verify depth or "-"; the flags are "-" or
# comma-separated names: X509_V_FLAG_<name> and X509_CHECK_FLAG_<name>.
#
# Certificates that should be valid are made with -days (as users do); the validity
# scenarios use fixed dates (2020, 2090), so the corpus stays good for years.
set -euo pipefail

out=${1:?usage: cert-corpus.sh <out-dir>}
OPENSSL=${OPENSSL:-openssl}
mkdir -p "$out"
cd "$out"
out=$PWD
rm -rf -- *.pem *.key *.csr scenarios.txt openssl.cnf log
log=$out/log

# Runs the openssl command, quietly unless it fails.
ossl() {
    if ! "$OPENSSL" "$@" >>"$log" 2>&1; then
        tail -20 "$log" >&2
        echo "cert-corpus.sh: failed: openssl $*" >&2
        exit 1
    fi
}

# The configuration: what a stock openssl.cnf gives `req` (x509_extensions = v3_ca), and the
# extension sections the "CA" hands to `x509 -req -extfile`. subjectAltName comes from $SAN.
cat >openssl.cnf <<'EOF'
[req]
distinguished_name = req_distinguished_name
x509_extensions = v3_ca
string_mask = utf8only

[req_distinguished_name]

[v3_ca]
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always,issuer
basicConstraints = critical,CA:true

[empty]

[intermediate]
basicConstraints = critical,CA:true,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ca_no_pathlen]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ca_false]
basicConstraints = critical,CA:false
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ca_no_basic_constraints]
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ca_no_basic_constraints_keycertsign]
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ca_no_keycertsign]
basicConstraints = critical,CA:true
keyUsage = critical,digitalSignature,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ca_name_constraints]
basicConstraints = critical,CA:true,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
nameConstraints = critical,permitted;DNS:example.com,excluded;DNS:bad.example.com
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[server]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = $ENV::SAN

[server_no_san]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer

[server_no_akid]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = none
subjectAltName = $ENV::SAN

[server_client_auth]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = $ENV::SAN

[server_non_repudiation]
basicConstraints = CA:FALSE
keyUsage = critical,nonRepudiation
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = $ENV::SAN

[server_digital_signature]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = $ENV::SAN

[server_ca_true]
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature,keyEncipherment,keyCertSign
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = $ENV::SAN

[server_unknown_critical]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = $ENV::SAN
1.3.6.1.4.1.55555.1 = critical,ASN1:UTF8String:must be understood

[server_unknown]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = $ENV::SAN
1.3.6.1.4.1.55555.2 = ASN1:UTF8String:may be ignored

[self_server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = $ENV::SAN
EOF
export OPENSSL_CONF=$out/openssl.cnf
# The configuration refers to $SAN, which must therefore always have a value.
export SAN=DNS:unused.invalid

# key <name> <rsa|p256|p384|ed25519|rsa-pss>: writes <name>.key.
key() {
    case $2 in
        rsa) ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" ;;
        rsa-pss) ossl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out "$1.key" ;;
        p256) ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" ;;
        p384) ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1.key" ;;
        ed25519) ossl genpkey -algorithm ED25519 -out "$1.key" ;;
    esac
}

# root <name> <key> <CN> [req options...]: a self-signed CA as `openssl req -x509` makes it
# with the stock configuration (v3_ca). keyof[<certificate>] is its key's name.
declare -A keyof
root() {
    local name=$1 k=$2 cn=$3
    shift 3
    keyof[$name]=$k
    ossl req -x509 -new -key "$k.key" -subj "/O=qssl corpus/CN=$cn" -days 3650 -out "$name.pem" "$@"
}

serial=1000
# issue <name> <key> <subject> <issuer> <section> [x509 options...]: a CSR made with
# `openssl req -new`, signed by <issuer> (<issuer>.pem and its key) with `openssl x509 -req
# -CA -CAkey -extfile openssl.cnf -extensions <section>`; writes <name>.pem.
issue() {
    local name=$1 k=$2 subject=$3 issuer=$4 section=$5
    shift 5
    keyof[$name]=$k
    serial=$((serial + 1))
    ossl req -new -key "$k.key" -subj "$subject" -out "$name.csr"
    ossl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "${keyof[$issuer]}.key" -set_serial "$serial" \
        -extfile openssl.cnf -extensions "$section" -days 3650 -out "$name.pem" "$@"
    rm -f "$name.csr"
}

# leaf <name> <key> <CN> <SAN or -> <issuer> [section [x509 options...]]: a server
# certificate (section `server`, or `server_no_san` when SAN is -).
leaf() {
    local name=$1 k=$2 cn=$3 san=$4 issuer=$5 section=${6:-}
    shift 5
    [ $# -gt 0 ] && shift
    if [ -z "$section" ]; then
        if [ "$san" = - ]; then section=server_no_san; else section=server; fi
    fi
    [ "$san" = - ] && san=DNS:unused.invalid
    SAN=$san issue "$name" "$k" "/CN=$cn" "$issuer" "$section" "$@"
}

# chain <out> <cert>...: concatenates PEM files (out.pem).
chain() {
    local o=$1
    shift
    local f
    for f in "$@"; do cat "$f.pem"; done >"$o.pem"
}

# scenario <name> <chain> <key> <cafile> <host> <depth> <param-flags> <host-flags> <description>
scenario() {
    local name=$1 c=$2 k=$3 ca=$4 host=$5 depth=$6 pflags=$7 hflags=$8 description=$9
    for f in "$c.pem" "$k.key" "$ca.pem"; do
        [ -f "$f" ] || { echo "cert-corpus.sh: $name: no $f" >&2; exit 1; }
    done
    echo "$name $c.pem $k.key $ca.pem $host $depth $pflags $hflags # $description" >>scenarios.txt.new
}

# ---- keys ----
for k in root inter leaf other fake twin_a twin_b pz sub l1 l2 misc_ca ca2 old_root; do
    key "$k" rsa
done
key ec_root p384
key ec_inter p256
key ec_leaf p256
key ec384_leaf p384
key ed_root ed25519
key ed_leaf ed25519
key pss_leaf rsa-pss

# ---- the main PKI: root -> intermediate (pathlen:0) -> leaves ----
root root root "Corpus Root CA"
issue inter inter "/O=qssl corpus/CN=Corpus Intermediate CA" root intermediate
root other other "Other Root CA"
chain root_and_inter root inter

leaf www leaf www.example.com DNS:www.example.com,DNS:example.com inter
chain www_chain www inter
chain www_full www inter root
chain www_unordered www root inter
chain www_extra www inter other
chain www_other_root www inter other

leaf cnonly leaf cn-only.example.com - inter
chain cnonly_chain cnonly inter
leaf sancn leaf cn.example.com DNS:san.example.com inter
chain sancn_chain sancn inter
leaf ipsan leaf ipsan.example.com IP:192.0.2.1 inter
chain ipsan_chain ipsan inter
leaf ip6 leaf v6.example.com DNS:v6.example.com,IP:2001:db8::1 inter
chain ip6_chain ip6 inter
leaf cnip leaf 192.0.2.1 - inter
chain cnip_chain cnip inter
leaf wild leaf '*.example.com' 'DNS:*.example.com' inter
chain wild_chain wild inter
leaf pwild leaf 'f*.example.com' 'DNS:f*.example.com' inter
chain pwild_chain pwild inter
leaf upper leaf WWW.UPPER.EXAMPLE.COM DNS:WWW.UPPER.EXAMPLE.COM inter
chain upper_chain upper inter
leaf cnwild leaf '*.cnwild.example.com' - inter
chain cnwild_chain cnwild inter
leaf tldwild leaf '*.com' 'DNS:*.com' inter
chain tldwild_chain tldwild inter

# ---- self-signed server certificates, as `req -x509 -newkey` makes them ----
SAN=DNS:self.example.com ossl req -x509 -newkey rsa:2048 -noenc -keyout self.key -out self.pem \
    -subj /CN=self.example.com -addext subjectAltName=DNS:self.example.com -days 3650
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout self_ec.key \
    -out self_ec.pem -subj /CN=self-ec.example.com -addext subjectAltName=DNS:self-ec.example.com -days 3650
SAN=DNS:self-ee.example.com ossl req -x509 -new -key leaf.key -extensions self_server \
    -subj /CN=self-ee.example.com -days 3650 -out self_ee.pem

# ---- validity (fixed dates) ----
old="-not_before 20200101000000Z -not_after 20210101000000Z"
future="-not_before 20900101000000Z -not_after 20991231235959Z"
# shellcheck disable=SC2086
leaf leaf_expired leaf expired.example.com DNS:expired.example.com inter server $old
chain leaf_expired_chain leaf_expired inter
# shellcheck disable=SC2086
leaf leaf_future leaf future.example.com DNS:future.example.com inter server $future
chain leaf_future_chain leaf_future inter
# shellcheck disable=SC2086
issue inter_expired misc_ca "/O=qssl corpus/CN=Expired Intermediate CA" root intermediate $old
leaf under_inter_expired leaf www.example.com DNS:www.example.com inter_expired
chain inter_expired_chain under_inter_expired inter_expired
# shellcheck disable=SC2086
issue inter_future misc_ca "/O=qssl corpus/CN=Future Intermediate CA" root intermediate $future
leaf under_inter_future leaf www.example.com DNS:www.example.com inter_future
chain inter_future_chain under_inter_future inter_future
# shellcheck disable=SC2086
root root_expired old_root "Expired Root CA" $old
leaf under_root_expired leaf www.example.com DNS:www.example.com root_expired
# shellcheck disable=SC2086
root root_future old_root "Future Root CA" $future
leaf under_root_future leaf www.example.com DNS:www.example.com root_future

# ---- CA constraints ----
issue ca_false misc_ca "/O=qssl corpus/CN=CA FALSE Intermediate" root ca_false
leaf under_ca_false leaf www.example.com DNS:www.example.com ca_false
chain ca_false_chain under_ca_false ca_false
issue ca_nobc misc_ca "/O=qssl corpus/CN=No Basic Constraints Intermediate" root ca_no_basic_constraints
leaf under_ca_nobc leaf www.example.com DNS:www.example.com ca_nobc
chain ca_nobc_chain under_ca_nobc ca_nobc
issue ca_nobc_ku misc_ca "/O=qssl corpus/CN=KeyCertSign Only Intermediate" root ca_no_basic_constraints_keycertsign
leaf under_ca_nobc_ku leaf www.example.com DNS:www.example.com ca_nobc_ku
chain ca_nobc_ku_chain under_ca_nobc_ku ca_nobc_ku
issue ca_noks misc_ca "/O=qssl corpus/CN=No KeyCertSign Intermediate" root ca_no_keycertsign
leaf under_ca_noks leaf www.example.com DNS:www.example.com ca_noks
chain ca_noks_chain under_ca_noks ca_noks
# root -> "Pathlen Zero CA" (pathlen:0) -> "Sub CA" -> leaf: the sub-CA breaks the limit.
issue pz pz "/O=qssl corpus/CN=Pathlen Zero CA" root intermediate
issue sub sub "/O=qssl corpus/CN=Sub CA Under Pathlen Zero" pz ca_no_pathlen
leaf under_sub leaf www.example.com DNS:www.example.com sub
chain pathlen_chain under_sub sub pz
# root -> "Level 1 CA" -> "Level 2 CA" -> leaf, no path length limits.
issue l1 l1 "/O=qssl corpus/CN=Level 1 CA" root ca_no_pathlen
issue l2 l2 "/O=qssl corpus/CN=Level 2 CA" l1 ca_no_pathlen
leaf under_l2 leaf www.example.com DNS:www.example.com l2
chain long_chain under_l2 l2 l1
# A version 1 root (req -x509v1), and a version 1 intermediate.
ossl req -x509 -x509v1 -new -key ca2.key -subj "/O=qssl corpus/CN=V1 Root CA" -extensions empty \
    -days 3650 -out v1_root.pem
keyof[v1_root]=ca2
leaf under_v1_root leaf www.example.com DNS:www.example.com v1_root
ossl req -x509 -x509v1 -new -key misc_ca.key -subj "/O=qssl corpus/CN=V1 Intermediate CA" \
    -extensions empty -CA root.pem -CAkey root.key -set_serial 1999 -days 3650 -out v1_inter.pem
keyof[v1_inter]=misc_ca
leaf under_v1_inter leaf www.example.com DNS:www.example.com v1_inter
chain v1_inter_chain under_v1_inter v1_inter

# ---- leaf extensions ----
leaf leaf_client_auth leaf www.example.com DNS:www.example.com inter server_client_auth
chain leaf_client_auth_chain leaf_client_auth inter
leaf leaf_nonrep leaf www.example.com DNS:www.example.com inter server_non_repudiation
chain leaf_nonrep_chain leaf_nonrep inter
leaf leaf_ds leaf www.example.com DNS:www.example.com inter server_digital_signature
chain leaf_ds_chain leaf_ds inter
leaf leaf_ca_true leaf www.example.com DNS:www.example.com inter server_ca_true
chain leaf_ca_true_chain leaf_ca_true inter
leaf leaf_crit leaf www.example.com DNS:www.example.com inter server_unknown_critical
chain leaf_crit_chain leaf_crit inter
leaf leaf_noncrit leaf www.example.com DNS:www.example.com inter server_unknown
chain leaf_noncrit_chain leaf_noncrit inter

# ---- signatures and issuer selection ----
# A key pretending to be the intermediate: a CA certificate with its name and its subject
# key identifier, so the leaf it signs names the real intermediate as its issuer.
ski=$("$OPENSSL" x509 -in inter.pem -noout -ext subjectKeyIdentifier | sed -n '2s/ //gp')
printf '\n[fake_intermediate]\nbasicConstraints = critical,CA:true\nsubjectKeyIdentifier = %s\n' \
    "$ski" >>openssl.cnf
ossl req -x509 -new -key fake.key -subj "/O=qssl corpus/CN=Corpus Intermediate CA" \
    -extensions fake_intermediate -days 3650 -out fake.pem
keyof[fake]=fake
leaf leaf_bad_sig leaf www.example.com DNS:www.example.com fake
chain leaf_bad_sig_chain leaf_bad_sig inter
# Two roots with one name and different keys; leaves issued by the second.
root twin_a twin_a "Twin Root CA"
root twin_b twin_b "Twin Root CA"
leaf under_twin_b leaf www.example.com DNS:www.example.com twin_b
leaf under_twin_b_no_akid leaf www.example.com DNS:www.example.com twin_b server_no_akid
chain twins_ab twin_a twin_b
chain twins_ba twin_b twin_a

# ---- name constraints: permitted example.com, excluded bad.example.com ----
issue nc misc_ca "/O=qssl corpus/CN=Name Constrained CA" root ca_name_constraints
leaf nc_ok leaf www.example.com DNS:www.example.com nc
chain nc_ok_chain nc_ok nc
leaf nc_outside leaf www.example.org DNS:www.example.org nc
chain nc_outside_chain nc_outside nc
leaf nc_excluded leaf bad.example.com DNS:bad.example.com nc
chain nc_excluded_chain nc_excluded nc
leaf nc_cn_outside leaf www.example.org - nc
chain nc_cn_outside_chain nc_cn_outside nc
leaf nc_cn_ok leaf nc-cn.example.com - nc
chain nc_cn_ok_chain nc_cn_ok nc

# ---- a leaf issued by the root itself ----
leaf direct leaf direct.example.com DNS:direct.example.com root

# ---- algorithms ----
root ec_root ec_root "EC P-384 Root CA"
issue ec_inter ec_inter "/O=qssl corpus/CN=EC P-256 Intermediate CA" ec_root intermediate
leaf ec_leaf ec_leaf www.example.com DNS:www.example.com ec_inter
chain ec_chain ec_leaf ec_inter
leaf ec384_leaf ec384_leaf www.example.com DNS:www.example.com ec_inter
chain ec384_chain ec384_leaf ec_inter
root ed_root ed_root "Ed25519 Root CA"
leaf ed_leaf ed_leaf www.example.com DNS:www.example.com ed_root
leaf ed_under_rsa ed_leaf www.example.com DNS:www.example.com inter
chain ed_under_rsa_chain ed_under_rsa inter
leaf ec_under_rsa ec_leaf www.example.com DNS:www.example.com inter
chain ec_under_rsa_chain ec_under_rsa inter
leaf pss_signed leaf www.example.com DNS:www.example.com inter server \
    -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest
chain pss_signed_chain pss_signed inter
leaf pss_key pss_leaf www.example.com DNS:www.example.com inter
chain pss_key_chain pss_key inter
leaf sha1_signed leaf www.example.com DNS:www.example.com inter server -sha1
chain sha1_signed_chain sha1_signed inter

# ---- the scenarios ----
: >scenarios.txt.new
s=scenario
# Host names (the chain: leaf + intermediate; trusted: the root).
$s dns-san-match www_chain leaf root www.example.com - - - "DNS SAN matches the host"
$s dns-san-second-name www_chain leaf root example.com - - - "the second DNS SAN matches"
$s dns-san-mismatch www_chain leaf root other.example.com - - - "no SAN matches the host"
$s dns-san-no-host-check www_chain leaf root - - - - "no host set: the chain alone"
$s dns-san-uppercase-host www_chain leaf root WWW.EXAMPLE.COM - - - "host in upper case against a lower-case SAN"
$s dns-san-trailing-dot www_chain leaf root www.example.com. - - - "host with a trailing dot"
$s dns-san-ip-host www_chain leaf root 192.0.2.1 - - - "IP literal against a certificate with DNS SANs only"
$s cn-only-match cnonly_chain leaf root cn-only.example.com - - - "no SAN: the CN matches (fallback)"
$s cn-only-uppercase-host cnonly_chain leaf root CN-ONLY.EXAMPLE.COM - - - "no SAN: the CN matches case-insensitively"
$s cn-only-mismatch cnonly_chain leaf root www.example.com - - - "no SAN: the CN does not match"
$s cn-only-never-check-subject cnonly_chain leaf root cn-only.example.com - - NEVER_CHECK_SUBJECT "no SAN, CN would match, but NEVER_CHECK_SUBJECT"
$s san-present-cn-host sancn_chain leaf root cn.example.com - - - "SAN present: a CN-only match does not count"
$s san-present-san-host sancn_chain leaf root san.example.com - - - "SAN present and matching, CN different"
$s san-present-cn-host-always-check-subject sancn_chain leaf root cn.example.com - - ALWAYS_CHECK_SUBJECT "CN matches with ALWAYS_CHECK_SUBJECT"
$s ip-san-only-cn-fallback ipsan_chain leaf root ipsan.example.com - - - "only an IP SAN: the CN still applies to a DNS host"
$s ip-san-match ipsan_chain leaf root 192.0.2.1 - - - "IP literal host matches the IP SAN"
$s ip-san-mismatch ipsan_chain leaf root 192.0.2.2 - - - "IP literal host, other address in the IP SAN"
$s ipv6-san-match ip6_chain leaf root 2001:db8::1 - - - "IPv6 literal host matches the IP SAN"
$s ipv6-san-mismatch ip6_chain leaf root 2001:db8::2 - - - "IPv6 literal host, other address"
$s ip-in-cn-only cnip_chain leaf root 192.0.2.1 - - - "IP literal host, the address only in the CN"
$s wildcard-one-label wild_chain leaf root www.example.com - - - "*.example.com matches one label"
$s wildcard-two-labels wild_chain leaf root a.b.example.com - - - "*.example.com does not match two labels"
$s wildcard-bare-domain wild_chain leaf root example.com - - - "*.example.com does not match example.com"
$s wildcard-uppercase-host wild_chain leaf root WWW.EXAMPLE.COM - - - "*.example.com against an upper-case host"
$s wildcard-no-wildcards-flag wild_chain leaf root www.example.com - - NO_WILDCARDS "wildcard SAN with NO_WILDCARDS"
$s wildcard-multi-label-flag wild_chain leaf root a.b.example.com - - MULTI_LABEL_WILDCARDS "two labels with MULTI_LABEL_WILDCARDS"
$s wildcard-public-suffix tldwild_chain leaf root example.com - - - "*.com is too broad"
$s partial-wildcard-match pwild_chain leaf root foo.example.com - - - "f*.example.com matches foo.example.com"
$s partial-wildcard-other pwild_chain leaf root bar.example.com - - - "f*.example.com does not match bar.example.com"
$s partial-wildcard-no-partial-flag pwild_chain leaf root foo.example.com - - NO_PARTIAL_WILDCARDS "f*.example.com with NO_PARTIAL_WILDCARDS"
$s uppercase-san upper_chain leaf root www.upper.example.com - - - "upper-case SAN, lower-case host"
$s wildcard-cn-no-san cnwild_chain leaf root www.cnwild.example.com - - - "no SAN, CN *.cnwild.example.com"
$s wildcard-cn-no-san-bare cnwild_chain leaf root cnwild.example.com - - - "no SAN, CN *.cnwild.example.com, bare domain"
# Trust anchors and chain building.
$s self-signed-trusted self self self self.example.com - - - "req -x509 leaf (CA:TRUE) trusted directly"
$s self-signed-untrusted self self root self.example.com - - - "req -x509 leaf, not trusted (depth-zero self-signed)"
$s self-signed-untrusted-wrong-host self self root www.example.com - - - "req -x509 leaf, not trusted, not for the host"
$s self-signed-trusted-depth-0 self self self self.example.com 0 - - "self-signed leaf trusted directly, verify depth 0"
$s self-signed-ec-trusted self_ec self_ec self_ec self-ec.example.com - - - "req -x509 -newkey ec leaf trusted directly"
$s self-signed-end-entity-trusted self_ee leaf self_ee self-ee.example.com - - - "self-signed CA:FALSE server certificate trusted directly"
$s chain-leaf-only-sent www leaf root www.example.com - - - "only the leaf sent, root trusted: issuer unavailable"
$s chain-intermediate-in-cafile www leaf root_and_inter www.example.com - - - "only the leaf sent, intermediate and root in the CAfile"
$s chain-intermediate-only-store www_chain leaf inter www.example.com - - - "only the intermediate trusted"
$s chain-intermediate-only-store-partial www_chain leaf inter www.example.com - PARTIAL_CHAIN - "only the intermediate trusted, PARTIAL_CHAIN"
$s chain-leaf-in-store www_chain leaf www www.example.com - - - "the leaf itself in the CAfile"
$s chain-leaf-in-store-partial www_chain leaf www www.example.com - PARTIAL_CHAIN - "the leaf itself in the CAfile, PARTIAL_CHAIN"
$s chain-root-sent-trusted www_full leaf root www.example.com - - - "leaf, intermediate and root sent, root trusted"
$s chain-root-sent-untrusted www_full leaf other www.example.com - - - "leaf, intermediate and root sent, another root trusted"
$s chain-untrusted-root www_chain leaf other www.example.com - - - "leaf and intermediate sent, another root trusted"
$s chain-unordered www_unordered leaf root www.example.com - - - "leaf, root, intermediate: out of order"
$s chain-extra-certificate www_extra leaf root www.example.com - - - "an unrelated root sent after the chain"
# Validity.
$s leaf-expired leaf_expired_chain leaf root expired.example.com - - - "leaf valid 2020-2021"
$s leaf-expired-no-check-time leaf_expired_chain leaf root expired.example.com - NO_CHECK_TIME - "leaf valid 2020-2021, NO_CHECK_TIME"
$s leaf-expired-wrong-host leaf_expired_chain leaf root other.example.com - - - "leaf valid 2020-2021 and not for the host: which error comes first"
$s leaf-expired-untrusted leaf_expired_chain leaf other expired.example.com - - - "leaf valid 2020-2021 under a root that is not trusted"
$s leaf-not-yet-valid leaf_future_chain leaf root future.example.com - - - "leaf valid from 2090"
$s intermediate-expired inter_expired_chain leaf root www.example.com - - - "intermediate valid 2020-2021"
$s intermediate-not-yet-valid inter_future_chain leaf root www.example.com - - - "intermediate valid from 2090"
$s root-expired under_root_expired leaf root_expired www.example.com - - - "root valid 2020-2021"
$s root-not-yet-valid under_root_future leaf root_future www.example.com - - - "root valid from 2090"
# CA constraints.
$s intermediate-ca-false ca_false_chain leaf root www.example.com - - - "intermediate with basicConstraints CA:FALSE"
$s intermediate-no-basic-constraints ca_nobc_chain leaf root www.example.com - - - "intermediate (v3) without basicConstraints or keyUsage"
$s intermediate-keycertsign-no-bc ca_nobc_ku_chain leaf root www.example.com - - - "intermediate with keyUsage keyCertSign but no basicConstraints"
$s intermediate-keycertsign-no-bc-strict ca_nobc_ku_chain leaf root www.example.com - X509_STRICT - "the same with X509_STRICT"
$s intermediate-keyusage-without-keycertsign ca_noks_chain leaf root www.example.com - - - "CA:TRUE intermediate whose keyUsage lacks keyCertSign"
$s pathlen-0-violated pathlen_chain leaf root www.example.com - - - "pathlen:0 CA above another CA"
$s long-chain long_chain leaf root www.example.com - - - "root, two intermediates, leaf"
$s v1-root under_v1_root leaf v1_root www.example.com - - - "version 1 root (req -x509v1) trusted"
$s v1-intermediate v1_inter_chain leaf root www.example.com - - - "version 1 intermediate"
$s leaf-eku-client-auth leaf_client_auth_chain leaf root www.example.com - - - "leaf extendedKeyUsage clientAuth only"
$s leaf-keyusage-non-repudiation leaf_nonrep_chain leaf root www.example.com - - - "leaf keyUsage nonRepudiation only"
$s leaf-keyusage-digital-signature leaf_ds_chain leaf root www.example.com - - - "leaf keyUsage digitalSignature only"
$s leaf-ca-true leaf_ca_true_chain leaf root www.example.com - - - "leaf with CA:TRUE under a pathlen:0 intermediate"
$s leaf-unknown-critical-extension leaf_crit_chain leaf root www.example.com - - - "leaf with an unknown critical extension"
$s leaf-unknown-critical-extension-ignored leaf_crit_chain leaf root www.example.com - IGNORE_CRITICAL - "unknown critical extension, IGNORE_CRITICAL"
$s leaf-unknown-noncritical-extension leaf_noncrit_chain leaf root www.example.com - - - "leaf with an unknown non-critical extension"
$s leaf-bad-signature leaf_bad_sig_chain leaf root www.example.com - - - "leaf signed by another key under the intermediate's name and key id"
$s twin-roots-akid under_twin_b leaf twins_ab www.example.com - - - "two roots with one name; the leaf's AKID names the second"
$s twin-roots-no-akid-wrong-first under_twin_b_no_akid leaf twins_ab www.example.com - - - "two roots with one name, leaf without AKID, wrong root first"
$s twin-roots-no-akid-right-first under_twin_b_no_akid leaf twins_ba www.example.com - - - "two roots with one name, leaf without AKID, right root first"
# Name constraints.
$s name-constraints-permitted nc_ok_chain leaf root www.example.com - - - "permitted DNS:example.com, leaf www.example.com"
$s name-constraints-not-permitted nc_outside_chain leaf root www.example.org - - - "permitted DNS:example.com, leaf www.example.org"
$s name-constraints-excluded nc_excluded_chain leaf root bad.example.com - - - "excluded DNS:bad.example.com"
$s name-constraints-cn-not-permitted nc_cn_outside_chain leaf root www.example.org - - - "no SAN, CN www.example.org outside the permitted subtree"
$s name-constraints-cn-permitted nc_cn_ok_chain leaf root nc-cn.example.com - - - "no SAN, CN nc-cn.example.com inside the permitted subtree"
# Verify depth.
$s depth-0-two-levels direct leaf root direct.example.com 0 - - "leaf issued by the trusted root, depth 0"
$s depth-1-two-levels direct leaf root direct.example.com 1 - - "leaf issued by the trusted root, depth 1"
$s depth-0-three-levels www_chain leaf root www.example.com 0 - - "leaf, intermediate, root; depth 0"
$s depth-1-three-levels www_chain leaf root www.example.com 1 - - "leaf, intermediate, root; depth 1"
$s depth-2-three-levels www_chain leaf root www.example.com 2 - - "leaf, intermediate, root; depth 2"
$s depth-1-four-levels long_chain leaf root www.example.com 1 - - "two intermediates; depth 1"
$s depth-2-four-levels long_chain leaf root www.example.com 2 - - "two intermediates; depth 2"
# Algorithms.
$s ec-chain ec_chain ec_leaf ec_root www.example.com - - - "P-256 leaf, P-256 intermediate, P-384 root"
$s ec-p384-leaf ec384_chain ec384_leaf ec_root www.example.com - - - "P-384 leaf under the EC intermediate"
$s ed25519-chain ed_leaf ed_leaf ed_root www.example.com - - - "Ed25519 leaf issued by an Ed25519 root"
$s ed25519-leaf-rsa-chain ed_under_rsa_chain ed_leaf root www.example.com - - - "Ed25519 leaf under the RSA intermediate"
$s ec-leaf-rsa-chain ec_under_rsa_chain ec_leaf root www.example.com - - - "P-256 leaf under the RSA intermediate"
$s rsa-pss-signed-leaf pss_signed_chain leaf root www.example.com - - - "RSA leaf whose certificate is signed with RSA-PSS"
$s rsa-pss-key-leaf pss_key_chain pss_leaf root www.example.com - - - "RSA-PSS (id-RSASSA-PSS) leaf key"
$s sha1-signed-leaf sha1_signed_chain leaf root www.example.com - - - "leaf signed with SHA-1 (security level 1)"
mv scenarios.txt.new scenarios.txt
rm -f "$log"
echo "$out"
