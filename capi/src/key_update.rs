//! `SSL_key_update` and `SSL_get_key_update_type` on TLS 1.3 and QUIC objects, and qssl's
//! QUIC connection calls of `<qssl/quic.h>`: keep-alives and QUIC versions.
#![allow(non_snake_case)] // The exported names are OpenSSL's (and qssl's in its style).

use std::ffi::c_int;
use std::time::Duration;

use qssl::ctx::Version;
use qssl::error::{ERR_LIB_SSL, SslError, err_r};

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

/// The QUIC version of wire value `wire`, or `ERR_R_PASSED_INVALID_ARGUMENT` naming it.
fn quic_version(wire: u32) -> Option<Version> {
    let v = Version::from_wire(wire);
    if v.is_none() {
        SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
            .with_data(format!("unsupported QUIC version {wire:#x}"))
            .raise();
    }
    v
}

/// `QSSL_CTX_set_quic_versions`: the QUIC versions connections of `ctx` speak, by
/// preference (`count` of them, at least one, no repeats): a client starts in the first and
/// chooses among them after Version Negotiation; a listener takes clients of these and
/// switches a client to the first it offers among them. 1, or 0 with
/// `ERR_R_PASSED_INVALID_ARGUMENT`.
///
/// # Safety
/// `ctx` must be null or a live context; `versions` valid for `count` values.
#[entry]
pub unsafe extern "C" fn QSSL_CTX_set_quic_versions(
    ctx: *mut SSL_CTX,
    versions: *const u32,
    count: usize,
) -> c_int {
    let c = arg!(ctx_ref(ctx));
    if versions.is_null() || count == 0 || count > Version::ALL.len() {
        SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
            .with_data("one to two QUIC versions")
            .raise();
        return 0;
    }
    // SAFETY: valid for `count` values, per the contract.
    let wires = unsafe { std::slice::from_raw_parts(versions, count) };
    let mut list = Vec::with_capacity(count);
    for &wire in wires {
        let Some(v) = quic_version(wire) else {
            return 0;
        };
        if list.contains(&v) {
            SslError::new(ERR_LIB_SSL, err_r::PASSED_INVALID_ARGUMENT)
                .with_data(format!("QUIC version {wire:#x} listed twice"))
                .raise();
            return 0;
        }
        list.push(v);
    }
    with_quic_config(c, |config| {
        config.version = list[0];
        config.versions = list;
    })
}

/// `QSSL_CTX_set_quic_upgrade`: client connections of `ctx` start in their first version and
/// ask the server to switch them to `version` (compatible version negotiation), committed to
/// it: a server that does not switch ends the handshake with VERSION_NEGOTIATION_ERROR. 0:
/// no upgrade (the default). 1, or 0 with `ERR_R_PASSED_INVALID_ARGUMENT`.
///
/// # Safety
/// `ctx` must be null or a live context.
#[entry]
pub unsafe extern "C" fn QSSL_CTX_set_quic_upgrade(ctx: *mut SSL_CTX, version: u32) -> c_int {
    let c = arg!(ctx_ref(ctx));
    let upgrade = match version {
        0 => None,
        wire => match quic_version(wire) {
            Some(v) => Some(v),
            None => return 0,
        },
    };
    with_quic_config(c, |config| config.upgrade_to = upgrade)
}
