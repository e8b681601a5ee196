//! The QUIC calls on `SSL` objects: listeners, connections and streams, events and polling,
//! shutdown and close information, generic values. On a TLS object the calls OpenSSL defines
//! for any object answer as OpenSSL does (a TLS object is its own connection, has one
//! bidirectional stream, no timers); the QUIC-only ones fail with
//! `ERR_R_PASSED_INVALID_ARGUMENT`.
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

use std::ffi::{c_int, c_uchar, c_void};
use std::sync::Arc;
use std::time::Duration;

use qssl::ErrorCode;
use qssl::error::{ERR_LIB_SSL, SslError, err_r, ssl_r};
use qssl::quic::{DefaultStreamMode, IncomingStreamPolicy, PollItem, StreamEnd};

use crate::abi::*;
use crate::addr::BIO_ADDR;
use crate::bio::poll::put_poll_descriptor;
use crate::ctx::{SSL_CTX, ctx_ref, ctx_shared};
use crate::entry::{CInt, CU64, arg, entry, nullable, nullable_mut, out};
use crate::ffi::{arc_share, bytes, c_bytes, duration_of, ex_result, obj_mut, sized, timeval_of};

use crate::ssl::{Obj, SSL, ssl_ref, write_from};

/// The object and its QUIC side, or `ERR_R_PASSED_INVALID_ARGUMENT` for a TLS object.
///
/// # Safety
/// `ssl` must be null or a live object.
pub(crate) unsafe fn quic_ref<'a>(ssl: *const SSL) -> Option<(&'a SSL, &'a qssl::Ssl)> {
    // SAFETY: per the contract.
    let s = unsafe { ssl_ref(ssl) }?;
    match s.quic() {
        Some(q) => Some((s, q)),
        None => {
            SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
                .with_data("not a QUIC object")
                .raise();
            None
        }
    }
}

/// The QUIC object behind `ssl` for the generic value calls: another object is
/// `SSL_R_UNSUPPORTED_PROTOCOL` (as OpenSSL's `SSL_get_value_uint` says); null is
/// `ERR_R_PASSED_NULL_PARAMETER`.
///
/// # Safety
/// `ssl` must be null or a live object.
unsafe fn quic_value_ref<'a>(ssl: *const SSL) -> Option<&'a qssl::Ssl> {
    // SAFETY: per the contract.
    let q = unsafe { ssl_ref(ssl) }?.quic();
    if q.is_none() {
        SslError::ssl(ssl_r::UNSUPPORTED_PROTOCOL).raise();
    }
    q
}

/// 1 for `Ok`, 0 for `Err` (whose reason is on the queue).
fn ok<T, E>(r: Result<T, E>) -> c_int {
    c_int::from(r.is_ok())
}

/// A new C object for `obj`, made from `from` (the same context), keeping `parent` alive.
fn child(from: &SSL, obj: qssl::Ssl, parent: *const SSL) -> *mut SSL {
    // SAFETY: parent is a live object (the C pointer of `from` or of its connection).
    let parent = unsafe { arc_share(parent) };
    SSL::into_c(Obj::quic(obj), from.ctx(), parent)
}

/// A new C object for what `make` makes from the context of `s` (the C object `ssl`), with
/// the context's mode, keeping `s` alive; null if making it failed (the error is queued).
fn child_made<E>(
    s: &SSL,
    ssl: *const SSL,
    make: impl FnOnce(&qssl::SslCtx) -> Result<qssl::Ssl, E>,
) -> *mut SSL {
    let ctx = s.ctx();
    let made = make(&ctx.lock());
    match made {
        Ok(obj) => {
            obj.set_mode(ctx.mode());
            child(s, obj, ssl)
        }
        Err(_) => std::ptr::null_mut(),
    }
}

/// The C object of `s`'s connection: `s` itself (also a TLS object), a stream's parent, or
/// null with `SSL_R_NO_STREAM` for a listener or domain (as OpenSSL answers).
fn connection_ptr(ssl: *const SSL, s: &SSL) -> *const SSL {
    match s.quic() {
        Some(q) if q.is_listener() || q.is_domain() => {
            SslError::ssl(ssl_r::NO_STREAM).raise();
            std::ptr::null()
        }
        Some(q) if !q.is_connection() => s.parent().map_or(std::ptr::null(), Arc::as_ptr),
        _ => ssl,
    }
}

/// Whether `q` is not a domain; raises `ERR_R_UNSUPPORTED` if it is (OpenSSL's answer to
/// the calls made on connections, streams and listeners).
fn not_domain(q: &qssl::Ssl) -> bool {
    if q.is_domain() {
        SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
            .with_data("not supported on a domain")
            .raise();
    }
    !q.is_domain()
}

// --- Objects ------------------------------------------------------------------------------

/// `SSL_is_quic`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_is_quic(ssl: *const SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    c_int::from(s.quic().is_some())
}

