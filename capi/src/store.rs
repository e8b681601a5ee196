//! `X509_STORE` for C: a context's trusted certificates (`SSL_CTX_get_cert_store`), or a
//! store of its own (`X509_STORE_new`) filled and given to contexts
//! (`SSL_CTX_set_cert_store`, `SSL_CTX_set1_cert_store`). As in OpenSSL, a store is one
//! object, shared by the contexts holding it and the caller's references: what is added to it
//! later, through it or through a context holding it, counts for their later verifications,
//! and it lives on after those contexts are freed. Its flags, depth and purpose are its own:
//! each verification with it adds them to the context's or object's parameters
//! (`SSL_CTX_get0_param`, which does not show them).
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int, c_ulong};
use std::path::Path;
use std::sync::{Arc, OnceLock, PoisonError};

use qssl::ctx::TrustStore;
use qssl::error::{ERR_LIB_X509, ERR_LIB_X509V3, SslError, err_r, x509v3_r};
use qssl::x509::verify::Purpose;

use crate::ctx::{SSL_CTX, ctx_ref};
use crate::entry::{arg, entry, nullable, param};
use crate::ffi::{arc_release, arc_take, arc_up_ref, obj, text};
use crate::x509::X509;

/// `X509_STORE`: reference counted as in OpenSSL.
#[derive(Debug)]
pub struct X509_STORE {
    /// The certificates and settings, shared with the contexts the store is given to.
    trust: TrustStore,
}

impl X509_STORE {
    /// A store standing for `trust`.
    fn new(trust: TrustStore) -> Arc<X509_STORE> {
        Arc::new(X509_STORE { trust })
    }
}

/// What a context holds after `SSL_CTX_set_cert_store(ctx, NULL)`: no store, which
/// `SSL_CTX_get_cert_store` answers with null.
fn no_store() -> &'static Arc<X509_STORE> {
    static NONE: OnceLock<Arc<X509_STORE>> = OnceLock::new();
    NONE.get_or_init(|| X509_STORE::new(TrustStore::empty()))
}

/// `X509_STORE_new`: an empty store of its own.
#[entry]
pub extern "C" fn X509_STORE_new() -> *mut X509_STORE {
    Arc::into_raw(X509_STORE::new(TrustStore::empty())).cast_mut()
}

/// `X509_STORE_up_ref`.
///
/// # Safety
/// `store` must be null or a live store.
#[entry]
pub unsafe extern "C" fn X509_STORE_up_ref(store: *mut X509_STORE) -> c_int {
    param!(arc_up_ref(store))
}

/// `X509_STORE_free`: drops one reference (null is ignored).
///
/// # Safety
/// `store` must be null or a live store whose reference the caller gives up.
#[entry]
pub unsafe extern "C" fn X509_STORE_free(store: *mut X509_STORE) {
    param!(arc_release(store));
}

/// `X509_STORE_add_cert`: trusts `x` too (a certificate already there is accepted again);
/// no certificate fails with `ERR_R_X509_LIB`, as in OpenSSL.
///
/// # Safety
/// `store` and `x` must be null or live.
#[entry]
pub unsafe extern "C" fn X509_STORE_add_cert(store: *mut X509_STORE, x: *mut X509) -> c_int {
    let s = arg!(obj(store));
    let Some(x) = nullable!(x) else {
        SslError::new(ERR_LIB_X509, err_r::X509_LIB)
            .with_data("no certificate")
            .raise();
        return 0;
    };
    let added = s
        .trust
        .add_der(x.certificate().der())
        .map_err(|e| e.raise());
    c_int::from(added.is_ok())
}

/// `X509_STORE_load_locations`: adds the certificates of a PEM file and of a directory's
/// files, as `SSL_CTX_load_verify_locations` does.
///
/// # Safety
/// `store` must be null or live; `file` and `dir` null or NUL-terminated.
#[entry]
pub unsafe extern "C" fn X509_STORE_load_locations(
    store: *mut X509_STORE,
    file: *const c_char,
    dir: *const c_char,
) -> c_int {
    let s = arg!(obj(store));
    let (file, dir) = (param!(text(file)), param!(text(dir)));
    let from_file = file
        .as_deref()
        .is_none_or(|f| s.trust.add_file(Path::new(f)).is_ok());
    let from_dir = dir
        .as_deref()
        .is_none_or(|d| s.trust.add_dir(Path::new(d)).is_ok());
    c_int::from((file.is_some() || dir.is_some()) && from_file && from_dir)
}

