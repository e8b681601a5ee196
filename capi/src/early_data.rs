//! TLS 1.3 early data (0-RTT) as far as qssl's TLS objects take part: servers accept none
//! (`SSL_CTX_set_max_early_data` with a nonzero amount is refused with
//! `ERR_R_UNSUPPORTED`), so `SSL_read_early_data` runs the handshake and reports the early
//! data finished; clients send none, so `SSL_write_early_data` fails as OpenSSL's does
//! without a session that allows it (`ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED`), and with
//! `ERR_R_UNSUPPORTED` when the session would allow it.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{c_int, c_void};
use std::sync::atomic::Ordering;

use qssl::error::{ERR_LIB_SSL, SslError, err_r};

use crate::ctx::{SSL_CTX, ctx_ref};
use crate::entry::{arg, entry, out};
use crate::ssl::{Obj, SSL, ssl_ref};

/// `SSL_READ_EARLY_DATA_ERROR`.
const READ_EARLY_DATA_ERROR: c_int = 0;
/// `SSL_READ_EARLY_DATA_FINISH`.
const READ_EARLY_DATA_FINISH: c_int = 2;
/// `SSL_EARLY_DATA_NOT_SENT`.
const EARLY_DATA_NOT_SENT: c_int = 0;

/// Where an object is in `SSL_read_early_data`'s sequence (`SSL::early_data`).
pub(crate) const EARLY_NONE: u8 = 0;
/// The handshake `SSL_read_early_data` started has not completed yet.
const EARLY_ACCEPT_RETRY: u8 = 1;
/// `SSL_read_early_data` reported the end of the early data.
const EARLY_FINISHED: u8 = 2;

/// Refuses a nonzero amount of early data (`ERR_R_UNSUPPORTED`, 0); 0 is what qssl takes.
fn max_early_data(amount: u32) -> c_int {
    if amount == 0 {
        return 1;
    }
    crate::unsupported::raise("accepting early data (0-RTT) on TLS servers");
    0
}

/// `SSL_CTX_set_max_early_data`: 1 for 0 (no early data, what qssl servers accept);
/// `ERR_R_UNSUPPORTED` and 0 otherwise.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_max_early_data(ctx: *mut SSL_CTX, amount: u32) -> c_int {
    let _ = arg!(ctx_ref(ctx));
    max_early_data(amount)
}

/// `SSL_CTX_get_max_early_data`: 0.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get_max_early_data(ctx: *const SSL_CTX) -> u32 {
    let _ = arg!(ctx_ref(ctx));
    0
}

/// `SSL_set_max_early_data`: as [`SSL_CTX_set_max_early_data`].
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_set_max_early_data(ssl: *mut SSL, amount: u32) -> c_int {
    let _ = arg!(ssl_ref(ssl));
    max_early_data(amount)
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

/// `SSL_write_early_data`: qssl's TLS clients send no early data. Without a session that
/// allows it (or on a server, or once the handshake started) this is
/// `ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED`, as in OpenSSL; with one, `ERR_R_UNSUPPORTED`. 0;
/// `*written` is not touched, as OpenSSL leaves it.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_write_early_data(
    ssl: *mut SSL,
    _buf: *const c_void,
    _num: usize,
    _written: *mut usize,
) -> c_int {
    let s = arg!(ssl_ref(ssl));
    match &s.obj {
        Obj::Tls(t) if t.offered_max_early_data() > 0 => {
            crate::unsupported::raise("sending early data (0-RTT) from TLS clients");
            0
        }
        _ => out_of_place(0),
    }
}

/// `SSL_get_early_data_status`: `SSL_EARLY_DATA_NOT_SENT`: no early data is ever sent or
/// accepted.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_early_data_status(ssl: *const SSL) -> c_int {
    let _ = arg!(ssl_ref(ssl));
    EARLY_DATA_NOT_SENT
}
