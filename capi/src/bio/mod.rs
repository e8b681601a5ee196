//! `BIO` objects for C, one module per kind of BIO.
//!
//! A [`BIO`] keeps what every BIO has (its method, flags, close flag, chain links and an
//! application method's data) and a `BioImpl`: the kind's own state and behaviour. The
//! calls on any BIO go through the trait, so no shared code asks which kind a BIO is:
//!
//! - [`dgram`]: UDP socket BIOs (`BIO_s_datagram`) and `dgram::DgramIo`, what any BIO over
//!   a datagram object answers; [`pair`]: datagram pairs and datagram memory BIOs;
//!   [`stream_pair`]: stream BIO pairs (`BIO_s_bio`, `BIO_new_bio_pair`).
//! - [`socket`]: stream socket BIOs (`BIO_s_socket`); [`accept`]: acceptors
//!   (`BIO_s_accept`); [`connect`]: sockets connected on first use (`BIO_s_connect`).
//! - [`mem`]: memory BIOs; [`file`](mod@file): file BIOs; `stream`: what any BIO over a
//!   stream object answers.
//! - [`ssl_filter`]: SSL filter BIOs (`BIO_f_ssl`, `BIO_new_ssl_connect`).
//! - [`custom`]: BIOs with an application's methods (`BIO_meth_*`).
//! - `late`: I/O attached after the BIO is made (a descriptor, a file, a connection).
//! - [`object`]: `BIO_new`, references, flags, application data; [`chain`]: `BIO_push` and
//!   kin; [`rw`]: reads, writes and lines; [`ctrl`]: `BIO_ctrl`; [`poll`]: poll descriptors;
//!   [`mmsg`]: `BIO_sendmmsg`/`BIO_recvmmsg`.
//!
//! A BIO is reference counted (`BIO_up_ref`/`BIO_free`) as in OpenSSL; the I/O object behind
//! it is shared with the SSL objects it is attached to.
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

pub mod accept;
pub mod chain;
pub mod connect;
pub mod ctrl;
pub mod custom;
pub mod dgram;
pub mod file;
mod late;
pub mod mem;
pub mod mmsg;
pub mod object;
pub mod pair;
pub mod poll;
pub mod rw;
pub mod socket;
pub mod ssl_filter;
mod stream;
pub mod stream_pair;

use std::borrow::Cow;
use std::ffi::{CStr, c_int, c_long, c_void};
use std::os::fd::RawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, Ordering};

use qssl::error::{ERR_LIB_BIO, SslError, bio_r};
use qssl::tls::SharedStreamBio;
use qssl_bio::{BioError, DatagramBio, PollDescriptor};

use crate::abi::*;
use crate::ffi::obj;
use crate::ssl::SSL;
use custom::CustomMethod;
use mmsg::MmsgCall;

/// The retry bits `BIO_clear_retry_flags` clears.
const RETRY_FLAGS: c_int =
    BIO_FLAGS_READ | BIO_FLAGS_WRITE | BIO_FLAGS_IO_SPECIAL | BIO_FLAGS_SHOULD_RETRY;

/// `BIO_METHOD`: a kind of BIO, with OpenSSL's type number and name and how a new BIO of it
/// starts; an application's method (`BIO_meth_new`) also has its callbacks.
#[derive(Debug)]
pub struct BIO_METHOD {
    /// `BIO_method_type`.
    type_: c_int,
    /// `BIO_method_name`.
    name: Cow<'static, CStr>,
    /// The kind's state for a new BIO (`BIO_new`).
    make: fn() -> Box<dyn BioImpl>,
    /// An application's callbacks; `None` for the library's own methods.
    custom: Option<CustomMethod>,
}

impl BIO_METHOD {
    /// One of the library's methods.
    const fn builtin(type_: c_int, name: &'static CStr, make: fn() -> Box<dyn BioImpl>) -> Self {
        BIO_METHOD {
            type_,
            name: Cow::Borrowed(name),
            make,
            custom: None,
        }
    }

    /// The callbacks of an application's method.
    pub(crate) fn custom(&self) -> Option<&CustomMethod> {
        self.custom.as_ref()
    }
}

