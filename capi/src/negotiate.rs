//! What a handshake negotiates, as OpenSSL describes it: the cipher suites rustls offers as
//! `SSL_CIPHER` objects (one static object per suite, with OpenSSL's names, numbers, NIDs
//! and description), and key exchange groups as NIDs (`SSL_CTX_set1_groups`,
//! `SSL_get_negotiated_group`).
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

use std::ffi::{CStr, c_char, c_int, c_long};

use crate::abi::TLSEXT_nid_unknown;
use crate::crypto::malloc_c_string;
use crate::entry::{arg, entry};
use crate::ffi::{bytes, bytes_mut, put_c_string};
use crate::ssl::{Obj, SSL, ssl_ref};

/// `NID_aes_128_gcm`.
const NID_AES_128_GCM: c_int = 895;
/// `NID_aes_256_gcm`.
const NID_AES_256_GCM: c_int = 901;
/// `NID_chacha20_poly1305`.
const NID_CHACHA20_POLY1305: c_int = 1018;
/// `NID_kx_ecdhe`.
const NID_KX_ECDHE: c_int = 1038;
/// `NID_kx_any`: TLS 1.3 suites leave the key exchange to the groups.
const NID_KX_ANY: c_int = 1063;
/// `NID_auth_rsa`.
const NID_AUTH_RSA: c_int = 1046;
/// `NID_auth_ecdsa`.
const NID_AUTH_ECDSA: c_int = 1047;
/// `NID_auth_any`: TLS 1.3 suites leave authentication to the signature schemes.
const NID_AUTH_ANY: c_int = 1064;

/// `SSL_CIPHER`: one of the cipher suites rustls offers, as OpenSSL describes it.
#[derive(Debug)]
pub struct SSL_CIPHER {
    /// OpenSSL's name (`SSL_CIPHER_get_name`).
    name: &'static CStr,
    /// The RFC name (`SSL_CIPHER_standard_name`).
    standard: &'static CStr,
    /// The TLS number (`SSL_CIPHER_get_protocol_id`).
    id: u16,
    /// The lowest protocol version that has the suite (`SSL_CIPHER_get_version`).
    version: &'static CStr,
    /// Key bits (`SSL_CIPHER_get_bits`).
    bits: c_int,
    /// `SSL_CIPHER_get_cipher_nid`.
    cipher_nid: c_int,
    /// `SSL_CIPHER_get_kx_nid`.
    kx_nid: c_int,
    /// `SSL_CIPHER_get_auth_nid`.
    auth_nid: c_int,
    /// The key exchange, authentication and encryption as `SSL_CIPHER_description` names
    /// them.
    kx: &'static str,
    au: &'static str,
    enc: &'static str,
}

/// One TLS 1.3 suite.
const fn tls13(
    name: &'static CStr,
    id: u16,
    bits: c_int,
    cipher_nid: c_int,
    enc: &'static str,
) -> SSL_CIPHER {
    SSL_CIPHER {
        name,
        standard: name,
        id,
        version: c"TLSv1.3",
        bits,
        cipher_nid,
        kx_nid: NID_KX_ANY,
        auth_nid: NID_AUTH_ANY,
        kx: "any",
        au: "any",
        enc,
    }
}

/// One TLS 1.2 ECDHE suite.
#[allow(clippy::too_many_arguments)] // One argument per column of the table.
const fn tls12(
    name: &'static CStr,
    standard: &'static CStr,
    id: u16,
    bits: c_int,
    cipher_nid: c_int,
    rsa: bool,
    enc: &'static str,
) -> SSL_CIPHER {
    SSL_CIPHER {
        name,
        standard,
        id,
        version: c"TLSv1.2",
        bits,
        cipher_nid,
        kx_nid: NID_KX_ECDHE,
        auth_nid: if rsa { NID_AUTH_RSA } else { NID_AUTH_ECDSA },
        kx: "ECDH",
        au: if rsa { "RSA" } else { "ECDSA" },
        enc,
    }
}

