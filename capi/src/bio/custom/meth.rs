//! An application's methods (`BIO_meth_new`, `BIO_meth_free`) and their callbacks
//! (`BIO_meth_set_*`); `BIO_get_new_index` numbers them.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int};

use qssl::error::{ERR_LIB_BIO, SslError, err_r};

use super::{Callbacks, CtrlFn, LifeFn, MmsgFn, ReadExFn, ReadFn, WriteExFn, WriteFn};
use crate::bio::BIO_METHOD;
use crate::entry::{entry, param};
use crate::ffi::text;

/// `BIO_get_new_index`: a fresh `BIO_TYPE_*` number for an application's method.
#[entry]
pub extern "C" fn BIO_get_new_index() -> c_int {
    use std::sync::atomic::{AtomicI32, Ordering};
    static NEXT: AtomicI32 = AtomicI32::new(128);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// `BIO_meth_new`: a method with no callbacks yet. It must outlive the BIOs made from it.
///
/// # Safety
/// `name` must be null or a NUL-terminated string.
#[entry]
pub unsafe extern "C" fn BIO_meth_new(type_: c_int, name: *const c_char) -> *mut BIO_METHOD {
    let name = param!(text(name)).map(|n| n.into_owned());
    Box::into_raw(Box::new(BIO_METHOD::new_custom(type_, name.as_deref())))
}

/// `BIO_meth_free`.
///
/// # Safety
/// `biom` must be null or a method from `BIO_meth_new` that no BIO uses any more.
#[entry]
pub unsafe extern "C" fn BIO_meth_free(biom: *mut BIO_METHOD) {
    // SAFETY: per the contract.
    if unsafe { biom.as_ref() }.is_some_and(|m| m.custom().is_some()) {
        // SAFETY: made by Box::into_raw in BIO_meth_new, freed once.
        drop(unsafe { Box::from_raw(biom) });
    }
}

/// Sets one callback of a custom method: 1, or 0 for a null or built-in method.
///
/// # Safety
/// `biom` must be null or a live method.
unsafe fn set_callback(biom: *mut BIO_METHOD, f: impl FnOnce(&mut Callbacks)) -> c_int {
    // SAFETY: per the contract.
    match unsafe { biom.as_ref() }.and_then(BIO_METHOD::custom) {
        Some(m) => {
            m.update(f);
            1
        }
        None => {
            SslError::new(ERR_LIB_BIO, err_r::PASSED_INVALID_ARGUMENT)
                .with_data("not a method from BIO_meth_new")
                .raise();
            0
        }
    }
}

/// Defines a `BIO_meth_set_*` setter for one callback field.
macro_rules! setter {
    ($(#[$doc:meta])* $name:ident, $field:ident, $ty:ty) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// `biom` must be null or a live method; the callback must be sound to call with a
        /// BIO of that method.
        #[entry]
        pub unsafe extern "C" fn $name(biom: *mut BIO_METHOD, cb: Option<$ty>) -> c_int {
            // SAFETY: forwarded.
            unsafe { set_callback(biom, |c| c.$field = cb) }
        }
    };
}

setter!(
    /// `BIO_meth_set_write`.
    BIO_meth_set_write, write, WriteFn
);
setter!(
    /// `BIO_meth_set_write_ex`.
    BIO_meth_set_write_ex, write_ex, WriteExFn
);
setter!(
    /// `BIO_meth_set_read`.
    BIO_meth_set_read, read, ReadFn
);
setter!(
    /// `BIO_meth_set_read_ex`.
    BIO_meth_set_read_ex, read_ex, ReadExFn
);
setter!(
    /// `BIO_meth_set_ctrl`.
    BIO_meth_set_ctrl, ctrl, CtrlFn
);
setter!(
    /// `BIO_meth_set_create`: called by `BIO_new`; a return of 0 fails it.
    BIO_meth_set_create, create, LifeFn
);
setter!(
    /// `BIO_meth_set_destroy`: called when the BIO's last reference goes.
    BIO_meth_set_destroy, destroy, LifeFn
);
setter!(
    /// `BIO_meth_set_sendmmsg`: how QUIC sends datagrams through the BIO (without it, the
    /// BIO carries none: `BIO_R_UNSUPPORTED_METHOD`, as in OpenSSL).
    BIO_meth_set_sendmmsg, sendmmsg, MmsgFn
);
setter!(
    /// `BIO_meth_set_recvmmsg`: how QUIC receives datagrams (without it,
    /// `BIO_R_UNSUPPORTED_METHOD`, as in OpenSSL).
    BIO_meth_set_recvmmsg, recvmmsg, MmsgFn
);