/// `SSL_is_connection`: 1 for a QUIC connection or a TLS object.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_is_connection(ssl: *mut SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    c_int::from(std::ptr::eq(connection_ptr(ssl, s), ssl))
}

/// `SSL_is_listener`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_is_listener(ssl: *mut SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    c_int::from(s.quic().is_some_and(|q| not_domain(q) && q.is_listener()))
}

/// `SSL_get0_connection`: a stream's connection; a connection, listener or TLS object
/// itself.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get0_connection(ssl: *mut SSL) -> *mut SSL {
    let s = arg!(ssl_ref(ssl));
    connection_ptr(ssl, s).cast_mut()
}

/// `SSL_get0_listener`: the listener a connection (or its stream) was accepted from, a
/// listener itself, or null.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get0_listener(ssl: *mut SSL) -> *mut SSL {
    let s = arg!(ssl_ref(ssl));
    let Some(q) = s.quic().filter(|q| not_domain(q)) else {
        return std::ptr::null_mut();
    };
    if q.is_listener() {
        return ssl;
    }
    // The listener holds its C object; a connection (or stream) holds its listener.
    q.listener()
        .and_then(|l| crate::ssl::c_object(&l))
        .unwrap_or(std::ptr::null_mut())
}

/// `SSL_is_domain`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_is_domain(ssl: *mut SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    c_int::from(s.quic().is_some_and(qssl::Ssl::is_domain))
}

/// `SSL_get0_domain`: a domain itself, the domain a listener was made from, or null (also
/// for connections and streams, as OpenSSL 3.5 answers).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get0_domain(ssl: *mut SSL) -> *mut SSL {
    let s = arg!(ssl_ref(ssl));
    match s.quic() {
        Some(q) if q.is_domain() => ssl,
        Some(q) if q.domain().is_some() => s
            .parent()
            .map_or(std::ptr::null_mut(), |d| Arc::as_ptr(d).cast_mut()),
        _ => std::ptr::null_mut(),
    }
}

/// `SSL_new_domain`: a QUIC event domain of a QUIC context, with the context's domain flags
/// plus `flags` (or `flags` alone if they name a concurrency model). Null for a TLS
/// context, as OpenSSL answers (without an error); null with the error for flags OpenSSL
/// refuses.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_new_domain(ctx: *mut SSL_CTX, flags: u64) -> *mut SSL {
    let c = arg!(ctx_shared(ctx));
    let made = {
        let guard = c.lock();
        if !guard.method().is_quic() {
            return std::ptr::null_mut();
        }
        qssl::Ssl::new_domain(&guard, flags)
    };
    match made {
        Ok(d) => SSL::into_c(Obj::quic(d), c, None),
        Err(_) => std::ptr::null_mut(),
    }
}

/// `SSL_new_listener_from`: a listener of the domain `ssl`, handled with the domain's other
/// listeners. Null for a TLS object (without an error, as OpenSSL), and with
/// `SSL_R_DOMAIN_USE_ONLY` for QUIC objects other than domains.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_new_listener_from(ssl: *mut SSL, flags: u64) -> *mut SSL {
    let s = arg!(ssl_ref(ssl));
    let Some(q) = s.quic() else {
        return std::ptr::null_mut();
    };
    child_made(s, ssl, |ctx| q.new_listener_from(ctx, flags))
}

/// `SSL_new_from_listener`: a client connection that connects out through the listener
/// `ssl`'s network BIOs, with its context's settings. Null without an error for a TLS
/// object or nonzero `flags` (as OpenSSL 3.5 answers); with `SSL_R_LISTENER_USE_ONLY` for
/// QUIC objects other than listeners.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_new_from_listener(ssl: *mut SSL, flags: u64) -> *mut SSL {
    let s = arg!(ssl_ref(ssl));
    let Some(q) = s.quic() else {
        return std::ptr::null_mut();
    };
    if flags != 0 {
        return std::ptr::null_mut();
    }
    child_made(s, ssl, |ctx| q.new_from_listener(ctx))
}

/// `SSL_CTX_set_domain_flags`: the domain flags (`SSL_DOMAIN_FLAG_*`) of the QUIC objects
/// made from now on, checked and completed as OpenSSL does; 0 with the error for refused
/// flags or a TLS context.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_domain_flags(ctx: *mut SSL_CTX, flags: u64) -> c_int {
    let c = arg!(ctx_ref(ctx));
    ok(c.lock().set_domain_flags(flags))
}

/// `SSL_CTX_get_domain_flags`: 1 and the context's domain flags in `*flags` (if not null);
/// 0 with `ERR_R_UNSUPPORTED` for a TLS context.
///
/// # Safety
/// `ctx` must be null or a live context; `flags` null or writable.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get_domain_flags(ctx: *const SSL_CTX, flags: *mut u64) -> c_int {
    let c = arg!(ctx_ref(ctx));
    let Some(value) = c.lock().domain_flags() else {
        SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
            .with_data("domain flags unsupported on this kind of SSL_CTX")
            .raise();
        return 0;
    };
    out!(flags, value);
    1
}

