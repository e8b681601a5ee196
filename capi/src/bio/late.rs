//! I/O attached after a BIO is made: a descriptor set with `BIO_set_fd` (datagram and socket
//! BIOs), a file opened by name, a connect BIO's socket once connected. Until then the BIO
//! answers as one with nothing attached; afterwards as the I/O attached
//! (`super::stream::StreamIo`, `super::dgram::DgramIo`).

use std::ffi::{c_int, c_long, c_void};
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use qssl::tls::SharedStreamBio;
use qssl_bio::{BioError, DatagramBio, PollDescriptor};

use super::{BIO, BioImpl, unset_io};
use crate::abi::*;

/// How a kind turns a descriptor into its I/O (`BIO_set_fd`; the descriptor is owned if the
/// flag, `BIO_CLOSE`, is set).
pub(super) type AttachFd = fn(RawFd, bool) -> Result<Arc<dyn BioImpl>, BioError>;

/// A BIO's I/O, attached once the BIO is made, and its descriptor.
pub(super) struct Late {
    /// The I/O, once attached.
    io: Mutex<Option<Arc<dyn BioImpl>>>,
    /// The attached descriptor, or -1 (also for I/O without one, such as a file).
    fd: AtomicI32,
    /// How `BIO_set_fd` attaches a descriptor; `None` if the kind takes none.
    attach: Option<AttachFd>,
}

impl Late {
    /// Nothing attached yet; `attach` says how a descriptor is (`None`: it cannot be).
    pub(super) fn new(attach: Option<AttachFd>) -> Self {
        Late {
            io: Mutex::new(None),
            fd: AtomicI32::new(-1),
            attach,
        }
    }

    /// `io` attached from the start, over the descriptor `fd`.
    pub(super) fn with(io: Arc<dyn BioImpl>, fd: RawFd, attach: Option<AttachFd>) -> Self {
        let late = Late::new(attach);
        late.set(io, fd);
        late
    }

    /// The I/O, if attached, shared.
    pub(super) fn get(&self) -> Option<Arc<dyn BioImpl>> {
        self.io
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Attaches `io` (in place of anything attached before) over the descriptor `fd`.
    pub(super) fn set(&self, io: Arc<dyn BioImpl>, fd: RawFd) {
        *self.io.lock().unwrap_or_else(PoisonError::into_inner) = Some(io);
        self.fd.store(fd, Ordering::Relaxed);
    }
}

impl Default for Late {
    /// Nothing attached, and no descriptor can be.
    fn default() -> Self {
        Late::new(None)
    }
}

impl BioImpl for Late {
    fn read(&self, b: &BIO, buf: &mut [u8]) -> isize {
        match self.get() {
            Some(io) => io.read(b, buf),
            None => unset_io(b, BIO_FLAGS_READ),
        }
    }

    fn write(&self, b: &BIO, data: &[u8]) -> isize {
        match self.get() {
            Some(io) => io.write(b, data),
            None => unset_io(b, BIO_FLAGS_WRITE),
        }
    }

    /// The attached I/O's commands; none before.
    unsafe fn ctrl(&self, b: &BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> Option<c_long> {
        // SAFETY: forwarded from the contract.
        unsafe { self.get()?.ctrl(b, cmd, larg, parg) }
    }

    fn datagram(&self, b: &BIO) -> Option<Arc<dyn DatagramBio>> {
        self.get()?.datagram(b)
    }

    fn stream(&self, b: &BIO) -> Option<SharedStreamBio> {
        self.get()?.stream(b)
    }

    fn reads_datagrams(&self) -> bool {
        self.get().is_some_and(|io| io.reads_datagrams())
    }

    /// Ready once something is attached.
    fn is_ready(&self) -> bool {
        self.get().is_some()
    }

    fn fd(&self) -> RawFd {
        self.fd.load(Ordering::Relaxed)
    }

    fn attach_fd(&self, fd: RawFd, close: bool) -> Result<(), BioError> {
        let attach = self
            .attach
            .ok_or(BioError::Unsupported("attaching a descriptor"))?;
        self.set(attach(fd, close)?, fd);
        Ok(())
    }

    fn poll_descriptor(&self, write: bool) -> PollDescriptor {
        self.get()
            .map_or(PollDescriptor::None, |io| io.poll_descriptor(write))
    }
}