/// `X509_STORE_load_file`.
///
/// # Safety
/// `store` must be null or live; `file` null or NUL-terminated.
#[entry]
pub unsafe extern "C" fn X509_STORE_load_file(
    store: *mut X509_STORE,
    file: *const c_char,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { X509_STORE_load_locations(store, file, std::ptr::null()) }
}

/// `X509_STORE_load_path`.
///
/// # Safety
/// `store` must be null or live; `path` null or NUL-terminated.
#[entry]
pub unsafe extern "C" fn X509_STORE_load_path(
    store: *mut X509_STORE,
    path: *const c_char,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { X509_STORE_load_locations(store, std::ptr::null(), path) }
}

/// `X509_STORE_set_default_paths`: adds the system's trusted certificates.
///
/// # Safety
/// `store` must be null or live.
#[entry]
pub unsafe extern "C" fn X509_STORE_set_default_paths(store: *mut X509_STORE) -> c_int {
    let s = arg!(obj(store));
    s.trust.add_system();
    1
}

/// `X509_STORE_set_flags`: adds `X509_V_FLAG_*` flags to every verification with the store.
///
/// # Safety
/// `store` must be null or live.
#[entry]
pub unsafe extern "C" fn X509_STORE_set_flags(store: *mut X509_STORE, flags: c_ulong) -> c_int {
    let s = arg!(obj(store));
    s.trust.update_params(|p| p.flags |= flags);
    1
}

/// `X509_STORE_set_depth`: the depth of verifications whose context or object sets none
/// (negative: unset).
///
/// # Safety
/// `store` must be null or live.
#[entry]
pub unsafe extern "C" fn X509_STORE_set_depth(store: *mut X509_STORE, depth: c_int) -> c_int {
    let s = arg!(obj(store));
    s.trust
        .update_params(|p| p.depth = usize::try_from(depth).ok());
    1
}

/// `X509_STORE_set_purpose`: `X509_PURPOSE_SSL_CLIENT`, `_SSL_SERVER` or `_ANY`, for
/// verifications whose context or object sets none; other purposes fail with
/// `X509V3_R_INVALID_PURPOSE`.
///
/// # Safety
/// `store` must be null or live.
#[entry]
pub unsafe extern "C" fn X509_STORE_set_purpose(store: *mut X509_STORE, purpose: c_int) -> c_int {
    let s = arg!(obj(store));
    let Some(purpose) = Purpose::from_id(purpose) else {
        SslError::new(ERR_LIB_X509V3, x509v3_r::INVALID_PURPOSE)
            .with_data(format!("purpose {purpose}"))
            .raise();
        return 0;
    };
    s.trust.update_params(|p| p.purpose = purpose);
    1
}

/// `SSL_CTX_get_cert_store`: the context's store (not a new reference); null after
/// `SSL_CTX_set_cert_store(ctx, NULL)`.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get_cert_store(ctx: *const SSL_CTX) -> *mut X509_STORE {
    let c = arg!(ctx_ref(ctx));
    let mut held = c.store.lock().unwrap_or_else(PoisonError::into_inner);
    let store = held.get_or_insert_with(|| X509_STORE::new(c.lock().trust_store().clone()));
    if Arc::ptr_eq(store, no_store()) {
        return std::ptr::null_mut();
    }
    Arc::as_ptr(store).cast_mut()
}

/// `SSL_CTX_set_cert_store`: the context takes the caller's reference to `store` and trusts
/// it (its certificates, with its flags, depth and purpose) instead of the store it had;
/// null leaves it without a store, trusting nothing.
///
/// # Safety
/// `ctx` must be null or a live context; `store` null or a live store whose reference the
/// caller hands over.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_cert_store(ctx: *mut SSL_CTX, store: *mut X509_STORE) {
    let c = arg!(ctx_ref(ctx));
    let store = param!(arc_take(store));
    let trust = store
        .as_ref()
        .map_or_else(TrustStore::empty, |s| s.trust.clone());
    c.lock().set_trust_store(trust);
    *c.store.lock().unwrap_or_else(PoisonError::into_inner) =
        Some(store.unwrap_or_else(|| Arc::clone(no_store())));
}

/// `SSL_CTX_set1_cert_store`: as [`SSL_CTX_set_cert_store`], the context taking a reference
/// of its own.
///
/// # Safety
/// `ctx` must be null or a live context; `store` null or a live store.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set1_cert_store(ctx: *mut SSL_CTX, store: *mut X509_STORE) {
    param!(arc_up_ref(store));
    // SAFETY: forwarded from this function's contract, with the reference just taken.
    unsafe { SSL_CTX_set_cert_store(ctx, store) }
}
