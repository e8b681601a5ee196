//! BIOs with methods written in C (`BIO_meth_new` and its setters, [`meth`]): an
//! application's own BIO can carry QUIC datagrams (through its `sendmmsg`/`recvmmsg`
//! callbacks) or TLS records (through `write`/`read`/`ctrl`). Reads, writes and every
//! `BIO_ctrl` command go to the callbacks; [`adapt`] presents such a BIO to the Rust objects
//! as a `DatagramBio` or a `StreamBio`.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

pub mod adapt;
pub mod meth;

use std::borrow::Cow;
use std::ffi::{CString, c_char, c_int, c_long, c_void};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};

use qssl::error::{ERR_LIB_BIO, SslError, bio_r};
use qssl::tls::SharedStreamBio;
use qssl_bio::{BioError, DatagramBio};

use super::mmsg::MmsgCall;
use super::object::BIO_test_flags;
use super::{BIO, BIO_METHOD, BioImpl};
use crate::abi::*;
use adapt::{CustomDgram, CustomStream};

/// `sendmmsg`/`recvmmsg` callbacks.
pub type MmsgFn =
    unsafe extern "C" fn(*mut BIO, *mut BIO_MSG, usize, usize, u64, *mut usize) -> c_int;
/// `write` callback.
pub type WriteFn = unsafe extern "C" fn(*mut BIO, *const c_char, c_int) -> c_int;
/// `write_ex` callback.
pub type WriteExFn = unsafe extern "C" fn(*mut BIO, *const c_char, usize, *mut usize) -> c_int;
/// `read` callback.
pub type ReadFn = unsafe extern "C" fn(*mut BIO, *mut c_char, c_int) -> c_int;
/// `read_ex` callback.
pub type ReadExFn = unsafe extern "C" fn(*mut BIO, *mut c_char, usize, *mut usize) -> c_int;
/// `ctrl` callback.
pub type CtrlFn = unsafe extern "C" fn(*mut BIO, c_int, c_long, *mut c_void) -> c_long;
/// `create`/`destroy` callbacks.
pub type LifeFn = unsafe extern "C" fn(*mut BIO) -> c_int;

/// The callbacks of a method made with `BIO_meth_new`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Callbacks {
    /// `BIO_meth_set_write`.
    write: Option<WriteFn>,
    /// `BIO_meth_set_write_ex`.
    write_ex: Option<WriteExFn>,
    /// `BIO_meth_set_read`.
    read: Option<ReadFn>,
    /// `BIO_meth_set_read_ex`.
    read_ex: Option<ReadExFn>,
    /// `BIO_meth_set_ctrl`.
    ctrl: Option<CtrlFn>,
    /// `BIO_meth_set_create`.
    create: Option<LifeFn>,
    /// `BIO_meth_set_destroy`.
    destroy: Option<LifeFn>,
    /// `BIO_meth_set_sendmmsg`.
    sendmmsg: Option<MmsgFn>,
    /// `BIO_meth_set_recvmmsg`.
    recvmmsg: Option<MmsgFn>,
}

/// A method's callbacks, set after `BIO_meth_new`.
#[derive(Debug, Default)]
pub(crate) struct CustomMethod {
    /// The callbacks set so far.
    callbacks: Mutex<Callbacks>,
}

impl CustomMethod {
    /// The callbacks as they are now.
    fn callbacks(&self) -> Callbacks {
        *self
            .callbacks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes the callbacks with `f`.
    fn update(&self, f: impl FnOnce(&mut Callbacks)) {
        f(&mut self
            .callbacks
            .lock()
            .unwrap_or_else(PoisonError::into_inner));
    }
}

impl BIO_METHOD {
    /// An application's method, with no callbacks yet.
    fn new_custom(type_: c_int, name: Option<&str>) -> Self {
        let name = CString::new(name.unwrap_or("").replace('\0', " ")).unwrap_or_default();
        BIO_METHOD {
            type_,
            name: Cow::Owned(name),
            make: new_custom_bio,
            custom: Some(CustomMethod::default()),
        }
    }
}

/// The state of a new BIO of an application's method: none (its callbacks are the method's,
/// its data the BIO's `BIO_set_data` pointer).
fn new_custom_bio() -> Box<dyn BioImpl> {
    Box::new(CustomBio)
}

/// The callbacks of `b`'s method (none for a BIO of another method).
fn callbacks(b: &BIO) -> Callbacks {
    b.method
        .custom()
        .map(CustomMethod::callbacks)
        .unwrap_or_default()
}

/// A BIO of an application's method.
struct CustomBio;

impl BioImpl for CustomBio {
    /// The method's `read_ex` or `read`; it manages its own retry flags.
    fn read(&self, b: &BIO, buf: &mut [u8]) -> isize {
        // SAFETY: a live BIO of that method.
        custom_result(unsafe { call_read(b.as_ptr(), &callbacks(b), buf) })
    }