/// The suites rustls offers on *ring*.
static CIPHERS: [SSL_CIPHER; 9] = [
    tls13(
        c"TLS_AES_128_GCM_SHA256",
        0x1301,
        128,
        NID_AES_128_GCM,
        "AESGCM(128)",
    ),
    tls13(
        c"TLS_AES_256_GCM_SHA384",
        0x1302,
        256,
        NID_AES_256_GCM,
        "AESGCM(256)",
    ),
    tls13(
        c"TLS_CHACHA20_POLY1305_SHA256",
        0x1303,
        256,
        NID_CHACHA20_POLY1305,
        "CHACHA20/POLY1305(256)",
    ),
    tls12(
        c"ECDHE-ECDSA-AES128-GCM-SHA256",
        c"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xc02b,
        128,
        NID_AES_128_GCM,
        false,
        "AESGCM(128)",
    ),
    tls12(
        c"ECDHE-ECDSA-AES256-GCM-SHA384",
        c"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xc02c,
        256,
        NID_AES_256_GCM,
        false,
        "AESGCM(256)",
    ),
    tls12(
        c"ECDHE-ECDSA-CHACHA20-POLY1305",
        c"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0xcca9,
        256,
        NID_CHACHA20_POLY1305,
        false,
        "CHACHA20/POLY1305(256)",
    ),
    tls12(
        c"ECDHE-RSA-AES128-GCM-SHA256",
        c"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xc02f,
        128,
        NID_AES_128_GCM,
        true,
        "AESGCM(128)",
    ),
    tls12(
        c"ECDHE-RSA-AES256-GCM-SHA384",
        c"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xc030,
        256,
        NID_AES_256_GCM,
        true,
        "AESGCM(256)",
    ),
    tls12(
        c"ECDHE-RSA-CHACHA20-POLY1305",
        c"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xcca8,
        256,
        NID_CHACHA20_POLY1305,
        true,
        "CHACHA20/POLY1305(256)",
    ),
];

/// The suite with TLS number `id`.
fn by_id(id: u16) -> Option<&'static SSL_CIPHER> {
    CIPHERS.iter().find(|c| c.id == id)
}

/// The suite with OpenSSL name `name`.
fn by_name(name: &str) -> Option<&'static SSL_CIPHER> {
    CIPHERS
        .iter()
        .find(|c| c.name.to_bytes() == name.as_bytes())
}

/// The suite behind a C pointer (null: none).
///
/// # Safety
/// `c` must be null or one of this module's ciphers.
unsafe fn cipher<'a>(c: *const SSL_CIPHER) -> Option<&'a SSL_CIPHER> {
    // SAFETY: null or a static cipher, per the contract.
    unsafe { c.as_ref() }
}

/// `SSL_get_current_cipher`: the negotiated suite (the same object for every connection
/// that uses it), or null before the handshake.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_current_cipher(ssl: *const SSL) -> *const SSL_CIPHER {
    let s = arg!(ssl_ref(ssl));
    let found = match &s.obj {
        Obj::Tls(t) => t.cipher_suite_id().and_then(by_id),
        Obj::Quic(q) => q
            .connection_info()
            .and_then(|i| i.cipher_suite)
            .and_then(|n| by_name(&n)),
    };
    found.map_or(std::ptr::null(), std::ptr::from_ref)
}

/// `SSL_CIPHER_find`: the suite whose two-byte TLS number is at `ptr`, if rustls offers it
/// (null otherwise).
///
/// # Safety
/// `ssl` must be null or a live object; `ptr` valid for two bytes.
#[entry]
pub unsafe extern "C" fn SSL_CIPHER_find(ssl: *mut SSL, ptr: *const u8) -> *const SSL_CIPHER {
    let _ = arg!(ssl_ref(ssl));
    let len = 2;
    let two = arg!(bytes(ptr, len));
    by_id(u16::from_be_bytes([two[0], two[1]])).map_or(std::ptr::null(), std::ptr::from_ref)
}

/// `SSL_CIPHER_get_name`: OpenSSL's name, or "(NONE)" for null.
///
/// # Safety
/// `c` must be null or a cipher from this library.
#[entry]
pub unsafe extern "C" fn SSL_CIPHER_get_name(c: *const SSL_CIPHER) -> *const c_char {
    // SAFETY: per the contract.
    unsafe { cipher(c) }.map_or(c"(NONE)".as_ptr(), |c| c.name.as_ptr())
}

/// `SSL_CIPHER_standard_name`: the RFC name, or "(NONE)" for null.
///
/// # Safety
/// As [`SSL_CIPHER_get_name`].
#[entry]
pub unsafe extern "C" fn SSL_CIPHER_standard_name(c: *const SSL_CIPHER) -> *const c_char {
    // SAFETY: per the contract.
    unsafe { cipher(c) }.map_or(c"(NONE)".as_ptr(), |c| c.standard.as_ptr())
}

/// `SSL_CIPHER_get_version`: "TLSv1.3" or "TLSv1.2", or "(NONE)" for null.
///
/// # Safety
/// As [`SSL_CIPHER_get_name`].
#[entry]
pub unsafe extern "C" fn SSL_CIPHER_get_version(c: *const SSL_CIPHER) -> *const c_char {
    // SAFETY: per the contract.
    unsafe { cipher(c) }.map_or(c"(NONE)".as_ptr(), |c| c.version.as_ptr())
}

