//! `SSL_key_update` and `SSL_get_key_update_type` on TLS 1.3 and QUIC objects, and qssl's
//! keep-alive calls for QUIC connections (`<qssl/quic.h>`).
#![allow(non_snake_case)] // The exported names are OpenSSL's (and qssl's in its style).

use std::ffi::c_int;
use std::time::Duration;

use crate::ctx::{SSL_CTX, ctx_ref, with_quic_config};
use crate::entry::{arg, entry};
use crate::quic::quic_ref;
use crate::ssl::{Obj, SSL, ssl_ref};

/// `SSL_key_update`: schedules a TLS 1.3 KeyUpdate, or asks a QUIC connection for a 1-RTT
/// key update (OpenSSL's QUIC takes both types alike). 1, or 0 with the reason queued.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_key_update(ssl: *mut SSL, updatetype: c_int) -> c_int {
    let s = arg!(ssl_ref(ssl));
    let r = match &s.obj {
        Obj::Tls(t) => t.key_update(updatetype),
        Obj::Quic(q) => q.key_update(updatetype),
    };
    c_int::from(r.is_ok())
}

/// `SSL_get_key_update_type`: a TLS object's scheduled update not yet written, else
/// `SSL_KEY_UPDATE_NONE` (always on QUIC objects).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_key_update_type(ssl: *const SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    match &s.obj {
        Obj::Tls(t) => t.key_update_type(),
        Obj::Quic(q) => q.key_update_type(),
    }
}

/// The interval `ms` milliseconds stand for (0: none).
fn interval(ms: u64) -> Option<Duration> {
    (ms > 0).then(|| Duration::from_millis(ms))
}

/// `QSSL_CTX_set_keep_alive`: connections made from `ctx` send a PING after `ms`
/// milliseconds without an ack-eliciting packet (0: never, the default). 1, or 0 for a
/// context that is not QUIC's.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn QSSL_CTX_set_keep_alive(ctx: *mut SSL_CTX, ms: u64) -> c_int {
    let c = arg!(ctx_ref(ctx));
    with_quic_config(c, |config| config.keep_alive = interval(ms))
}

/// `QSSL_set_keep_alive`: as the context call, for one connection from now on, or for the
/// connections a listener accepts from now on.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn QSSL_set_keep_alive(ssl: *mut SSL, ms: u64) -> c_int {
    let (_, q) = arg!(quic_ref(ssl));
    c_int::from(q.set_keep_alive(interval(ms)).is_ok())
}