/// `SSL_get_domain_flags`: 1 and the QUIC object's domain flags in `*flags` (if not null);
/// 0 for a TLS object, without an error (as OpenSSL).
///
/// # Safety
/// `ssl` must be null or a live object; `flags` null or writable.
#[entry]
pub unsafe extern "C" fn SSL_get_domain_flags(ssl: *const SSL, flags: *mut u64) -> c_int {
    let s = arg!(ssl_ref(ssl));
    let Some(q) = s.quic() else {
        return 0;
    };
    out!(flags, q.domain_flags());
    1
}

/// `SSL_get_peer_addr` (OpenSSL 4.0): 1 and the address of the peer of a QUIC connection (or
/// a stream's connection) in `*addr`; 0 before the connection starts, over BIOs that carry
/// no addresses, for a null `addr`, and for objects that are not QUIC (without an error, as
/// OpenSSL), and with `SSL_R_NO_STREAM` for listeners and domains.
///
/// # Safety
/// `ssl` must be null or a live object; `addr` null or a live address.
#[entry]
pub unsafe extern "C" fn SSL_get_peer_addr(ssl: *mut SSL, addr: *mut BIO_ADDR) -> c_int {
    let Some(q) = nullable!(ssl).and_then(SSL::quic) else {
        return 0;
    };
    if q.is_listener() || q.is_domain() {
        SslError::ssl(ssl_r::NO_STREAM).raise();
        return 0;
    }
    let (Some(peer), Some(a)) = (q.peer_addr(), nullable_mut!(addr)) else {
        return 0;
    };
    a.0 = peer.into();
    1
}

/// `SSL_set1_initial_peer_addr`: where a client connection sends its first datagrams.
///
/// # Safety
/// `ssl` must be null or a live object; `addr` null or a live address.
#[entry]
pub unsafe extern "C" fn SSL_set1_initial_peer_addr(ssl: *mut SSL, addr: *const BIO_ADDR) -> c_int {
    let (_, q) = arg!(quic_ref(ssl));
    let Some(sa) = nullable!(addr).and_then(|a| a.0.socket_addr()) else {
        SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
            .with_data("not an IP address")
            .raise();
        return 0;
    };
    ok(q.set_initial_peer_addr(sa))
}

// --- Listeners ----------------------------------------------------------------------------

/// `SSL_new_listener`: a listener of a QUIC context (`SSL_LISTENER_FLAG_NO_VALIDATE` skips
/// address validation).
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn SSL_new_listener(ctx: *mut SSL_CTX, flags: u64) -> *mut SSL {
    let c = arg!(ctx_shared(ctx));
    let made = qssl::Ssl::new_listener(&c.lock(), flags);
    match made {
        Ok(l) => {
            l.set_mode(c.mode());
            SSL::into_c(Obj::quic(l), c, None)
        }
        Err(_) => std::ptr::null_mut(),
    }
}

/// `SSL_listen`: starts accepting connections.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_listen(ssl: *mut SSL) -> c_int {
    let (_, q) = arg!(quic_ref(ssl));
    ok(q.listen())
}

/// `SSL_accept_connection`: the next incoming connection, or null (none waiting with
/// `SSL_ACCEPT_CONNECTION_NO_BLOCK` or a non-blocking listener, or failure).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_accept_connection(ssl: *mut SSL, flags: u64) -> *mut SSL {
    let (s, q) = arg!(quic_ref(ssl));
    match q.accept_connection(flags) {
        Ok(Some(conn)) => SSL::accepted(s, ssl, conn),
        _ => std::ptr::null_mut(),
    }
}

/// `SSL_listen_ex` (OpenSSL 4.0): gives the oldest connection the listener `ssl` received to
/// `new_conn` (a connection object the application made, with `OSSL_QUIC_method`), which
/// stands for it from then on: 1 when it did, 0 when none waits (it never waits). 0 with
/// `ERR_R_PASSED_INVALID_ARGUMENT` unless both are QUIC objects; -1 with
/// `SSL_R_LISTENER_USE_ONLY` or `SSL_R_CONN_USE_ONLY` for the wrong kinds, and with
/// `ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED` on a listener used with `SSL_accept_connection` or for
/// a `new_conn` that already took a connection.
///
/// # Safety
/// `ssl` and `new_conn` must each be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_listen_ex(ssl: *mut SSL, new_conn: *mut SSL) -> c_int {
    let (Some(l), Some(c)) = (nullable!(ssl), nullable!(new_conn)) else {
        return not_both_quic();
    };
    let (Obj::Quic(lq), Obj::Quic(cq)) = (&l.obj, &c.obj) else {
        return not_both_quic();
    };
    if !lq.is_listener() {
        SslError::ssl(ssl_r::LISTENER_USE_ONLY).raise();
        return -1;
    }
    if !cq.is_connection() {
        SslError::ssl(ssl_r::CONN_USE_ONLY).raise();
        return -1;
    }
    let conn = match lq.listen_ex() {
        Ok(Some(conn)) => conn,
        Ok(None) => return 0,
        Err(_) => return -1,
    };
    // The received connection knows this C object as its own from now on.
    conn.set_attachment(Some(crate::ssl::handed(c)));
    if cq.adopt(conn).is_err() {
        SslError::new(ERR_LIB_SSL, err_r::SHOULD_NOT_HAVE_BEEN_CALLED)
            .with_data("the object already stands for a connection")
            .raise();
        return -1;
    }
    c.set_parent(l);
    1
}

