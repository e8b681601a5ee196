//! Sockets a BIO owns, or borrows and must leave open (`BIO_CLOSE` / `BIO_NOCLOSE`).

use std::mem::ManuallyDrop;
use std::os::fd::{FromRawFd, RawFd};

use socket2::Socket;

use crate::error::BioError;

/// A socket the BIO owns, or one it must leave open (`BIO_NOCLOSE`).
#[derive(Debug)]
pub(crate) enum SocketHandle {
    Owned(Socket),
    Borrowed(ManuallyDrop<Socket>),
}

impl SocketHandle {
    /// Borrows a raw descriptor without taking ownership; see [`into_owned`](Self::into_owned).
    ///
    /// # Safety
    /// `fd` must be an open socket that stays open for the handle's lifetime.
    pub(crate) unsafe fn borrow_raw_fd(fd: RawFd) -> Result<Self, BioError> {
        if fd < 0 {
            return Err(BioError::Os(libc::EBADF));
        }
        // SAFETY: the caller guarantees fd is an open socket; ManuallyDrop keeps it open.
        Ok(SocketHandle::Borrowed(ManuallyDrop::new(unsafe {
            Socket::from_raw_fd(fd)
        })))
    }

    /// Takes ownership of a borrowed socket (the BIO will close it).
    pub(crate) fn into_owned(self) -> Self {
        match self {
            SocketHandle::Borrowed(s) => SocketHandle::Owned(ManuallyDrop::into_inner(s)),
            owned => owned,
        }
    }

    pub(crate) fn socket(&self) -> &Socket {
        match self {
            SocketHandle::Owned(s) => s,
            SocketHandle::Borrowed(s) => s,
        }
    }
}
