//! The calls every BIO takes alike: `BIO_new`, references (`BIO_up_ref`, `BIO_free`), the
//! method's type and name, flags, and an application method's data, init and close flag.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int, c_void};
use std::sync::atomic::Ordering;

use super::{BIO, BIO_METHOD, bio_ref};
use crate::entry::{arg, entry, param};
use crate::ffi::{arc_release, arc_up_ref, obj};

/// `BIO_new`: a BIO of a method, with nothing attached yet (an application's method's
/// create callback runs; without one the BIO starts initialised, as in OpenSSL).
///
/// # Safety
/// `method` must be null or a method from this library that outlives the BIO.
#[entry]
pub unsafe extern "C" fn BIO_new(method: *const BIO_METHOD) -> *mut BIO {
    // A method outlives the BIOs made with it, per the contract.
    let method: &'static BIO_METHOD = arg!(obj(method));
    let bio = BIO::new(method, (method.make)());
    // SAFETY: just made, and live.
    let b = unsafe { &*bio };
    if !b.imp.created(b) {
        // SAFETY: the only reference, given up (the kind's destroy runs).
        unsafe { arc_release(bio.cast_const()) };
        return std::ptr::null_mut();
    }
    bio
}

/// `BIO_up_ref`.
///
/// # Safety
/// `bio` must be null or a live BIO.
#[entry]
pub unsafe extern "C" fn BIO_up_ref(bio: *mut BIO) -> c_int {
    param!(arc_up_ref(bio))
}

/// `BIO_free`: drops one reference; 1, or 0 for null.
///
/// # Safety
/// `bio` must be null or a live BIO whose reference the caller gives up.
#[entry]
pub unsafe extern "C" fn BIO_free(bio: *mut BIO) -> c_int {
    if bio.is_null() {
        return 0;
    }
    param!(arc_release(bio));
    1
}

/// `BIO_vfree`.
///
/// # Safety
/// As [`BIO_free`].
#[entry]
pub unsafe extern "C" fn BIO_vfree(bio: *mut BIO) {
    // SAFETY: forwarded.
    unsafe { BIO_free(bio) };
}

/// `BIO_method_type`: the BIO's `BIO_TYPE_*`.
///
/// # Safety
/// `bio` must be null or a live BIO.
#[entry]
pub unsafe extern "C" fn BIO_method_type(bio: *const BIO) -> c_int {
    let b = arg!(bio_ref(bio));
    b.method.type_
}

/// `BIO_method_name`.
///
/// # Safety
/// `bio` must be null or a live BIO.
#[entry]
pub unsafe extern "C" fn BIO_method_name(bio: *const BIO) -> *const c_char {
    let b = arg!(bio_ref(bio));
    b.method.name.as_ptr()
}

/// `BIO_test_flags`.
///
/// # Safety
/// `bio` must be null or a live BIO.
#[entry]
pub unsafe extern "C" fn BIO_test_flags(bio: *const BIO, flags: c_int) -> c_int {
    let b = arg!(bio_ref(bio));
    b.flags.load(Ordering::Relaxed) & flags
}

/// `BIO_set_flags`.
///
/// # Safety
/// `bio` must be null or a live BIO.
#[entry]
pub unsafe extern "C" fn BIO_set_flags(bio: *mut BIO, flags: c_int) {
    let b = arg!(bio_ref(bio));
    b.flags.fetch_or(flags, Ordering::Relaxed);
}

/// `BIO_clear_flags`.
///
/// # Safety
/// `bio` must be null or a live BIO.
#[entry]
pub unsafe extern "C" fn BIO_clear_flags(bio: *mut BIO, flags: c_int) {
    let b = arg!(bio_ref(bio));
    b.flags.fetch_and(!flags, Ordering::Relaxed);
}

/// Defines a getter/setter pair over a BIO field for applications' methods.
macro_rules! app_field {
    ($(#[$sdoc:meta])* $set:ident, $(#[$gdoc:meta])* $get:ident, $field:ident, $ty:ty,
     $to:expr, $from:expr, $zero:expr) => {
        $(#[$sdoc])*
        ///
        /// # Safety
        /// `bio` must be null or a live BIO.
        #[entry]
        pub unsafe extern "C" fn $set(bio: *mut BIO, v: $ty) {
            let b = arg!(bio_ref(bio));
            b.$field.store(($to)(v), Ordering::Release);
        }

        $(#[$gdoc])*
        ///
        /// # Safety
        /// `bio` must be null or a live BIO.
        #[entry]
        pub unsafe extern "C" fn $get(bio: *mut BIO) -> $ty {
            let b = arg!(bio_ref(bio));
            ($from)(b.$field.load(Ordering::Acquire))
        }
    };
}

app_field!(
    /// `BIO_set_data`: the application method's own pointer.
    BIO_set_data,
    /// `BIO_get_data`.
    BIO_get_data,
    data, *mut c_void, |v| v, |v| v, std::ptr::null_mut()
);
app_field!(
    /// `BIO_set_init`: whether the application's BIO is ready.
    BIO_set_init,
    /// `BIO_get_init`.
    BIO_get_init,
    init, c_int, |v: c_int| v != 0, c_int::from, 0
);
app_field!(
    /// `BIO_set_shutdown`: the application's close flag.
    BIO_set_shutdown,
    /// `BIO_get_shutdown`.
    BIO_get_shutdown,
    shutdown, c_int, |v| v, |v| v, 0
);
