//! `SSL` objects for C. This part covers TLS over a socket descriptor: create, attach an fd,
//! handshake, read, write, shut down, and what was negotiated. QUIC objects from C are not
//! wired yet: `SSL_new` on a QUIC context fails with `ERR_R_UNSUPPORTED` on the queue.
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int, c_long, c_uchar, c_uint, c_void};
use std::sync::{Arc, Mutex, PoisonError};

use qssl::error::{ERR_LIB_SSL, SslError, err_r};
use qssl::tls::Tls;
use qssl::{ErrorCode, IoResult};
use qssl_bio::SocketBio;

use crate::ctx::{SSL_CTX, ctx_ref};
use crate::ffi::{arc_release, arc_up_ref, guard, interned, text};

/// `SSL`: a TLS object, with the context reference it holds and what it hands out to C.
pub struct SSL {
    tls: Tls,
    /// The context, kept alive as OpenSSL's objects keep theirs.
    ctx: *const SSL_CTX,
    /// The negotiated ALPN, kept for `SSL_get0_alpn_selected`'s pointer.
    alpn: Mutex<Option<Vec<u8>>>,
}

// SAFETY: `ctx` is an Arc-counted context (itself Send + Sync) only read through; the other
// fields are Send + Sync.
unsafe impl Send for SSL {}
// SAFETY: as above; all mutation goes through locks.
unsafe impl Sync for SSL {}

impl Drop for SSL {
    fn drop(&mut self) {
        // SAFETY: the object holds one reference of a live context, released here once.
        unsafe { Arc::decrement_strong_count(self.ctx) };
    }
}

/// The object behind a C pointer, or `ERR_R_PASSED_NULL_PARAMETER` for null.
///
/// # Safety
/// `ssl` must be null or a live object from `SSL_new`.
unsafe fn ssl_ref<'a>(ssl: *const SSL) -> Option<&'a SSL> {
    if ssl.is_null() {
        SslError::new(ERR_LIB_SSL, err_r::PASSED_NULL_PARAMETER).raise();
        return None;
    }
    // SAFETY: a live object, per the contract.
    Some(unsafe { &*ssl })
}

/// `SSL_new`: a TLS object of a TLS context. QUIC contexts are refused (not wired yet).
///
/// # Safety
/// `ctx` must be null or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_new(ctx: *mut SSL_CTX) -> *mut SSL {
    guard(std::ptr::null_mut(), || {
        // SAFETY: per the contract.
        let Some(c) = (unsafe { ctx_ref(ctx) }) else {
            return std::ptr::null_mut();
        };
        let tls = {
            let guard = c.lock();
            if guard.method().is_quic() {
                SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
                    .with_data("QUIC objects are not available from C yet")
                    .raise();
                return std::ptr::null_mut();
            }
            match Tls::new(&guard) {
                Ok(t) => t,
                Err(_) => return std::ptr::null_mut(),
            }
        };
        tls.set_mode(c.mode());
        // SAFETY: ctx is a live context; the object keeps one reference.
        unsafe { Arc::increment_strong_count(ctx.cast_const()) };
        Arc::into_raw(Arc::new(SSL {
            tls,
            ctx,
            alpn: Mutex::new(None),
        }))
        .cast_mut()
    })
}

/// `SSL_up_ref`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_up_ref(ssl: *mut SSL) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { arc_up_ref(ssl.cast_const()) }
}

/// `SSL_free`: drops one reference (null is ignored).
///
/// # Safety
/// `ssl` must be null or a live object whose reference the caller gives up.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_free(ssl: *mut SSL) {
    // SAFETY: forwarded from this function's contract.
    unsafe { arc_release(ssl.cast_const()) }
}

/// `SSL_set_fd`: a socket BIO over `fd` (not closed with the object) for both directions.
///
/// # Safety
/// `ssl` must be null or a live object; `fd` an open stream socket that stays open while the
/// object uses it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_fd(ssl: *mut SSL, fd: c_int) -> c_int {
    guard(0, || {
        // SAFETY: per the contract.
        let Some(s) = (unsafe { ssl_ref(ssl) }) else {
            return 0;
        };
        // SAFETY: fd is an open socket that outlives the BIO, per the contract.
        match unsafe { SocketBio::from_raw_fd(fd, false) } {
            Ok(bio) => {
                s.tls.set_stream_bio(bio);
                1
            }
            Err(e) => {
                SslError::from(e).raise();
                0
            }
        }
    })
}

