//! The servername (SNI) callback for C (`SSL_CTX_set_tlsext_servername_callback`), and what
//! it calls: `SSL_get_servername` and `SSL_set_SSL_CTX`, which switches a TLS server to
//! another context's certificate. The callback runs while its object is busy with the
//! handshake, so the name it asks for is kept on the C object, and a context switch is
//! recorded in a per-thread frame and applied when the callback returns.
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

use std::cell::RefCell;
use std::ffi::{CString, c_char, c_int, c_long, c_void};
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};

use qssl::ctx::{self as qctx, SniAction};
use qssl::error::{ERR_LIB_SSL, SslError, err_r};

use crate::abi::*;
use crate::ctx::{SSL_CTX, ctx_ref};
use crate::entry::{arg, entry};
use crate::ffi::arc_share;

use crate::ssl::{Obj, SSL, callback_ssl, ssl_ref};

/// The C servername callback: `int (*)(SSL *, int *alert, void *arg)`.
type ServernameCallbackC = unsafe extern "C" fn(*mut SSL, *mut c_int, *mut c_void) -> c_int;

/// A servername callback running on this thread.
struct Frame {
    ssl: *const SSL,
    /// The context `SSL_set_SSL_CTX` switched to.
    switch_to: Option<*const SSL_CTX>,
}

thread_local! {
    static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
}

/// `SSL_CTX_set_tlsext_servername_callback`: `fp` (the callback, as a generic function
/// pointer) is called on a TLS server with the `SSL *` once the client's name is known;
/// `SSL_TLSEXT_ERR_ALERT_FATAL` refuses the client, any other answer goes on, with the
/// certificate of the context `SSL_set_SSL_CTX` switched to, if any. Returns 1.
///
/// # Safety
/// `fp` null or a servername callback valid for the context's lifetime.
pub(crate) unsafe fn set_callback(c: &SSL_CTX, fp: Option<unsafe extern "C" fn()>) -> c_long {
    let callback = fp.map(|fp| {
        // SAFETY: OpenSSL's macro passes the servername callback as a generic function
        // pointer; it has this type, per the contract.
        let cb: ServernameCallbackC = unsafe { std::mem::transmute(fp) };
        let arg = c.servername_arg.clone();
        let f: qctx::ServernameCallback =
            Arc::new(move |name: Option<&str>| run(cb, arg.load(Ordering::Acquire), name));
        f
    });
    c.lock().set_servername_callback(callback);
    1
}

/// Runs the C callback for the object of the current call, and turns its answer into what
/// the handshake does.
fn run(cb: ServernameCallbackC, arg: *mut c_void, name: Option<&str>) -> SniAction {
    let ssl = callback_ssl();
    // SAFETY: the object of the running call, live for it.
    if let Some(s) = unsafe { ssl.as_ref() } {
        *s.servername.lock().unwrap_or_else(PoisonError::into_inner) =
            name.and_then(|n| CString::new(n).ok());
    }
    FRAMES.with(|f| {
        f.borrow_mut().push(Frame {
            ssl,
            switch_to: None,
        })
    });
    let mut alert = SSL_AD_UNRECOGNIZED_NAME;
    // SAFETY: the application's callback with its argument and a valid alert slot.
    let ret = unsafe { cb(ssl, &mut alert, arg) };
    let frame = FRAMES.with(|f| f.borrow_mut().pop());
    if ret == SSL_TLSEXT_ERR_ALERT_FATAL {
        return SniAction::Refuse;
    }
    let switched = frame.and_then(|f| f.switch_to);
    // SAFETY: the object now holds a reference to the context it switched to.
    match switched.and_then(|c| unsafe { ctx_ref(c) }) {
        Some(c) => c
            .lock()
            .certified_key()
            .map_or(SniAction::Continue, SniAction::UseIdentity),
        None => SniAction::Continue,
    }
}

/// `SSL_set_SSL_CTX`: inside the servername callback, makes `ctx` the object's context (the
/// handshake answers with its certificate) and returns it. The same context is accepted
/// anywhere; another one outside the callback fails with `ERR_R_UNSUPPORTED` (null).
///
/// # Safety
/// `ssl` null or a live object; `ctx` null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_set_SSL_CTX(ssl: *mut SSL, ctx: *mut SSL_CTX) -> *mut SSL_CTX {
    let s = arg!(ssl_ref(ssl));
    arg!(ctx_ref(ctx));
    if std::ptr::eq(ctx, Arc::as_ptr(&s.ctx())) {
        return ctx;
    }
    let in_callback = FRAMES.with(|f| {
        let mut frames = f.borrow_mut();
        match frames.last_mut() {
            Some(frame) if std::ptr::eq(frame.ssl, ssl) => {
                frame.switch_to = Some(ctx);
                true
            }
            _ => false,
        }
    });
    if !in_callback {
        SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
            .with_data("SSL_set_SSL_CTX to another context outside a servername callback")
            .raise();
        return std::ptr::null_mut();
    }
    // SAFETY: a live context, per the contract.
    if let Some(shared) = unsafe { arc_share(ctx.cast_const()) } {
        s.replace_ctx(shared);
    }
    ctx
}

/// `SSL_get_servername`: the host name a client sends, or on a server the one the client
/// asked for (null before it is known, on QUIC objects, and for other name types). The
/// string stays valid until the name changes or the object goes.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_servername(ssl: *const SSL, name_type: c_int) -> *const c_char {
    let s = arg!(ssl_ref(ssl));
    if name_type != TLSEXT_NAMETYPE_host_name {
        return std::ptr::null();
    }
    let mut slot = s.servername.lock().unwrap_or_else(PoisonError::into_inner);
    let in_callback = FRAMES.with(|f| f.borrow().iter().any(|fr| std::ptr::eq(fr.ssl, ssl)));
    if !in_callback
        && let Obj::Tls(t) = &s.obj
        && !t.is_busy_here()
    {
        let fresh = t.servername();
        if fresh.as_deref().map(str::as_bytes) != slot.as_ref().map(|c| c.to_bytes()) {
            *slot = fresh.and_then(|n| CString::new(n).ok());
        }
    }
    slot.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}

/// `SSL_get_servername_type`: `TLSEXT_NAMETYPE_host_name` if there is a server name, else -1.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_servername_type(ssl: *const SSL) -> c_int {
    // SAFETY: forwarded.
    if unsafe { SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) }.is_null() {
        -1
    } else {
        TLSEXT_NAMETYPE_host_name
    }
}
