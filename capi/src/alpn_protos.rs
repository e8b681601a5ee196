//! The ALPN lists `SSL_CTX_set_alpn_protos` and `SSL_set_alpn_protos` set, as OpenSSL keeps
//! them for `SSL_CTX_get0_alpn_protos` and `SSL_get0_alpn_protos` (OpenSSL 4.0): the bytes
//! as given, a new object starting with its context's.

#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{c_uchar, c_uint};
use std::sync::{Mutex, PoisonError};

use crate::ctx::SSL_CTX;
use crate::entry::{entry, nullable, out};
use crate::ssl::SSL;

/// An ALPN list in wire format, as last set (none when set empty).
#[derive(Debug, Default)]
pub(crate) struct AlpnProtos(Mutex<Option<Box<[u8]>>>);

impl AlpnProtos {
    /// A copy of `other`'s list.
    pub(crate) fn copy_of(other: &AlpnProtos) -> Self {
        AlpnProtos(Mutex::new(other.lock().clone()))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Box<[u8]>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps `wire` (an empty list clears it). A pointer handed out before stays valid
    /// until this replaces it, as OpenSSL's.
    pub(crate) fn set(&self, wire: &[u8]) {
        *self.lock() = (!wire.is_empty()).then(|| wire.into());
    }

    /// Writes the list's address and length (null and 0 when there is none).
    ///
    /// # Safety
    /// `protos` and `len` null or valid for a write.
    unsafe fn put(&self, protos: *mut *const c_uchar, len: *mut c_uint) {
        let list = self.lock();
        let (ptr, n) = list
            .as_ref()
            .map_or((std::ptr::null(), 0), |l| (l.as_ptr(), l.len()));
        out!(protos, ptr);
        out!(len, c_uint::try_from(n).unwrap_or(0));
    }
}

/// `SSL_CTX_get0_alpn_protos` (OpenSSL 4.0): the list `SSL_CTX_set_alpn_protos` set, as
/// given (null and 0 for none or a null context); valid until it is set again.
///
/// # Safety
/// `ctx` null or a live context; `protos` and `len` null or valid for writes.
#[entry]
pub unsafe extern "C" fn SSL_CTX_get0_alpn_protos(
    ctx: *mut SSL_CTX,
    protos: *mut *const c_uchar,
    len: *mut c_uint,
) {
    let none = AlpnProtos::default();
    let list = nullable!(ctx).map_or(&none, |c| &c.alpn_protos);
    // SAFETY: the out-pointers per the contract.
    unsafe { list.put(protos, len) }
}

/// `SSL_get0_alpn_protos` (OpenSSL 4.0): the list the object offers (its context's when it
/// was made, or `SSL_set_alpn_protos`'s), as given; null and 0 for none, for null, and for
/// QUIC streams, listeners and domains.
///
/// # Safety
/// `ssl` null or a live object; `protos` and `len` null or valid for writes.
#[entry]
pub unsafe extern "C" fn SSL_get0_alpn_protos(
    ssl: *mut SSL,
    protos: *mut *const c_uchar,
    len: *mut c_uint,
) {
    let none = AlpnProtos::default();
    let list = nullable!(ssl).map_or(&none, |s| &s.alpn_protos);
    // SAFETY: the out-pointers per the contract.
    unsafe { list.put(protos, len) }
}