/// What one kind of BIO does: its reads and writes, its `BIO_ctrl` commands, and what the
/// SSL objects and the generic calls ask of it. Each method gets the [`BIO`] it belongs to
/// (its retry flags, its chain, references to it). The defaults are what a BIO with nothing
/// of the kind answers.
pub(crate) trait BioImpl: Send + Sync {
    /// `BIO_read`: the count, 0 at the end of the stream, -1 on failure or when to retry
    /// (the retry flags and the queue say which).
    fn read(&self, b: &BIO, buf: &mut [u8]) -> isize;

    /// `BIO_write`: the count, or -1 on failure or when to retry.
    fn write(&self, b: &BIO, data: &[u8]) -> isize;

    /// `BIO_ctrl` on this kind: `Some` with the result of a command it answers, `None` to
    /// leave the command to the answers every BIO shares ([`ctrl`]).
    ///
    /// # Safety
    /// `parg` must be what the command expects, valid for the access the command makes.
    unsafe fn ctrl(
        &self,
        _b: &BIO,
        _cmd: c_int,
        _larg: c_long,
        _parg: *mut c_void,
    ) -> Option<c_long> {
        None
    }

    /// The datagram object behind the BIO (for QUIC and the mmsg calls), or `None` if it
    /// carries no datagrams.
    fn datagram(&self, _b: &BIO) -> Option<Arc<dyn DatagramBio>> {
        None
    }

    /// The stream object behind the BIO (for TLS and `BIO_gets`), or `None` if it carries
    /// no stream.
    fn stream(&self, _b: &BIO) -> Option<SharedStreamBio> {
        None
    }

    /// The half of a stream BIO pair behind the BIO (`BIO_make_bio_pair` pairs two), or
    /// `None` for other kinds.
    fn stream_half(&self) -> Option<&Arc<std::sync::Mutex<stream_pair::Half>>> {
        None
    }

    /// Whether a read's count is one datagram's length (so `BIO_read_ex` takes 0 as an empty
    /// datagram, not the end of a stream).
    fn reads_datagrams(&self) -> bool {
        false
    }

    /// Whether the BIO can carry data now (an SSL object takes up its I/O only then).
    fn is_ready(&self) -> bool {
        true
    }

    /// The descriptor attached to the BIO (`BIO_get_fd`), or -1.
    fn fd(&self) -> RawFd {
        -1
    }

    /// `BIO_set_fd`: attaches `fd` (owned if `close`) as the BIO's I/O.
    fn attach_fd(&self, _fd: RawFd, _close: bool) -> Result<(), BioError> {
        Err(BioError::Unsupported("attaching a descriptor"))
    }

    /// The descriptor to wait on before reading (`write` false) or writing;
    /// [`PollDescriptor::None`] if the BIO cannot be polled.
    fn poll_descriptor(&self, _write: bool) -> PollDescriptor {
        PollDescriptor::None
    }

    /// Gets the BIO ready before an SSL object drives it: `Ok(true)` if it has just become
    /// ready (a connect BIO that connected), so the object takes up its I/O now.
    fn prepare(&self) -> Result<bool, SslError> {
        Ok(false)
    }

    /// Runs once `BIO_new` has made the BIO; `false` (with the reason on the queue) fails
    /// the call.
    fn created(&self, _b: &BIO) -> bool {
        true
    }

    /// Runs when the BIO's last reference goes, before its state is dropped.
    fn destroy(&self, _b: &BIO) {}

    /// `BIO_sendmmsg` on this kind; by default through [`BioImpl::datagram`].
    ///
    /// # Safety
    /// `call` must hold what `BIO_sendmmsg`'s contract asks for, with a non-null count.
    unsafe fn sendmmsg(&self, b: &BIO, call: &MmsgCall) -> c_int {
        // SAFETY: forwarded.
        unsafe { mmsg::send(b, call) }
    }

    /// `BIO_recvmmsg` on this kind; by default through [`BioImpl::datagram`].
    ///
    /// # Safety
    /// `call` must hold what `BIO_recvmmsg`'s contract asks for, with a non-null count.
    unsafe fn recvmmsg(&self, b: &BIO, call: &MmsgCall) -> c_int {
        // SAFETY: forwarded.
        unsafe { mmsg::recv(b, call) }
    }
}

