//! Early data (0-RTT). QUIC objects send and accept it, beyond OpenSSL 3.5's QUIC: a QUIC
//! server context given a nonzero `SSL_CTX_set_max_early_data` accepts it on its listeners
//! made afterwards (read on the accepted connection and its streams before the handshake
//! completes); a QUIC client connection with a session that allows it writes it with
//! `SSL_write_early_data`, and rejected early data is sent again by the transport (the
//! application does not write it again); `SSL_get_early_data_status` reports what happened.
//!
//! TLS objects take no part: their servers accept none (a nonzero amount is refused with
//! `ERR_R_UNSUPPORTED`), so `SSL_read_early_data` runs the handshake and reports the early
//! data finished; their clients send none, so `SSL_write_early_data` fails as OpenSSL's does
//! without a session that allows it (`ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED`), and with
//! `ERR_R_UNSUPPORTED` when the session would allow it.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{c_int, c_void};
use std::sync::atomic::Ordering;

use qssl::error::{ERR_LIB_SSL, SslError, err_r};
use qssl::quic::EarlyDataStatus;

use crate::bio::prepare_object;
use crate::ctx::{SSL_CTX, ctx_ref};
use crate::entry::{arg, entry, out};
use crate::ffi::bytes;
use crate::ssl::{Obj, SSL, ssl_ref};

/// `SSL_READ_EARLY_DATA_ERROR`.
const READ_EARLY_DATA_ERROR: c_int = 0;
/// `SSL_READ_EARLY_DATA_FINISH`.
const READ_EARLY_DATA_FINISH: c_int = 2;
/// `SSL_EARLY_DATA_NOT_SENT`.
const EARLY_DATA_NOT_SENT: c_int = 0;
/// `SSL_EARLY_DATA_REJECTED`.
const EARLY_DATA_REJECTED: c_int = 1;
/// `SSL_EARLY_DATA_ACCEPTED`.
const EARLY_DATA_ACCEPTED: c_int = 2;

/// Where an object is in `SSL_read_early_data`'s sequence (`SSL::early_data`).
pub(crate) const EARLY_NONE: u8 = 0;
/// The handshake `SSL_read_early_data` started has not completed yet.
const EARLY_ACCEPT_RETRY: u8 = 1;
/// `SSL_read_early_data` reported the end of the early data.
const EARLY_FINISHED: u8 = 2;

/// `SSL_CTX_set_max_early_data`: on a QUIC context, a nonzero amount makes the listeners made
/// afterwards accept early data (QUIC's flow control bounds it); on a TLS context 1 for 0
/// (no early data, what qssl's TLS servers accept) and `ERR_R_UNSUPPORTED` with 0 otherwise.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_max_early_data(ctx: *mut SSL_CTX, amount: u32) -> c_int {
    let ctx = arg!(ctx_ref(ctx));
    c_int::from(ctx.lock().set_max_early_data(amount).is_ok())
}

/// `SSL_CTX_get_max_early_data`: the amount last set (0 by default).
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get_max_early_data(ctx: *const SSL_CTX) -> u32 {
    let ctx = arg!(ctx_ref(ctx));
    ctx.lock().max_early_data()
}

/// `SSL_set_max_early_data`: 1 for 0 on a TLS object (no early data, what qssl's TLS servers
/// accept); `ERR_R_UNSUPPORTED` and 0 for a nonzero amount on a TLS object and for any on a
/// QUIC object (whose listener takes its context's setting when it is made).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_set_max_early_data(ssl: *mut SSL, amount: u32) -> c_int {
    let s = arg!(ssl_ref(ssl));
    match (&s.obj, amount) {
        (Obj::Tls(_), 0) => 1,
        (Obj::Tls(_), _) => {
            crate::unsupported::raise("accepting early data (0-RTT) on TLS servers");
            0
        }
        (Obj::Quic(_), _) => {
            crate::unsupported::raise(
                "early data limits per QUIC object: SSL_CTX_set_max_early_data sets a listener's",
            );
            0
        }
    }
}

/// `SSL_get_max_early_data`: 0.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_max_early_data(ssl: *const SSL) -> u32 {
    let _ = arg!(ssl_ref(ssl));
    0
}

