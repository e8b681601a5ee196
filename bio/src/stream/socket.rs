//! The stream socket BIO (`BIO_s_socket`, `BIO_new_socket`).

use std::io::Read;
use std::net::TcpStream;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use socket2::Socket;

use super::StreamBio;
use crate::error::BioError;
use crate::handle::SocketHandle;
use crate::poll::PollDescriptor;

/// A BIO over a connected stream socket (TCP or Unix).
///
/// Writes never raise `SIGPIPE`: a write to a closed connection fails with `EPIPE`. A read of
/// zero bytes marks end of stream.
#[derive(Debug)]
pub struct SocketBio {
    handle: SocketHandle,
    eof: bool,
}

impl SocketBio {
    /// Wraps a TCP stream, taking ownership.
    pub fn from_tcp(stream: TcpStream) -> Self {
        Self::from_owned(OwnedFd::from(stream))
    }

    /// Wraps a Unix stream, taking ownership.
    pub fn from_unix(stream: UnixStream) -> Self {
        Self::from_owned(OwnedFd::from(stream))
    }

    /// Wraps an owned socket descriptor.
    pub fn from_owned(fd: OwnedFd) -> Self {
        SocketBio {
            handle: SocketHandle::Owned(Socket::from(fd)),
            eof: false,
        }
    }

    /// Wraps a raw socket descriptor (`BIO_new_socket`), closing it on drop only if `close` is
    /// set (`BIO_CLOSE`).
    ///
    /// # Safety
    /// `fd` must be an open stream socket that stays open while the BIO exists; if `close` is
    /// set the BIO takes ownership and nothing else may close it.
    pub unsafe fn from_raw_fd(fd: RawFd, close: bool) -> Result<Self, BioError> {
        // SAFETY: forwarded from this function's contract.
        let handle = unsafe { SocketHandle::borrow_raw_fd(fd)? };
        Ok(SocketBio {
            handle: if close { handle.into_owned() } else { handle },
            eof: false,
        })
    }

    /// Sets non-blocking (`true`) or blocking I/O (`BIO_set_nbio`).
    pub fn set_nonblocking(&self, nonblocking: bool) -> Result<(), BioError> {
        Ok(self.handle.socket().set_nonblocking(nonblocking)?)
    }

    /// The underlying socket.
    pub fn socket(&self) -> &Socket {
        self.handle.socket()
    }
}

impl StreamBio for SocketBio {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, BioError> {
        if buf.is_empty() {
            return Ok(0);
        }
        let n = loop {
            match self.handle.socket().read(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        if n == 0 {
            self.eof = true;
        }
        Ok(n)
    }

    fn write(&mut self, buf: &[u8]) -> Result<usize, BioError> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match self
                .handle
                .socket()
                .send_with_flags(buf, libc::MSG_NOSIGNAL)
            {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => return Ok(other?),
            }
        }
    }

    fn eof(&self) -> bool {
        self.eof
    }

    fn rpoll_descriptor(&self) -> PollDescriptor {
        PollDescriptor::SockFd(self.as_raw_fd())
    }

    fn wpoll_descriptor(&self) -> PollDescriptor {
        PollDescriptor::SockFd(self.as_raw_fd())
    }
}

impl AsRawFd for SocketBio {
    fn as_raw_fd(&self) -> RawFd {
        self.handle.socket().as_raw_fd()
    }
}
