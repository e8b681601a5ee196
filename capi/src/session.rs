//! `SSL_SESSION` for C: a client's session (TLS or QUIC), reference counted as in OpenSSL, to
//! resume a later connection with (`SSL_get1_session`, `SSL_set_session`, the new-session callback).
//! Sessions live in memory only: rustls does not let a session be written out, so the PEM
//! calls fail with `ERR_R_UNSUPPORTED`.
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int, c_long, c_uint, c_void};
use std::sync::{Arc, PoisonError};
use std::time::{Duration, UNIX_EPOCH};

use qssl::error::{ERR_LIB_SSL, SslError, err_r};
use qssl::tls::SslSession;

use crate::bio::BIO;
use crate::ctx::{SSL_CTX, ctx_ref};
use crate::entry::{arg, entry, nullable, out, param};
use crate::ffi::{arc_release, arc_up_ref, bytes, obj};
use crate::ssl::{Obj, SSL, callback_ssl, ssl_ref};

/// `SSL_SESSION`: a shared handle to a client session.
#[derive(Debug)]
pub struct SSL_SESSION(SslSession);

impl SSL_SESSION {
    /// Hands `session` to C with one reference.
    fn into_c(session: SslSession) -> *mut SSL_SESSION {
        Arc::into_raw(Arc::new(SSL_SESSION(session))).cast_mut()
    }
}

/// `SSL_SESSION_up_ref`.
///
/// # Safety
/// `s` must be null or a live session.
#[entry]
pub unsafe extern "C" fn SSL_SESSION_up_ref(s: *mut SSL_SESSION) -> c_int {
    param!(arc_up_ref(s))
}

/// `SSL_SESSION_free`.
///
/// # Safety
/// `s` must be null or a live session whose reference the caller gives up.
#[entry]
pub unsafe extern "C" fn SSL_SESSION_free(s: *mut SSL_SESSION) {
    param!(arc_release(s))
}

/// `SSL_SESSION_is_resumable`: whether it still holds something to resume with.
///
/// # Safety
/// `s` must be null or a live session.
#[entry]
pub unsafe extern "C" fn SSL_SESSION_is_resumable(s: *const SSL_SESSION) -> c_int {
    let s = arg!(obj(s));
    c_int::from(s.0.is_resumable())
}

/// `SSL_SESSION_get_time`: when the session arrived, in seconds since the epoch (0 before).
///
/// # Safety
/// `s` must be null or a live session.
#[entry]
pub unsafe extern "C" fn SSL_SESSION_get_time(s: *const SSL_SESSION) -> c_long {
    let s = arg!(obj(s));
    s.0.time()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| c_long::try_from(d.as_secs()).unwrap_or(c_long::MAX))
}

/// The C object of the session `s` made (null for servers, listeners and streams), held by
/// `s` until its session changes: `SSL_get0_session` and `SSL_get1_session` hand out the same
/// pointer, as OpenSSL's do.
fn held_session(s: &SSL) -> *mut SSL_SESSION {
    let session = match &s.obj {
        Obj::Tls(t) => t.session(),
        Obj::Quic(q) => q.session(),
    };
    let Some(session) = session else {
        return std::ptr::null_mut();
    };
    let mut held = s.session.lock().unwrap_or_else(PoisonError::into_inner);
    match &*held {
        Some(c) if c.0.same_session(&session) => {}
        _ => *held = Some(Arc::new(SSL_SESSION(session))),
    }
    held.as_ref()
        .map_or(std::ptr::null_mut(), |c| Arc::as_ptr(c).cast_mut())
}

/// `SSL_get1_session`: the session a client connection made, with a new reference, or null
/// for servers, listeners and streams.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get1_session(ssl: *mut SSL) -> *mut SSL_SESSION {
    let s = arg!(ssl_ref(ssl));
    let session = held_session(s);
    if !session.is_null() {
        // SAFETY: held by `s`, so live; the caller gets the new reference.
        unsafe { Arc::increment_strong_count(session.cast_const()) };
    }
    session
}

/// `SSL_get_session` (and the `SSL_get0_session` macro): the session a client connection
/// made, without a reference (valid while the object lives and its session stays the same),
/// or null for servers, listeners and streams.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_session(ssl: *const SSL) -> *mut SSL_SESSION {
    let s = arg!(ssl_ref(ssl));
    held_session(s)
}

/// `SSL_set_session`: the session a client connection (TLS or QUIC) offers to resume (null
/// clears it); the object keeps its own reference.
///
/// # Safety
/// `ssl` must be null or a live object; `session` null or a live session.
#[entry]
pub unsafe extern "C" fn SSL_set_session(ssl: *mut SSL, session: *mut SSL_SESSION) -> c_int {
    let s = arg!(ssl_ref(ssl));
    let offered = nullable!(session).map(|x| x.0.clone());
    c_int::from(match &s.obj {
        Obj::Tls(t) => t.set_session(offered).is_ok(),
        Obj::Quic(q) => q.set_session(offered).is_ok(),
    })
}