/// `BIO`: a reference-counted BIO object.
pub struct BIO {
    /// The method it was made with.
    method: &'static BIO_METHOD,
    /// The kind's state and behaviour.
    imp: Box<dyn BioImpl>,
    /// `BIO_CLOSE`: the descriptor is closed with the BIO.
    close: AtomicBool,
    /// `BIO_FLAGS_*`.
    flags: AtomicI32,
    /// The next BIO in a chain (`BIO_push`), or null. The link holds no reference of its
    /// own: as in OpenSSL, the chain's BIOs are freed together by `BIO_free_all`.
    next: AtomicPtr<BIO>,
    /// The BIO before this one in its chain, or null (so `BIO_pop` can unlink it).
    prev: AtomicPtr<BIO>,
    /// An application method's pointer (`BIO_set_data`).
    data: AtomicPtr<c_void>,
    /// Whether an application's BIO is ready (`BIO_set_init`).
    init: AtomicBool,
    /// An application method's close flag (`BIO_set_shutdown`).
    shutdown: AtomicI32,
}

impl Drop for BIO {
    /// The kind's `BioImpl::destroy` runs while the BIO is whole.
    fn drop(&mut self) {
        self.imp.destroy(self);
    }
}

impl BIO {
    /// A new BIO of `method` with the kind's state `imp`, its one reference handed out.
    fn new(method: &'static BIO_METHOD, imp: Box<dyn BioImpl>) -> *mut BIO {
        Arc::into_raw(Arc::new(BIO {
            method,
            imp,
            close: AtomicBool::new(true),
            flags: AtomicI32::new(0),
            next: AtomicPtr::new(std::ptr::null_mut()),
            prev: AtomicPtr::new(std::ptr::null_mut()),
            data: AtomicPtr::new(std::ptr::null_mut()),
            init: AtomicBool::new(false),
            shutdown: AtomicI32::new(1),
        }))
        .cast_mut()
    }

    /// A new BIO of `method` over the socket `fd` (`BIO_new_dgram`, `BIO_new_socket`), or
    /// null with the reason on the queue.
    fn new_over_fd(method: &'static BIO_METHOD, fd: c_int, close_flag: c_int) -> *mut BIO {
        let bio = BIO::new(method, (method.make)());
        // SAFETY: just made, one reference held here.
        let b = unsafe { &*bio };
        match b.set_fd(fd, close_flag != 0) {
            Ok(()) => bio,
            Err(e) => {
                SslError::from(e).raise();
                // SAFETY: the only reference, given up.
                unsafe { crate::ffi::arc_release(bio.cast_const()) };
                std::ptr::null_mut()
            }
        }
    }

    /// The attached descriptor, or -1.
    pub(crate) fn fd(&self) -> c_int {
        self.imp.fd()
    }

    /// Whether the BIO can carry data now: an application's method always can; another BIO
    /// once something is attached (a descriptor, a connected socket, an SSL object).
    pub(crate) fn is_ready(&self) -> bool {
        self.imp.is_ready()
    }

    /// The datagram BIO behind this one, or `BIO_R_UNSUPPORTED_METHOD` on the queue.
    pub(crate) fn datagram(&self) -> Option<Arc<dyn DatagramBio>> {
        let d = self.imp.datagram(self);
        if d.is_none() {
            not_for(self, "a datagram BIO");
        }
        d
    }

    /// The stream BIO behind this one, or `BIO_R_UNSUPPORTED_METHOD` on the queue.
    pub(crate) fn stream(&self) -> Option<SharedStreamBio> {
        let s = self.imp.stream(self);
        if s.is_none() {
            not_for(self, "a stream BIO");
        }
        s
    }

    /// Gets the BIO ready before an SSL object drives it ([`BioImpl::prepare`]).
    pub(crate) fn prepare(&self) -> Result<bool, SslError> {
        self.imp.prepare()
    }

    /// Attaches `fd` as this BIO's socket (`BIO_set_fd`), with its close flag.
    fn set_fd(&self, fd: RawFd, close: bool) -> Result<(), BioError> {
        self.imp.attach_fd(fd, close)?;
        self.close.store(close, Ordering::Relaxed);
        Ok(())
    }

