//! BIO chains: `BIO_push`, `BIO_pop`, `BIO_next` and `BIO_free_all`. A link holds no
//! reference of its own; `BIO_free_all` frees the chain, as in OpenSSL.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::sync::atomic::Ordering;

use super::BIO;
use super::object::BIO_free;
use crate::entry::{entry, nullable};
use crate::ffi::arc_count;

/// `BIO_free_all`: frees `bio` and the BIOs chained after it, stopping after a BIO that
/// still had other references (it and what follows stay), as OpenSSL does.
///
/// # Safety
/// As [`BIO_free`], for each BIO of the chain.
#[entry]
pub unsafe extern "C" fn BIO_free_all(bio: *mut BIO) {
    let mut p = bio;
    while !p.is_null() {
        // SAFETY: a live BIO of the chain, per the contract; read before it is freed.
        let (next, shared) = unsafe { ((*p).next.load(Ordering::Acquire), arc_count(p) > 1) };
        // SAFETY: the chain's reference to this BIO, given up.
        unsafe { BIO_free(p) };
        if shared {
            break;
        }
        p = next;
    }
}

/// Links `tail` after the last BIO of `head`'s chain.
pub(super) fn append(head: &BIO, tail: *mut BIO) {
    let mut last = head;
    loop {
        let next = last.next.load(Ordering::Acquire);
        if next.is_null() {
            break;
        }
        // SAFETY: chained BIOs are live while the chain is.
        last = unsafe { &*next };
    }
    last.next.store(tail, Ordering::Release);
    // SAFETY: tail is null or a live BIO, per the callers' contracts.
    if let Some(t) = unsafe { tail.as_ref() } {
        t.prev.store(last.as_ptr(), Ordering::Release);
    }
}

/// `BIO_push`: appends `append` at the end of `b`'s chain; returns `b`.
///
/// # Safety
/// `b` and `append` must be null or live BIOs.
#[entry]
pub unsafe extern "C" fn BIO_push(b: *mut BIO, append: *mut BIO) -> *mut BIO {
    // SAFETY: per the contract.
    if let Some(bio) = unsafe { b.as_ref() } {
        self::append(bio, append);
    }
    b
}

/// `BIO_pop`: takes `b` out of its chain (the BIOs before and after it are linked to each
/// other) and returns what followed it (for an acceptor, the socket BIO of the connection
/// just accepted).
///
/// # Safety
/// `b` must be null or a live BIO.
#[entry]
pub unsafe extern "C" fn BIO_pop(b: *mut BIO) -> *mut BIO {
    // A null BIO pops nothing, without an error, as OpenSSL's.
    let Some(bio) = nullable!(b) else {
        return std::ptr::null_mut();
    };
    let next = bio.next.swap(std::ptr::null_mut(), Ordering::AcqRel);
    let prev = bio.prev.swap(std::ptr::null_mut(), Ordering::AcqRel);
    // SAFETY: chained BIOs are live while the chain is.
    unsafe {
        if let Some(p) = prev.as_ref() {
            p.next.store(next, Ordering::Release);
        }
        if let Some(n) = next.as_ref() {
            n.prev.store(prev, Ordering::Release);
        }
    }
    next
}

/// `BIO_next`: the BIO chained after `b`, or null.
///
/// # Safety
/// `b` must be null or a live BIO.
#[entry]
pub unsafe extern "C" fn BIO_next(b: *mut BIO) -> *mut BIO {
    // SAFETY: per the contract.
    unsafe { b.as_ref() }.map_or(std::ptr::null_mut(), BIO::next_bio)
}
