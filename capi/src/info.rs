//! The info callback (`SSL_CTX_set_info_callback`, `SSL_set_info_callback`), handshake states
//! (`SSL_get_state`, `SSL_state_string`, `SSL_state_string_long`) and the alert texts
//! (`SSL_alert_type_string`, `SSL_alert_desc_string` and their long forms).
//!
//! A TLS object tells its events (handshake start and done, progress, the end of each
//! handshake call, the alerts it sends and receives) once the call that produced them has
//! let go of it, so the callback may call back into the object; inside the callback the
//! object reports the state it was in at the event, as OpenSSL's does. What states qssl can
//! tell is described in `qssl::tls::HandshakeState`. QUIC objects call no info callback.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::cell::Cell;
use std::ffi::{c_char, c_int};
use std::sync::{Arc, PoisonError, Weak};

use qssl::tls::{HandshakeState, InfoEvent, InfoHook};

use crate::ctx::{SSL_CTX, ctx_ref};
use crate::entry::{arg, entry, guard, nullable};
use crate::ssl::{Obj, SSL, ssl_ref};

/// The C form of an info callback.
pub type InfoCallbackC = Option<unsafe extern "C" fn(*const SSL, c_int, c_int)>;

thread_local! {
    /// The object whose info callback runs on this thread and the state of its event.
    static IN_CALLBACK: Cell<Option<(*const SSL, HandshakeState)>> = const { Cell::new(None) };
}

/// The hook a TLS object delivers its events to: the object's callback, else its context's,
/// called with the object (looked up when the event comes, as OpenSSL looks it up).
pub(crate) fn hook(ssl: Weak<SSL>) -> InfoHook {
    Arc::new(move |event: &InfoEvent| {
        let Some(s) = ssl.upgrade() else {
            return;
        };
        let own = *s
            .info_callback
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let ctx = s.ctx();
        let Some(cb) = own.or_else(|| {
            *ctx.info_callback
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        }) else {
            return;
        };
        let ptr = Arc::as_ptr(&s);
        let outer = IN_CALLBACK.replace(Some((ptr, event.state)));
        guard(
            "the info callback",
            || (),
            // SAFETY: the application's callback, with the live object it is about.
            || unsafe { cb(ptr, event.where_, event.ret) },
        );
        IN_CALLBACK.set(outer);
    })
}

/// The handshake state of `s` (the event's inside its info callback), and whether a fatal
/// error ended the connection.
fn state_of(s: &SSL) -> (HandshakeState, bool) {
    if let Some((ptr, state)) = IN_CALLBACK.get()
        && std::ptr::eq(ptr, s)
    {
        return (state, false);
    }
    match &s.obj {
        Obj::Tls(t) => (t.handshake_state(), t.in_error()),
        Obj::Quic(q) if q.is_init_finished() => (HandshakeState::Ok, false),
        Obj::Quic(q) if q.in_before() || q.is_server() => (HandshakeState::Before, false),
        Obj::Quic(_) => (HandshakeState::ClientWroteHello, false),
    }
}

/// `SSL_get_state`: the handshake state (`TLS_ST_BEFORE` for null, as OpenSSL answers).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_state(ssl: *const SSL) -> c_int {
    nullable!(ssl).map_or(HandshakeState::Before.number(), |s| state_of(s).0.number())
}

/// `SSL_state_string_long`: OpenSSL's text for the state, "error" after a fatal error (and
/// for null or a QUIC listener, which has no handshake).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_state_string_long(ssl: *const SSL) -> *const c_char {
    match nullable!(ssl).filter(|s| !s.quic().is_some_and(|q| q.is_listener() || q.is_domain())) {
        Some(s) => match state_of(s) {
            (_, true) => c"error".as_ptr(),
            (state, false) => crate::ffi::interned(state.long_name()),
        },
        None => c"error".as_ptr(),
    }
}

/// `SSL_state_string`: OpenSSL's short name for the state, "SSLERR" as
/// [`SSL_state_string_long`] says "error".
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_state_string(ssl: *const SSL) -> *const c_char {
    match nullable!(ssl).filter(|s| !s.quic().is_some_and(|q| q.is_listener() || q.is_domain())) {
        Some(s) => match state_of(s) {
            (_, true) => c"SSLERR".as_ptr(),
            (state, false) => crate::ffi::interned(state.short_name()),
        },
        None => c"SSLERR".as_ptr(),
    }
}

