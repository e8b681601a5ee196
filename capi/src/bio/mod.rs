//! `BIO` objects for C: datagram BIOs over UDP sockets and datagram pairs (what QUIC objects
//! read and write through), socket BIOs for TLS, the `BIO_ctrl` commands behind OpenSSL's BIO
//! macros, and poll descriptors. A BIO is reference counted (`BIO_up_ref`/`BIO_free`) as in
//! OpenSSL; the I/O object behind it is shared with the SSL objects it is attached to.
#![allow(non_snake_case, non_camel_case_types)] // The exported names are OpenSSL's.

pub mod connect;
pub mod custom;
pub mod mmsg;

use std::borrow::Cow;
use std::ffi::{CStr, CString, c_char, c_int, c_long, c_void};
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use qssl::error::{ERR_LIB_BIO, SslError, bio_r, err_r};
use qssl::tls::SharedStreamBio;
use qssl_bio::{
    AcceptBio, BioError, DatagramBio, DgramMem, FileBio, MemBio, PollDescriptor, SocketBio, UdpBio,
};

use crate::abi::*;
use crate::addr::BIO_ADDR;
use crate::bio::connect::{ConnectSpec, HeldSsl};
use crate::bio::custom::{
    Callbacks, CustomDgram, CustomMethod, CustomStream, call_ctrl, call_read, call_write,
};
use crate::entry::{CInt, entry};
use crate::ffi::{arc_count, arc_release, arc_up_ref, text};

/// The retry bits `BIO_clear_retry_flags` clears.
const RETRY_FLAGS: c_int =
    BIO_FLAGS_READ | BIO_FLAGS_WRITE | BIO_FLAGS_IO_SPECIAL | BIO_FLAGS_SHOULD_RETRY;

/// What kind of BIO a method makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MethodKind {
    /// A UDP socket (`BIO_s_datagram`).
    Datagram,
    /// One end of a datagram pair (`BIO_s_dgram_pair`).
    DgramPair,
    /// A stream socket (`BIO_s_socket`).
    Socket,
    /// A listening stream socket (`BIO_s_accept`).
    Accept,
    /// An application's method (`BIO_meth_new`).
    Custom,
    /// A memory buffer (`BIO_s_mem`).
    Mem,
    /// A datagram FIFO (`BIO_s_dgram_mem`).
    DgramMem,
    /// A file (`BIO_s_file`).
    File,
    /// A socket connected on first use (`BIO_s_connect`).
    Connect,
    /// An SSL filter (`BIO_f_ssl`).
    Ssl,
}

/// `BIO_METHOD`: the kind of a BIO, with OpenSSL's type number and name; an application's
/// method (`BIO_meth_new`) also has its callbacks.
#[derive(Debug)]
pub struct BIO_METHOD {
    kind: MethodKind,
    type_: c_int,
    name: Cow<'static, CStr>,
    custom: Option<CustomMethod>,
}

impl BIO_METHOD {
    /// An application's method, with no callbacks yet.
    pub(crate) fn new_custom(type_: c_int, name: Option<&str>) -> Self {
        let name = CString::new(name.unwrap_or("").replace('\0', " ")).unwrap_or_default();
        BIO_METHOD {
            kind: MethodKind::Custom,
            type_,
            name: Cow::Owned(name),
            custom: Some(CustomMethod::default()),
        }
    }

    /// The callbacks of an application's method.
    pub(crate) fn custom(&self) -> Option<&CustomMethod> {
        self.custom.as_ref()
    }
}

static METHOD_DATAGRAM: BIO_METHOD = BIO_METHOD {
    kind: MethodKind::Datagram,
    type_: 0x515,
    name: Cow::Borrowed(c"datagram socket"),
    custom: None,
};
static METHOD_DGRAM_PAIR: BIO_METHOD = BIO_METHOD {
    kind: MethodKind::DgramPair,
    type_: 0x41A,
    name: Cow::Borrowed(c"BIO dgram pair"),
    custom: None,
};
static METHOD_SOCKET: BIO_METHOD = BIO_METHOD {
    kind: MethodKind::Socket,
    type_: 0x505,
    name: Cow::Borrowed(c"socket"),
    custom: None,
};

static METHOD_ACCEPT: BIO_METHOD = BIO_METHOD {
    kind: MethodKind::Accept,
    type_: 0x50D,
    name: Cow::Borrowed(c"socket accept"),
    custom: None,
};

static METHOD_MEM: BIO_METHOD = BIO_METHOD {
    kind: MethodKind::Mem,
    type_: 0x401,
    name: Cow::Borrowed(c"memory buffer"),
    custom: None,
};

static METHOD_DGRAM_MEM: BIO_METHOD = BIO_METHOD {
    kind: MethodKind::DgramMem,
    type_: 0x41B,
    name: Cow::Borrowed(c"BIO dgram mem"),
    custom: None,
};

static METHOD_CONNECT: BIO_METHOD = BIO_METHOD {
    kind: MethodKind::Connect,
    type_: 0x50C,
    name: Cow::Borrowed(c"socket connect"),
    custom: None,
};

static METHOD_SSL: BIO_METHOD = BIO_METHOD {
    kind: MethodKind::Ssl,
    type_: 0x207,
    name: Cow::Borrowed(c"ssl"),
    custom: None,
};

/// The connect method (`BIO_s_connect`).
pub(crate) fn method_connect() -> &'static BIO_METHOD {
    &METHOD_CONNECT
}

/// The SSL filter method (`BIO_f_ssl`).
pub(crate) fn method_ssl() -> &'static BIO_METHOD {
    &METHOD_SSL
}

static METHOD_FILE: BIO_METHOD = BIO_METHOD {
    kind: MethodKind::File,
    type_: 0x402,
    name: Cow::Borrowed(c"FILE pointer"),
    custom: None,
};

/// The I/O object behind a BIO.
#[derive(Clone)]
pub(crate) enum Io {
    /// No descriptor attached yet (`BIO_new(BIO_s_datagram())` before `BIO_set_fd`).
    Unset,
    /// A datagram BIO.
    Dgram(Arc<dyn DatagramBio>),
    /// A stream BIO.
    Stream(SharedStreamBio),
    /// An acceptor.
    Accept(Arc<AcceptBio>),
    /// An SSL filter's object.
    Ssl(Arc<HeldSsl>),
}

/// `BIO`: a reference-counted BIO object.
pub struct BIO {
    method: &'static BIO_METHOD,
    io: Mutex<Io>,
    /// The attached descriptor, or -1.
    fd: AtomicI32,
    /// `BIO_CLOSE`: the descriptor is closed with the BIO.
    close: AtomicBool,
    /// `BIO_FLAGS_*`.
    flags: AtomicI32,
    /// The next BIO in a chain (`BIO_push`), or null. The link holds no reference of its
    /// own: as in OpenSSL, the chain's BIOs are freed together by `BIO_free_all`.
    next: AtomicPtr<BIO>,
    /// The BIO before this one in its chain, or null (so `BIO_pop` can unlink it).
    prev: AtomicPtr<BIO>,
    /// An application method's state: `BIO_set_data`, `BIO_set_init`, `BIO_set_shutdown`.
    data: AtomicPtr<c_void>,
    init: AtomicBool,
    shutdown: AtomicI32,
    /// A connect BIO's target (`None` for other BIOs).
    connect: Option<Mutex<ConnectSpec>>,
}