    /// The method's `write_ex` or `write`.
    fn write(&self, b: &BIO, data: &[u8]) -> isize {
        // SAFETY: a live BIO of that method.
        custom_result(unsafe { call_write(b.as_ptr(), &callbacks(b), data) })
    }

    /// Every command goes to the method's `ctrl` (0 without one).
    unsafe fn ctrl(&self, b: &BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> Option<c_long> {
        // SAFETY: the application's ctrl gets what its caller passed.
        Some(unsafe { call_ctrl(b.as_ptr(), &callbacks(b), cmd, larg, parg) })
    }

    /// An adapter holding a reference to the BIO.
    fn datagram(&self, b: &BIO) -> Option<Arc<dyn DatagramBio>> {
        Some(Arc::new(CustomDgram::new(b.shared())))
    }

    /// An adapter holding a reference to the BIO.
    fn stream(&self, b: &BIO) -> Option<SharedStreamBio> {
        Some(Arc::new(Mutex::new(CustomStream::new(b.shared()))))
    }

    /// The method's create callback; without one the BIO starts initialised, as in OpenSSL.
    fn created(&self, b: &BIO) -> bool {
        let Some(create) = callbacks(b).create else {
            b.init.store(true, Ordering::Release);
            return true;
        };
        // SAFETY: the application's create callback, given the new BIO.
        if unsafe { create(b.as_ptr()) } == 0 {
            SslError::new(ERR_LIB_BIO, bio_r::UNSUPPORTED_METHOD)
                .with_data("the method's create callback failed")
                .raise();
            return false;
        }
        true
    }

    /// The method's destroy callback.
    fn destroy(&self, b: &BIO) {
        if let Some(destroy) = callbacks(b).destroy {
            // SAFETY: the application's destroy callback, given the BIO while its memory is
            // still valid; it must not take or drop references to it.
            unsafe { destroy(b.as_ptr()) };
        }
    }

    /// The caller's messages, stride and flags go to the method's `sendmmsg` in one call.
    unsafe fn sendmmsg(&self, b: &BIO, call: &MmsgCall) -> c_int {
        // SAFETY: forwarded from the contract.
        unsafe { custom_mmsg(b, callbacks(b).sendmmsg, call) }
    }

    /// The caller's messages, stride and flags go to the method's `recvmmsg` in one call.
    unsafe fn recvmmsg(&self, b: &BIO, call: &MmsgCall) -> c_int {
        // SAFETY: forwarded from the contract.
        unsafe { custom_mmsg(b, callbacks(b).recvmmsg, call) }
    }
}

/// `BIO_sendmmsg`/`BIO_recvmmsg` on an application's BIO, as OpenSSL makes them: the
/// callback `f` gets the caller's arguments; without it `BIO_R_UNSUPPORTED_METHOD`, before
/// `BIO_set_init` `BIO_R_UNINITIALIZED` (each with 0 and no message processed).
///
/// # Safety
/// As `BIO_sendmmsg`'s contract, with `call`'s count non-null.
unsafe fn custom_mmsg(b: &BIO, f: Option<MmsgFn>, call: &MmsgCall) -> c_int {
    let fail = |reason| {
        // SAFETY: valid for a write, per the contract.
        unsafe { *call.out = 0 };
        SslError::new(ERR_LIB_BIO, reason).raise();
        0
    };
    let Some(f) = f else {
        return fail(bio_r::UNSUPPORTED_METHOD);
    };
    if !b.is_init() {
        return fail(bio_r::UNINITIALIZED);
    }
    // SAFETY: the application's callback with the caller's arguments, as OpenSSL calls it.
    unsafe {
        f(
            b.as_ptr(),
            call.msg,
            call.stride,
            call.num,
            call.flags,
            call.out,
        )
    }
}

/// An application method's I/O result for C: the count, or -1 (its retry flags tell why).
fn custom_result(r: Result<usize, BioError>) -> isize {
    match r {
        Ok(n) => isize::try_from(n).unwrap_or(isize::MAX),
        Err(e @ BioError::Unsupported(_)) => {
            SslError::from(e).raise();
            -1
        }
        Err(_) => -1,
    }
}

/// The result of a custom `write`: bytes taken, or why none were.
///
/// # Safety
/// `bio` must be a live custom BIO.
unsafe fn call_write(bio: *mut BIO, cb: &Callbacks, data: &[u8]) -> Result<usize, BioError> {
    let mut done = 0usize;
    let ok = if let Some(w) = cb.write_ex {
        // SAFETY: the callback gets the BIO and a buffer valid for its length.
        unsafe { w(bio, data.as_ptr().cast(), data.len(), &raw mut done) > 0 }
    } else if let Some(w) = cb.write {
        let len = c_int::try_from(data.len()).unwrap_or(c_int::MAX);
        // SAFETY: as above, with the length clipped to an int.
        let n = unsafe { w(bio, data.as_ptr().cast(), len) };
        done = usize::try_from(n).unwrap_or(0);
        n > 0
    } else {
        return Err(BioError::Unsupported("a write callback"));
    };
    if ok { Ok(done) } else { Err(failure(bio)) }
}

/// The result of a custom `read`: bytes read (0 at end of stream), or why none were.
///
/// # Safety
/// `bio` must be a live custom BIO.
unsafe fn call_read(bio: *mut BIO, cb: &Callbacks, buf: &mut [u8]) -> Result<usize, BioError> {
    let mut done = 0usize;
    let n = if let Some(r) = cb.read_ex {
        // SAFETY: the callback gets the BIO and a buffer valid for its length.
        let ok = unsafe { r(bio, buf.as_mut_ptr().cast(), buf.len(), &raw mut done) };
        if ok > 0 { 1 } else { -1 }
    } else if let Some(r) = cb.read {
        let len = c_int::try_from(buf.len()).unwrap_or(c_int::MAX);
        // SAFETY: as above, with the length clipped to an int.
        let n = unsafe { r(bio, buf.as_mut_ptr().cast(), len) };
        done = usize::try_from(n).unwrap_or(0);
        n
    } else {
        return Err(BioError::Unsupported("a read callback"));
    };
    if n >= 0 {
        Ok(done)
    } else if should_retry(bio) {
        Err(BioError::WouldBlock)
    } else {
        // No retry flag: end of stream (OpenSSL's reading of a failed read without one).
        Ok(0)
    }
}

/// Why a callback failed: [`BioError::WouldBlock`] when it set the retry flag.
fn failure(bio: *mut BIO) -> BioError {
    if should_retry(bio) {
        BioError::WouldBlock
    } else {
        BioError::Unsupported("the application's BIO failed")
    }
}

/// Whether the application's callback set the BIO's retry flag.
fn should_retry(bio: *mut BIO) -> bool {
    // SAFETY: a live BIO, per the callers' contracts.
    unsafe { BIO_test_flags(bio, BIO_FLAGS_SHOULD_RETRY) != 0 }
}

/// Calls the BIO's `ctrl` callback (0 without one).
///
/// # Safety
/// `bio` must be a live custom BIO; `parg` what the command expects.
unsafe fn call_ctrl(
    bio: *mut BIO,
    cb: &Callbacks,
    cmd: c_int,
    larg: c_long,
    parg: *mut c_void,
) -> c_long {
    match cb.ctrl {
        // SAFETY: forwarded from the contract.
        Some(c) => unsafe { c(bio, cmd, larg, parg) },
        None => 0,
    }
}