/// `SSL_CTX_set_info_callback`: called for the events of the context's TLS objects that have
/// none of their own (null: none).
///
/// # Safety
/// `ctx` must be null or a live context; `cb` null or a function valid for its lifetime.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_info_callback(ctx: *mut SSL_CTX, cb: InfoCallbackC) {
    let c = arg!(ctx_ref(ctx));
    *c.info_callback
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = cb;
}

/// `SSL_CTX_get_info_callback`.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get_info_callback(ctx: *mut SSL_CTX) -> InfoCallbackC {
    let c = arg!(ctx_ref(ctx));
    *c.info_callback
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// `SSL_set_info_callback`: called for the object's events instead of its context's (null:
/// the context's again).
///
/// # Safety
/// `ssl` must be null or a live object; `cb` null or a function valid for its lifetime.
#[entry]
pub unsafe extern "C" fn SSL_set_info_callback(ssl: *mut SSL, cb: InfoCallbackC) {
    let s = arg!(ssl_ref(ssl));
    *s.info_callback
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = cb;
}

/// `SSL_get_info_callback`: the object's own callback (null when it uses its context's).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_info_callback(ssl: *const SSL) -> InfoCallbackC {
    let s = arg!(ssl_ref(ssl));
    *s.info_callback
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// `SSL_alert_type_string_long`: the level of an alert (`level << 8 | description`).
#[entry]
pub extern "C" fn SSL_alert_type_string_long(value: c_int) -> *const c_char {
    match value >> 8 {
        1 => c"warning".as_ptr(),
        2 => c"fatal".as_ptr(),
        _ => c"unknown".as_ptr(),
    }
}

/// `SSL_alert_type_string`: as [`SSL_alert_type_string_long`], one letter.
#[entry]
pub extern "C" fn SSL_alert_type_string(value: c_int) -> *const c_char {
    match value >> 8 {
        1 => c"W".as_ptr(),
        2 => c"F".as_ptr(),
        _ => c"U".as_ptr(),
    }
}

/// The alert descriptions OpenSSL names: number, short name, text.
const ALERTS: &[(c_int, &std::ffi::CStr, &std::ffi::CStr)] = &[
    (0, c"CN", c"close notify"),
    (10, c"UM", c"unexpected message"),
    (20, c"BM", c"bad record mac"),
    (21, c"DC", c"decryption failed"),
    (22, c"RO", c"record overflow"),
    (30, c"DF", c"decompression failure"),
    (40, c"HF", c"handshake failure"),
    (41, c"NC", c"no certificate"),
    (42, c"BC", c"bad certificate"),
    (43, c"UC", c"unsupported certificate"),
    (44, c"CR", c"certificate revoked"),
    (45, c"CE", c"certificate expired"),
    (46, c"CU", c"certificate unknown"),
    (47, c"IP", c"illegal parameter"),
    (48, c"CA", c"unknown CA"),
    (49, c"AD", c"access denied"),
    (50, c"DE", c"decode error"),
    (51, c"CY", c"decrypt error"),
    (60, c"ER", c"export restriction"),
    (70, c"PV", c"protocol version"),
    (71, c"IS", c"insufficient security"),
    (80, c"IE", c"internal error"),
    (90, c"US", c"user canceled"),
    (100, c"NR", c"no renegotiation"),
    (110, c"UE", c"unsupported extension"),
    (111, c"CO", c"certificate unobtainable"),
    (112, c"UN", c"unrecognized name"),
    (113, c"BR", c"bad certificate status response"),
    (114, c"BH", c"bad certificate hash value"),
    (115, c"UP", c"unknown PSK identity"),
    // OpenSSL has a text for no_application_protocol but no short name.
    (120, c"UK", c"no application protocol"),
];

/// The entry for an alert value's description (its low byte).
fn alert(
    value: c_int,
) -> Option<&'static (c_int, &'static std::ffi::CStr, &'static std::ffi::CStr)> {
    ALERTS.iter().find(|(n, _, _)| *n == value & 0xff)
}

/// `SSL_alert_desc_string`: the two-letter name of an alert's description ("UK" if unknown).
#[entry]
pub extern "C" fn SSL_alert_desc_string(value: c_int) -> *const c_char {
    alert(value).map_or(c"UK".as_ptr(), |(_, short, _)| short.as_ptr())
}

/// `SSL_alert_desc_string_long`: the text of an alert's description ("unknown" if unknown).
#[entry]
pub extern "C" fn SSL_alert_desc_string_long(value: c_int) -> *const c_char {
    alert(value).map_or(c"unknown".as_ptr(), |(_, _, long)| long.as_ptr())
}