/// 0 with `ERR_R_PASSED_INVALID_ARGUMENT`: `SSL_listen_ex` takes QUIC objects only.
fn not_both_quic() -> c_int {
    SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
        .with_data("SSL_listen_ex only operates on QUIC SSL objects")
        .raise();
    0
}

/// `SSL_get_accept_connection_queue_len`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_accept_connection_queue_len(ssl: *mut SSL) -> usize {
    let (_, q) = arg!(quic_ref(ssl));
    if !q.is_listener() {
        SslError::ssl(ssl_r::LISTENER_USE_ONLY).raise();
        return 0;
    }
    q.accept_connection_queue_len()
}

// --- Streams ------------------------------------------------------------------------------

/// `SSL_set_default_stream_mode`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_set_default_stream_mode(ssl: *mut SSL, mode: u32) -> c_int {
    let (_, q) = arg!(quic_ref(ssl));
    match DefaultStreamMode::from_code(mode) {
        Some(m) => ok(q.set_default_stream_mode(m)),
        // As OpenSSL: "too late" comes before an unknown mode.
        None => {
            if q.check_default_stream_mode_settable().is_ok() {
                SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT).raise();
            }
            0
        }
    }
}

/// `SSL_set_incoming_stream_policy`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_set_incoming_stream_policy(
    ssl: *mut SSL,
    policy: c_int,
    aec: u64,
) -> c_int {
    let (_, q) = arg!(quic_ref(ssl));
    match IncomingStreamPolicy::from_code(policy) {
        Some(p) => ok(q.set_incoming_stream_policy(p, aec)),
        None => {
            SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT).raise();
            0
        }
    }
}

/// `SSL_new_stream`: opens a stream on the connection (`SSL_STREAM_FLAG_*`).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_new_stream(ssl: *mut SSL, flags: u64) -> *mut SSL {
    let (s, q) = arg!(quic_ref(ssl));
    match q.new_stream(flags) {
        Ok(st) => child(s, st, connection_ptr(ssl, s)),
        Err(_) => std::ptr::null_mut(),
    }
}

/// `SSL_accept_stream`: the next stream the peer opened, or null.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_accept_stream(ssl: *mut SSL, flags: u64) -> *mut SSL {
    let (s, q) = arg!(quic_ref(ssl));
    match q.accept_stream(flags) {
        Ok(Some(st)) => child(s, st, connection_ptr(ssl, s)),
        _ => std::ptr::null_mut(),
    }
}

/// `SSL_get_accept_stream_queue_len`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_accept_stream_queue_len(ssl: *mut SSL) -> usize {
    let (_, q) = arg!(quic_ref(ssl));
    q.accept_stream_queue_len()
}

/// `SSL_get_stream_id`: the stream's ID, or `u64::MAX` for no stream.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_stream_id(ssl: *mut SSL) -> CU64<{ u64::MAX }> {
    let (_, q) = arg!(quic_ref(ssl));
    q.stream_id()
}

/// `SSL_get_stream_type`: `SSL_STREAM_TYPE_*` (a TLS object is bidirectional).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_stream_type(ssl: *mut SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    s.quic()
        .map_or(SSL_STREAM_TYPE_BIDI, |q| q.stream_type() as c_int)
}

/// `SSL_is_stream_local`: 1 if this side opened the stream, 0 if the peer did, -1 for no
/// stream.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_is_stream_local(ssl: *mut SSL) -> CInt<-1> {
    let (_, q) = arg!(quic_ref(ssl));
    q.is_stream_local().map_or(-1, c_int::from)
}

/// `SSL_get_stream_read_state`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_stream_read_state(ssl: *mut SSL) -> c_int {
    let (_, q) = arg!(quic_ref(ssl));
    q.stream_read_state() as c_int
}

/// `SSL_get_stream_write_state`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_stream_write_state(ssl: *mut SSL) -> c_int {
    let (_, q) = arg!(quic_ref(ssl));
    q.stream_write_state() as c_int
}

