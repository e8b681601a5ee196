//! Peer verification for C: the verify mode, callback and depth of a context, the
//! `X509_STORE_CTX` the callback is given at each step of the chain walk, the peer's chain
//! and the verified chain of a connection, the verify result's text, and checking a
//! certificate's names (`X509_check_host`, `X509_check_ip_asc`).
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int, c_long, c_uchar, c_uint, c_void};
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use qssl::ctx::{self as qctx};
use qssl::x509::verify::ip_bytes;

use crate::abi::*;
use crate::crypto::malloc_c_string;
use crate::ctx::{SSL_CTX, ctx_ref};
use crate::entry::{CInt, arg, entry, out, param};
use crate::ex_data::CRYPTO_get_ex_new_index;
use crate::ffi::{bytes, c_bytes, interned, obj, obj_mut, text};
use crate::ssl::{Obj, SSL, callback_ssl, ssl_ref};
use crate::stack::{CertificateStack, OPENSSL_STACK};
use crate::x509::X509;

/// The C shape of a verify callback: `int (*)(int preverify_ok, X509_STORE_CTX *)`.
pub type VerifyCallbackC = Option<unsafe extern "C" fn(c_int, *mut X509_STORE_CTX) -> c_int>;

/// `X509_STORE_CTX`: what a verify callback is told at one step: the chain, the depth of the
/// certificate the step is about, the verify result so far (which the callback may change
/// with `X509_STORE_CTX_set_error`), and the `SSL *` being verified.
pub struct X509_STORE_CTX {
    chain: CertificateStack,
    depth: usize,
    error: c_int,
    ssl: *mut SSL,
}

impl X509_STORE_CTX {
    /// The context for the step `info` describes, on `ssl`; `None` (with the error raised) if
    /// a certificate of the chain does not parse.
    fn new(info: &qctx::VerifyInfo<'_>, ssl: *mut SSL) -> Option<Self> {
        let certs = shared_certificates(info.chain)?;
        Some(Self {
            chain: CertificateStack::new(certs),
            depth: info.depth,
            error: c_int::try_from(info.code()).unwrap_or(c_int::MAX),
            ssl,
        })
    }
}

/// Each certificate of `chain` (DER), for C; `None` (with the error raised) if one does not
/// parse.
fn shared_certificates(chain: &[impl AsRef<[u8]>]) -> Option<Vec<Arc<X509>>> {
    chain.iter().map(|c| X509::shared(c.as_ref())).collect()
}

/// A C verify callback as the Rust layer's: each step gets its own `X509_STORE_CTX`, and the
/// result the callback leaves there goes back to the step.
fn rust_callback(
    cb: unsafe extern "C" fn(c_int, *mut X509_STORE_CTX) -> c_int,
) -> qctx::VerifyCallback {
    Arc::new(move |ok: bool, info: &qctx::VerifyInfo<'_>| {
        let Some(mut store) = X509_STORE_CTX::new(info, callback_ssl()) else {
            return false;
        };
        // SAFETY: the caller's callback, valid while the context or object lives, given a
        // context that lives through the call.
        let answer = unsafe { cb(c_int::from(ok), &raw mut store) != 0 };
        info.set_code(i64::from(store.error));
        answer
    })
}

/// `SSL_CTX_set_verify`: the verify mode and callback. The callback is called as OpenSSL
/// calls it: for each error found in the chain (`preverify_ok` 0), then for each certificate
/// from the top of the chain down to the peer's (1); returning 0 stops and rejects. Its
/// `X509_STORE_CTX` holds the chain, the step's depth and certificate, the verify result so
/// far and the `SSL *` (see `callback_ssl` for when that is null).
///
/// # Safety
/// `ctx` must be null or a live context; `callback` null or a function valid for the
/// context's lifetime.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_verify(
    ctx: *mut SSL_CTX,
    mode: c_int,
    callback: VerifyCallbackC,
) {
    let ctx = arg!(ctx_ref(ctx));
    ctx.lock().set_verify(mode, callback.map(rust_callback));
    *ctx.verify_callback
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = callback;
}

