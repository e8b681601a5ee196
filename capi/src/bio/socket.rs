//! Stream socket BIOs (`BIO_s_socket`, `BIO_new_socket`): a TCP socket attached with
//! `BIO_set_fd`, or a connection an acceptor took; and the socket error checks
//! (`BIO_sock_should_retry`, `BIO_sock_non_fatal_error`).
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::c_int;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;

use qssl_bio::{BioError, SocketBio};

use super::dgram::BIO_dgram_non_fatal_error;
use super::late::Late;
use super::stream::StreamIo;
use super::{BIO, BIO_METHOD, BioImpl};
use crate::entry::entry;

/// `BIO_s_socket`'s method.
static METHOD: BIO_METHOD = BIO_METHOD::builtin(0x505, c"socket", new_unattached);

/// A socket BIO with no socket yet (`BIO_new(BIO_s_socket())`).
fn new_unattached() -> Box<dyn BioImpl> {
    Box::new(Late::new(Some(attach)))
}

/// A stream socket over `fd` as a BIO's I/O (`BIO_set_fd`).
fn attach(fd: RawFd, close: bool) -> Result<Arc<dyn BioImpl>, BioError> {
    // SAFETY: the caller of BIO_set_fd hands over an open socket; with BIO_CLOSE the BIO owns
    // it, otherwise the caller keeps it open while the BIO exists.
    let sock = unsafe { SocketBio::from_raw_fd(fd, close) }?;
    Ok(Arc::new(StreamIo::new(sock)))
}

/// A socket BIO over an accepted connection, owning its socket; its one reference is the
/// caller's.
pub(super) fn new_accepted(sock: SocketBio) -> *mut BIO {
    let fd = sock.socket().as_raw_fd();
    let late = Late::with(Arc::new(StreamIo::new(sock)), fd, Some(attach));
    BIO::new(&METHOD, Box::new(late))
}

/// `BIO_s_socket`: stream socket BIOs.
#[entry]
pub extern "C" fn BIO_s_socket() -> *const BIO_METHOD {
    &METHOD
}

/// `BIO_new_socket`: a socket BIO over the stream socket `fd`.
#[entry]
pub extern "C" fn BIO_new_socket(fd: c_int, close_flag: c_int) -> *mut BIO {
    BIO::new_over_fd(&METHOD, fd, close_flag)
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
