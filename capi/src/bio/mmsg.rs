//! `BIO_sendmmsg` and `BIO_recvmmsg`: batches of datagrams through any BIO that carries them
//! (an application's method gets the caller's messages in one call of its callback).
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::c_int;
use std::sync::Arc;

use qssl::error::{ERR_LIB_BIO, SslError, bio_r, err_r};
use qssl_bio::{BioAddr, DatagramBio, RecvMsg, SendMsg};

use super::BIO;
use super::custom::{Callbacks, MmsgFn};
use crate::abi::*;
use crate::addr::BIO_ADDR;
use crate::entry::entry;

/// The messages of a `BIO_MSG` array, `stride` bytes apart.
///
/// # Safety
/// `msg` must be valid for `num` messages `stride` bytes apart (`stride` at least the size
/// of `BIO_MSG`).
unsafe fn read_msgs(msg: *mut BIO_MSG, stride: usize, num: usize) -> Vec<BIO_MSG> {
    (0..num)
        // SAFETY: within the caller's array, per the contract.
        .map(|i| unsafe {
            msg.cast::<u8>()
                .add(i * stride)
                .cast::<BIO_MSG>()
                .read_unaligned()
        })
        .collect()
}

/// The address a message names, if any.
///
/// # Safety
/// `a` must be null or a live address.
unsafe fn msg_addr(a: *mut BIO_ADDR) -> Option<BioAddr> {
    // SAFETY: per the contract.
    unsafe { a.as_ref() }
        .map(|a| a.0)
        .filter(|a| *a != BioAddr::Unspec)
}

/// What both calls share: checks the arguments (zeroing `*out`), finds the BIO's datagram
/// side and copies the messages; `None` with the reason raised when something is wrong.
///
/// # Safety
/// As [`BIO_sendmmsg`].
unsafe fn mmsg_setup(
    bio: *mut BIO,
    msg: *mut BIO_MSG,
    stride: usize,
    num: usize,
    flags: u64,
    out: *mut usize,
) -> Option<(Arc<dyn DatagramBio>, Vec<BIO_MSG>)> {
    if bio.is_null() || out.is_null() || (num > 0 && msg.is_null()) {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
        return None;
    }
    if num > 0 && stride < size_of::<BIO_MSG>() {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_INVALID_ARGUMENT)
            .with_data("stride smaller than BIO_MSG")
            .raise();
        return None;
    }
    // SAFETY: valid for a write, per the contract.
    unsafe { *out = 0 };
    if flags != 0 {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_INVALID_ARGUMENT).raise();
        return None;
    }
    // SAFETY: a live BIO, per the contract.
    let d = unsafe { &*bio }.datagram()?;
    // SAFETY: per the contract.
    Some((d, unsafe { read_msgs(msg, stride, num) }))
}

/// `BIO_sendmmsg`/`BIO_recvmmsg` on an application's BIO, as OpenSSL makes them: the caller's
/// messages, stride and flags go to the method's callback in one call. `None` for other BIOs.
///
/// # Safety
/// As `BIO_sendmmsg`'s; `bio` non-null.
unsafe fn custom_mmsg(
    bio: *mut BIO,
    pick: fn(&Callbacks) -> Option<MmsgFn>,
    msg: *mut BIO_MSG,
    stride: usize,
    num: usize,
    flags: u64,
    out: *mut usize,
) -> Option<c_int> {
    // SAFETY: a live BIO, per the contract.
    let b = unsafe { &*bio };
    let callbacks = b.custom_callbacks()?;
    let fail = |reason| {
        // SAFETY: valid for a write, per the contract.
        unsafe { *out = 0 };
        SslError::new(ERR_LIB_BIO, reason).raise();
        Some(0)
    };
    let Some(f) = pick(&callbacks) else {
        return fail(bio_r::UNSUPPORTED_METHOD);
    };
    if !b.is_init() {
        return fail(bio_r::UNINITIALIZED);
    }
    // SAFETY: the application's callback with the caller's arguments, as OpenSSL calls it.
    Some(unsafe { f(bio, msg, stride, num, flags, out) })
}