/// `SSL_set_connect_state`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_connect_state(ssl: *mut SSL) {
    guard((), || {
        // SAFETY: per the contract.
        unsafe { ssl_ref(ssl) }.map_or((), |s| s.tls.set_connect_state())
    });
}

/// `SSL_set_accept_state`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_accept_state(ssl: *mut SSL) {
    guard((), || {
        // SAFETY: per the contract.
        unsafe { ssl_ref(ssl) }.map_or((), |s| s.tls.set_accept_state())
    });
}

/// OpenSSL's handshake return: 1 done, -1 otherwise (the reason from `SSL_get_error`).
fn handshake_ret(r: IoResult<()>) -> c_int {
    if r.is_ok() { 1 } else { -1 }
}

/// `SSL_connect`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_connect(ssl: *mut SSL) -> c_int {
    guard(-1, || {
        // SAFETY: per the contract.
        unsafe { ssl_ref(ssl) }.map_or(-1, |s| handshake_ret(s.tls.connect()))
    })
}

/// `SSL_accept`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_accept(ssl: *mut SSL) -> c_int {
    guard(-1, || {
        // SAFETY: per the contract.
        unsafe { ssl_ref(ssl) }.map_or(-1, |s| handshake_ret(s.tls.accept()))
    })
}

/// `SSL_do_handshake`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_do_handshake(ssl: *mut SSL) -> c_int {
    guard(-1, || {
        // SAFETY: per the contract.
        unsafe { ssl_ref(ssl) }.map_or(-1, |s| handshake_ret(s.tls.do_handshake()))
    })
}

/// Reads or peeks into `buf`: the count, 0 at the peer's close_notify, -1 on failure.
///
/// # Safety
/// `ssl` must be null or a live object; `buf` valid for `num` bytes.
unsafe fn read_into(ssl: *mut SSL, buf: *mut c_void, num: usize, peek: bool) -> isize {
    guard(-1, || {
        // SAFETY: per the contract.
        let Some(s) = (unsafe { ssl_ref(ssl) }) else {
            return -1;
        };
        if buf.is_null() {
            SslError::new(ERR_LIB_SSL, err_r::PASSED_NULL_PARAMETER).raise();
            return -1;
        }
        // SAFETY: buf is valid for num bytes, per the contract.
        let buf = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), num) };
        let r = if peek {
            s.tls.peek(buf)
        } else {
            s.tls.read(buf)
        };
        match r {
            Ok(n) => isize::try_from(n).unwrap_or(isize::MAX),
            Err(e) if e.code() == ErrorCode::ZeroReturn => 0,
            Err(_) => -1,
        }
    })
}

/// `SSL_read`.
///
/// # Safety
/// `ssl` must be null or a live object; `buf` valid for `num` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_read(ssl: *mut SSL, buf: *mut c_void, num: c_int) -> c_int {
    let num = usize::try_from(num).unwrap_or(0);
    // SAFETY: forwarded.
    let n = unsafe { read_into(ssl, buf, num, false) };
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

/// `SSL_peek`.
///
/// # Safety
/// As [`SSL_read`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_peek(ssl: *mut SSL, buf: *mut c_void, num: c_int) -> c_int {
    let num = usize::try_from(num).unwrap_or(0);
    // SAFETY: forwarded.
    let n = unsafe { read_into(ssl, buf, num, true) };
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

/// `SSL_read_ex`: 1 with the count in `*readbytes`, 0 on failure or end.
///
/// # Safety
/// As [`SSL_read`]; `readbytes` null or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_read_ex(
    ssl: *mut SSL,
    buf: *mut c_void,
    num: usize,
    readbytes: *mut usize,
) -> c_int {
    // SAFETY: forwarded.
    let n = unsafe { read_into(ssl, buf, num, false) };
    ex_result(n, readbytes)
}

/// `SSL_peek_ex`.
///
/// # Safety
/// As [`SSL_read_ex`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_peek_ex(
    ssl: *mut SSL,
    buf: *mut c_void,
    num: usize,
    readbytes: *mut usize,
) -> c_int {
    // SAFETY: forwarded.
    let n = unsafe { read_into(ssl, buf, num, true) };
    ex_result(n, readbytes)
}

/// The `_ex` form of a count: 1 and the count written, or 0 and 0.
fn ex_result(n: isize, out: *mut usize) -> c_int {
    let (ret, count) = match usize::try_from(n) {
        Ok(k) if k > 0 => (1, k),
        _ => (0, 0),
    };
    if !out.is_null() {
        // SAFETY: out is null or valid for a write, per the callers' contracts.
        unsafe { *out = count };
    }
    ret
}