/// `SSL_CTX_get_verify_callback`: the callback `SSL_CTX_set_verify` was given (null for
/// none).
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get_verify_callback(ctx: *const SSL_CTX) -> VerifyCallbackC {
    let c = arg!(ctx_ref(ctx));
    *c.verify_callback
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `SSL_CTX_get_verify_mode`.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get_verify_mode(ctx: *const SSL_CTX) -> c_int {
    let c = arg!(ctx_ref(ctx));
    c.lock().verify_mode()
}

/// `SSL_CTX_set_verify_depth`: at most `depth` CA certificates between the peer's and the
/// trust anchor (negative: unset, the default of 100 applies).
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_verify_depth(ctx: *mut SSL_CTX, depth: c_int) {
    let c = arg!(ctx_ref(ctx));
    c.lock().set_verify_depth(depth);
}

/// `SSL_CTX_get_verify_depth`: -1 while unset, and for null.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get_verify_depth(ctx: *const SSL_CTX) -> CInt<-1> {
    let c = arg!(ctx_ref(ctx));
    c.lock().verify_depth()
}

/// `SSL_set_verify`: a client object's own verify mode and callback (a null callback keeps
/// the one it has), before its handshake starts; objects start with their context's. On
/// other objects (servers verify clients as their context says) the error is queued.
///
/// # Safety
/// `ssl` must be null or a live object; `callback` null or a function valid for the
/// object's lifetime.
#[entry]
pub unsafe extern "C" fn SSL_set_verify(ssl: *mut SSL, mode: c_int, callback: VerifyCallbackC) {
    let s = arg!(ssl_ref(ssl));
    let callback = callback.map(rust_callback);
    // A failure is on the error queue: SSL_set_verify has no result.
    let _ = match &s.obj {
        Obj::Tls(t) => t.set_verify(mode, callback),
        Obj::Quic(q) => q.set_verify(mode, callback),
    };
}

/// `SSL_set_verify_depth`: as [`SSL_CTX_set_verify_depth`], for a client object (see
/// [`SSL_set_verify`]).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_set_verify_depth(ssl: *mut SSL, depth: c_int) {
    let s = arg!(ssl_ref(ssl));
    // A failure is on the error queue: SSL_set_verify_depth has no result.
    let _ = match &s.obj {
        Obj::Tls(t) => t.set_verify_depth(depth),
        Obj::Quic(q) => q.set_verify_depth(depth),
    };
}

/// An object's verify mode and depth: a client's own, else its context's.
fn verify_settings(s: &SSL) -> (c_int, c_int) {
    let own = match &s.obj {
        Obj::Tls(t) => t.verify_settings(),
        Obj::Quic(q) => q.verify_settings(),
    };
    own.unwrap_or_else(|| {
        let ctx = s.ctx();
        let ctx = ctx.lock();
        (ctx.verify_mode(), ctx.verify_depth())
    })
}

/// `SSL_get_verify_mode`; 0 for null.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_verify_mode(ssl: *const SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    verify_settings(s).0
}

/// `SSL_get_verify_depth`; -1 for null.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_verify_depth(ssl: *const SSL) -> CInt<-1> {
    let s = arg!(ssl_ref(ssl));
    verify_settings(s).1
}

/// `SSL_get_ex_data_X509_STORE_CTX_idx`: the index under which a verify callback's
/// `X509_STORE_CTX` holds its `SSL *`.
#[entry]
pub extern "C" fn SSL_get_ex_data_X509_STORE_CTX_idx() -> CInt<-1> {
    static INDEX: OnceLock<c_int> = OnceLock::new();
    *INDEX.get_or_init(|| {
        CRYPTO_get_ex_new_index(
            CRYPTO_EX_INDEX_X509_STORE_CTX,
            0,
            std::ptr::null_mut(),
            None,
            None,
            None,
        )
        .0
    })
}

/// `X509_STORE_CTX_get_ex_data`: the `SSL *` at [`SSL_get_ex_data_X509_STORE_CTX_idx`] (null
/// where qssl cannot tell the connection, see `SSL_CTX_set_verify`); null at other indexes.
///
/// # Safety
/// `ctx` null or the context a verify callback was given.
#[entry]
pub unsafe extern "C" fn X509_STORE_CTX_get_ex_data(
    ctx: *const X509_STORE_CTX,
    idx: c_int,
) -> *mut c_void {
    let c = arg!(obj(ctx));
    if idx == SSL_get_ex_data_X509_STORE_CTX_idx().0 {
        c.ssl.cast()
    } else {
        std::ptr::null_mut()
    }
}

/// `X509_STORE_CTX_get_current_cert`: the certificate of this step, valid during the
/// callback.
///
/// # Safety
/// `ctx` null or the context a verify callback was given.
#[entry]
pub unsafe extern "C" fn X509_STORE_CTX_get_current_cert(ctx: *const X509_STORE_CTX) -> *mut X509 {
    let c = arg!(obj(ctx));
    c.chain
        .certs
        .get(c.depth)
        .map_or(std::ptr::null_mut(), |x| Arc::as_ptr(x).cast_mut())
}

