//! `SSL_set_ciphersuites` and `SSL_set_cipher_list`: an object's own cipher suites, in place
//! of its context's, for its next handshake.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int};

use crate::entry::{arg, entry};
use crate::ffi::c_str;
use crate::ssl::{Obj, SSL, ssl_ref};

/// `SSL_set_ciphersuites`: the object's TLS 1.3 suites by name (a QUIC client connection's
/// before it starts). 1, or 0 with the reason queued (`SSL_R_NO_CIPHER_MATCH` when none is
/// known).
///
/// # Safety
/// `ssl` must be null or a live object; `list` null or a NUL-terminated string.
#[entry]
pub unsafe extern "C" fn SSL_set_ciphersuites(ssl: *mut SSL, list: *const c_char) -> c_int {
    let s = arg!(ssl_ref(ssl));
    let list = arg!(c_str(list));
    let shared = s.ctx();
    let ctx = shared.lock();
    let r = match &s.obj {
        Obj::Tls(t) => t.set_ciphersuites(&ctx, &list),
        Obj::Quic(q) => q.set_ciphersuites(&ctx, &list),
    };
    c_int::from(r.is_ok())
}

/// `SSL_set_cipher_list`: the object's TLS 1.2 suites from an OpenSSL cipher string. QUIC
/// speaks TLS 1.3 only: on a QUIC object the list is checked and has no effect, as in
/// OpenSSL.
///
/// # Safety
/// `ssl` must be null or a live object; `list` null or a NUL-terminated string.
#[entry]
pub unsafe extern "C" fn SSL_set_cipher_list(ssl: *mut SSL, list: *const c_char) -> c_int {
    let s = arg!(ssl_ref(ssl));
    let list = arg!(c_str(list));
    let shared = s.ctx();
    let ctx = shared.lock();
    let r = match &s.obj {
        Obj::Tls(t) => t.set_cipher_list(&ctx, &list),
        Obj::Quic(_) => ctx.choose_cipher_list(&mut qssl::ctx::SuiteChoice::default(), &list),
    };
    c_int::from(r.is_ok())
}
