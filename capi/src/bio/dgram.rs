//! Datagram BIOs: `DgramIo`, what a BIO over a datagram object answers (reads and writes
//! of one datagram, the `BIO_CTRL_DGRAM_*` commands), and the UDP socket kind
//! (`BIO_s_datagram`, `BIO_new_dgram`), whose socket is attached with `BIO_set_fd`.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{c_int, c_long, c_void};
use std::os::fd::RawFd;
use std::sync::Arc;

use qssl::error::SslError;
use qssl_bio::{BioError, DatagramBio, DgramCaps, PollDescriptor, UdpBio};

use super::late::Late;
use super::{BIO, BIO_METHOD, BioImpl, io_result, len_long};
use crate::abi::*;
use crate::addr::BIO_ADDR;
use crate::entry::entry;
use crate::ffi::put;

/// `BIO_s_datagram`'s method.
static METHOD: BIO_METHOD = BIO_METHOD::builtin(0x515, c"datagram socket", new_unattached);

/// A UDP socket BIO with no socket yet (`BIO_new(BIO_s_datagram())`).
fn new_unattached() -> Box<dyn BioImpl> {
    Box::new(Late::new(Some(attach)))
}

/// A UDP socket over `fd` as a BIO's I/O (`BIO_set_fd`).
fn attach(fd: RawFd, close: bool) -> Result<Arc<dyn BioImpl>, BioError> {
    // SAFETY: the caller of BIO_set_fd hands over an open socket; with BIO_CLOSE the BIO owns
    // it, otherwise the caller keeps it open while the BIO exists.
    let udp = unsafe { UdpBio::from_raw_fd(fd, close) }?;
    Ok(Arc::new(DgramIo(Arc::new(udp))))
}

/// `BIO_s_datagram`: UDP socket BIOs.
#[entry]
pub extern "C" fn BIO_s_datagram() -> *const BIO_METHOD {
    &METHOD
}

/// `BIO_new_dgram`: a datagram BIO over the UDP socket `fd`.
#[entry]
pub extern "C" fn BIO_new_dgram(fd: c_int, close_flag: c_int) -> *mut BIO {
    BIO::new_over_fd(&METHOD, fd, close_flag)
}

/// `BIO_dgram_non_fatal_error`: whether `errno` is a transient datagram error.
#[entry]
pub extern "C" fn BIO_dgram_non_fatal_error(error: c_int) -> c_int {
    c_int::from(BioError::Os(error).is_non_fatal())
}

/// A datagram object as a BIO's I/O.
pub(crate) struct DgramIo(pub(super) Arc<dyn DatagramBio>);

impl BioImpl for DgramIo {
    fn read(&self, b: &BIO, buf: &mut [u8]) -> isize {
        b.clear_retry();
        io_result(b, self.0.read(buf), BIO_FLAGS_READ)
    }

    fn write(&self, b: &BIO, data: &[u8]) -> isize {
        b.clear_retry();
        io_result(b, self.0.write(data), BIO_FLAGS_WRITE)
    }