/// OpenSSL's form of how a stream direction ended: -1 open, 0 finished, 1 reset (with the
/// code written).
fn stream_end(end: StreamEnd) -> (c_int, Option<u64>) {
    match end {
        StreamEnd::Open => (-1, None),
        StreamEnd::Finished => (0, None),
        StreamEnd::Reset(c) => (1, Some(c)),
    }
}

/// `SSL_get_stream_read_error_code`.
///
/// # Safety
/// `ssl` must be null or a live object; `app_error_code` null or valid for a write.
#[entry]
pub unsafe extern "C" fn SSL_get_stream_read_error_code(
    ssl: *mut SSL,
    app_error_code: *mut u64,
) -> CInt<-1> {
    let (_, q) = arg!(quic_ref(ssl));
    let (ret, code) = stream_end(q.stream_read_end());
    if let Some(code) = code {
        out!(app_error_code, code);
    }
    ret
}

/// `SSL_get_stream_write_error_code`.
///
/// # Safety
/// As [`SSL_get_stream_read_error_code`].
#[entry]
pub unsafe extern "C" fn SSL_get_stream_write_error_code(
    ssl: *mut SSL,
    app_error_code: *mut u64,
) -> CInt<-1> {
    let (_, q) = arg!(quic_ref(ssl));
    let (ret, code) = stream_end(q.stream_write_end());
    if let Some(code) = code {
        out!(app_error_code, code);
    }
    ret
}

/// `SSL_stream_conclude`: ends the sending part (FIN). `flags` must be 0.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_stream_conclude(ssl: *mut SSL, flags: u64) -> c_int {
    let (_, q) = arg!(quic_ref(ssl));
    if flags != 0 {
        SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT).raise();
        return 0;
    }
    ok(q.stream_conclude())
}

/// `SSL_stream_reset`: resets the sending part with the code from `args` (0 without).
///
/// # Safety
/// `ssl` must be null or a live object; `args` null or valid for `args_len` bytes.
#[entry]
pub unsafe extern "C" fn SSL_stream_reset(
    ssl: *mut SSL,
    args: *const SSL_STREAM_RESET_ARGS,
    args_len: usize,
) -> c_int {
    let (_, q) = arg!(quic_ref(ssl));
    let args = arg!(sized(args, args_len));
    let code = args.map_or(0, |a| a.quic_error_code);
    ok(q.stream_reset(code))
}

/// `SSL_write_ex2`: [`SSL_write_ex`](crate::ssl::SSL_write_ex) with flags
/// (`SSL_WRITE_FLAG_CONCLUDE` sends FIN with the data). TLS objects take no flags.
///
/// # Safety
/// `ssl` must be null or a live object; `buf` valid for `num` bytes; `written` null or valid
/// for a write.
#[entry]
pub unsafe extern "C" fn SSL_write_ex2(
    ssl: *mut SSL,
    buf: *const c_void,
    num: usize,
    flags: u64,
    written: *mut usize,
) -> c_int {
    let s = arg!(ssl_ref(ssl));
    let data = arg!(bytes(buf, num));
    // A write of nothing succeeds with 0 written (a read of nothing is the peer's close).
    let (ret, count) = ex_result(write_from(s, data, flags), true);
    out!(written, count);
    ret
}

// --- Events -------------------------------------------------------------------------------

/// `SSL_handle_events`: processes network I/O and timers (nothing to do for TLS).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_handle_events(ssl: *mut SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    if let Some(q) = s.quic() {
        q.handle_events();
    }
    1
}

/// `SSL_get_event_timeout`: how long until `SSL_handle_events` must run, or infinite.
///
/// # Safety
/// `ssl` must be null or a live object; `tv` and `is_infinite` valid for writes.
#[entry]
pub unsafe extern "C" fn SSL_get_event_timeout(
    ssl: *mut SSL,
    tv: *mut libc::timeval,
    is_infinite: *mut c_int,
) -> c_int {
    let s = arg!(ssl_ref(ssl));
    let tv = arg!(obj_mut(tv));
    let is_infinite = arg!(obj_mut(is_infinite));
    let timeout = s.quic().and_then(qssl::Ssl::event_timeout);
    *tv = timeval_of(timeout.unwrap_or(Duration::ZERO));
    *is_infinite = c_int::from(timeout.is_none());
    1
}

/// `SSL_get_rpoll_descriptor`: what to wait on before reading from the network.
///
/// # Safety
/// `ssl` must be null or a live object; `desc` null or valid for a write.
#[entry]
pub unsafe extern "C" fn SSL_get_rpoll_descriptor(
    ssl: *mut SSL,
    desc: *mut BIO_POLL_DESCRIPTOR,
) -> c_int {
    let (_, q) = arg!(quic_ref(ssl));
    let desc = arg!(obj_mut(desc));
    if !not_domain(q) {
        return 0;
    }
    if q.rbio().is_none() {
        return no_network_bio();
    }
    put_poll_descriptor(desc, q.rpoll_descriptor())
}