impl Drop for BIO {
    fn drop(&mut self) {
        if let Some(destroy) = self.custom_callbacks().and_then(|c| c.destroy) {
            let this: *mut BIO = self;
            // SAFETY: the application's destroy callback, given the BIO while its memory is
            // still valid; it must not take or drop references to it.
            unsafe { destroy(this) };
        }
    }
}

impl BIO {
    fn new(method: &'static BIO_METHOD, io: Io) -> *mut BIO {
        Arc::into_raw(Arc::new(BIO {
            method,
            io: Mutex::new(io),
            fd: AtomicI32::new(-1),
            close: AtomicBool::new(true),
            flags: AtomicI32::new(0),
            next: AtomicPtr::new(std::ptr::null_mut()),
            prev: AtomicPtr::new(std::ptr::null_mut()),
            data: AtomicPtr::new(std::ptr::null_mut()),
            init: AtomicBool::new(false),
            shutdown: AtomicI32::new(1),
            connect: (method.kind == MethodKind::Connect).then(Mutex::default),
        }))
        .cast_mut()
    }

    fn lock(&self) -> MutexGuard<'_, Io> {
        self.io.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The I/O object, shared.
    pub(crate) fn io(&self) -> Io {
        self.lock().clone()
    }

    /// The attached descriptor, or -1.
    pub(crate) fn fd(&self) -> c_int {
        self.fd.load(Ordering::Relaxed)
    }

    /// A new connect BIO with no target yet.
    pub(crate) fn new_connect() -> *mut BIO {
        BIO::new(&METHOD_CONNECT, Io::Unset)
    }

    /// A new SSL filter BIO over `held`.
    pub(crate) fn new_ssl(held: HeldSsl) -> *mut BIO {
        BIO::new(&METHOD_SSL, Io::Ssl(Arc::new(held)))
    }

    /// Whether the BIO can carry data now: an application's method always can; another BIO
    /// once something is attached (a descriptor, a connected socket).
    pub(crate) fn is_ready(&self) -> bool {
        self.method.kind == MethodKind::Custom || !matches!(self.io(), Io::Unset)
    }

    /// A connect BIO's target.
    pub(crate) fn connect_spec(&self) -> Option<&Mutex<ConnectSpec>> {
        self.connect.as_ref()
    }

    /// A connect BIO's socket, once connected.
    pub(crate) fn set_connected(&self, io: Io, fd: RawFd) {
        *self.lock() = io;
        self.fd.store(fd, Ordering::Relaxed);
    }

    /// An SSL filter BIO's object (`BIO_set_ssl`).
    pub(crate) fn set_ssl_io(&self, held: HeldSsl) {
        *self.lock() = Io::Ssl(Arc::new(held));
    }

    /// The next BIO in the chain, or null.
    pub(crate) fn next_bio(&self) -> *mut BIO {
        self.next.load(Ordering::Acquire)
    }

    /// Clears the retry flags (`BIO_clear_retry_flags`).
    pub(crate) fn clear_retry_flags(&self) {
        self.clear_retry();
    }

    /// Sets `BIO_FLAGS_SHOULD_RETRY` with the direction flag.
    pub(crate) fn set_retry_flags(&self, flag: c_int) {
        self.set_retry(flag);
    }

    /// An application method's callbacks, for a BIO of such a method.
    /// Whether an application's method has marked the BIO ready (`BIO_set_init`).
    pub(crate) fn is_init(&self) -> bool {
        self.init.load(Ordering::Acquire)
    }

    pub(crate) fn custom_callbacks(&self) -> Option<Callbacks> {
        self.method.custom().map(CustomMethod::callbacks)
    }

    /// This BIO as C sees it.
    fn as_ptr(&self) -> *mut BIO {
        std::ptr::from_ref(self).cast_mut()
    }

    /// A reference of its own to this BIO, for a holder that keeps it.
    pub(crate) fn shared(&self) -> Arc<BIO> {
        // SAFETY: every BIO is made in an `Arc` handed to C with `Arc::into_raw`
        // (`BIO::new`), and `&self` shows it is live: the count taken here is the one the
        // returned Arc releases.
        unsafe {
            Arc::increment_strong_count(self.as_ptr().cast_const());
            Arc::from_raw(self.as_ptr().cast_const())
        }
    }

    /// The datagram BIO behind this one, or `BIO_R_UNSUPPORTED_METHOD` on the queue.
    pub(crate) fn datagram(&self) -> Option<Arc<dyn DatagramBio>> {
        if self.method.kind == MethodKind::Custom {
            return Some(Arc::new(CustomDgram::new(self.shared())));
        }
        match self.io() {
            Io::Dgram(d) => Some(d),
            _ => {
                not_for(self, "a datagram BIO");
                None
            }
        }
    }

    /// The stream BIO behind this one, or `BIO_R_UNSUPPORTED_METHOD` on the queue.
    pub(crate) fn stream(&self) -> Option<SharedStreamBio> {
        if self.method.kind == MethodKind::Custom {
            return Some(Arc::new(Mutex::new(CustomStream::new(self.shared()))));
        }
        match self.io() {
            Io::Stream(s) => Some(s),
            _ => {
                not_for(self, "a stream BIO");
                None
            }
        }
    }

    fn set_retry(&self, flag: c_int) {
        self.flags
            .fetch_or(flag | BIO_FLAGS_SHOULD_RETRY, Ordering::Relaxed);
    }

    fn clear_retry(&self) {
        self.flags.fetch_and(!RETRY_FLAGS, Ordering::Relaxed);
    }