    /// The datagram commands ([`is_dgram_command`]): their value, or 0 with the reason on
    /// the queue.
    unsafe fn ctrl(&self, _b: &BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> Option<c_long> {
        let d = &*self.0;
        let flag = |on: bool| c_long::from(on);
        let r = match cmd {
            BIO_CTRL_DGRAM_QUERY_MTU => d.query_mtu().map(len_long),
            BIO_CTRL_DGRAM_GET_MTU => Ok(len_long(d.mtu())),
            BIO_CTRL_DGRAM_SET_MTU => usize::try_from(larg)
                .map_err(|_| BioError::InvalidArgument("MTU"))
                .and_then(|mtu| d.set_mtu(mtu))
                .map(|()| 1),
            BIO_CTRL_DGRAM_CONNECT | BIO_CTRL_DGRAM_SET_CONNECTED | BIO_CTRL_DGRAM_SET_PEER => {
                // SAFETY: a BIO_ADDR *, per the contract.
                unsafe { addr_arg(parg) }.and_then(|addr| d.set_peer(addr.0).map(|()| 1))
            }
            BIO_CTRL_DGRAM_GET_PEER => d.peer().ok_or(BioError::PeerAddrNotAvailable).map(|peer| {
                if !parg.is_null() {
                    // SAFETY: a BIO_ADDR *, per the contract.
                    unsafe { (*parg.cast::<BIO_ADDR>()).0 = peer };
                }
                1
            }),
            BIO_CTRL_DGRAM_GET_LOCAL_ADDR_CAP => Ok(flag(d.local_addr_cap())),
            BIO_CTRL_DGRAM_GET_LOCAL_ADDR_ENABLE => {
                // SAFETY: null or an int *, per the contract.
                unsafe { put(parg.cast::<c_int>(), c_int::from(d.local_addr_enabled())) };
                Ok(1)
            }
            BIO_CTRL_DGRAM_SET_LOCAL_ADDR_ENABLE => d.set_local_addr_enable(larg != 0).map(|()| 1),
            BIO_CTRL_DGRAM_GET_CAPS => Ok(c_long::from(d.caps().bits())),
            BIO_CTRL_DGRAM_GET_EFFECTIVE_CAPS => Ok(c_long::from(d.effective_caps().bits())),
            BIO_CTRL_DGRAM_SET_CAPS => u32::try_from(larg)
                .map_err(|_| BioError::InvalidArgument("caps"))
                .and_then(|caps| d.set_caps(DgramCaps::from_bits_truncate(caps)))
                .map(|()| 1),
            BIO_CTRL_DGRAM_SET0_LOCAL_ADDR => {
                let addr = parg.cast::<BIO_ADDR>();
                // SAFETY: null or a BIO_ADDR *, per the contract.
                let value = unsafe { addr.as_ref() }.map(|a| a.0);
                d.set_local_addr(value).map(|()| {
                    // The BIO owns the address now (set0); it keeps the value.
                    // SAFETY: a BIO_ADDR from BIO_ADDR_new (or null) the caller hands over.
                    unsafe { crate::addr::BIO_ADDR_free(addr) };
                    1
                })
            }
            BIO_CTRL_DGRAM_GET_NO_TRUNC => Ok(flag(d.no_trunc())),
            BIO_CTRL_DGRAM_SET_NO_TRUNC => d.set_no_trunc(larg != 0).map(|()| 1),
            _ => return None,
        };
        Some(r.unwrap_or_else(|e| {
            SslError::from(e).raise();
            0
        }))
    }

    fn datagram(&self, _b: &BIO) -> Option<Arc<dyn DatagramBio>> {
        Some(self.0.clone())
    }

    fn reads_datagrams(&self) -> bool {
        true
    }

    fn poll_descriptor(&self, write: bool) -> PollDescriptor {
        if write {
            self.0.wpoll_descriptor()
        } else {
            self.0.rpoll_descriptor()
        }
    }
}

/// Whether `cmd` is one of the datagram commands [`DgramIo`] answers.
pub(super) fn is_dgram_command(cmd: c_int) -> bool {
    matches!(
        cmd,
        BIO_CTRL_DGRAM_QUERY_MTU
            | BIO_CTRL_DGRAM_GET_MTU
            | BIO_CTRL_DGRAM_SET_MTU
            | BIO_CTRL_DGRAM_CONNECT
            | BIO_CTRL_DGRAM_SET_CONNECTED
            | BIO_CTRL_DGRAM_SET_PEER
            | BIO_CTRL_DGRAM_GET_PEER
            | BIO_CTRL_DGRAM_GET_LOCAL_ADDR_CAP
            | BIO_CTRL_DGRAM_GET_LOCAL_ADDR_ENABLE
            | BIO_CTRL_DGRAM_SET_LOCAL_ADDR_ENABLE
            | BIO_CTRL_DGRAM_GET_CAPS
            | BIO_CTRL_DGRAM_GET_EFFECTIVE_CAPS
            | BIO_CTRL_DGRAM_SET_CAPS
            | BIO_CTRL_DGRAM_GET_NO_TRUNC
            | BIO_CTRL_DGRAM_SET_NO_TRUNC
            | BIO_CTRL_DGRAM_SET0_LOCAL_ADDR
    )
}

/// Reads the `BIO_ADDR` a control names, or fails for null.
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