/// `ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED`, as OpenSSL raises it for early data calls out of
/// place; `ret`.
fn out_of_place(ret: c_int) -> c_int {
    SslError::new(ERR_LIB_SSL, err_r::SHOULD_NOT_HAVE_BEEN_CALLED).raise();
    ret
}

/// `SSL_read_early_data` on a server: runs the handshake (`SSL_ERROR_WANT_*` while it
/// cannot finish, `SSL_READ_EARLY_DATA_ERROR` returned), then, as no early data is accepted,
/// `SSL_READ_EARLY_DATA_FINISH` with `*readbytes` 0 (untouched on failure, as OpenSSL
/// leaves it). OpenSSL returns as soon as its first
/// flight is out; qssl once the handshake has completed. Out of place (a client, a handshake
/// started otherwise, a call after the end): `ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED`.
///
/// # Safety
/// `ssl` must be null or a live object; `readbytes` null or valid for a write.
#[entry]
pub unsafe extern "C" fn SSL_read_early_data(
    ssl: *mut SSL,
    _buf: *mut c_void,
    _num: usize,
    readbytes: *mut usize,
) -> c_int {
    let s = arg!(ssl_ref(ssl));
    let Obj::Tls(t) = &s.obj else {
        return out_of_place(READ_EARLY_DATA_ERROR);
    };
    if !t.is_server() {
        return out_of_place(READ_EARLY_DATA_ERROR);
    }
    match s.early_data.load(Ordering::Relaxed) {
        EARLY_NONE if !t.in_before() => return out_of_place(READ_EARLY_DATA_ERROR),
        EARLY_NONE | EARLY_ACCEPT_RETRY => {}
        _ => return out_of_place(READ_EARLY_DATA_ERROR),
    }
    // SAFETY: a live object, per the contract.
    if unsafe { crate::ssl::SSL_accept(ssl) }.0 <= 0 {
        s.early_data.store(EARLY_ACCEPT_RETRY, Ordering::Relaxed);
        return READ_EARLY_DATA_ERROR;
    }
    s.early_data.store(EARLY_FINISHED, Ordering::Relaxed);
    out!(readbytes, 0);
    READ_EARLY_DATA_FINISH
}

/// `SSL_write_early_data`. On a QUIC client connection with a session that allows early
/// data: writes `buf` to the default stream before the handshake completes (the first call
/// starts the connection), 1 with `*written` set; 0 with the error recorded for
/// `SSL_get_error` otherwise (`ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED` without such a session or
/// after the handshake). qssl's TLS clients send no early data: without a session that
/// allows it (or on a server, or once the handshake started) this is
/// `ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED`, as in OpenSSL; with one, `ERR_R_UNSUPPORTED`; 0, and
/// `*written` is not touched, as OpenSSL leaves it.
///
/// # Safety
/// `ssl` must be null or a live object; `buf` valid for `num` bytes; `written` null or
/// valid for a write.
#[entry]
pub unsafe extern "C" fn SSL_write_early_data(
    ssl: *mut SSL,
    buf: *const c_void,
    num: usize,
    written: *mut usize,
) -> c_int {
    let s = arg!(ssl_ref(ssl));
    match &s.obj {
        Obj::Quic(q) => {
            let data = arg!(bytes(buf, num));
            if !prepare_object(s) {
                return 0;
            }
            match q.write_early_data(data) {
                Ok(n) => {
                    out!(written, n);
                    1
                }
                Err(_) => 0,
            }
        }
        Obj::Tls(t) if t.offered_max_early_data() > 0 => {
            crate::unsupported::raise("sending early data (0-RTT) from TLS clients");
            0
        }
        _ => out_of_place(0),
    }
}

/// `SSL_get_early_data_status`: on a QUIC connection whether the server accepted the
/// client's early data (`SSL_EARLY_DATA_ACCEPTED` / `SSL_EARLY_DATA_REJECTED`, known on a
/// client once the handshake completes), `SSL_EARLY_DATA_NOT_SENT` otherwise and on TLS
/// objects (which neither send nor accept early data).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_early_data_status(ssl: *const SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    match s.quic().map(|q| q.early_data_status()) {
        Some(EarlyDataStatus::Accepted) => EARLY_DATA_ACCEPTED,
        Some(EarlyDataStatus::Rejected) => EARLY_DATA_REJECTED,
        _ => EARLY_DATA_NOT_SENT,
    }
}
