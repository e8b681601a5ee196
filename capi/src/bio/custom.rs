//! BIOs with methods written in C (`BIO_meth_new` and its setters): an application's own BIO
//! can carry QUIC datagrams (through its `sendmmsg`/`recvmmsg` callbacks, or one datagram per
//! `write`/`read` call when it has none) or TLS records (through `write`/`read`/`ctrl`).
//! The adapters here present such a BIO to the Rust objects as a [`DatagramBio`] or a
//! [`StreamBio`]; each holds a reference to the C BIO while it lives.
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int, c_long, c_void};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use qssl::error::{
    ERR_LIB_BIO, SslError, bio_err_is_non_fatal, clear_last_mark, count_to_mark, err_r,
    peek_last_error, pop_to_mark, set_mark,
};
use qssl_bio::{BioAddr, BioError, DatagramBio, PollDescriptor, RecvMsg, SendMsg, StreamBio};

use crate::abi::*;
use crate::addr::BIO_ADDR;
use crate::bio::{BIO, BIO_METHOD};
use crate::entry::entry;

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
    pub(crate) write: Option<WriteFn>,
    pub(crate) write_ex: Option<WriteExFn>,
    pub(crate) read: Option<ReadFn>,
    pub(crate) read_ex: Option<ReadExFn>,
    pub(crate) ctrl: Option<CtrlFn>,
    pub(crate) create: Option<LifeFn>,
    pub(crate) destroy: Option<LifeFn>,
    pub(crate) sendmmsg: Option<MmsgFn>,
    pub(crate) recvmmsg: Option<MmsgFn>,
}

/// A method's callbacks, set after `BIO_meth_new`.
#[derive(Debug, Default)]
pub(crate) struct CustomMethod {
    callbacks: Mutex<Callbacks>,
}