/// 0 with `ERR_R_PASSED_INVALID_ARGUMENT`, OpenSSL's answer for the poll descriptor of an
/// object without network BIO.
fn no_network_bio() -> c_int {
    SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
        .with_data("no network BIO")
        .raise();
    0
}

/// `SSL_get_wpoll_descriptor`: what to wait on before writing to the network.
///
/// # Safety
/// As [`SSL_get_rpoll_descriptor`].
#[entry]
pub unsafe extern "C" fn SSL_get_wpoll_descriptor(
    ssl: *mut SSL,
    desc: *mut BIO_POLL_DESCRIPTOR,
) -> c_int {
    let (_, q) = arg!(quic_ref(ssl));
    let desc = arg!(obj_mut(desc));
    if !not_domain(q) {
        return 0;
    }
    if q.wbio().is_none() {
        return no_network_bio();
    }
    put_poll_descriptor(desc, q.wpoll_descriptor())
}

/// `SSL_net_read_desired`: whether the object wants to read from the network (TLS: whether
/// the last call wanted to read).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_net_read_desired(ssl: *mut SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    c_int::from(match &s.obj {
        Obj::Quic(q) => not_domain(q) && q.net_read_desired(),
        Obj::Tls(t) => t.want() == ErrorCode::WantRead,
    })
}

/// `SSL_net_write_desired`: whether the object wants to write to the network.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_net_write_desired(ssl: *mut SSL) -> c_int {
    let s = arg!(ssl_ref(ssl));
    c_int::from(match &s.obj {
        Obj::Quic(q) => not_domain(q) && q.net_write_desired(),
        Obj::Tls(t) => t.want() == ErrorCode::WantWrite,
    })
}

/// `SSL_set_blocking_mode`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_set_blocking_mode(ssl: *mut SSL, blocking: c_int) -> c_int {
    let (_, q) = arg!(quic_ref(ssl));
    ok(q.set_blocking_mode(blocking != 0))
}

/// `SSL_get_blocking_mode`: 1, 0, or -1 for a non-QUIC object.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_get_blocking_mode(ssl: *mut SSL) -> CInt<-1> {
    let (_, q) = arg!(quic_ref(ssl));
    c_int::from(not_domain(q) && q.blocking_mode())
}

/// `SSL_poll`: waits until one of `items` has an event it asks for, or `timeout` passes
/// (null: no limit), and writes each item's `revents` and the count of items with events.
/// Items with a null object are skipped. As in OpenSSL, only QUIC objects can be polled: at
/// the first other descriptor (or a TLS object) the call fails with
/// `SSL_R_POLL_REQUEST_NOT_SUPPORTED`; the items before it are read out without waiting, it
/// gets `SSL_POLL_EVENT_F` (and is counted), the items after it nothing. Items may not
/// overlap, but for a stride of 0 (every item is the first) or a single item (the stride is
/// not used).
///
/// # Safety
/// `items` valid for `num_items` items `stride` bytes apart; `timeout` null or valid;
/// `result_count` null or valid for a write; each SSL descriptor null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_poll(
    items: *mut SSL_POLL_ITEM,
    num_items: usize,
    stride: usize,
    timeout: *const libc::timeval,
    flags: u64,
    result_count: *mut usize,
) -> c_int {
    let overlapping = num_items > 1 && stride != 0 && stride < size_of::<SSL_POLL_ITEM>();
    if num_items > 0 && (items.is_null() || overlapping) {
        out!(result_count, 0);
        SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT).raise();
        return 0;
    }
    let item_at = |i: usize| -> *mut SSL_POLL_ITEM {
        // SAFETY: within the caller's array, per the contract.
        unsafe { items.cast::<u8>().add(i * stride).cast() }
    };
    let mut polled = Vec::new();
    if polled.try_reserve_exact(num_items).is_err() {
        out!(result_count, 0);
        SslError::new(ERR_LIB_SSL, err_r::MALLOC_FAILURE).raise();
        return 0;
    }
    let mut failed = false;
    for i in 0..num_items {
        // SAFETY: a valid item, per the contract (read unaligned: stride is the caller's).
        let it = unsafe { item_at(i).read_unaligned() };
        let ssl = match it.desc.type_ {
            // SAFETY: an SSL descriptor holds null or a live object, per the contract.
            BIO_POLL_DESCRIPTOR_TYPE_SSL => match unsafe { it.desc.value.ssl }.cast::<SSL>() {
                p if p.is_null() => None,
                // SAFETY: as above.
                p => match unsafe { ssl_ref(p) }.and_then(SSL::quic) {
                    Some(q) => Some(q),
                    None => {
                        poll_not_supported("SSL_poll currently only supports QUIC SSL objects");
                        failed = true;
                        break;
                    }
                },
            },
            BIO_POLL_DESCRIPTOR_TYPE_SOCK_FD => {
                poll_not_supported("SSL_poll currently does not support polling sockets");
                failed = true;
                break;
            }
            other => {
                poll_not_supported(&format!(
                    "SSL_poll does not support unknown poll descriptor type {other}"
                ));
                failed = true;
                break;
            }
        };
        polled.push(PollItem {
            ssl,
            events: it.events,
            revents: 0,
        });
    }
    let limit = nullable!(timeout).map(duration_of);
    let r = if failed {
        // The items before the one that failed are read out; nothing waits.
        if !polled.is_empty() {
            let _ = qssl::quic::poll(&mut polled, Some(Duration::ZERO), flags);
        }
        Err(())
    } else {
        qssl::quic::poll(&mut polled, limit, flags).map_err(|_| ())
    };
    let ready = polled.iter().filter(|p| p.revents != 0).count();
    for i in 0..num_items {
        let revents = match polled.get(i) {
            Some(p) => p.revents,
            None if failed && i == polled.len() => SSL_POLL_EVENT_F,
            None => 0,
        };
        let at = item_at(i);
        // SAFETY: the same valid item.
        unsafe {
            let mut it = at.read_unaligned();
            it.revents = revents;
            at.write_unaligned(it);
        }
    }
    let count = match r {
        Ok(n) => n,
        Err(()) => ready + usize::from(failed),
    };
    out!(result_count, count);
    ok(r)
}

