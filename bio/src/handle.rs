//! Sockets a BIO owns, or borrows and must leave open (`BIO_CLOSE` / `BIO_NOCLOSE`).

use std::mem::ManuallyDrop;
use std::os::fd::{FromRawFd, RawFd};

use socket2::Socket;

/// A socket the BIO owns, or one it must leave open (`BIO_NOCLOSE`).
#[derive(Debug)]
pub(crate) enum SocketHandle {
    Owned(Socket),
    Borrowed(ManuallyDrop<Socket>),
}

impl SocketHandle {
    /// Takes a raw descriptor, closing it on drop only if `close` is set.
    ///
    /// # Safety
    /// `fd` must be an open socket that stays open for the handle's lifetime, and if `close`
    /// is set nothing else may close it.
    pub(crate) unsafe fn from_raw_fd(fd: RawFd, close: bool) -> Self {
        // SAFETY: the caller guarantees fd is an open socket with the stated ownership.
        let socket = unsafe { Socket::from_raw_fd(fd) };
        if close {
            SocketHandle::Owned(socket)
        } else {
            SocketHandle::Borrowed(ManuallyDrop::new(socket))
        }
    }

    pub(crate) fn socket(&self) -> &Socket {
        match self {
            SocketHandle::Owned(s) => s,
            SocketHandle::Borrowed(s) => s,
        }
    }
}
