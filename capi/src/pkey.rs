//! Private keys for C: `EVP_PKEY`, reference counted, read from PEM with
//! `PEM_read_bio_PrivateKey` and given to contexts with `SSL_CTX_use_PrivateKey`. A key is
//! `qssl::ctx::PrivateKey`: its DER and kind (RSA, EC or Ed25519, what the provider signs
//! with); qssl has no other use for keys, so nothing else of OpenSSL's EVP API is offered.
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

use std::ffi::{c_int, c_void};
use std::sync::Arc;

use qssl::ctx::{KeyKind, PrivateKey};
use qssl::error::{ERR_LIB_PEM, SslError, err_r, pem_r};
use qssl::x509::pem::{MAX_PEM_LINE, MAX_PEM_SECTION};

use crate::bio::BIO;
use crate::bio::rw::read_line;
use crate::entry::{arg, entry, param};
use crate::ffi::{arc_release, arc_up_ref, obj};
use crate::session::pem_password_cb;

/// `EVP_PKEY_RSA`.
pub const EVP_PKEY_RSA: c_int = 6;
/// `EVP_PKEY_EC`.
pub const EVP_PKEY_EC: c_int = 408;
/// `EVP_PKEY_ED25519`.
pub const EVP_PKEY_ED25519: c_int = 1087;

/// `EVP_PKEY`: a private key, shared by reference count.
#[derive(Debug)]
pub struct EVP_PKEY(pub(crate) PrivateKey);

impl EVP_PKEY {
    /// Hands a new reference to C.
    pub(crate) fn into_c(k: Arc<EVP_PKEY>) -> *mut EVP_PKEY {
        Arc::into_raw(k).cast_mut()
    }
}

/// `EVP_PKEY_up_ref`.
///
/// # Safety
/// `pkey` must be null or a live key.
#[entry]
pub unsafe extern "C" fn EVP_PKEY_up_ref(pkey: *mut EVP_PKEY) -> c_int {
    param!(arc_up_ref(pkey))
}

/// `EVP_PKEY_free`: drops one reference (null is ignored).
///
/// # Safety
/// `pkey` must be null or a live key whose reference the caller gives up.
#[entry]
pub unsafe extern "C" fn EVP_PKEY_free(pkey: *mut EVP_PKEY) {
    param!(arc_release(pkey))
}

/// `EVP_PKEY_get_id`: `EVP_PKEY_RSA`, `EVP_PKEY_EC` or `EVP_PKEY_ED25519`.
///
/// # Safety
/// `pkey` must be null or a live key.
#[entry]
pub unsafe extern "C" fn EVP_PKEY_get_id(pkey: *const EVP_PKEY) -> c_int {
    let k = arg!(obj(pkey));
    match k.0.kind() {
        KeyKind::Rsa => EVP_PKEY_RSA,
        KeyKind::Ec => EVP_PKEY_EC,
        KeyKind::Ed25519 => EVP_PKEY_ED25519,
    }
}

/// `EVP_PKEY_get_base_id`: as `EVP_PKEY_get_id` (qssl's key kinds are base types).
///
/// # Safety
/// `pkey` must be null or a live key.
#[entry]
pub unsafe extern "C" fn EVP_PKEY_get_base_id(pkey: *const EVP_PKEY) -> c_int {
    // SAFETY: forwarded.
    unsafe { EVP_PKEY_get_id(pkey) }
}

/// Whether `line` opens (`BEGIN`) or closes (`END`) a private key section of any kind
/// (`PRIVATE KEY`, `RSA PRIVATE KEY`, `EC PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`).
fn key_boundary(line: &[u8], what: &str) -> bool {
    let text = String::from_utf8_lossy(line);
    let text = text.trim_end();
    text.strip_prefix(&format!("-----{what} "))
        .and_then(|rest| rest.strip_suffix("PRIVATE KEY-----"))
        .is_some()
}

/// `PEM_read_bio_PrivateKey`: the next private key section in `bp` (PKCS#8, PKCS#1 or SEC1;
/// sections of other kinds before it are skipped), or null: `PEM_R_NO_START_LINE` at the end
/// of the input, `ERR_R_PEM_LIB` or `ERR_R_EVP_LIB` for a key that cannot be read. Encrypted
/// keys are not supported (`ERR_R_UNSUPPORTED`): the password callback is not called.
///
/// # Safety
/// `bp` null or live; `x` null or valid, `*x` null or a live key it replaces.
#[entry]
pub unsafe extern "C" fn PEM_read_bio_PrivateKey(
    bp: *mut BIO,
    x: *mut *mut EVP_PKEY,
    _cb: pem_password_cb,
    _u: *mut c_void,
) -> *mut EVP_PKEY {
    let mut section: Option<Vec<u8>> = None;
    loop {
        // A failed or retried read ends the input, as the end of the stream does.
        // SAFETY: per the contract.
        let Some(line) = (unsafe { read_line(bp, MAX_PEM_LINE) }).filter(|l| !l.is_empty()) else {
            SslError::new(ERR_LIB_PEM, pem_r::NO_START_LINE).raise();
            return std::ptr::null_mut();
        };
        match &mut section {
            None if key_boundary(&line, "BEGIN") => section = Some(line),
            None => {}
            Some(text) => {
                text.extend_from_slice(&line);
                if key_boundary(&line, "END") {
                    break;
                }
                if text.len() > MAX_PEM_SECTION {
                    SslError::new(ERR_LIB_PEM, pem_r::BAD_END_LINE).raise();
                    return std::ptr::null_mut();
                }
            }
        }
    }
    let text = section.unwrap_or_default();
    if text.starts_with(b"-----BEGIN ENCRYPTED") {
        SslError::new(ERR_LIB_PEM, err_r::UNSUPPORTED)
            .with_data("encrypted private keys")
            .raise();
        return std::ptr::null_mut();
    }
    let Ok(key) = PrivateKey::from_pem(&text) else {
        return std::ptr::null_mut();
    };
    let p = EVP_PKEY::into_c(Arc::new(EVP_PKEY(key)));
    // As in OpenSSL, `*x` and the returned pointer are the same single reference.
    // SAFETY: `x` null or valid for a write, `*x` null or a live key the caller gives up, per
    // the contract.
    if let Some(slot) = unsafe { x.as_mut() } {
        // SAFETY: the old key's reference is given up, per the contract.
        unsafe { EVP_PKEY_free(*slot) };
        *slot = p;
    }
    p
}
