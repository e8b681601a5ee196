//! `BIO_sendmmsg` and `BIO_recvmmsg`: batches of datagrams through any BIO that carries them.
//! The BIO's kind takes the call (`super::BioImpl::sendmmsg`); by default `send` and
//! `recv` go through its datagram object, while an application's method gets the caller's
//! messages in one call of its callback.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::c_int;
use std::sync::Arc;

use qssl::error::{ERR_LIB_BIO, SslError, err_r};
use qssl_bio::{BioAddr, DatagramBio, RecvMsg, SendMsg};

use super::BIO;
use crate::abi::*;
use crate::addr::BIO_ADDR;
use crate::entry::entry;

/// The arguments of one `BIO_sendmmsg`/`BIO_recvmmsg` call, as C passed them.
pub(crate) struct MmsgCall {
    /// The first message.
    pub(super) msg: *mut BIO_MSG,
    /// The distance between messages, in bytes.
    pub(super) stride: usize,
    /// How many messages.
    pub(super) num: usize,
    /// The call's flags (none are defined).
    pub(super) flags: u64,
    /// Where the count of messages processed goes.
    pub(super) out: *mut usize,
}

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

/// What both calls share: checks the arguments (zeroing the count), finds the BIO's
/// datagram side and copies the messages; `None` with the reason raised when something is
/// wrong.
///
/// # Safety
/// As [`BIO_sendmmsg`], with `call.out` non-null.
unsafe fn mmsg_setup(b: &BIO, call: &MmsgCall) -> Option<(Arc<dyn DatagramBio>, Vec<BIO_MSG>)> {
    if call.num > 0 && call.msg.is_null() {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
        return None;
    }
    if call.num > 0 && call.stride < size_of::<BIO_MSG>() {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_INVALID_ARGUMENT)
            .with_data("stride smaller than BIO_MSG")
            .raise();
        return None;
    }
    // SAFETY: valid for a write, per the contract.
    unsafe { *call.out = 0 };
    if call.flags != 0 {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_INVALID_ARGUMENT).raise();
        return None;
    }
    let d = b.datagram()?;
    // SAFETY: per the contract.
    Some((d, unsafe { read_msgs(call.msg, call.stride, call.num) }))
}

/// `BIO_sendmmsg` through the BIO's datagram object: 1 with the count, or 0 with the reason
/// on the queue.
///
/// # Safety
/// As [`BIO_sendmmsg`], with `call.out` non-null.
pub(super) unsafe fn send(b: &BIO, call: &MmsgCall) -> c_int {
    // SAFETY: per the contract.
    let Some((d, raw)) = (unsafe { mmsg_setup(b, call) }) else {
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
            unsafe { *call.out = n };
            1
        }
        Err(e) => {
            SslError::from(e).raise();
            0
        }
    }
}

/// `BIO_recvmmsg` through the BIO's datagram object: 1 with the count (each message's
/// `data_len`, `flags`, `peer` and `local` set), or 0 with the reason on the queue.
///
/// # Safety
/// As [`BIO_recvmmsg`], with `call.out` non-null.
pub(super) unsafe fn recv(b: &BIO, call: &MmsgCall) -> c_int {
    // SAFETY: per the contract.
    let Some((d, raw)) = (unsafe { mmsg_setup(b, call) }) else {
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
        // SAFETY: null or live addresses, and the caller's array, per the contract.
        unsafe {
            if let Some(p) = m.peer.as_mut() {
                p.0 = got.peer;
            }
            if let (Some(l), Some(local)) = (m.local.as_mut(), got.local) {
                l.0 = local;
            }
            call.msg
                .cast::<u8>()
                .add(i * call.stride)
                .cast::<BIO_MSG>()
                .write_unaligned(out);
        }
    }
    // SAFETY: valid for a write, per the contract.
    unsafe { *call.out = n };
    1
}

impl MmsgCall {
    /// The arguments of a `BIO_sendmmsg`/`BIO_recvmmsg` call.
    fn new(msg: *mut BIO_MSG, stride: usize, num: usize, flags: u64, out: *mut usize) -> Self {
        MmsgCall {
            msg,
            stride,
            num,
            flags,
            out,
        }
    }
}

/// `BIO_sendmmsg` or `BIO_recvmmsg` on `bio` through `op` (the kind's), once the BIO and
/// the count pointer are known not to be null.
///
/// # Safety
/// As `BIO_sendmmsg`'s contract: `bio` null or live, `call`'s pointers valid as it says.
unsafe fn mmsg_entry(
    bio: *mut BIO,
    call: &MmsgCall,
    op: unsafe fn(&BIO, &MmsgCall) -> c_int,
) -> c_int {
    // SAFETY: per the contract.
    match unsafe { bio.as_ref() } {
        // SAFETY: per the contract, with the count pointer checked.
        Some(b) if !call.out.is_null() => unsafe { op(b, call) },
        _ => {
            SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
            0
        }
    }
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
    let call = MmsgCall::new(msg, stride, num_msg, flags, msgs_processed);
    // SAFETY: forwarded from this function's contract.
    unsafe { mmsg_entry(bio, &call, |b, c| b.imp.sendmmsg(b, c)) }
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
    let call = MmsgCall::new(msg, stride, num_msg, flags, msgs_processed);
    // SAFETY: forwarded from this function's contract.
    unsafe { mmsg_entry(bio, &call, |b, c| b.imp.recvmmsg(b, c)) }
}

/// `BIO_err_is_non_fatal`: whether a packed error code (from the queue) is transient.
#[entry]
pub extern "C" fn BIO_err_is_non_fatal(errcode: std::ffi::c_uint) -> c_int {
    c_int::from(qssl::error::bio_err_is_non_fatal(errcode))
}