    /// Attaches `fd` as this BIO's socket (`BIO_set_fd`).
    fn set_fd(&self, fd: RawFd, close: bool) -> Result<(), BioError> {
        let io = match self.method.kind {
            // SAFETY: the caller of BIO_set_fd hands over an open socket; with BIO_CLOSE the
            // BIO owns it, otherwise the caller keeps it open while the BIO exists.
            MethodKind::Datagram => Io::Dgram(Arc::new(unsafe { UdpBio::from_raw_fd(fd, close) }?)),
            // SAFETY: as above.
            MethodKind::Socket => Io::Stream(Arc::new(Mutex::new(unsafe {
                SocketBio::from_raw_fd(fd, close)
            }?))),
            MethodKind::DgramPair
            | MethodKind::Accept
            | MethodKind::Custom
            | MethodKind::Mem
            | MethodKind::DgramMem
            | MethodKind::File
            | MethodKind::Connect
            | MethodKind::Ssl => {
                return Err(BioError::Unsupported("attaching a descriptor"));
            }
        };
        *self.lock() = io;
        self.fd.store(fd, Ordering::Relaxed);
        self.close.store(close, Ordering::Relaxed);
        Ok(())
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
    if bio.is_null() {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
        return None;
    }
    // SAFETY: a live BIO, per the contract.
    Some(unsafe { &*bio })
}

/// `BIO_s_datagram`: UDP socket BIOs.
#[entry]
pub extern "C" fn BIO_s_datagram() -> *const BIO_METHOD {
    &METHOD_DATAGRAM
}

/// `BIO_s_dgram_pair`: datagram pair ends (made with `BIO_new_bio_dgram_pair`).
#[entry]
pub extern "C" fn BIO_s_dgram_pair() -> *const BIO_METHOD {
    &METHOD_DGRAM_PAIR
}

/// `BIO_s_socket`: stream socket BIOs.
#[entry]
pub extern "C" fn BIO_s_socket() -> *const BIO_METHOD {
    &METHOD_SOCKET
}

/// `BIO_s_accept`: acceptors, which listen on a TCP port and make a socket BIO per
/// connection.
#[entry]
pub extern "C" fn BIO_s_accept() -> *const BIO_METHOD {
    &METHOD_ACCEPT
}

/// `BIO_s_mem`: memory BIOs, a byte FIFO (a read from an empty one asks to retry).
#[entry]
pub extern "C" fn BIO_s_mem() -> *const BIO_METHOD {
    &METHOD_MEM
}

/// `BIO_s_dgram_mem`: datagram FIFOs (what is written is read back, datagram by datagram).
#[entry]
pub extern "C" fn BIO_s_dgram_mem() -> *const BIO_METHOD {
    &METHOD_DGRAM_MEM
}

/// `BIO_s_file`: file BIOs (opened with `BIO_new_file` or `BIO_read_filename` and kin).
#[entry]
pub extern "C" fn BIO_s_file() -> *const BIO_METHOD {
    &METHOD_FILE
}

/// `BIO_new_file`: a file BIO over `filename` opened with the `fopen` `mode`; null with the
/// reason on the queue (`BIO_R_BAD_FOPEN_MODE`, or the system's error).
///
/// # Safety
/// `filename` and `mode` must be null or NUL-terminated strings.
#[entry]
pub unsafe extern "C" fn BIO_new_file(filename: *const c_char, mode: *const c_char) -> *mut BIO {
    // SAFETY: per the contract.
    let (Some(name), Some(mode)) = (unsafe { c_path(filename) }, unsafe { text(mode) }) else {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
        return std::ptr::null_mut();
    };
    match open_file(&name, &mode) {
        Some(io) => BIO::new(&METHOD_FILE, io),
        None => std::ptr::null_mut(),
    }
}

/// A path from C, byte for byte.
///
/// # Safety
/// `p` must be null or a NUL-terminated string.
unsafe fn c_path(p: *const c_char) -> Option<std::path::PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    if p.is_null() {
        return None;
    }
    // SAFETY: per the contract.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    Some(std::ffi::OsStr::from_bytes(bytes).into())
}

/// Opens a file BIO's I/O, or records why it could not be.
fn open_file(name: &std::path::Path, mode: &str) -> Option<Io> {
    match FileBio::open(name, mode) {
        Ok(f) => Some(Io::Stream(Arc::new(Mutex::new(f)))),
        Err(BioError::InvalidArgument(_)) => {
            SslError::new(ERR_LIB_BIO, bio_r::BAD_FOPEN_MODE)
                .with_data(mode.to_owned())
                .raise();
            None
        }
        Err(e) => {
            SslError::from(e)
                .with_data(format!("calling fopen({}, {mode})", name.display()))
                .raise();
            None
        }
    }
}

/// `BIO_new_mem_buf`: a read-only memory BIO over a copy of `len` bytes at `buf` (`len` -1:
/// up to the NUL).
///
/// # Safety
/// `buf` must be valid for `len` bytes (or NUL-terminated when `len` is -1).
#[entry]
pub unsafe extern "C" fn BIO_new_mem_buf(buf: *const c_void, len: c_int) -> *mut BIO {
    if buf.is_null() {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
        return std::ptr::null_mut();
    }
    let data = match usize::try_from(len) {
        // SAFETY: valid for len bytes, per the contract.
        Ok(n) => unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), n) }.to_vec(),
        // SAFETY: NUL-terminated when len is negative, per the contract.
        Err(_) => unsafe { CStr::from_ptr(buf.cast()) }.to_bytes().to_vec(),
    };
    BIO::new(
        &METHOD_MEM,
        Io::Stream(Arc::new(Mutex::new(MemBio::read_only(data)))),
    )
}

/// `BIO_new_accept`: an acceptor for `"[host:]port"` (numeric port; a host of `*` or none
/// means every IPv4 address). The first `BIO_do_accept` listens, each later one accepts a
/// connection and pushes its socket BIO after the acceptor, for `BIO_pop`.
///
/// # Safety
/// `host_port` must be null or a NUL-terminated string.
#[entry]
pub unsafe extern "C" fn BIO_new_accept(host_port: *const c_char) -> *mut BIO {
    // SAFETY: per the contract.
    let name = unsafe { text(host_port) };
    BIO::new(
        &METHOD_ACCEPT,
        Io::Accept(Arc::new(AcceptBio::new(name.as_deref()))),
    )
}

/// `BIO_new`: a BIO of a method, with nothing attached yet (an application's method's
/// create callback runs; without one the BIO starts initialised, as in OpenSSL).
///
/// # Safety
/// `method` must be null or a method from this library that outlives the BIO.
#[entry]
pub unsafe extern "C" fn BIO_new(method: *const BIO_METHOD) -> *mut BIO {
    if method.is_null() {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
        return std::ptr::null_mut();
    }
    // SAFETY: a live method that outlives the BIO, per the contract.
    let method: &'static BIO_METHOD = unsafe { &*method };
    let io = match method.kind {
        MethodKind::Accept => Io::Accept(Arc::new(AcceptBio::new(None))),
        MethodKind::Mem => Io::Stream(Arc::new(Mutex::new(MemBio::new()))),
        MethodKind::DgramMem => Io::Dgram(Arc::new(DgramMem::new())),
        _ => Io::Unset,
    };
    let bio = BIO::new(method, io);
    let create = method.custom().and_then(|m| m.callbacks().create);
    if method.custom().is_some() && create.is_none() {
        // As in OpenSSL, a method without a create callback makes BIOs that start ready.
        // SAFETY: just made, and live.
        unsafe { &*bio }.init.store(true, Ordering::Release);
    }
    if let Some(create) = create
        // SAFETY: the application's create callback, given the new BIO.
        && unsafe { create(bio) } == 0
    {
        SslError::new(ERR_LIB_BIO, bio_r::UNSUPPORTED_METHOD)
            .with_data("the method's create callback failed")
            .raise();
        // SAFETY: the only reference, given up (the destroy callback runs).
        unsafe { arc_release(bio.cast_const()) };
        return std::ptr::null_mut();
    }
    bio
}

