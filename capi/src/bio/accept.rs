//! Acceptors (`BIO_s_accept`, `BIO_new_accept`): a listening TCP socket. The first
//! `BIO_do_accept` listens, each later one accepts a connection and chains its socket BIO
//! after the acceptor, for `BIO_pop`.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int, c_long, c_void};

use qssl::error::{ERR_LIB_BIO, SslError, err_r};
use qssl_bio::{AcceptBio, BioError};

use super::chain::append;
use super::{BIO, BIO_METHOD, BioImpl, io_result, not_for, result_long, socket};
use crate::abi::*;
use crate::addr::{HostServPriority, parse_hostserv};
use crate::entry::{entry, param};
use crate::ffi::text;

/// `BIO_s_accept`'s method.
static METHOD: BIO_METHOD = BIO_METHOD::builtin(0x50D, c"socket accept", new_unnamed);

/// An acceptor with no address yet (`BIO_new(BIO_s_accept())`).
fn new_unnamed() -> Box<dyn BioImpl> {
    Box::new(Acceptor(AcceptBio::new(None)))
}

/// An acceptor BIO: its listening socket, made by the first `BIO_do_accept`.
struct Acceptor(AcceptBio);

impl BioImpl for Acceptor {
    /// An acceptor carries no data.
    fn read(&self, b: &BIO, _buf: &mut [u8]) -> isize {
        b.clear_retry();
        io_result(
            b,
            Err(BioError::Unsupported("I/O on an acceptor")),
            BIO_FLAGS_READ,
        )
    }

    /// An acceptor carries no data.
    fn write(&self, b: &BIO, _data: &[u8]) -> isize {
        b.clear_retry();
        io_result(
            b,
            Err(BioError::Unsupported("I/O on an acceptor")),
            BIO_FLAGS_WRITE,
        )
    }

    /// The listening socket (`BIO_get_fd`), blocking mode (`BIO_set_nbio`), listening and
    /// accepting (`BIO_do_accept`), the address (`BIO_set_accept_name`) and bind mode.
    unsafe fn ctrl(&self, b: &BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> Option<c_long> {
        let a = &self.0;
        let r = match cmd {
            BIO_C_GET_FD => {
                let fd = a.raw_fd().unwrap_or(-1);
                if fd >= 0 && !parg.is_null() {
                    // SAFETY: an int *, per the contract.
                    unsafe { *parg.cast::<c_int>() = fd };
                }
                c_long::from(fd)
            }
            BIO_C_SET_NBIO => result_long(a.set_nonblocking(larg != 0)),
            BIO_C_DO_STATE_MACHINE => do_accept(b, a),
            BIO_C_SET_BIND_MODE => {
                a.set_reuse_addr(larg & BIO_BIND_REUSEADDR != 0);
                1
            }
            BIO_C_GET_BIND_MODE => c_long::from(a.reuse_addr()),
            // BIO_set_accept_name (larg 0); the other BIO_C_SET_ACCEPT forms (accept BIOs,
            // IP family, bind modes through larg) are not offered.
            BIO_C_SET_ACCEPT if larg == 0 => {
                // SAFETY: a NUL-terminated name, per the contract.
                match unsafe { text(parg.cast::<c_char>()) } {
                    // Refused as OpenSSL's parser refuses it; kept whole for the listen.
                    Some(name) => match parse_hostserv(&name, HostServPriority::Service) {
                        Ok(_) => result_long(a.set_name(&name)),
                        Err(_) => 0,
                    },
                    None => {
                        SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
                        0
                    }
                }
            }
            BIO_C_SET_ACCEPT => {
                not_for(b, "configurable that way");
                0
            }
            _ => return None,
        };
        Some(r)
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
            // Its one reference now belongs to the chain.
            append(b, socket::new_accepted(sock));
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

/// `BIO_s_accept`: acceptors, which listen on a TCP port and make a socket BIO per
/// connection.
#[entry]
pub extern "C" fn BIO_s_accept() -> *const BIO_METHOD {
    &METHOD
}

/// `BIO_new_accept`: an acceptor for `"[host:]port"` (numeric port; a host of `*` or none
/// means every IPv4 address); null for a name OpenSSL's parser refuses
/// (`BIO_R_MALFORMED_HOST_OR_SERVICE`, `BIO_R_AMBIGUOUS_HOST_OR_SERVICE`). The first `BIO_do_accept` listens, each later one accepts a
/// connection and pushes its socket BIO after the acceptor, for `BIO_pop`.
///
/// # Safety
/// `host_port` must be null or a NUL-terminated string.
#[entry]
pub unsafe extern "C" fn BIO_new_accept(host_port: *const c_char) -> *mut BIO {
    let name = param!(text(host_port));
    if let Some(name) = &name
        && parse_hostserv(name, HostServPriority::Service).is_err()
    {
        return std::ptr::null_mut();
    }
    BIO::new(&METHOD, Box::new(Acceptor(AcceptBio::new(name.as_deref()))))
}