/// `X509_STORE_CTX_get0_cert`: the certificate being verified (the peer's own), valid
/// during the callback.
///
/// # Safety
/// `ctx` null or the context a verify callback was given.
#[entry]
pub unsafe extern "C" fn X509_STORE_CTX_get0_cert(ctx: *const X509_STORE_CTX) -> *mut X509 {
    let c = arg!(obj(ctx));
    c.chain
        .certs
        .first()
        .map_or(std::ptr::null_mut(), |x| Arc::as_ptr(x).cast_mut())
}

/// `X509_STORE_CTX_get0_chain`: the chain (`STACK_OF(X509)`), valid during the callback.
///
/// # Safety
/// `ctx` null or the context a verify callback was given.
#[entry]
pub unsafe extern "C" fn X509_STORE_CTX_get0_chain(
    ctx: *const X509_STORE_CTX,
) -> *mut OPENSSL_STACK {
    let c = arg!(obj(ctx));
    c.chain.as_c()
}

/// `X509_STORE_CTX_get1_chain`: a copy of the chain holding its own references, which the
/// caller frees with `sk_X509_pop_free(chain, X509_free)`.
///
/// # Safety
/// `ctx` null or the context a verify callback was given.
#[entry]
pub unsafe extern "C" fn X509_STORE_CTX_get1_chain(
    ctx: *const X509_STORE_CTX,
) -> *mut OPENSSL_STACK {
    let c = arg!(obj(ctx));
    OPENSSL_STACK::certificate_references(&c.chain.certs)
}

/// `X509_STORE_CTX_get_error`: the verify result so far (`X509_V_OK` while none).
///
/// # Safety
/// `ctx` null or the context a verify callback was given.
#[entry]
pub unsafe extern "C" fn X509_STORE_CTX_get_error(ctx: *const X509_STORE_CTX) -> c_int {
    let c = arg!(obj(ctx));
    c.error
}

/// `X509_STORE_CTX_set_error`: changes the verify result: later steps see it, and it is the
/// connection's result unless changed again.
///
/// # Safety
/// `ctx` null or the context a verify callback was given.
#[entry]
pub unsafe extern "C" fn X509_STORE_CTX_set_error(ctx: *mut X509_STORE_CTX, error: c_int) {
    let c = arg!(obj_mut(ctx));
    c.error = error;
}

/// `X509_STORE_CTX_get_error_depth`: the depth of this step's certificate (0: the peer's).
///
/// # Safety
/// `ctx` null or the context a verify callback was given.
#[entry]
pub unsafe extern "C" fn X509_STORE_CTX_get_error_depth(ctx: *const X509_STORE_CTX) -> c_int {
    let c = arg!(obj(ctx));
    c_int::try_from(c.depth).unwrap_or(c_int::MAX)
}

/// `X509_verify_cert_error_string`: the text of a verify result.
#[entry]
pub extern "C" fn X509_verify_cert_error_string(n: c_long) -> *const c_char {
    #[allow(clippy::useless_conversion)] // Not useless where `long` is 32 bits.
    interned(qctx::verify_error_string(i64::from(n)))
}

/// The stack kept in `slot`, made from `certs` once they are known.
fn kept_stack<C: AsRef<[u8]>>(
    slot: &OnceLock<CertificateStack>,
    certs: impl FnOnce() -> Option<Vec<C>>,
) -> *mut OPENSSL_STACK {
    if let Some(s) = slot.get() {
        return s.as_c();
    }
    let Some(shared) = certs().and_then(|c| shared_certificates(&c)) else {
        return std::ptr::null_mut();
    };
    slot.get_or_init(|| CertificateStack::new(shared)).as_c()
}

/// `SSL_get_peer_cert_chain`: the certificates the peer sent, valid while the object lives:
/// on a client starting with the server's own, on a server without the client's own (as in
/// OpenSSL). Null before the handshake got them or if the peer sent none.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_peer_cert_chain(ssl: *const SSL) -> *mut OPENSSL_STACK {
    let s = arg!(ssl_ref(ssl));
    kept_stack(&s.negotiated().peer_chain, || {
        let (chain, server) = match &s.obj {
            Obj::Tls(t) => (t.peer_cert_chain()?, t.is_server()),
            Obj::Quic(q) => (q.peer_cert_chain()?, s.is_accepted()),
        };
        Some(chain.into_iter().skip(usize::from(server)).collect())
    })
}