/// Makes a BIO of `method` over `fd`, or null with the reason on the queue.
fn new_over_fd(method: &'static BIO_METHOD, fd: c_int, close_flag: c_int) -> *mut BIO {
    let bio = BIO::new(method, Io::Unset);
    // SAFETY: just made, one reference held here.
    let b = unsafe { &*bio };
    match b.set_fd(fd, close_flag != 0) {
        Ok(()) => bio,
        Err(e) => {
            SslError::from(e).raise();
            // SAFETY: the only reference, given up.
            unsafe { arc_release(bio.cast_const()) };
            std::ptr::null_mut()
        }
    }
}

/// `BIO_new_dgram`: a datagram BIO over the UDP socket `fd`.
#[entry]
pub extern "C" fn BIO_new_dgram(fd: c_int, close_flag: c_int) -> *mut BIO {
    new_over_fd(&METHOD_DATAGRAM, fd, close_flag)
}

/// `BIO_new_socket`: a socket BIO over the stream socket `fd`.
#[entry]
pub extern "C" fn BIO_new_socket(fd: c_int, close_flag: c_int) -> *mut BIO {
    new_over_fd(&METHOD_SOCKET, fd, close_flag)
}

/// `BIO_new_bio_dgram_pair`: two connected datagram BIOs with the given buffer sizes (0 for
/// the default).
///
/// # Safety
/// `bio1` and `bio2` must be valid for writes.
#[entry]
pub unsafe extern "C" fn BIO_new_bio_dgram_pair(
    bio1: *mut *mut BIO,
    writebuf1: usize,
    bio2: *mut *mut BIO,
    writebuf2: usize,
) -> c_int {
    if bio1.is_null() || bio2.is_null() {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
        return 0;
    }
    let (a, b) = qssl_bio::new_dgram_pair(writebuf1, writebuf2);
    // SAFETY: both are valid for writes, per the contract.
    unsafe {
        *bio1 = BIO::new(&METHOD_DGRAM_PAIR, Io::Dgram(Arc::new(a)));
        *bio2 = BIO::new(&METHOD_DGRAM_PAIR, Io::Dgram(Arc::new(b)));
    }
    1
}

/// `BIO_up_ref`.
///
/// # Safety
/// `bio` must be null or a live BIO.
#[entry]
pub unsafe extern "C" fn BIO_up_ref(bio: *mut BIO) -> c_int {
    // SAFETY: forwarded.
    unsafe { arc_up_ref(bio.cast_const()) }
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
    // SAFETY: forwarded.
    unsafe { arc_release(bio.cast_const()) };
    1
}

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
fn append(head: &BIO, tail: *mut BIO) {
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
    // SAFETY: per the contract.
    let Some(bio) = (unsafe { b.as_ref() }) else {
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
    unsafe { b.as_ref() }.map_or(std::ptr::null_mut(), |bio| bio.next.load(Ordering::Acquire))
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
    // SAFETY: per the contract.
    unsafe { bio_ref(bio) }.map_or(0, |b| b.method.type_)
}

/// `BIO_method_name`.
///
/// # Safety
/// `bio` must be null or a live BIO.
#[entry]
pub unsafe extern "C" fn BIO_method_name(bio: *const BIO) -> *const c_char {
    // SAFETY: per the contract.
    unsafe { bio_ref(bio) }.map_or(std::ptr::null(), |b| b.method.name.as_ptr())
}

/// `BIO_test_flags`.
///
/// # Safety
/// `bio` must be null or a live BIO.
#[entry]
pub unsafe extern "C" fn BIO_test_flags(bio: *const BIO, flags: c_int) -> c_int {
    // SAFETY: per the contract.
    unsafe { bio_ref(bio) }.map_or(0, |b| b.flags.load(Ordering::Relaxed) & flags)
}

/// `BIO_set_flags`.
///
/// # Safety
/// `bio` must be null or a live BIO.
#[entry]
pub unsafe extern "C" fn BIO_set_flags(bio: *mut BIO, flags: c_int) {
    // SAFETY: per the contract.
    if let Some(b) = unsafe { bio_ref(bio) } {
        b.flags.fetch_or(flags, Ordering::Relaxed);
    }
}

/// `BIO_clear_flags`.
///
/// # Safety
/// `bio` must be null or a live BIO.
#[entry]
pub unsafe extern "C" fn BIO_clear_flags(bio: *mut BIO, flags: c_int) {
    // SAFETY: per the contract.
    if let Some(b) = unsafe { bio_ref(bio) } {
        b.flags.fetch_and(!flags, Ordering::Relaxed);
    }
}

/// A count for C: the value, or -1 with retry flags or the error recorded.
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

/// Reads into `buf`: the count, 0 at end of stream, -1 on failure or retry.
///
/// # Safety
/// `bio` null or live; `buf` valid for `len` bytes.
unsafe fn read_into(bio: *mut BIO, buf: *mut c_void, len: usize) -> isize {
    // SAFETY: per the contract.
    let Some(b) = (unsafe { bio_ref(bio) }) else {
        return -1;
    };
    if buf.is_null() {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
        return -1;
    }
    // SAFETY: valid for len bytes, per the contract.
    let buf = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), len) };
    if let Some(cb) = b.custom_callbacks() {
        // The application's method manages its own retry flags.
        // SAFETY: a live BIO of that method.
        return custom_result(unsafe { call_read(bio, &cb, buf) });
    }
    if let Io::Ssl(held) = b.io() {
        return crate::bio::connect::ssl_read(b, &held, buf);
    }
    if crate::bio::connect::ensure_connected(b).is_err() {
        return -1;
    }
    b.clear_retry();
    let r = match b.io() {
        Io::Dgram(d) => d.read(buf),
        Io::Stream(s) => s.lock().unwrap_or_else(PoisonError::into_inner).read(buf),
        Io::Unset => Err(BioError::Unsupported("I/O before a descriptor is set")),
        Io::Accept(_) | Io::Ssl(_) => Err(BioError::Unsupported("I/O on an acceptor")),
    };
    io_result(b, r, BIO_FLAGS_READ)
}

/// Writes `buf`: the count, or -1 on failure or retry.
///
/// # Safety
/// `bio` null or live; `buf` valid for `len` bytes.
unsafe fn write_from(bio: *mut BIO, buf: *const c_void, len: usize) -> isize {
    // SAFETY: per the contract.
    let Some(b) = (unsafe { bio_ref(bio) }) else {
        return -1;
    };
    let data: &[u8] = if len == 0 {
        &[]
    } else if buf.is_null() {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
        return -1;
    } else {
        // SAFETY: valid for len bytes, per the contract.
        unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len) }
    };
    if let Some(cb) = b.custom_callbacks() {
        // SAFETY: a live BIO of that method.
        return custom_result(unsafe { call_write(bio, &cb, data) });
    }
    if let Io::Ssl(held) = b.io() {
        return crate::bio::connect::ssl_write(b, &held, data);
    }
    if crate::bio::connect::ensure_connected(b).is_err() {
        return -1;
    }
    b.clear_retry();
    let r = match b.io() {
        Io::Dgram(d) => d.write(data),
        Io::Stream(s) => s.lock().unwrap_or_else(PoisonError::into_inner).write(data),
        Io::Unset => Err(BioError::Unsupported("I/O before a descriptor is set")),
        Io::Accept(_) | Io::Ssl(_) => Err(BioError::Unsupported("I/O on an acceptor")),
    };
    io_result(b, r, BIO_FLAGS_WRITE)
}