    /// The next BIO in the chain, or null.
    fn next_bio(&self) -> *mut BIO {
        self.next.load(Ordering::Acquire)
    }

    /// Sets `BIO_FLAGS_SHOULD_RETRY` with the direction flag `flag`.
    fn set_retry(&self, flag: c_int) {
        self.flags
            .fetch_or(flag | BIO_FLAGS_SHOULD_RETRY, Ordering::Relaxed);
    }

    /// Clears the retry flags (`BIO_clear_retry_flags`).
    fn clear_retry(&self) {
        self.flags.fetch_and(!RETRY_FLAGS, Ordering::Relaxed);
    }

    /// Whether an application's method has marked the BIO ready (`BIO_set_init`).
    fn is_init(&self) -> bool {
        self.init.load(Ordering::Acquire)
    }

    /// This BIO as C sees it.
    fn as_ptr(&self) -> *mut BIO {
        std::ptr::from_ref(self).cast_mut()
    }

    /// A reference of its own to this BIO, for a holder that keeps it.
    fn shared(&self) -> Arc<BIO> {
        // SAFETY: every BIO is made in an `Arc` handed to C with `Arc::into_raw`
        // (`BIO::new`), and `&self` shows it is live: the count taken here is the one the
        // returned Arc releases.
        unsafe {
            Arc::increment_strong_count(self.as_ptr().cast_const());
            Arc::from_raw(self.as_ptr().cast_const())
        }
    }
}

/// Makes sure the network BIO an SSL object reads from is ready (a connect BIO connects on
/// first use), handing its I/O to the object if it has just become so: the object takes its
/// BIOs' I/O when they are set, before a connect BIO has a socket. `false` with the reason
/// on the queue if it cannot be.
pub(crate) fn prepare_object(ssl: &SSL) -> bool {
    let rbio = ssl.rbio();
    // SAFETY: the object's slot holds a live reference.
    let Some(r) = (unsafe { rbio.as_ref() }) else {
        return true;
    };
    match r.prepare() {
        Ok(fresh) => {
            if fresh {
                ssl.attach_bios();
            }
            true
        }
        Err(_) => false,
    }
}

/// Records that `bio` cannot do `what`.
fn not_for(bio: &BIO, what: &str) {
    SslError::new(ERR_LIB_BIO, bio_r::UNSUPPORTED_METHOD)
        .with_data(format!(
            "{} is not {what}",
            bio.method.name.to_string_lossy()
        ))
        .raise();
}

/// The object behind a C pointer, or `ERR_R_PASSED_NULL_PARAMETER` for null.
///
/// # Safety
/// `bio` must be null or a live BIO.
pub(crate) unsafe fn bio_ref<'a>(bio: *const BIO) -> Option<&'a BIO> {
    // SAFETY: forwarded contract.
    unsafe { obj(bio) }
}

/// A count for C: the value, or -1 with the retry flags (direction `dir`) or the error
/// recorded.
fn io_result(bio: &BIO, r: Result<usize, BioError>, dir: c_int) -> isize {
    match r {
        Ok(n) => isize::try_from(n).unwrap_or(isize::MAX),
        Err(e) if e.is_non_fatal() => {
            bio.set_retry(dir);
            -1
        }
        Err(e) => {
            SslError::from(e).raise();
            -1
        }
    }
}

/// A read or write (direction `dir`) on a BIO with nothing attached: -1, the reason on the
/// queue.
fn unset_io(b: &BIO, dir: c_int) -> isize {
    b.clear_retry();
    io_result(
        b,
        Err(BioError::Unsupported("I/O before a descriptor is set")),
        dir,
    )
}

/// 1, or 0 with the error on the queue: a command's result.
fn result_long(r: Result<(), BioError>) -> c_long {
    match r {
        Ok(()) => 1,
        Err(e) => {
            SslError::from(e).raise();
            0
        }
    }
}

/// A length as a command's result.
fn len_long(n: usize) -> c_long {
    c_long::try_from(n).unwrap_or(c_long::MAX)
}