impl CustomMethod {
    /// The callbacks as they are now.
    pub(crate) fn callbacks(&self) -> Callbacks {
        *self
            .callbacks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn update(&self, f: impl FnOnce(&mut Callbacks)) {
        f(&mut self
            .callbacks
            .lock()
            .unwrap_or_else(PoisonError::into_inner));
    }
}

/// The result of a custom `write`: bytes taken, or why none were.
///
/// # Safety
/// `bio` must be a live custom BIO.
pub(crate) unsafe fn call_write(
    bio: *mut BIO,
    cb: &Callbacks,
    data: &[u8],
) -> Result<usize, BioError> {
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
pub(crate) unsafe fn call_read(
    bio: *mut BIO,
    cb: &Callbacks,
    buf: &mut [u8],
) -> Result<usize, BioError> {
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

fn should_retry(bio: *mut BIO) -> bool {
    // SAFETY: a live BIO, per the callers' contracts.
    unsafe { crate::bio::BIO_test_flags(bio, BIO_FLAGS_SHOULD_RETRY) != 0 }
}

/// Calls the BIO's `ctrl` callback (0 without one).
///
/// # Safety
/// `bio` must be a live custom BIO; `parg` what the command expects.
pub(crate) unsafe fn call_ctrl(
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

/// A reference to a custom C BIO held by an adapter.
struct Held(Arc<BIO>);

impl Held {
    /// The BIO as the application's callbacks take it.
    fn ptr(&self) -> *mut BIO {
        Arc::as_ptr(&self.0).cast_mut()
    }

    fn callbacks(&self) -> Callbacks {
        self.0.custom_callbacks().unwrap_or_default()
    }
}

/// A custom BIO presented as a datagram BIO.
pub(crate) struct CustomDgram(Held);

impl CustomDgram {
    /// An adapter holding a reference to the custom BIO `bio`.
    pub(crate) fn new(bio: Arc<BIO>) -> Self {
        CustomDgram(Held(bio))
    }

    /// One call of the application's mmsg callback `f` over `batch`: how many messages it
    /// processed (at most all), or the error it reported.
    ///
    /// # Safety
    /// Each message's data and addresses must be valid for the callback's access.
    unsafe fn call_mmsg(&self, f: MmsgFn, batch: &mut [BIO_MSG]) -> Result<usize, BioError> {
        let mut done = 0usize;
        set_mark();
        // SAFETY: `batch` holds `batch.len()` messages `size_of::<BIO_MSG>()` apart, valid
        // per the contract.
        let ok = unsafe {
            f(
                self.0.ptr(),
                batch.as_mut_ptr(),
                size_of::<BIO_MSG>(),
                batch.len(),
                0,
                &raw mut done,
            )
        };
        mmsg_outcome(ok == 1 && done > 0)?;
        Ok(done.min(batch.len()))
    }
}

impl fmt::Debug for CustomDgram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CustomDgram")
    }
}

impl DatagramBio for CustomDgram {
    /// One call of the application's `sendmmsg` with the whole batch (a segmented message
    /// as its datagrams), as OpenSSL's `BIO_sendmmsg` makes; without that callback the BIO
    /// cannot carry datagrams (`BIO_R_UNSUPPORTED_METHOD`, as in OpenSSL).
    fn send_mmsg(&self, msgs: &[SendMsg<'_>]) -> Result<usize, BioError> {
        let Some(send) = self.0.callbacks().sendmmsg else {
            return Err(BioError::Unsupported(
                "sendmmsg without the method's callback",
            ));
        };
        let mut peers: Vec<BIO_ADDR> = msgs
            .iter()
            .map(|m| BIO_ADDR(m.peer.unwrap_or_default()))
            .collect();
        // Each C message, and the index of the message it belongs to.
        let mut batch = Vec::with_capacity(msgs.len());
        let mut owner = Vec::with_capacity(msgs.len());
        for (i, (m, addr)) in msgs.iter().zip(peers.iter_mut()).enumerate() {
            let seg = m.segment_size.unwrap_or(m.data.len()).max(1);
            for chunk in m.data.chunks(seg) {
                batch.push(BIO_MSG {
                    data: chunk.as_ptr().cast_mut().cast(),
                    data_len: chunk.len(),
                    peer: if m.peer.is_some() {
                        addr
                    } else {
                        std::ptr::null_mut()
                    },
                    local: std::ptr::null_mut(),
                    flags: 0,
                });
                owner.push(i);
            }
        }
        // SAFETY: the messages' data and addresses outlive the call.
        let done = unsafe { self.call_mmsg(send, &mut batch) }?;
        // Messages whose datagrams all went, plus one partly sent.
        Ok(owner.get(done).map_or(msgs.len(), |&next| {
            next + usize::from(done > 0 && owner[done - 1] == next)
        }))
    }

    /// One call of the application's `recvmmsg` over all the buffers, as OpenSSL's
    /// `BIO_recvmmsg` makes; without that callback, `BIO_R_UNSUPPORTED_METHOD`.
    fn recv_mmsg(&self, msgs: &mut [RecvMsg<'_>]) -> Result<usize, BioError> {
        let Some(recv) = self.0.callbacks().recvmmsg else {
            return Err(BioError::Unsupported(
                "recvmmsg without the method's callback",
            ));
        };
        let mut peers: Vec<BIO_ADDR> = msgs.iter().map(|_| BIO_ADDR(BioAddr::Unspec)).collect();
        let mut batch: Vec<BIO_MSG> = msgs
            .iter_mut()
            .zip(peers.iter_mut())
            .map(|(m, addr)| BIO_MSG {
                data: m.buf.as_mut_ptr().cast(),
                data_len: m.buf.len(),
                peer: addr,
                local: std::ptr::null_mut(),
                flags: 0,
            })
            .collect();
        // SAFETY: the caller's buffers and the addresses outlive the call.
        let done = unsafe { self.call_mmsg(recv, &mut batch) }?;
        for ((m, c), addr) in msgs.iter_mut().zip(&batch).zip(&peers).take(done) {
            m.len = c.data_len.min(m.buf.len());
            m.peer = addr.0;
            m.flags = 0;
            m.segment_size = None;
        }
        Ok(done)
    }

    fn rpoll_descriptor(&self) -> PollDescriptor {
        self.poll_descriptor(BIO_CTRL_GET_RPOLL_DESCRIPTOR)
    }

    fn wpoll_descriptor(&self) -> PollDescriptor {
        self.poll_descriptor(BIO_CTRL_GET_WPOLL_DESCRIPTOR)
    }
}

impl CustomDgram {
    /// Asks the BIO's `ctrl` for a poll descriptor; a socket descriptor makes blocking
    /// possible, anything else is not pollable.
    fn poll_descriptor(&self, cmd: c_int) -> PollDescriptor {
        let cb = self.0.callbacks();
        let mut d = BIO_POLL_DESCRIPTOR {
            type_: 0,
            value: BIO_POLL_DESCRIPTOR_VALUE { custom_ui: 0 },
        };
        // SAFETY: the held reference keeps the BIO alive; the command writes a descriptor.
        let ok = unsafe { call_ctrl(self.0.ptr(), &cb, cmd, 0, (&raw mut d).cast()) };
        if ok > 0 && d.type_ == 1 {
            // SAFETY: a SOCK_FD descriptor carries an fd.
            PollDescriptor::SockFd(unsafe { d.value.fd })
        } else {
            PollDescriptor::None
        }
    }
}

/// What an application's mmsg callback call came to (a mark was set before it): success;
/// a transient failure (nothing raised, or a non-fatal error, as `BIO_err_is_non_fatal`
/// judges), whose errors are dropped as expected traffic; or a fatal one, whose errors stay
/// on the queue and which fails the network.
fn mmsg_outcome(ok: bool) -> Result<(), BioError> {
    if ok {
        pop_to_mark();
        return Ok(());
    }
    let code = peek_last_error();
    if count_to_mark() == 0 || bio_err_is_non_fatal(code) {
        pop_to_mark();
        return Err(BioError::WouldBlock);
    }
    clear_last_mark();
    Err(BioError::Os(libc::EIO))
}

/// A custom BIO presented as a stream BIO (for TLS).
pub(crate) struct CustomStream(Held);

impl CustomStream {
    /// An adapter holding a reference to the custom BIO `bio`.
    pub(crate) fn new(bio: Arc<BIO>) -> Self {
        CustomStream(Held(bio))
    }
}

impl fmt::Debug for CustomStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CustomStream")
    }
}

impl StreamBio for CustomStream {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, BioError> {
        let cb = self.0.callbacks();
        // SAFETY: the held reference keeps the BIO alive.
        unsafe { call_read(self.0.ptr(), &cb, buf) }
    }

    fn write(&mut self, buf: &[u8]) -> Result<usize, BioError> {
        let cb = self.0.callbacks();
        // SAFETY: the held reference keeps the BIO alive.
        unsafe { call_write(self.0.ptr(), &cb, buf) }
    }

    fn flush(&mut self) -> Result<(), BioError> {
        let cb = self.0.callbacks();
        if cb.ctrl.is_none() {
            return Ok(());
        }
        // SAFETY: the held reference keeps the BIO alive; FLUSH takes no argument.
        let r = unsafe { call_ctrl(self.0.ptr(), &cb, 11, 0, std::ptr::null_mut()) };
        if r > 0 {
            Ok(())
        } else {
            Err(failure(self.0.ptr()))
        }
    }
}

// --- BIO_meth_* -----------------------------------------------------------------------------

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
    // SAFETY: per the contract.
    let name = unsafe { crate::ffi::text(name) }.map(|n| n.into_owned());
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
    /// `BIO_meth_set_sendmmsg`: how QUIC sends datagrams through the BIO (without it, one
    /// `write` per datagram).
    BIO_meth_set_sendmmsg, sendmmsg, MmsgFn
);
setter!(
    /// `BIO_meth_set_recvmmsg`: how QUIC receives datagrams (without it, one `read` per
    /// datagram).
    BIO_meth_set_recvmmsg, recvmmsg, MmsgFn
);