/// `SSL_get0_verified_chain`: on a client, the chain its verifier built for the server's
/// certificate (leaf first, up to the trust anchor when one was found), valid while the
/// object lives; null before verification and on a server.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get0_verified_chain(ssl: *const SSL) -> *mut OPENSSL_STACK {
    let s = arg!(ssl_ref(ssl));
    kept_stack(&s.negotiated().verified_chain, || match &s.obj {
        Obj::Tls(t) => t.verified_chain(),
        Obj::Quic(q) => q.verified_chain(),
    })
}

/// `X509_check_host`: 1 if the certificate is valid for the host name `chk` (its first
/// `chklen` bytes, or up to the NUL when 0; a trailing NUL is dropped), 0 if not, -2 for a
/// null name or one with an embedded NUL. Matching is OpenSSL's: the DNS alternative names,
/// or without any the subject's common names, with its wildcard rules and
/// `X509_CHECK_FLAG_*` `flags`. With `peername` set, the certificate's matching name is
/// returned there in a new string the caller frees with `OPENSSL_free`.
///
/// # Safety
/// `x` null or a live certificate; `chk` null or valid for `chklen` bytes (NUL-terminated
/// when `chklen` is 0); `peername` null or writable.
#[entry]
pub unsafe extern "C" fn X509_check_host(
    x: *mut X509,
    chk: *const c_char,
    chklen: usize,
    flags: c_uint,
    peername: *mut *mut c_char,
) -> CInt<-1> {
    let x = arg!(obj(x));
    let Some(name) = param!(check_name(chk, chklen)) else {
        return -2;
    };
    let Ok(host) = std::str::from_utf8(name) else {
        return 0;
    };
    let Some(matched) = x.certificate().check_host(host, flags) else {
        return 0;
    };
    if !peername.is_null() {
        out!(peername, malloc_c_string(matched.as_bytes()));
    }
    1
}

/// The name an `X509_check_*` call compares: the first `len` bytes of `chk` (up to the NUL
/// when 0), without a trailing NUL; `None` for null or an embedded NUL (OpenSSL's -2).
///
/// # Safety
/// `chk` null, or valid for `len` bytes (NUL-terminated when `len` is 0).
unsafe fn check_name<'a>(chk: *const c_char, len: usize) -> Option<&'a [u8]> {
    if chk.is_null() {
        return None;
    }
    // SAFETY: non-null, NUL-terminated or valid for len bytes, per the contract.
    let name = unsafe {
        if len == 0 {
            c_bytes(chk)?
        } else {
            bytes(chk, len)?
        }
    };
    let name = name.strip_suffix(b"\0").unwrap_or(name);
    (!name.contains(&0)).then_some(name)
}

/// `X509_check_email`: 1 if the certificate carries the e-mail address `chk` (as for
/// [`X509_check_host`]), 0 if not, -2 for a null or malformed argument.
///
/// # Safety
/// As [`X509_check_host`].
#[entry]
pub unsafe extern "C" fn X509_check_email(
    x: *mut X509,
    chk: *const c_char,
    chklen: usize,
    _flags: c_uint,
) -> CInt<-1> {
    let x = arg!(obj(x));
    let Some(name) = param!(check_name(chk, chklen)) else {
        return -2;
    };
    let Ok(email) = std::str::from_utf8(name) else {
        return 0;
    };
    c_int::from(x.certificate().check_email(email))
}

/// `X509_check_ip_asc`: 1 if the certificate is valid for the IP address written in `ipasc`,
/// 0 if not, -2 if `ipasc` is null or not an address.
///
/// # Safety
/// `x` null or a live certificate; `ipasc` null or NUL-terminated.
#[entry]
pub unsafe extern "C" fn X509_check_ip_asc(
    x: *mut X509,
    ipasc: *const c_char,
    _flags: c_uint,
) -> CInt<-1> {
    let x = arg!(obj(x));
    match param!(text(ipasc)).and_then(|t| t.parse::<IpAddr>().ok()) {
        Some(ip) => c_int::from(x.certificate().check_ip(&ip_bytes(ip))),
        None => -2,
    }
}

/// `X509_check_ip`: as [`X509_check_ip_asc`] for an address in network byte order (`chklen`
/// bytes, compared as they are); -2 for a null address.
///
/// # Safety
/// `x` null or a live certificate; `chk` null or valid for `chklen` bytes.
#[entry]
pub unsafe extern "C" fn X509_check_ip(
    x: *mut X509,
    chk: *const c_uchar,
    chklen: usize,
    _flags: c_uint,
) -> CInt<-1> {
    let x = arg!(obj(x));
    if chk.is_null() {
        return -2;
    }
    let raw = arg!(bytes(chk, chklen));
    c_int::from(x.certificate().check_ip(raw))
}