/// `BIO_sendmmsg`: sends a prefix of the messages; 1 with the count in `*msgs_processed`, or
/// 0 with the reason on the queue (`BIO_err_is_non_fatal` tells whether to retry).
///
/// # Safety
/// `bio` must be null or a live BIO; `msg` valid for `num_msg` messages `stride` bytes apart,
/// each with `data` valid for `data_len` bytes and `peer`/`local` null or live addresses;
/// `msgs_processed` valid for a write.
#[entry]
pub unsafe extern "C" fn BIO_sendmmsg(
    bio: *mut BIO,
    msg: *mut BIO_MSG,
    stride: usize,
    num_msg: usize,
    flags: u64,
    msgs_processed: *mut usize,
) -> c_int {
    if !bio.is_null() && !msgs_processed.is_null() {
        let pick = |c: &Callbacks| c.sendmmsg;
        // SAFETY: per the contract.
        let custom = unsafe { custom_mmsg(bio, pick, msg, stride, num_msg, flags, msgs_processed) };
        if let Some(ret) = custom {
            return ret;
        }
    }
    // SAFETY: per the contract.
    let Some((d, raw)) = (unsafe { mmsg_setup(bio, msg, stride, num_msg, flags, msgs_processed) })
    else {
        return 0;
    };
    let msgs: Vec<SendMsg<'_>> = raw
        .iter()
        .map(|m| {
            let data: &[u8] = if m.data.is_null() || m.data_len == 0 {
                &[]
            } else {
                // SAFETY: valid for data_len bytes, per the contract.
                unsafe { std::slice::from_raw_parts(m.data.cast::<u8>(), m.data_len) }
            };
            let mut s = SendMsg::new(data);
            // SAFETY: null or live addresses, per the contract.
            s.peer = unsafe { msg_addr(m.peer) };
            // SAFETY: as above.
            s.local = unsafe { msg_addr(m.local) };
            s.flags = m.flags;
            s
        })
        .collect();
    if msgs.is_empty() {
        return 1;
    }
    match d.send_mmsg(&msgs) {
        Ok(n) => {
            // SAFETY: valid for a write, per the contract.
            unsafe { *msgs_processed = n };
            1
        }
        Err(e) => {
            SslError::from(e).raise();
            0
        }
    }
}

/// `BIO_recvmmsg`: receives into a prefix of the messages, setting each one's `data_len`,
/// `flags` and (when not null) `peer` and `local`; returns as [`BIO_sendmmsg`] does.
///
/// # Safety
/// As [`BIO_sendmmsg`], with each `data` valid for writes of `data_len` bytes.
#[entry]
pub unsafe extern "C" fn BIO_recvmmsg(
    bio: *mut BIO,
    msg: *mut BIO_MSG,
    stride: usize,
    num_msg: usize,
    flags: u64,
    msgs_processed: *mut usize,
) -> c_int {
    if !bio.is_null() && !msgs_processed.is_null() {
        let pick = |c: &Callbacks| c.recvmmsg;
        // SAFETY: per the contract.
        let custom = unsafe { custom_mmsg(bio, pick, msg, stride, num_msg, flags, msgs_processed) };
        if let Some(ret) = custom {
            return ret;
        }
    }
    // SAFETY: per the contract.
    let Some((d, raw)) = (unsafe { mmsg_setup(bio, msg, stride, num_msg, flags, msgs_processed) })
    else {
        return 0;
    };
    let mut msgs: Vec<RecvMsg<'_>> = raw
        .iter()
        .map(|m| {
            let buf: &mut [u8] = if m.data.is_null() || m.data_len == 0 {
                &mut []
            } else {
                // SAFETY: valid for writes of data_len bytes, per the contract.
                unsafe { std::slice::from_raw_parts_mut(m.data.cast::<u8>(), m.data_len) }
            };
            let r = RecvMsg::new(buf);
            if m.local.is_null() { r } else { r.with_local() }
        })
        .collect();
    if msgs.is_empty() {
        return 1;
    }
    let n = match d.recv_mmsg(&mut msgs) {
        Ok(n) => n,
        Err(e) => {
            SslError::from(e).raise();
            return 0;
        }
    };
    for (i, (got, m)) in msgs.iter().zip(&raw).take(n).enumerate() {
        let mut out = *m;
        out.data_len = got.len;
        out.flags = got.flags;
        // SAFETY: null or live addresses, per the contract.
        unsafe {
            if let Some(p) = m.peer.as_mut() {
                p.0 = got.peer;
            }
            if let (Some(l), Some(local)) = (m.local.as_mut(), got.local) {
                l.0 = local;
            }
            msg.cast::<u8>()
                .add(i * stride)
                .cast::<BIO_MSG>()
                .write_unaligned(out);
        }
    }
    // SAFETY: valid for a write, per the contract.
    unsafe { *msgs_processed = n };
    1
}