/// `SSL_session_reused`: whether the handshake resumed a session.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_session_reused(ssl: *const SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    c_int::from(match &s.obj {
        Obj::Tls(t) => t.session_reused(),
        Obj::Quic(q) => q.session_reused(),
    })
}

/// The new-session callback's C type.
pub type NewSessionCallbackC = Option<unsafe extern "C" fn(*mut SSL, *mut SSL_SESSION) -> c_int>;

/// `SSL_CTX_sess_set_new_cb`: called on a client (TLS or QUIC) with each new session the
/// server sent, while `SSL_SESS_CACHE_CLIENT` is on, with the connection's `SSL *` (null if
/// the session arrives outside a call on the connection, see `callback_ssl`). The callback
/// gets a reference: returning 1 keeps it (the application frees it later), 0 gives it back.
///
/// # Safety
/// `ctx` must be null or a live context; `cb` null or a function valid for the context's
/// lifetime.
#[entry]
pub unsafe extern "C" fn SSL_CTX_sess_set_new_cb(ctx: *mut SSL_CTX, cb: NewSessionCallbackC) {
    let c = arg!(ctx_ref(ctx));
    let callback = cb.map(|cb| {
        let f: qssl::ctx::NewSessionCallback = Arc::new(move |session: SslSession| {
            let handle = SSL_SESSION::into_c(session);
            // SAFETY: the application's callback, given a session reference of its own.
            if unsafe { cb(callback_ssl(), handle) } == 0 {
                // SAFETY: the reference the callback gave back.
                unsafe { arc_release(handle.cast_const()) };
            }
        });
        f
    });
    c.lock().set_new_session_callback(callback);
}

/// `pem_password_cb`: asks for a passphrase (unused here: sessions are not read from PEM).
pub type pem_password_cb =
    Option<unsafe extern "C" fn(*mut c_char, c_int, c_int, *mut c_void) -> c_int>;

/// Records that sessions cannot be written out or read in.
fn no_session_io() {
    SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
        .with_data("sessions cannot be serialized (rustls keeps them in memory only)")
        .raise();
}

/// `PEM_write_bio_SSL_SESSION`: not supported; 0 with `ERR_R_UNSUPPORTED`.
#[entry]
pub extern "C" fn PEM_write_bio_SSL_SESSION(_bp: *mut BIO, _x: *const SSL_SESSION) -> c_int {
    no_session_io();
    0
}

/// `PEM_read_bio_SSL_SESSION`: not supported; null with `ERR_R_UNSUPPORTED`.
#[entry]
pub extern "C" fn PEM_read_bio_SSL_SESSION(
    _bp: *mut BIO,
    _x: *mut *mut SSL_SESSION,
    _cb: pem_password_cb,
    _u: *mut c_void,
) -> *mut SSL_SESSION {
    no_session_io();
    std::ptr::null_mut()
}

/// `i2d_SSL_SESSION`: not supported; 0 with `ERR_R_UNSUPPORTED`.
#[entry]
pub extern "C" fn i2d_SSL_SESSION(_s: *const SSL_SESSION, _pp: *mut *mut u8) -> c_int {
    no_session_io();
    0
}

/// `d2i_SSL_SESSION`: not supported; null with `ERR_R_UNSUPPORTED`.
#[entry]
pub extern "C" fn d2i_SSL_SESSION(
    _a: *mut *mut SSL_SESSION,
    _pp: *mut *const u8,
    _length: c_long,
) -> *mut SSL_SESSION {
    no_session_io();
    std::ptr::null_mut()
}

/// `SSL_SESSION_get_id`: the session ID set with `SSL_SESSION_set1_id` (none otherwise:
/// rustls keeps a session's own ID to itself), its length in `*len`; valid until it is set
/// again.
///
/// # Safety
/// `s` must be null or a live session; `len` null or valid for a write.
#[entry]
pub unsafe extern "C" fn SSL_SESSION_get_id(s: *const SSL_SESSION, len: *mut c_uint) -> *const u8 {
    out!(len, 0);
    let s = arg!(obj(s));
    let (ptr, n) = s.0.id_location();
    out!(len, c_uint::try_from(n).unwrap_or(0));
    ptr
}

/// `SSL_SESSION_set1_id`: at most 32 bytes (`SSL_R_SSL_SESSION_ID_TOO_LONG`).
///
/// # Safety
/// `s` must be null or a live session; `sid` valid for `sid_len` bytes.
#[entry]
pub unsafe extern "C" fn SSL_SESSION_set1_id(
    s: *mut SSL_SESSION,
    sid: *const u8,
    sid_len: c_uint,
) -> c_int {
    let s = arg!(obj(s));
    let len = sid_len as usize;
    let sid = arg!(bytes(sid, len));
    c_int::from(s.0.set_id(sid).is_ok())
}