/// Queues `SSL_R_POLL_REQUEST_NOT_SUPPORTED` with OpenSSL's explanation.
fn poll_not_supported(why: &str) {
    SslError::ssl(ssl_r::POLL_REQUEST_NOT_SUPPORTED)
        .with_data(why)
        .raise();
}

// --- Shutdown, close information, injection -----------------------------------------------

/// `SSL_shutdown_ex`: 1 once the connection is terminated, 0 while in progress, -1 on
/// failure. TLS objects do `SSL_shutdown`.
///
/// # Safety
/// `ssl` must be null or a live object; `args` null or valid for `args_len` bytes with a
/// NUL-terminated (or null) reason.
#[entry]
pub unsafe extern "C" fn SSL_shutdown_ex(
    ssl: *mut SSL,
    flags: u64,
    args: *const SSL_SHUTDOWN_EX_ARGS,
    args_len: usize,
) -> CInt<-1> {
    let s = arg!(ssl_ref(ssl));
    let args = arg!(sized(args, args_len));
    let (code, reason) = match args {
        None => (0, Vec::new()),
        Some(a) => {
            let reason = if a.quic_reason.is_null() {
                Vec::new()
            } else {
                // SAFETY: NUL-terminated, per the contract.
                unsafe { c_bytes(a.quic_reason) }
                    .unwrap_or_default()
                    .to_vec()
            };
            (a.quic_error_code, reason)
        }
    };
    let r = match &s.obj {
        Obj::Quic(q) => q.shutdown_ex(flags, code, &reason),
        Obj::Tls(t) => t.shutdown(),
    };
    // A TLS object answers exactly as SSL_shutdown (-1 with WANT_* while it waits).
    match r {
        Ok(true) => 1,
        Ok(false) => 0,
        Err(_) => -1,
    }
}

/// `SSL_get_conn_close_info`: 1 with `*info` filled once the connection has begun to
/// terminate, 0 before, -1 for an object that is not a QUIC connection.
///
/// # Safety
/// `ssl` must be null or a live object; `info` valid for `info_len` bytes.
#[entry]
pub unsafe extern "C" fn SSL_get_conn_close_info(
    ssl: *mut SSL,
    info: *mut SSL_CONN_CLOSE_INFO,
    info_len: usize,
) -> CInt<-1> {
    let (s, q) = arg!(quic_ref(ssl));
    if info.is_null() || info_len < size_of::<SSL_CONN_CLOSE_INFO>() {
        SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT).raise();
        return -1;
    }
    match q.conn_close_info() {
        Err(_) => -1,
        Ok(None) => 0,
        Ok(Some(ci)) => {
            // Kept with a NUL after it (C code prints it with %s) and fixed once known,
            // so the pointer stays valid while the object lives.
            let reason = s.close_reason.get_or_init(|| {
                let mut r = ci.reason.clone();
                r.push(0);
                r
            });
            let reason_len = reason.len() - 1;
            let flags = u32::from(ci.local) | (u32::from(ci.transport) << 1);
            // SAFETY: valid for a write, per the contract.
            unsafe {
                info.write(SSL_CONN_CLOSE_INFO {
                    error_code: ci.error_code,
                    frame_type: ci.frame_type,
                    reason: reason.as_ptr().cast(),
                    reason_len,
                    flags,
                });
            }
            1
        }
    }
}