/// `BIO_read`: one datagram, or stream bytes; 0 at end of stream, -1 on failure or retry
/// (`BIO_should_retry`).
///
/// # Safety
/// `bio` null or live; `data` valid for `dlen` bytes.
#[entry]
pub unsafe extern "C" fn BIO_read(bio: *mut BIO, data: *mut c_void, dlen: c_int) -> c_int {
    let len = usize::try_from(dlen).unwrap_or(0);
    // SAFETY: forwarded.
    let n = unsafe { read_into(bio, data, len) };
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

/// `BIO_read_ex`: 1 with the count in `*readbytes` (a datagram may be empty), 0 otherwise.
///
/// # Safety
/// As [`BIO_read`]; `readbytes` null or valid for a write.
#[entry]
pub unsafe extern "C" fn BIO_read_ex(
    bio: *mut BIO,
    data: *mut c_void,
    dlen: usize,
    readbytes: *mut usize,
) -> c_int {
    // SAFETY: forwarded.
    let n = unsafe { read_into(bio, data, dlen) };
    // SAFETY: bio checked by read_into; only read when n >= 0.
    let is_dgram = n >= 0 && matches!(unsafe { &*bio }.io(), Io::Dgram(_));
    ex_count(n, is_dgram, readbytes)
}

/// Reads one line of at most `max` bytes (ending with its `\n` if one came in time) from a
/// stream BIO: an empty line at the end of the stream, `None` on failure or retry (the
/// retry flags and the queue say which), and for a BIO that has no lines (datagram, SSL
/// filter, acceptor) `BIO_R_UNSUPPORTED_METHOD`.
///
/// # Safety
/// `bio` null or live.
pub(crate) unsafe fn read_line(bio: *mut BIO, max: usize) -> Option<Vec<u8>> {
    // SAFETY: per the contract.
    let b = unsafe { bio_ref(bio) }?;
    let stream = if b.custom_callbacks().is_some() {
        b.stream()?
    } else {
        match b.io() {
            Io::Stream(s) => s,
            _ => {
                not_for(b, "a stream BIO");
                return None;
            }
        }
    };
    crate::bio::connect::ensure_connected(b).ok()?;
    b.clear_retry();
    let r = stream
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .read_line(max);
    match r {
        Ok(line) => Some(line),
        Err(e) => {
            io_result(b, Err(e), BIO_FLAGS_READ);
            None
        }
    }
}

/// `BIO_gets`: reads a line of at most `size - 1` bytes (with its `\n`) and a NUL; the
/// count, 0 at the end of the stream, -1 on failure, -2 for a BIO without lines (datagram,
/// SSL filter, acceptor), as OpenSSL's methods without `gets`.
///
/// # Safety
/// `bio` null or live; `buf` valid for `size` bytes.
#[entry]
pub unsafe extern "C" fn BIO_gets(bio: *mut BIO, buf: *mut c_char, size: c_int) -> CInt<-1> {
    // SAFETY: per the contract.
    let Some(b) = (unsafe { bio_ref(bio) }) else {
        return -1;
    };
    let Some(room) = usize::try_from(size).ok().filter(|n| *n > 0) else {
        return 0;
    };
    if buf.is_null() {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
        return -1;
    }
    let supported = b.custom_callbacks().is_some() || matches!(b.io(), Io::Stream(_));
    if !supported {
        not_for(b, "a stream BIO");
        return -2;
    }
    // SAFETY: per the contract.
    let Some(line) = (unsafe { read_line(bio, room - 1) }) else {
        return -1;
    };
    // SAFETY: buf has room for size bytes, and the line is at most size - 1 long.
    unsafe {
        std::ptr::copy_nonoverlapping(line.as_ptr(), buf.cast::<u8>(), line.len());
        *buf.add(line.len()) = 0;
    }
    c_int::try_from(line.len()).unwrap_or(-1)
}

/// `BIO_write`.
///
/// # Safety
/// `bio` null or live; `data` valid for `dlen` bytes.
#[entry]
pub unsafe extern "C" fn BIO_write(bio: *mut BIO, data: *const c_void, dlen: c_int) -> c_int {
    let len = usize::try_from(dlen).unwrap_or(0);
    // SAFETY: forwarded.
    let n = unsafe { write_from(bio, data, len) };
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

/// `BIO_puts`: writes a NUL-terminated string (without the NUL); the count or -1.
///
/// # Safety
/// `bio` null or live; `s` null or NUL-terminated.
#[entry]
pub unsafe extern "C" fn BIO_puts(bio: *mut BIO, s: *const c_char) -> c_int {
    if s.is_null() {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
        return -1;
    }
    // SAFETY: NUL-terminated, per the contract.
    let len = unsafe { CStr::from_ptr(s) }.to_bytes().len();
    // SAFETY: forwarded; s is valid for len bytes.
    let n = unsafe { write_from(bio, s.cast(), len) };
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

/// `BIO_write_ex`: 1 with the count in `*written`, 0 on failure.
///
/// # Safety
/// As [`BIO_write`]; `written` null or valid for a write.
#[entry]
pub unsafe extern "C" fn BIO_write_ex(
    bio: *mut BIO,
    data: *const c_void,
    dlen: usize,
    written: *mut usize,
) -> c_int {
    // SAFETY: forwarded.
    let n = unsafe { write_from(bio, data, dlen) };
    ex_count(n, dlen == 0, written)
}

/// The `_ex` form of a count: 1 and the count written, or 0 and 0. `zero_ok` says whether a
/// count of 0 is a success (an empty datagram, an empty write).
fn ex_count(n: isize, zero_ok: bool, out: *mut usize) -> c_int {
    let (ret, count) = match usize::try_from(n) {
        Ok(k) if k > 0 || zero_ok => (1, k),
        _ => (0, 0),
    };
    if !out.is_null() {
        // SAFETY: out is null or valid for a write, per the callers' contracts.
        unsafe { *out = count };
    }
    ret
}

impl From<PollDescriptor> for BIO_POLL_DESCRIPTOR {
    fn from(d: PollDescriptor) -> Self {
        BIO_POLL_DESCRIPTOR {
            type_: d.type_code(),
            value: match d {
                PollDescriptor::SockFd(fd) => BIO_POLL_DESCRIPTOR_VALUE { fd },
                _ => BIO_POLL_DESCRIPTOR_VALUE { custom_ui: 0 },
            },
        }
    }
}

/// Writes `d` to `desc`: 1; 0 with nothing written for a BIO that cannot be polled (OpenSSL's
/// memory, pair, file and accept BIOs answer the control with 0, queueing no error); 0 with
/// an error for a null `desc`.
///
/// # Safety
/// `desc` must be null or valid for a write.
pub(crate) unsafe fn put_poll_descriptor(
    desc: *mut BIO_POLL_DESCRIPTOR,
    d: PollDescriptor,
) -> c_int {
    if desc.is_null() {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
        return 0;
    }
    if d == PollDescriptor::None {
        return 0;
    }
    // SAFETY: valid for a write, per the contract.
    unsafe { desc.write(d.into()) };
    1
}

/// The BIO's poll descriptor for reading or writing.
fn poll_descriptor(bio: &BIO, write: bool) -> PollDescriptor {
    match bio.io() {
        Io::Dgram(d) if write => d.wpoll_descriptor(),
        Io::Dgram(d) => d.rpoll_descriptor(),
        Io::Stream(s) => {
            let s = s.lock().unwrap_or_else(PoisonError::into_inner);
            if write {
                s.wpoll_descriptor()
            } else {
                s.rpoll_descriptor()
            }
        }
        // OpenSSL's accept BIO does not answer the control.
        Io::Accept(_) | Io::Unset | Io::Ssl(_) => PollDescriptor::None,
    }
}

/// `BIO_get_rpoll_descriptor`.
///
/// # Safety
/// `bio` null or live; `desc` null or valid for a write.
#[entry]
pub unsafe extern "C" fn BIO_get_rpoll_descriptor(
    bio: *mut BIO,
    desc: *mut BIO_POLL_DESCRIPTOR,
) -> c_int {
    // SAFETY: per the contract.
    unsafe { bio_ref(bio) }.map_or(0, |b| {
        // SAFETY: per the contract.
        unsafe { put_poll_descriptor(desc, poll_descriptor(b, false)) }
    })
}

/// `BIO_get_wpoll_descriptor`.
///
/// # Safety
/// As [`BIO_get_rpoll_descriptor`].
#[entry]
pub unsafe extern "C" fn BIO_get_wpoll_descriptor(
    bio: *mut BIO,
    desc: *mut BIO_POLL_DESCRIPTOR,
) -> c_int {
    // SAFETY: per the contract.
    unsafe { bio_ref(bio) }.map_or(0, |b| {
        // SAFETY: per the contract.
        unsafe { put_poll_descriptor(desc, poll_descriptor(b, true)) }
    })
}

/// A datagram control's result: its value, or 0 with the reason on the queue.
fn dgram_ctrl(bio: &BIO, f: impl FnOnce(&dyn DatagramBio) -> Result<c_long, BioError>) -> c_long {
    let Some(d) = bio.datagram() else {
        return 0;
    };
    f(&*d).unwrap_or_else(|e| {
        SslError::from(e).raise();
        0
    })
}

/// Reads the `BIO_ADDR` a control names, or raises for null.
///
/// # Safety
/// `parg` must be null or a live `BIO_ADDR`.
unsafe fn addr_arg<'a>(parg: *mut c_void) -> Result<&'a BIO_ADDR, BioError> {
    if parg.is_null() {
        return Err(BioError::InvalidArgument("null address"));
    }
    // SAFETY: a live BIO_ADDR, per the contract.
    Ok(unsafe { &*parg.cast::<BIO_ADDR>() })
}

/// `BIO_ctrl`: the commands behind OpenSSL's BIO macros for the BIOs this library makes.
/// Commands a BIO does not handle fail with `BIO_R_UNSUPPORTED_METHOD` and return 0.
///
/// # Safety
/// `bio` null or live; `parg` what the command expects (an `int *` for `BIO_C_SET_FD` and
/// `BIO_C_GET_FD`, a `BIO_ADDR *` for peers, a `BIO_POLL_DESCRIPTOR *` for poll
/// descriptors), valid for the access the command makes.
#[entry]
pub unsafe extern "C" fn BIO_ctrl(
    bio: *mut BIO,
    cmd: c_int,
    larg: c_long,
    parg: *mut c_void,
) -> c_long {
    // SAFETY: per the contract.
    let Some(b) = (unsafe { bio_ref(bio) }) else {
        return 0;
    };
    if let Some(cb) = b.custom_callbacks() {
        // SAFETY: the application's ctrl gets what its caller passed.
        return unsafe { call_ctrl(bio, &cb, cmd, larg, parg) };
    }
    // SAFETY: parg matches the command, per the contract.
    if let Some(r) = unsafe { crate::bio::connect::ctrl(b, cmd, larg, parg) } {
        return r;
    }
    if cmd == crate::bio::connect::CMD_SET_SSL && b.method.kind == MethodKind::Ssl {
        // SAFETY: an SSL *, per the contract.
        return unsafe { crate::bio::connect::set_ssl(b, parg.cast(), larg != 0) };
    }
    // SAFETY: parg matches the command, per the contract.
    unsafe { ctrl(b, cmd, larg, parg) }
}

/// The body of [`BIO_ctrl`].
///
/// # Safety
/// As [`BIO_ctrl`].
unsafe fn ctrl(b: &BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
    let flag = |on: bool| c_long::from(on);
    match cmd {
        BIO_C_SET_FD => {
            if parg.is_null() {
                SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
                return 0;
            }
            // SAFETY: an int *, per the contract.
            let fd = unsafe { *parg.cast::<c_int>() };
            match b.set_fd(fd, larg != 0) {
                Ok(()) => 1,
                Err(e) => {
                    SslError::from(e).raise();
                    0
                }
            }
        }
        BIO_C_GET_FD => {
            let fd = match b.io() {
                Io::Accept(a) => a.raw_fd().unwrap_or(-1),
                _ => b.fd(),
            };
            if fd >= 0 && !parg.is_null() {
                // SAFETY: an int *, per the contract.
                unsafe { *parg.cast::<c_int>() = fd };
            }
            c_long::from(fd)
        }
        BIO_CTRL_GET_CLOSE => flag(b.close.load(Ordering::Relaxed)),
        BIO_CTRL_SET_CLOSE => {
            let close = larg != 0;
            if b.fd() >= 0 && close != b.close.load(Ordering::Relaxed) {
                SslError::new(ERR_LIB_BIO, bio_r::UNSUPPORTED_METHOD)
                    .with_data("the close flag is fixed once a descriptor is attached")
                    .raise();
                return 0;
            }
            b.close.store(close, Ordering::Relaxed);
            1
        }
        BIO_C_SET_NBIO => match b.io() {
            Io::Accept(a) => result_long(a.set_nonblocking(larg != 0)),
            _ => set_nbio(b, larg != 0),
        },
        BIO_C_DO_STATE_MACHINE => match b.io() {
            Io::Accept(a) => do_accept(b, &a),
            _ => 1,
        },
        BIO_C_SET_ACCEPT | BIO_C_SET_BIND_MODE | BIO_C_GET_BIND_MODE => {
            let Io::Accept(a) = b.io() else {
                not_for(b, "an acceptor");
                return 0;
            };
            match cmd {
                BIO_C_SET_BIND_MODE => {
                    a.set_reuse_addr(larg & BIO_BIND_REUSEADDR != 0);
                    1
                }
                BIO_C_GET_BIND_MODE => c_long::from(a.reuse_addr()),
                // BIO_set_accept_name (larg 0); the other BIO_C_SET_ACCEPT forms (accept
                // BIOs, IP family, bind modes through larg) are not offered.
                _ if larg == 0 => {
                    // SAFETY: a NUL-terminated name, per the contract.
                    match unsafe { text(parg.cast::<c_char>()) } {
                        Some(name) => result_long(a.set_name(&name)),
                        None => {
                            SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
                            0
                        }
                    }
                }
                _ => {
                    not_for(b, "configurable that way");
                    0
                }
            }
        }
        BIO_CTRL_GET_RPOLL_DESCRIPTOR | BIO_CTRL_GET_WPOLL_DESCRIPTOR => {
            let d = poll_descriptor(b, cmd == BIO_CTRL_GET_WPOLL_DESCRIPTOR);
            // SAFETY: a BIO_POLL_DESCRIPTOR *, per the contract.
            c_long::from(unsafe { put_poll_descriptor(parg.cast(), d) })
        }
        BIO_CTRL_FLUSH => match b.io() {
            Io::Stream(s) => match s.lock().unwrap_or_else(PoisonError::into_inner).flush() {
                Ok(()) => 1,
                Err(e) if e.is_non_fatal() => {
                    b.set_retry(BIO_FLAGS_WRITE);
                    0
                }
                Err(e) => {
                    SslError::from(e).raise();
                    0
                }
            },
            _ => 1,
        },
        BIO_CTRL_EOF => match b.io() {
            Io::Stream(s) => flag(s.lock().unwrap_or_else(PoisonError::into_inner).eof()),
            _ => 0,
        },
        BIO_CTRL_PENDING | BIO_CTRL_WPENDING => match b.io() {
            Io::Stream(s) => {
                let s = s.lock().unwrap_or_else(PoisonError::into_inner);
                let n = if cmd == BIO_CTRL_PENDING {
                    s.pending()
                } else {
                    s.wpending()
                };
                c_long::try_from(n).unwrap_or(c_long::MAX)
            }
            _ => 0,
        },
        BIO_CTRL_RESET => match b.io() {
            Io::Stream(st) => {
                result_long(st.lock().unwrap_or_else(PoisonError::into_inner).reset())
            }
            _ => 0,
        },
        // BIO_seek: a file gives 0 (as fseek), a memory BIO the new offset; -1 on failure.
        BIO_C_FILE_SEEK => match b.io() {
            Io::Stream(st) => {
                let r = u64::try_from(larg)
                    .map_err(|_| BioError::InvalidArgument("negative offset"))
                    .and_then(|pos| st.lock().unwrap_or_else(PoisonError::into_inner).seek(pos));
                match r {
                    Ok(()) if b.method.kind == MethodKind::File => 0,
                    Ok(()) => larg,
                    Err(e) => {
                        SslError::from(e).raise();
                        -1
                    }
                }
            }
            _ => {
                not_for(b, "a file or memory BIO");
                -1
            }
        },
        // BIO_tell: the position, or -1.
        BIO_C_FILE_TELL => match b.io() {
            Io::Stream(st) => match st.lock().unwrap_or_else(PoisonError::into_inner).tell() {
                Ok(pos) => c_long::try_from(pos).unwrap_or(c_long::MAX),
                Err(e) => {
                    SslError::from(e).raise();
                    -1
                }
            },
            _ => {
                not_for(b, "a file or memory BIO");
                -1
            }
        },
        BIO_CTRL_INFO => match b.io() {
            Io::Stream(st) => {
                let st = st.lock().unwrap_or_else(PoisonError::into_inner);
                let Some(data) = st.mem_data() else {
                    return 0;
                };
                if !parg.is_null() {
                    // SAFETY: a char ** (BIO_get_mem_data), per the contract; the bytes stay
                    // where they are until the BIO is next used, as in OpenSSL.
                    unsafe { *parg.cast::<*const u8>() = data.as_ptr() };
                }
                len_long(data.len())
            }
            _ => 0,
        },
        BIO_C_SET_FILENAME => {
            if b.method.kind != MethodKind::File {
                not_for(b, "a file BIO");
                return 0;
            }
            // BIO_FP_APPEND, BIO_FP_WRITE and BIO_FP_READ, as fopen modes.
            let mode = match (larg & 0x08 != 0, larg & 0x04 != 0, larg & 0x02 != 0) {
                (true, _, true) => "a+",
                (true, _, false) => "a",
                (false, true, true) => "r+",
                (false, true, false) => "w",
                (false, false, true) => "r",
                (false, false, false) => {
                    SslError::new(ERR_LIB_BIO, bio_r::BAD_FOPEN_MODE).raise();
                    return 0;
                }
            };
            // SAFETY: a file name, per the contract.
            let Some(name) = (unsafe { c_path(parg.cast()) }) else {
                SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
                return 0;
            };
            match open_file(&name, mode) {
                Some(io) => {
                    *b.lock() = io;
                    1
                }
                None => 0,
            }
        }
        BIO_CTRL_DGRAM_QUERY_MTU => dgram_ctrl(b, |d| d.query_mtu().map(len_long)),
        BIO_CTRL_DGRAM_GET_MTU => dgram_ctrl(b, |d| Ok(len_long(d.mtu()))),
        BIO_CTRL_DGRAM_SET_MTU => dgram_ctrl(b, |d| {
            let mtu = usize::try_from(larg).map_err(|_| BioError::InvalidArgument("MTU"))?;
            d.set_mtu(mtu).map(|()| 1)
        }),
        BIO_CTRL_DGRAM_CONNECT | BIO_CTRL_DGRAM_SET_CONNECTED | BIO_CTRL_DGRAM_SET_PEER => {
            dgram_ctrl(b, |d| {
                // SAFETY: a BIO_ADDR *, per the contract.
                let addr = unsafe { addr_arg(parg) }?;
                d.set_peer(addr.0).map(|()| 1)
            })
        }
        BIO_CTRL_DGRAM_GET_PEER => dgram_ctrl(b, |d| {
            let peer = d.peer().ok_or(BioError::PeerAddrNotAvailable)?;
            if !parg.is_null() {
                // SAFETY: a BIO_ADDR *, per the contract.
                unsafe { (*parg.cast::<BIO_ADDR>()).0 = peer };
            }
            Ok(1)
        }),
        BIO_CTRL_DGRAM_GET_LOCAL_ADDR_CAP => dgram_ctrl(b, |d| Ok(flag(d.local_addr_cap()))),
        BIO_CTRL_DGRAM_GET_LOCAL_ADDR_ENABLE => dgram_ctrl(b, |d| {
            if !parg.is_null() {
                // SAFETY: an int *, per the contract.
                unsafe { *parg.cast::<c_int>() = c_int::from(d.local_addr_enabled()) };
            }
            Ok(1)
        }),
        BIO_CTRL_DGRAM_SET_LOCAL_ADDR_ENABLE => {
            dgram_ctrl(b, |d| d.set_local_addr_enable(larg != 0).map(|()| 1))
        }
        BIO_CTRL_DGRAM_GET_CAPS => dgram_ctrl(b, |d| Ok(c_long::from(d.caps().bits()))),
        BIO_CTRL_DGRAM_GET_EFFECTIVE_CAPS => {
            dgram_ctrl(b, |d| Ok(c_long::from(d.effective_caps().bits())))
        }
        BIO_CTRL_DGRAM_SET_CAPS => dgram_ctrl(b, |d| {
            let caps = u32::try_from(larg).map_err(|_| BioError::InvalidArgument("caps"))?;
            d.set_caps(qssl_bio::DgramCaps::from_bits_truncate(caps))
                .map(|()| 1)
        }),
        BIO_CTRL_DGRAM_GET_NO_TRUNC => dgram_ctrl(b, |d| Ok(flag(d.no_trunc()))),
        BIO_CTRL_DGRAM_SET_NO_TRUNC => dgram_ctrl(b, |d| d.set_no_trunc(larg != 0).map(|()| 1)),
        _ => {
            SslError::new(ERR_LIB_BIO, bio_r::UNSUPPORTED_METHOD)
                .with_data(format!(
                    "BIO_ctrl command {cmd} on {}",
                    b.method.name.to_string_lossy()
                ))
                .raise();
            0
        }
    }
}

/// 1, or 0 with the error on the queue.
fn result_long(r: Result<(), BioError>) -> c_long {
    match r {
        Ok(()) => 1,
        Err(e) => {
            SslError::from(e).raise();
            0
        }
    }
}

/// `BIO_do_accept`: the first call listens; each later call accepts one connection and
/// chains its socket BIO (owning the socket) after the acceptor. 1 on success; -1 with the
/// retry flags when a non-blocking acceptor has nothing waiting; 0 on failure.
fn do_accept(b: &BIO, a: &AcceptBio) -> c_long {
    b.clear_retry();
    if !a.is_listening() {
        return result_long(a.listen());
    }
    match a.accept() {
        Ok(sock) => {
            let fd = std::os::fd::AsRawFd::as_raw_fd(sock.socket());
            let conn = BIO::new(&METHOD_SOCKET, Io::Stream(Arc::new(Mutex::new(sock))));
            // SAFETY: just made; its one reference now belongs to the chain.
            unsafe { &*conn }.fd.store(fd, Ordering::Relaxed);
            append(b, conn);
            1
        }
        Err(e) if e.is_non_fatal() => {
            b.set_retry(BIO_FLAGS_IO_SPECIAL);
            -1
        }
        Err(e) => {
            SslError::from(e).raise();
            0
        }
    }
}

/// A length as a ctrl result.
fn len_long(n: usize) -> c_long {
    c_long::try_from(n).unwrap_or(c_long::MAX)
}

/// `BIO_set_nbio`: switches the attached socket's blocking mode.
fn set_nbio(b: &BIO, on: bool) -> c_long {
    let fd = b.fd();
    if fd < 0 {
        // Nothing attached (or a pair): OpenSSL accepts the request.
        return 1;
    }
    // SAFETY: fd is the BIO's open socket, which stays open while the BIO lives.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    match socket2::SockRef::from(&borrowed).set_nonblocking(on) {
        Ok(()) => 1,
        Err(e) => {
            SslError::from(BioError::from(e)).raise();
            0
        }
    }
}

/// `BIO_int_ctrl`: [`BIO_ctrl`] with a pointer to `iarg` (how `BIO_set_fd` passes the fd).
///
/// # Safety
/// `bio` must be null or a live BIO.
#[entry]
pub unsafe extern "C" fn BIO_int_ctrl(
    bio: *mut BIO,
    cmd: c_int,
    larg: c_long,
    iarg: c_int,
) -> c_long {
    let mut i = iarg;
    // SAFETY: the int outlives the call; other commands ignore or read it as an int.
    unsafe { BIO_ctrl(bio, cmd, larg, (&raw mut i).cast()) }
}

/// `BIO_ptr_ctrl`: [`BIO_ctrl`] returning the pointer the command stores.
///
/// # Safety
/// `bio` must be null or a live BIO; the command must store a pointer.
#[entry]
pub unsafe extern "C" fn BIO_ptr_ctrl(bio: *mut BIO, cmd: c_int, larg: c_long) -> *mut c_void {
    let mut p: *mut c_void = std::ptr::null_mut();
    // SAFETY: p outlives the call and is what the command writes.
    if unsafe { BIO_ctrl(bio, cmd, larg, (&raw mut p).cast()) } <= 0 {
        return std::ptr::null_mut();
    }
    p
}

/// `BIO_callback_ctrl`: no BIO of this library takes callback commands (an application
/// method's own `callback_ctrl` is not offered either); fails with
/// `BIO_R_UNSUPPORTED_METHOD`.
#[entry]
pub extern "C" fn BIO_callback_ctrl(
    _b: *mut BIO,
    cmd: c_int,
    _fp: Option<unsafe extern "C" fn()>,
) -> c_long {
    SslError::new(ERR_LIB_BIO, bio_r::UNSUPPORTED_METHOD)
        .with_data(format!("BIO_callback_ctrl command {cmd}"))
        .raise();
    0
}

/// `BIO_ctrl_pending`.
///
/// # Safety
/// `bio` must be null or a live BIO.
#[entry]
pub unsafe extern "C" fn BIO_ctrl_pending(bio: *mut BIO) -> usize {
    // SAFETY: forwarded.
    usize::try_from(unsafe { BIO_ctrl(bio, BIO_CTRL_PENDING, 0, std::ptr::null_mut()) })
        .unwrap_or(0)
}

/// `BIO_dgram_non_fatal_error`: whether `errno` is a transient datagram error.
#[entry]
pub extern "C" fn BIO_dgram_non_fatal_error(error: c_int) -> c_int {
    c_int::from(BioError::Os(error).is_non_fatal())
}

/// `BIO_err_is_non_fatal`: whether a packed error code (from the queue) is transient.
#[entry]
pub extern "C" fn BIO_err_is_non_fatal(errcode: std::ffi::c_uint) -> c_int {
    c_int::from(qssl::error::bio_err_is_non_fatal(errcode))
}

/// `BIO_sock_should_retry`: after an I/O result of 0 or -1, whether `errno` says to retry.
#[entry]
pub extern "C" fn BIO_sock_should_retry(i: c_int) -> c_int {
    if i != 0 && i != -1 {
        return 0;
    }
    let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
    BIO_dgram_non_fatal_error(errno)
}

/// `BIO_sock_non_fatal_error`: whether `errno` is a transient socket error.
#[entry]
pub extern "C" fn BIO_sock_non_fatal_error(error: c_int) -> c_int {
    BIO_dgram_non_fatal_error(error)
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
            // SAFETY: per the contract.
            if let Some(b) = unsafe { bio.as_ref() } {
                b.$field.store(($to)(v), Ordering::Release);
            }
        }

        $(#[$gdoc])*
        ///
        /// # Safety
        /// `bio` must be null or a live BIO.
        #[entry]
        pub unsafe extern "C" fn $get(bio: *mut BIO) -> $ty {
            // SAFETY: per the contract.
            unsafe { bio.as_ref() }.map_or($zero, |b| ($from)(b.$field.load(Ordering::Acquire)))
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
