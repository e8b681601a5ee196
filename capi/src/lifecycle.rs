//! An `SSL` object's options and the state of its connection around the handshake:
//! `SSL_get_options`/`SSL_set_options`/`SSL_clear_options`, `SSL_in_init`, the shutdown flags
//! (`SSL_get_shutdown`, `SSL_set_shutdown`), quiet shutdown, read-ahead, and `SSL_clear`,
//! which readies a TLS object for another connection.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::c_int;
use std::sync::atomic::Ordering;

use qssl::error::{ERR_LIB_SSL, SslError, err_r, ssl_r};

use crate::abi::*;
use crate::ctx::{SSL_CTX, ctx_ref};
use crate::entry::{CSsize, arg, entry};
use crate::ssl::{Obj, SSL, ssl_ref};

/// The options OpenSSL lets a QUIC connection hold (`OSSL_QUIC_PERMITTED_OPTIONS_CONN`): the
/// ones that mean something for QUIC's TLS, and those TLS 1.2 and legacy ones it ignores.
const QUIC_CONN_OPTIONS: u64 = 0x3_df6f_fb85;
/// The options OpenSSL lets a QUIC stream hold (`OSSL_QUIC_PERMITTED_OPTIONS_STREAM`).
const QUIC_STREAM_OPTIONS: u64 = 0xde0f_a987;
/// Either (`OSSL_QUIC_PERMITTED_OPTIONS`): what a connection keeps for its streams.
const QUIC_OPTIONS: u64 = QUIC_CONN_OPTIONS | QUIC_STREAM_OPTIONS;

/// The options a new QUIC object starts with, as OpenSSL's: a connection its context's
/// (those QUIC permits), a stream its connection's (those a stream permits); 0 for TLS
/// objects (which keep theirs) and listeners.
pub(crate) fn initial_quic_options(obj: &Obj, ctx: &SSL_CTX, parent: Option<&SSL>) -> u64 {
    match obj {
        Obj::Quic(q) if q.is_connection() => ctx.lock().options() & QUIC_OPTIONS,
        Obj::Quic(q) if !q.is_listener() && !q.is_domain() => {
            parent.map_or(0, |p| p.quic_options.load(Ordering::Relaxed)) & QUIC_STREAM_OPTIONS
        }
        _ => 0,
    }
}

/// Applies `clear` then `set` to the options of `s`; returns the new options. A QUIC
/// listener has none (`SSL_R_CONN_USE_ONLY`, 0).
pub(crate) fn change_options(s: &SSL, clear: u64, set: u64) -> u64 {
    match &s.obj {
        Obj::Tls(t) => {
            t.clear_options(clear);
            t.set_options(set)
        }
        Obj::Quic(q) if q.is_listener() || q.is_domain() => {
            SslError::ssl(ssl_r::CONN_USE_ONLY).raise();
            0
        }
        Obj::Quic(q) => {
            let mask = if q.is_connection() {
                QUIC_OPTIONS
            } else {
                QUIC_STREAM_OPTIONS
            };
            let old = s.quic_options.load(Ordering::Relaxed);
            let new = ((old & !clear) | set) & mask;
            s.quic_options.store(new, Ordering::Relaxed);
            new
        }
    }
}

/// `SSL_get_options`: the object's `SSL_OP_*` options (its context's when it was made, then
/// its own changes).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_options(ssl: *const SSL) -> u64 {
    let s = arg!(ssl_ref(ssl));
    change_options(s, 0, 0)
}

/// `SSL_set_options`: adds options; returns the new set. On QUIC objects only the options
/// OpenSSL permits there are kept.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_set_options(ssl: *mut SSL, op: u64) -> u64 {
    let s = arg!(ssl_ref(ssl));
    change_options(s, 0, op)
}

/// `SSL_clear_options`: removes options; returns the new set.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_clear_options(ssl: *mut SSL, op: u64) -> u64 {
    let s = arg!(ssl_ref(ssl));
    change_options(s, op, 0)
}

/// `SSL_in_init`: 1 until the handshake has completed (also before it starts), then 0.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_in_init(ssl: *const SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    let in_init = match &s.obj {
        Obj::Tls(t) => t.in_init(),
        Obj::Quic(q) if q.is_listener() || q.is_domain() => false,
        Obj::Quic(q) => !q.is_init_finished(),
    };
    c_int::from(in_init)
}

/// `SSL_get_shutdown`: `SSL_SENT_SHUTDOWN` once close_notify went out (or was marked sent),
/// `SSL_RECEIVED_SHUTDOWN` once the peer's came (or was marked received). For a QUIC
/// connection: `SSL_SENT_SHUTDOWN` once it is closing, with `SSL_RECEIVED_SHUTDOWN` when the
/// peer closed it or it has terminated, as OpenSSL answers; 0 for its streams.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_shutdown(ssl: *const SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    let (sent, received) = match &s.obj {
        Obj::Tls(t) => t.shutdown_state(),
        Obj::Quic(q) if q.is_listener() || q.is_domain() => {
            SslError::ssl(ssl_r::CONN_USE_ONLY).raise();
            (false, false)
        }
        Obj::Quic(q) => q.shutdown_flags(),
    };
    (if sent { SSL_SENT_SHUTDOWN } else { 0 }) | (if received { SSL_RECEIVED_SHUTDOWN } else { 0 })
}