/// `SSL_inject_net_dgram`: processes a datagram received by the application itself.
///
/// # Safety
/// `ssl` must be null or a live object; `buf` valid for `buf_len` bytes; `peer` and
/// `local` null or live addresses.
#[entry]
pub unsafe extern "C" fn SSL_inject_net_dgram(
    ssl: *mut SSL,
    buf: *const c_uchar,
    buf_len: usize,
    peer: *const BIO_ADDR,
    local: *const BIO_ADDR,
) -> c_int {
    let (_, q) = arg!(quic_ref(ssl));
    let data = arg!(bytes(buf, buf_len));
    let peer = nullable!(peer).and_then(|a| a.0.socket_addr());
    let local = nullable!(local).and_then(|a| a.0.socket_addr());
    ok(q.inject_net_dgram(data, peer, local))
}

// --- Values -------------------------------------------------------------------------------

/// `SSL_get_value_uint`: 1 with the value in `*v`; 0 on failure (on a TLS object
/// `SSL_R_UNSUPPORTED_PROTOCOL`).
///
/// # Safety
/// `ssl` must be null or a live object; `v` valid for a write.
#[entry]
pub unsafe extern "C" fn SSL_get_value_uint(
    ssl: *mut SSL,
    class: u32,
    id: u32,
    v: *mut u64,
) -> c_int {
    let q = arg!(quic_value_ref(ssl));
    let v = arg!(obj_mut(v));
    match q.value_uint(class, id) {
        Ok(x) => {
            *v = x;
            1
        }
        Err(_) => 0,
    }
}

/// `SSL_set_value_uint`: 1, or 0 on failure (on a TLS object `SSL_R_UNSUPPORTED_PROTOCOL`).
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn SSL_set_value_uint(ssl: *mut SSL, class: u32, id: u32, v: u64) -> c_int {
    let q = arg!(quic_value_ref(ssl));
    ok(q.set_value_uint(class, id, v))
}

// --- What is not offered ------------------------------------------------------------------

/// Records that a QUIC feature is not offered.
fn not_offered(what: &str) {
    SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
        .with_data(format!("{what} is not supported"))
        .raise();
}

/// The new-pending-connection callback's C type.
pub type NewPendingConnCallbackC =
    Option<unsafe extern "C" fn(*mut SSL_CTX, *mut SSL, *mut c_void) -> c_int>;

/// `SSL_CTX_set_new_pending_conn_cb`: `cb` is called with `ctx`, the `SSL *` of each
/// connection a listener made from now on from `ctx` receives (before its handshake; the
/// object `SSL_accept_connection` hands out later) and `arg`; 0 discards the connection, as
/// in OpenSSL (its first datagram goes unanswered).
///
/// # Safety
/// `ctx` null or a live context; `cb` null or a function of this type, valid (with `arg`)
/// while listeners of the context live.
#[entry]
pub unsafe extern "C" fn SSL_CTX_set_new_pending_conn_cb(
    ctx: *mut SSL_CTX,
    cb: NewPendingConnCallbackC,
    arg: *mut c_void,
) {
    let c = arg!(ctx_ref(ctx));
    // The context outlives its listeners' callbacks (each listener holds it); the argument
    // is the application's.
    let (ctx_addr, arg_addr) = (ctx as usize, arg as usize);
    let callback = cb.map(|cb| {
        let f: qssl::quic::NewPendingConnCallback = Arc::new(move |q: &qssl::Ssl| {
            let ssl = SSL::of_callback_connection(q.clone());
            if ssl.is_null() {
                return false;
            }
            // SAFETY: the application's callback, with its context, the live connection
            // object and its argument.
            let keep = crate::entry::guard(
                "the new-pending-connection callback",
                || 0,
                || unsafe { cb(ctx_addr as *mut SSL_CTX, ssl, arg_addr as *mut c_void) },
            );
            keep != 0
        });
        f
    });
    c.lock().set_new_pending_conn_cb(callback);
}

/// `SSL_set_quic_tls_cbs` (a third-party QUIC stack's TLS): not supported; 0 with
/// `ERR_R_UNSUPPORTED`.
#[entry]
pub extern "C" fn SSL_set_quic_tls_cbs(
    _s: *mut SSL,
    _qtdis: *const c_void,
    _arg: *mut c_void,
) -> c_int {
    not_offered("TLS for a third-party QUIC stack");
    0
}

/// `SSL_set_quic_tls_transport_params`: not supported; 0 with `ERR_R_UNSUPPORTED`.
#[entry]
pub extern "C" fn SSL_set_quic_tls_transport_params(
    _s: *mut SSL,
    _params: *const c_uchar,
    _params_len: usize,
) -> c_int {
    not_offered("TLS for a third-party QUIC stack");
    0
}

/// `SSL_set_quic_tls_early_data_enabled`: not supported; 0 with `ERR_R_UNSUPPORTED`.
#[entry]
pub extern "C" fn SSL_set_quic_tls_early_data_enabled(_s: *mut SSL, _enabled: c_int) -> c_int {
    not_offered("TLS for a third-party QUIC stack");
    0
}