/// Writes `buf`: the count or -1.
///
/// # Safety
/// `ssl` must be null or a live object; `buf` valid for `num` bytes.
unsafe fn write_from(ssl: *mut SSL, buf: *const c_void, num: usize) -> isize {
    guard(-1, || {
        // SAFETY: per the contract.
        let Some(s) = (unsafe { ssl_ref(ssl) }) else {
            return -1;
        };
        if buf.is_null() && num > 0 {
            SslError::new(ERR_LIB_SSL, err_r::PASSED_NULL_PARAMETER).raise();
            return -1;
        }
        let data: &[u8] = if num == 0 {
            &[]
        } else {
            // SAFETY: buf is valid for num bytes, per the contract.
            unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), num) }
        };
        match s.tls.write(data) {
            Ok(n) => isize::try_from(n).unwrap_or(isize::MAX),
            Err(_) => -1,
        }
    })
}

/// `SSL_write`.
///
/// # Safety
/// `ssl` must be null or a live object; `buf` valid for `num` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_write(ssl: *mut SSL, buf: *const c_void, num: c_int) -> c_int {
    let num = usize::try_from(num).unwrap_or(0);
    // SAFETY: forwarded.
    let n = unsafe { write_from(ssl, buf, num) };
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

/// `SSL_write_ex`: 1 with the count in `*written`, 0 on failure.
///
/// # Safety
/// As [`SSL_write`]; `written` null or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_write_ex(
    ssl: *mut SSL,
    buf: *const c_void,
    num: usize,
    written: *mut usize,
) -> c_int {
    // SAFETY: forwarded.
    let n = unsafe { write_from(ssl, buf, num) };
    ex_result(n, written)
}

/// `SSL_shutdown`: 0 once close_notify is sent, 1 once the peer's has arrived too, -1 on
/// failure.
///
/// # Safety
/// `ssl` must be null or a live object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_shutdown(ssl: *mut SSL) -> c_int {
    guard(-1, || {
        // SAFETY: per the contract.
        let Some(s) = (unsafe { ssl_ref(ssl) }) else {
            return -1;
        };
        match s.tls.shutdown() {
            Ok(true) => 1,
            Ok(false) => 0,
            Err(_) => -1,
        }
    })
}

/// `SSL_get_error`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_error(ssl: *const SSL, ret: c_int) -> c_int {
    guard(ErrorCode::Ssl.code(), || {
        // SAFETY: per the contract.
        unsafe { ssl_ref(ssl) }.map_or(ErrorCode::Ssl.code(), |s| s.tls.get_error(ret).code())
    })
}

/// `SSL_CTRL_SET_TLSEXT_HOSTNAME`.
const CTRL_SET_TLSEXT_HOSTNAME: c_int = 55;
/// `SSL_CTRL_MODE`.
const CTRL_MODE: c_int = 33;
/// `SSL_CTRL_CLEAR_MODE`.
const CTRL_CLEAR_MODE: c_int = 78;

/// `SSL_ctrl`: the commands behind OpenSSL's object macros (SNI host name, modes). Other
/// commands fail with `ERR_R_UNSUPPORTED` and return 0.
///
/// # Safety
/// `ssl` must be null or a live object; for the host name, `parg` a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_ctrl(
    ssl: *mut SSL,
    cmd: c_int,
    larg: c_long,
    parg: *mut c_void,
) -> c_long {
    guard(0, || {
        // SAFETY: per the contract.
        let Some(s) = (unsafe { ssl_ref(ssl) }) else {
            return 0;
        };
        let bits = u32::try_from(larg).unwrap_or(0);
        match cmd {
            CTRL_SET_TLSEXT_HOSTNAME => {
                // SAFETY: parg is a NUL-terminated name, per the contract.
                let Some(name) = (unsafe { text(parg.cast::<c_char>()) }) else {
                    return 0;
                };
                c_long::from(s.tls.set_tlsext_host_name(&name).is_ok())
            }
            CTRL_MODE => c_long::from(s.tls.set_mode(bits)),
            CTRL_CLEAR_MODE => c_long::from(s.tls.clear_mode(bits)),
            _ => {
                SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
                    .with_data(format!("SSL_ctrl command {cmd}"))
                    .raise();
                0
            }
        }
    })
}