/// `SSL_CIPHER_get_id`: OpenSSL's id, `0x03000000` plus the TLS number (0 for null).
///
/// # Safety
/// As [`SSL_CIPHER_get_name`].
#[entry]
pub unsafe extern "C" fn SSL_CIPHER_get_id(c: *const SSL_CIPHER) -> u32 {
    // SAFETY: per the contract.
    unsafe { cipher(c) }.map_or(0, |c| 0x0300_0000 | u32::from(c.id))
}

/// `SSL_CIPHER_get_protocol_id`: the TLS number (0 for null).
///
/// # Safety
/// As [`SSL_CIPHER_get_name`].
#[entry]
pub unsafe extern "C" fn SSL_CIPHER_get_protocol_id(c: *const SSL_CIPHER) -> u16 {
    // SAFETY: per the contract.
    unsafe { cipher(c) }.map_or(0, |c| c.id)
}

/// `SSL_CIPHER_get_bits`: the key bits (also in `*alg_bits` when not null); 0 for null.
///
/// # Safety
/// As [`SSL_CIPHER_get_name`]; `alg_bits` null or valid for a write.
#[entry]
pub unsafe extern "C" fn SSL_CIPHER_get_bits(c: *const SSL_CIPHER, alg_bits: *mut c_int) -> c_int {
    // SAFETY: per the contract.
    let Some(c) = (unsafe { cipher(c) }) else {
        return 0;
    };
    crate::entry::out!(alg_bits, c.bits);
    c.bits
}

/// `SSL_CIPHER_is_aead`: 1 (every suite rustls offers is AEAD); 0 for null.
///
/// # Safety
/// As [`SSL_CIPHER_get_name`].
#[entry]
pub unsafe extern "C" fn SSL_CIPHER_is_aead(c: *const SSL_CIPHER) -> c_int {
    c_int::from(!c.is_null())
}

/// `SSL_CIPHER_get_cipher_nid`: the NID of the suite's AEAD (0 for null).
///
/// # Safety
/// As [`SSL_CIPHER_get_name`].
#[entry]
pub unsafe extern "C" fn SSL_CIPHER_get_cipher_nid(c: *const SSL_CIPHER) -> c_int {
    // SAFETY: per the contract.
    unsafe { cipher(c) }.map_or(0, |c| c.cipher_nid)
}

/// `SSL_CIPHER_get_digest_nid`: `NID_undef` (0): AEAD suites have no MAC digest.
///
/// # Safety
/// As [`SSL_CIPHER_get_name`].
#[entry]
pub unsafe extern "C" fn SSL_CIPHER_get_digest_nid(_c: *const SSL_CIPHER) -> c_int {
    0
}

/// `SSL_CIPHER_get_kx_nid`: `NID_kx_any` for TLS 1.3 suites, `NID_kx_ecdhe` for the others
/// (0 for null).
///
/// # Safety
/// As [`SSL_CIPHER_get_name`].
#[entry]
pub unsafe extern "C" fn SSL_CIPHER_get_kx_nid(c: *const SSL_CIPHER) -> c_int {
    // SAFETY: per the contract.
    unsafe { cipher(c) }.map_or(0, |c| c.kx_nid)
}

/// `SSL_CIPHER_get_auth_nid`: `NID_auth_any` for TLS 1.3 suites, `NID_auth_rsa` or
/// `NID_auth_ecdsa` for the others (0 for null).
///
/// # Safety
/// As [`SSL_CIPHER_get_name`].
#[entry]
pub unsafe extern "C" fn SSL_CIPHER_get_auth_nid(c: *const SSL_CIPHER) -> c_int {
    // SAFETY: per the contract.
    unsafe { cipher(c) }.map_or(0, |c| c.auth_nid)
}

/// The room `SSL_CIPHER_description` needs, as OpenSSL asks for it.
const DESCRIPTION_LEN: usize = 128;