/// `SSL_set_shutdown`: marks close_notify as sent and/or received (`SSL_SENT_SHUTDOWN`,
/// `SSL_RECEIVED_SHUTDOWN`) without sending or reading one: `SSL_shutdown` then does only
/// what is not marked. Ignored on QUIC objects, as in OpenSSL.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_set_shutdown(ssl: *mut SSL, mode: c_int) {
    let s = arg!(ssl_ref(ssl));
    if let Obj::Tls(t) = &s.obj {
        t.set_shutdown_state(
            mode & SSL_SENT_SHUTDOWN != 0,
            mode & SSL_RECEIVED_SHUTDOWN != 0,
        );
    }
}

/// `SSL_CTX_set_quiet_shutdown`: the quiet shutdown setting objects made from the context
/// start with.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_quiet_shutdown(ctx: *mut SSL_CTX, mode: c_int) {
    let c = arg!(ctx_ref(ctx));
    c.set_quiet_shutdown(mode != 0);
}

/// `SSL_CTX_get_quiet_shutdown`.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get_quiet_shutdown(ctx: *const SSL_CTX) -> c_int {
    let c = arg!(ctx_ref(ctx));
    c_int::from(c.quiet_shutdown())
}

/// `SSL_set_quiet_shutdown`: with a nonzero `mode`, `SSL_shutdown` sends no close_notify and
/// counts both directions as shut. Ignored on QUIC objects, as in OpenSSL.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_set_quiet_shutdown(ssl: *mut SSL, mode: c_int) {
    let s = arg!(ssl_ref(ssl));
    if let Obj::Tls(t) = &s.obj {
        t.set_quiet_shutdown(mode != 0);
    }
}

/// `SSL_get_quiet_shutdown` (0 for QUIC objects).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_quiet_shutdown(ssl: *const SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    match &s.obj {
        Obj::Tls(t) => c_int::from(t.quiet_shutdown()),
        Obj::Quic(_) => 0,
    }
}

/// `SSL_set_read_ahead`: kept for `SSL_get_read_ahead`; it changes nothing, as rustls takes
/// whatever the read BIO gives.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_set_read_ahead(ssl: *mut SSL, yes: c_int) {
    let s = arg!(ssl_ref(ssl));
    s.read_ahead.store(yes, Ordering::Relaxed);
}

/// `SSL_get_read_ahead`: the object's read-ahead setting (its context's when it was made).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_read_ahead(ssl: *const SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    s.read_ahead.load(Ordering::Relaxed)
}

/// `SSL_clear`: readies a TLS object for a new connection in the same role, with the same
/// BIOs and settings (see `qssl::tls::Tls::clear`; a client that shut its connection down
/// offers that session next); what the object handed out about the old connection stays
/// valid until it is freed. QUIC objects cannot be reused: `ERR_R_UNSUPPORTED`, as in
/// OpenSSL.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_clear(ssl: *mut SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    match &s.obj {
        Obj::Tls(t) => {
            t.clear();
            s.renew_negotiated();
            1
        }
        Obj::Quic(_) => {
            SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED).raise();
            0
        }
    }
}

/// `SSL_renegotiate_pending`: 0: rustls never renegotiates.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_renegotiate_pending(ssl: *const SSL) -> c_int {
    let _ = arg!(ssl_ref(ssl));
    0
}

/// `SSL_waiting_for_async`: 0: qssl runs no asynchronous jobs (there are no engines).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_waiting_for_async(ssl: *mut SSL) -> c_int {
    let _ = arg!(ssl_ref(ssl));
    0
}

/// `SSL_get_all_async_fds`: an object without an asynchronous job has no wait context:
/// 0, the count untouched, as OpenSSL answers (qssl never runs one).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_all_async_fds(
    ssl: *mut SSL,
    _fds: *mut c_int,
    _numfds: *mut usize,
) -> c_int {
    let _ = arg!(ssl_ref(ssl));
    0
}

/// `SSL_get_changed_async_fds`: as [`SSL_get_all_async_fds`].
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_changed_async_fds(
    ssl: *mut SSL,
    _addfd: *mut c_int,
    _numaddfds: *mut usize,
    _delfd: *mut c_int,
    _numdelfds: *mut usize,
) -> c_int {
    let _ = arg!(ssl_ref(ssl));
    0
}

/// `SSL_renegotiate`: rustls never renegotiates: on a TLS 1.3 connection
/// `SSL_R_WRONG_SSL_VERSION` (as OpenSSL, TLS 1.3 has no renegotiation), otherwise
/// `SSL_R_NO_RENEGOTIATION`; 0.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_renegotiate(ssl: *mut SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    refuse_renegotiation(s)
}

/// `SSL_renegotiate_abbreviated`: as [`SSL_renegotiate`].
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_renegotiate_abbreviated(ssl: *mut SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    refuse_renegotiation(s)
}

/// The error of a renegotiation request on `s`; 0.
fn refuse_renegotiation(s: &SSL) -> c_int {
    let tls13 = matches!(&s.obj, Obj::Tls(t) if t.version() == Some(qssl::ctx::TLS1_3_VERSION));
    let reason = if tls13 {
        ssl_r::WRONG_SSL_VERSION
    } else {
        ssl_r::NO_RENEGOTIATION
    };
    SslError::ssl(reason).raise();
    0
}

/// `SSL_sendfile`: sending from a file needs kernel TLS, which qssl's TLS objects do not
/// use; as OpenSSL without kTLS: -1 with `SSL_R_UNINITIALIZED`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_sendfile(
    ssl: *mut SSL,
    _fd: c_int,
    _offset: libc::off_t,
    _size: usize,
    _flags: c_int,
) -> CSsize<-1> {
    let _ = arg!(ssl_ref(ssl));
    SslError::ssl(ssl_r::UNINITIALIZED)
        .with_data("SSL_sendfile needs kernel TLS")
        .raise();
    -1
}