/// `SSL_set1_host`: the name the peer's certificate must carry.
///
/// # Safety
/// `ssl` must be null or a live object; `host` null or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set1_host(ssl: *mut SSL, host: *const c_char) -> c_int {
    guard(0, || {
        // SAFETY: per the contract.
        let Some(s) = (unsafe { ssl_ref(ssl) }) else {
            return 0;
        };
        // SAFETY: per the contract.
        match unsafe { text(host) } {
            Some(h) => c_int::from(s.tls.set1_host(&h).is_ok()),
            None => 1,
        }
    })
}

/// `SSL_set_alpn_protos`: 0 on success, 1 on failure (OpenSSL's inverted convention).
///
/// # Safety
/// `ssl` must be null or a live object; `protos` valid for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_alpn_protos(
    ssl: *mut SSL,
    protos: *const c_uchar,
    len: c_uint,
) -> c_int {
    guard(1, || {
        // SAFETY: per the contract.
        let Some(s) = (unsafe { ssl_ref(ssl) }) else {
            return 1;
        };
        let wire: &[u8] = if protos.is_null() || len == 0 {
            &[]
        } else {
            // SAFETY: protos is valid for len bytes, per the contract.
            unsafe { std::slice::from_raw_parts(protos, len as usize) }
        };
        c_int::from(s.tls.set_alpn_protos(wire).is_err())
    })
}

/// `SSL_get0_alpn_selected`: the negotiated protocol (null and 0 if none), valid while the
/// object lives.
///
/// # Safety
/// `ssl` must be null or a live object; `data` and `len` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get0_alpn_selected(
    ssl: *const SSL,
    data: *mut *const c_uchar,
    len: *mut c_uint,
) {
    guard((), || {
        if data.is_null() || len.is_null() {
            return;
        }
        // SAFETY: per the contract.
        let selected = unsafe { ssl_ref(ssl) }.and_then(|s| {
            let mut held = s.alpn.lock().unwrap_or_else(PoisonError::into_inner);
            *held = s.tls.alpn_selected();
            held.as_ref().map(|v| (v.as_ptr(), v.len()))
        });
        // SAFETY: data and len are valid for writes; the bytes live in the object.
        unsafe {
            match selected {
                Some((p, n)) => {
                    *data = p;
                    *len = c_uint::try_from(n).unwrap_or(0);
                }
                None => {
                    *data = std::ptr::null();
                    *len = 0;
                }
            }
        }
    });
}

/// `SSL_get_verify_result`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_verify_result(ssl: *const SSL) -> c_long {
    guard(0, || {
        // SAFETY: per the contract.
        unsafe { ssl_ref(ssl) }.map_or(0, |s| c_long::try_from(s.tls.verify_result()).unwrap_or(0))
    })
}

/// `SSL_get_version`: "TLSv1.2", "TLSv1.3" (or "unknown" before the handshake).
///
/// # Safety
/// `ssl` must be null or a live object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_version(ssl: *const SSL) -> *const c_char {
    guard(std::ptr::null(), || {
        // SAFETY: per the contract.
        unsafe { ssl_ref(ssl) }.map_or(std::ptr::null(), |s| interned(s.tls.version_string()))
    })
}

/// `SSL_version`: the negotiated protocol version number.
///
/// # Safety
/// `ssl` must be null or a live object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_version(ssl: *const SSL) -> c_int {
    guard(0, || {
        // SAFETY: per the contract.
        unsafe { ssl_ref(ssl) }
            .and_then(|s| s.tls.version())
            .unwrap_or(0)
    })
}

/// `SSL_pending`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_pending(ssl: *const SSL) -> c_int {
    guard(0, || {
        // SAFETY: per the contract.
        unsafe { ssl_ref(ssl) }.map_or(0, |s| {
            c_int::try_from(s.tls.pending()).unwrap_or(c_int::MAX)
        })
    })
}

/// `SSL_has_pending`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_has_pending(ssl: *const SSL) -> c_int {
    guard(0, || {
        // SAFETY: per the contract.
        unsafe { ssl_ref(ssl) }.map_or(0, |s| c_int::from(s.tls.has_pending()))
    })
}

/// `SSL_is_init_finished`.
///
/// # Safety
/// `ssl` must be null or a live object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_is_init_finished(ssl: *const SSL) -> c_int {
    guard(0, || {
        // SAFETY: per the contract.
        unsafe { ssl_ref(ssl) }.map_or(0, |s| c_int::from(s.tls.is_init_finished()))
    })
}
