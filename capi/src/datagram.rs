//! Unreliable datagrams (RFC 9221) from C: qssl's own functions, declared in
//! `<qssl/datagram.h>` with a `QSSL_` prefix no OpenSSL name will ever take. They follow
//! OpenSSL's conventions: 1 for success and 0 for failure with the reason on the error queue
//! and `SSL_get_error` telling a retry (WANT_READ, WANT_WRITE) from an error.
#![allow(non_snake_case, non_camel_case_types)] // The exported names follow OpenSSL's style.

use std::ffi::{c_int, c_void};

use qssl::error::{ERR_LIB_SSL, SslError, err_r};

use crate::bio::prepare_object;
use crate::ctx::{SSL_CTX, ctx_ref, with_quic_config};
use crate::entry::{arg, entry, out};
use crate::ffi::{bytes, bytes_mut};
use crate::quic::quic_ref;
use crate::ssl::SSL;

/// `QSSL_DATAGRAM_STATS`: what became of a connection's datagrams.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct QSSL_DATAGRAM_STATS {
    /// Datagrams put in packets.
    pub sent: u64,
    /// Of those, in packets the peer acknowledged.
    pub acked: u64,
    /// Of those, in packets declared lost (never sent again).
    pub lost: u64,
    /// Queued datagrams dropped unsent (too large for the path when their turn came, or the
    /// connection closed).
    pub send_dropped: u64,
    /// Datagrams received.
    pub received: u64,
    /// Received datagrams dropped unread because the receive queue was full.
    pub recv_dropped: u64,
}

/// The largest frame offered, `None` for 0.
fn offer(max: u64) -> Option<u64> {
    (max > 0).then_some(max)
}

/// `QSSL_CTX_set_max_datagram_frame_size`: connections made from `ctx` offer DATAGRAM frames
/// of up to `max` bytes, type and length included (0: none, the default). 1, or 0 for a
/// context that is not QUIC's.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn QSSL_CTX_set_max_datagram_frame_size(
    ctx: *mut SSL_CTX,
    max: u64,
) -> c_int {
    let c = arg!(ctx_ref(ctx));
    with_quic_config(c, |config| config.max_datagram_frame_size = offer(max))
}

/// `QSSL_set_max_datagram_frame_size`: as the context call, for one connection before it
/// starts, or for the connections a listener accepts from now on.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn QSSL_set_max_datagram_frame_size(ssl: *mut SSL, max: u64) -> c_int {
    let (_, q) = arg!(quic_ref(ssl));
    c_int::from(q.set_max_datagram_frame_size(offer(max)).is_ok())
}

/// `QSSL_write_datagram`: queues `len` bytes as one datagram on the connection (of a stream
/// object: its connection), starting the connection as `SSL_write` does. 1, or 0 with
/// `SSL_get_error` saying why (WANT_WRITE while the queue is full).
///
/// # Safety
/// `ssl` must be null or a live object; `buf` valid for `len` bytes (null if 0).
#[entry]
pub unsafe extern "C" fn QSSL_write_datagram(
    ssl: *mut SSL,
    buf: *const c_void,
    len: usize,
) -> c_int {
    let (s, q) = arg!(quic_ref(ssl));
    let data = arg!(bytes(buf, len));
    if !prepare_object(s) {
        return 0;
    }
    c_int::from(q.send_datagram(data).is_ok())
}

/// `QSSL_read_datagram`: reads the oldest datagram received into `buf` (`len` bytes), its
/// length in `*readbytes`. 1, or 0 with `SSL_get_error` saying why (WANT_READ when none is
/// there; `SSL_R_BAD_LENGTH` when `buf` is too short, the datagram staying queued).
///
/// # Safety
/// `ssl` must be null or a live object; `buf` valid for `len` bytes; `readbytes` null or
/// valid for a write.
#[entry]
pub unsafe extern "C" fn QSSL_read_datagram(
    ssl: *mut SSL,
    buf: *mut c_void,
    len: usize,
    readbytes: *mut usize,
) -> c_int {
    let (s, q) = arg!(quic_ref(ssl));
    let buf = arg!(bytes_mut(buf, len));
    if !prepare_object(s) {
        return 0;
    }
    match q.recv_datagram(buf) {
        Ok(n) => {
            out!(readbytes, n);
            1
        }
        Err(_) => {
            out!(readbytes, 0);
            0
        }
    }
}

/// `QSSL_get_datagram_max_size`: the largest datagram `QSSL_write_datagram` takes now; 0
/// before the handshake completes or when the peer did not offer DATAGRAM frames.
///
/// # Safety
/// `ssl` must be null or a live object.
#[entry]
pub unsafe extern "C" fn QSSL_get_datagram_max_size(ssl: *const SSL) -> usize {
    let (_, q) = arg!(quic_ref(ssl));
    q.datagram_max_size().unwrap_or(0)
}

/// `QSSL_get_datagram_pending`: 1 with the length of the next datagram to read in `*len`
/// (datagrams may be empty), 0 when none is queued. No network I/O.
///
/// # Safety
/// `ssl` must be null or a live object; `len` null or valid for a write.
#[entry]
pub unsafe extern "C" fn QSSL_get_datagram_pending(ssl: *const SSL, len: *mut usize) -> c_int {
    let (_, q) = arg!(quic_ref(ssl));
    match q.datagram_pending_len() {
        Some(n) => {
            out!(len, n);
            1
        }
        None => 0,
    }
}

/// `QSSL_get_datagram_stats`: fills `*stats` (`stats_len` bytes, at least the structure's
/// size) with the connection's datagram counters. 1, or 0 for a bad argument.
///
/// # Safety
/// `ssl` must be null or a live object; `stats` null or valid for `stats_len` bytes.
#[entry]
pub unsafe extern "C" fn QSSL_get_datagram_stats(
    ssl: *const SSL,
    stats: *mut QSSL_DATAGRAM_STATS,
    stats_len: usize,
) -> c_int {
    let (_, q) = arg!(quic_ref(ssl));
    if stats.is_null() || stats_len < size_of::<QSSL_DATAGRAM_STATS>() {
        SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT).raise();
        return 0;
    }
    let s = q.datagram_stats();
    // SAFETY: valid for a write of the structure, per the contract and the size check.
    unsafe {
        stats.write(QSSL_DATAGRAM_STATS {
            sent: s.sent,
            acked: s.acked,
            lost: s.lost,
            send_dropped: s.send_dropped,
            received: s.received,
            recv_dropped: s.recv_dropped,
        });
    }
    1
}
