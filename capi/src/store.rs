//! `X509_STORE` for C: a context's trusted certificates (`SSL_CTX_get_cert_store`), or a
//! store of its own (`X509_STORE_new`) filled and then given to a context
//! (`SSL_CTX_set_cert_store`), after which it stands for that context's store. A store given
//! to a second context gives it a copy of its certificates: later changes reach the context
//! that holds the store.
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int, c_ulong};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use qssl::ctx::TrustStore;
use qssl::x509::verify::{Purpose, VerifyParams};

use crate::ctx::{SSL_CTX, ctx_ref};
use crate::entry::{arg, entry, param};
use crate::ffi::{arc_release, arc_share, arc_take, arc_up_ref, obj, text};
use crate::x509::X509;

/// `X509_STORE`: reference counted as in OpenSSL.
#[derive(Debug)]
pub struct X509_STORE {
    state: Mutex<State>,
}

/// Where a store's certificates and settings are.
#[derive(Debug)]
enum State {
    /// A store of its own: certificates, and the flags, depth and purpose it adds to
    /// verifications.
    Own(TrustStore, VerifyParams),
    /// A context's store.
    Ctx(Weak<SSL_CTX>),
}

impl X509_STORE {
    /// An empty store of its own.
    fn own() -> X509_STORE {
        X509_STORE {
            state: Mutex::new(State::Own(TrustStore::empty(), VerifyParams::default())),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies `change` to the certificates: 1, or 0 with the reason on the queue.
    fn with_certs(&self, change: impl FnOnce(&mut TrustStore) -> bool) -> c_int {
        let mut state = self.state();
        let done = match &mut *state {
            State::Own(certs, _) => change(certs),
            State::Ctx(c) => c.upgrade().is_some_and(|c| {
                let mut ctx = c.lock();
                let mut certs = ctx.trust_store().clone();
                let done = change(&mut certs);
                ctx.set_trust_store(certs);
                done
            }),
        };
        c_int::from(done)
    }

    /// Applies `change` to the verification settings the store adds: 1.
    fn with_params(&self, change: impl FnOnce(&mut VerifyParams)) -> c_int {
        let mut state = self.state();
        match &mut *state {
            State::Own(_, params) => change(params),
            State::Ctx(c) => {
                if let Some(c) = c.upgrade() {
                    c.lock().update_verify_params(change);
                }
            }
        }
        1
    }
}

/// `X509_STORE_new`: an empty store of its own.
#[entry]
pub extern "C" fn X509_STORE_new() -> *mut X509_STORE {
    Arc::into_raw(Arc::new(X509_STORE::own())).cast_mut()
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

/// `X509_STORE_add_cert`: trusts `x` too (a certificate already there is accepted again).
///
/// # Safety
/// `store` and `x` must be null or live.
#[entry]
pub unsafe extern "C" fn X509_STORE_add_cert(store: *mut X509_STORE, x: *mut X509) -> c_int {
    let s = arg!(obj(store));
    let x = arg!(obj(x));
    s.with_certs(|certs| {
        certs
            .add_der(x.certificate().der())
            .map_err(|e| e.raise())
            .is_ok()
    })
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
    s.with_certs(|certs| {
        let from_file = file
            .as_deref()
            .is_none_or(|f| certs.add_file(Path::new(f)).is_ok());
        let from_dir = dir
            .as_deref()
            .is_none_or(|d| certs.add_dir(Path::new(d)).is_ok());
        (file.is_some() || dir.is_some()) && from_file && from_dir
    })
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
    s.with_certs(|certs| {
        certs.add_system();
        true
    })
}

/// `X509_STORE_set_flags`: adds `X509_V_FLAG_*` flags to every verification with the store.
///
/// # Safety
/// `store` must be null or live.
#[entry]
pub unsafe extern "C" fn X509_STORE_set_flags(store: *mut X509_STORE, flags: c_ulong) -> c_int {
    let s = arg!(obj(store));
    s.with_params(|p| p.flags |= flags)
}

/// `X509_STORE_set_depth`.
///
/// # Safety
/// `store` must be null or live.
#[entry]
pub unsafe extern "C" fn X509_STORE_set_depth(store: *mut X509_STORE, depth: c_int) -> c_int {
    let s = arg!(obj(store));
    s.with_params(|p| p.depth = usize::try_from(depth).ok())
}

/// `X509_STORE_set_purpose`: `X509_PURPOSE_SSL_CLIENT`, `_SSL_SERVER` or `_ANY`.
///
/// # Safety
/// `store` must be null or live.
#[entry]
pub unsafe extern "C" fn X509_STORE_set_purpose(store: *mut X509_STORE, purpose: c_int) -> c_int {
    let s = arg!(obj(store));
    match Purpose::from_id(purpose) {
        Some(purpose) => s.with_params(|p| p.purpose = purpose),
        None => 0,
    }
}

/// `SSL_CTX_get_cert_store`: the context's store (not a new reference).
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get_cert_store(ctx: *const SSL_CTX) -> *mut X509_STORE {
    let c = arg!(ctx_ref(ctx));
    let Some(shared) = param!(arc_share(ctx)) else {
        return std::ptr::null_mut();
    };
    let mut held = c.store.lock().unwrap_or_else(PoisonError::into_inner);
    let store = held.get_or_insert_with(|| {
        Arc::new(X509_STORE {
            state: Mutex::new(State::Ctx(Arc::downgrade(&shared))),
        })
    });
    Arc::as_ptr(store).cast_mut()
}

/// `SSL_CTX_set_cert_store`: the context takes the caller's reference to `store` and trusts
/// its certificates (with its flags, depth and purpose) instead of its own; the store then
/// stands for the context's (null: an empty store).
///
/// # Safety
/// `ctx` must be null or a live context; `store` null or a live store whose reference the
/// caller hands over.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_cert_store(ctx: *mut SSL_CTX, store: *mut X509_STORE) {
    let c = arg!(ctx_ref(ctx));
    let Some(shared) = param!(arc_share(ctx)) else {
        return;
    };
    let store = param!(arc_take(store)).unwrap_or_else(|| Arc::new(X509_STORE::own()));
    adopt(c, &shared, store);
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

/// Makes `store` the context's: its certificates and settings move into the context and the
/// store from then on stands for the context's.
fn adopt(c: &SSL_CTX, shared: &Arc<SSL_CTX>, store: Arc<X509_STORE>) {
    let previous = {
        let mut state = store.state();
        std::mem::replace(&mut *state, State::Ctx(Arc::downgrade(shared)))
    };
    {
        let mut ctx = c.lock();
        match previous {
            State::Own(certs, params) => {
                ctx.set_trust_store(certs);
                ctx.update_verify_params(|p| {
                    p.flags |= params.flags;
                    p.depth = params.depth.or(p.depth);
                    if params.purpose != Purpose::Any {
                        p.purpose = params.purpose;
                    }
                });
            }
            State::Ctx(other) => {
                if let Some(other) = other.upgrade() {
                    let certs = other.lock().trust_store().clone();
                    ctx.set_trust_store(certs);
                }
            }
        }
    }
    *c.store.lock().unwrap_or_else(PoisonError::into_inner) = Some(store);
}