/// `SSL_CIPHER_description`: one line as OpenSSL writes it (name, version, key exchange,
/// authentication, encryption, MAC), into `buf` (at least 128 bytes, else null) or, with
/// `buf` null, into a new string the caller frees with `OPENSSL_free`. Null for a null
/// cipher.
///
/// # Safety
/// As [`SSL_CIPHER_get_name`]; `buf` null or valid for `size` bytes.
#[entry]
pub unsafe extern "C" fn SSL_CIPHER_description(
    c: *const SSL_CIPHER,
    buf: *mut c_char,
    size: c_int,
) -> *mut c_char {
    // SAFETY: per the contract.
    let Some(c) = (unsafe { cipher(c) }) else {
        return std::ptr::null_mut();
    };
    let line = format!(
        "{:<30} {:<7} Kx={:<8} Au={:<5} Enc={:<22} Mac={:<4}\n",
        c.name.to_string_lossy(),
        c.version.to_string_lossy(),
        c.kx,
        c.au,
        c.enc,
        "AEAD"
    );
    if buf.is_null() {
        return malloc_c_string(line.as_bytes());
    }
    let Ok(size) = usize::try_from(size) else {
        return std::ptr::null_mut();
    };
    if size < DESCRIPTION_LEN {
        return std::ptr::null_mut();
    }
    // SAFETY: valid for `size` bytes, per the contract.
    let dest = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), size) };
    put_c_string(dest, line.as_bytes());
    buf
}

/// The TLS numbers of groups OpenSSL knows by NID, with their NIDs.
const GROUP_NIDS: &[(u16, c_int)] = &[
    (0x0017, 415),  // secp256r1: NID_X9_62_prime256v1
    (0x0018, 715),  // secp384r1
    (0x0019, 716),  // secp521r1
    (0x001d, 1034), // X25519
    (0x001e, 1035), // X448
    (0x0100, 1126), // ffdhe2048
    (0x0101, 1127), // ffdhe3072
    (0x0102, 1128), // ffdhe4096
    (0x0103, 1129), // ffdhe6144
    (0x0104, 1130), // ffdhe8192
];

/// The TLS numbers of the groups with these NIDs (`SSL_CTX_set1_groups`), or `None` if one
/// is no group's.
pub(crate) fn groups_of_nids(nids: &[c_int]) -> Option<Vec<u16>> {
    nids.iter()
        .map(|&nid| {
            GROUP_NIDS
                .iter()
                .find(|&&(_, n)| n == nid)
                .map(|&(id, _)| id)
                .or_else(|| {
                    // OpenSSL takes a group without a NID as TLSEXT_nid_unknown plus its number.
                    let id = nid & !TLSEXT_nid_unknown;
                    (nid & TLSEXT_nid_unknown != 0)
                        .then(|| u16::try_from(id).ok())
                        .flatten()
                })
        })
        .collect()
}

/// The NID of the group with TLS number `id` (`SSL_get_negotiated_group`), or
/// `TLSEXT_nid_unknown` plus the number for a group without one.
pub(crate) fn group_nid(id: u16) -> c_long {
    let nid = GROUP_NIDS
        .iter()
        .find(|&&(g, _)| g == id)
        .map_or(TLSEXT_nid_unknown | c_int::from(id), |&(_, nid)| nid);
    c_long::from(nid)
}

/// Copies a hello's random (zeros before it is known, as OpenSSL's buffer starts) into `out`:
/// with `outlen` 0 the random's size (32), else the bytes copied. QUIC objects do not show
/// their handshake records: `ERR_R_UNSUPPORTED`, 0.
///
/// # Safety
/// `ssl` must be null or a live object; `out` valid for `outlen` bytes.
unsafe fn copy_random(ssl: *const SSL, out: *mut u8, outlen: usize, server: bool) -> usize {
    type Ret = usize;
    let s = arg!(ssl_ref(ssl));
    let Obj::Tls(t) = &s.obj else {
        crate::unsupported::raise("the hello randoms of a QUIC connection");
        return 0;
    };
    let (client, server_random) = t.hello_randoms();
    let random = if server { server_random } else { client };
    let random = random.unwrap_or([0; 32]);
    if outlen == 0 {
        return random.len();
    }
    let n = outlen.min(random.len());
    let dest = arg!(bytes_mut(out, n));
    dest.copy_from_slice(&random[..n]);
    n
}

/// `SSL_get_client_random`: the ClientHello's random, as it went over the wire (see
/// `copy_random`).
///
/// # Safety
/// `ssl` must be null or a live object; `out` valid for `outlen` bytes.
#[entry]
pub unsafe extern "C" fn SSL_get_client_random(
    ssl: *const SSL,
    out: *mut u8,
    outlen: usize,
) -> usize {
    // SAFETY: forwarded.
    unsafe { copy_random(ssl, out, outlen, false) }
}

/// `SSL_get_server_random`: the ServerHello's random (after a HelloRetryRequest, the retry
/// request's), as it went over the wire.
///
/// # Safety
/// As [`SSL_get_client_random`].
#[entry]
pub unsafe extern "C" fn SSL_get_server_random(
    ssl: *const SSL,
    out: *mut u8,
    outlen: usize,
) -> usize {
    // SAFETY: forwarded.
    unsafe { copy_random(ssl, out, outlen, true) }
}