/// `SSL_SESSION_set1_id_context`: at most 32 bytes
/// (`SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG`).
///
/// # Safety
/// `s` must be null or a live session; `sid_ctx` valid for `sid_ctx_len` bytes.
#[entry]
pub unsafe extern "C" fn SSL_SESSION_set1_id_context(
    s: *mut SSL_SESSION,
    sid_ctx: *const u8,
    sid_ctx_len: c_uint,
) -> c_int {
    let s = arg!(obj(s));
    let len = sid_ctx_len as usize;
    let sid_ctx = arg!(bytes(sid_ctx, len));
    c_int::from(s.0.set_id_context(sid_ctx).is_ok())
}

/// `SSL_SESSION_get_timeout`: how long the session stays usable, in seconds (its context's
/// timeout when it arrived, unless set).
///
/// # Safety
/// `s` must be null or a live session.
#[entry]
pub unsafe extern "C" fn SSL_SESSION_get_timeout(s: *const SSL_SESSION) -> c_long {
    let s = arg!(obj(s));
    c_long::from(s.0.timeout())
}

/// `SSL_SESSION_set_timeout`: the session is offered only while younger than `t` seconds
/// (negative counts as 0); returns 1.
///
/// # Safety
/// `s` must be null or a live session.
#[entry]
pub unsafe extern "C" fn SSL_SESSION_set_timeout(s: *mut SSL_SESSION, t: c_long) -> c_long {
    let s = arg!(obj(s));
    s.0.set_timeout(u32::try_from(t.max(0)).unwrap_or(u32::MAX));
    1
}

/// `SSL_SESSION_set_time`: when the session counts as made, in seconds since the epoch
/// (negative counts as 0); returns `t`.
///
/// # Safety
/// `s` must be null or a live session.
#[entry]
pub unsafe extern "C" fn SSL_SESSION_set_time(s: *mut SSL_SESSION, t: c_long) -> c_long {
    let s = arg!(obj(s));
    let secs = u64::try_from(t.max(0)).unwrap_or(0);
    s.0.set_time(UNIX_EPOCH + Duration::from_secs(secs));
    t
}

/// `SSL_SESSION_get_max_early_data`: how much 0-RTT data the server would take with the
/// session (0 for TLS 1.2). qssl's TLS clients send none (`SSL_write_early_data`).
///
/// # Safety
/// `s` must be null or a live session.
#[entry]
pub unsafe extern "C" fn SSL_SESSION_get_max_early_data(s: *const SSL_SESSION) -> u32 {
    let s = arg!(obj(s));
    s.0.max_early_data()
}

/// `SSL_SESSION_get_master_key`: rustls does not expose the master secret: 0 bytes, with
/// `ERR_R_UNSUPPORTED` on the queue.
#[entry]
pub extern "C" fn SSL_SESSION_get_master_key(
    _s: *const SSL_SESSION,
    _out: *mut u8,
    _outlen: usize,
) -> usize {
    crate::unsupported::raise("the master secret (rustls keeps it to itself)");
    0
}

/// `SSL_CTX_remove_session`: 0: qssl keeps no `SSL_SESSION` objects in a context's cache
/// (rustls keeps its own values there), so there is none to remove.
///
/// # Safety
/// `ctx` must be null or a live context; `s` null or a live session.
#[entry]
pub unsafe extern "C" fn SSL_CTX_remove_session(ctx: *mut SSL_CTX, s: *mut SSL_SESSION) -> c_int {
    let _ = arg!(ctx_ref(ctx));
    let _ = arg!(obj(s));
    0
}

/// The C form of `SSL_CTX_sess_set_get_cb`'s callback.
pub type GetSessionCallbackC =
    Option<unsafe extern "C" fn(*mut SSL, *const u8, c_int, *mut c_int) -> *mut SSL_SESSION>;
/// The C form of `SSL_CTX_sess_set_remove_cb`'s callback.
pub type RemoveSessionCallbackC = Option<unsafe extern "C" fn(*mut SSL_CTX, *mut SSL_SESSION)>;

/// `SSL_CTX_sess_set_get_cb`: an external server session cache cannot be offered (rustls
/// servers keep their sessions, and qssl servers have no `SSL_SESSION` objects): a callback
/// is refused with `ERR_R_UNSUPPORTED`; null is accepted.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_sess_set_get_cb(ctx: *mut SSL_CTX, cb: GetSessionCallbackC) {
    let _ = arg!(ctx_ref(ctx));
    if cb.is_some() {
        crate::unsupported::raise("external server session caches (SSL_CTX_sess_set_get_cb)");
    }
}

/// `SSL_CTX_sess_set_remove_cb`: as [`SSL_CTX_sess_set_get_cb`].
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_sess_set_remove_cb(ctx: *mut SSL_CTX, cb: RemoveSessionCallbackC) {
    let _ = arg!(ctx_ref(ctx));
    if cb.is_some() {
        crate::unsupported::raise("external server session caches (SSL_CTX_sess_set_remove_cb)");
    }
}
