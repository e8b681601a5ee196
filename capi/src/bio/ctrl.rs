//! `BIO_ctrl`, the commands behind OpenSSL's BIO macros. The BIO's kind answers a command
//! first (`super::BioImpl::ctrl`; an application's method and an SSL filter with its
//! object take every command, as their OpenSSL counterparts do); what the kind leaves gets
//! the answer every BIO shares (`common`): the descriptor and close flag, blocking mode,
//! poll descriptors, and what a BIO answers for another kind's command.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{c_int, c_long, c_void};
use std::os::fd::BorrowedFd;
use std::sync::atomic::Ordering;

use qssl::error::{ERR_LIB_BIO, SslError, bio_r};
use qssl_bio::BioError;

use super::poll::put_poll_descriptor;
use super::{BIO, bio_ref, dgram, not_for};
use crate::abi::*;
use crate::entry::{arg, entry};
use crate::ffi::{obj_mut, put};

/// `BIO_ctrl`: the commands behind OpenSSL's BIO macros for the BIOs this library makes.
/// Commands no BIO of the kind handles fail with `BIO_R_UNSUPPORTED_METHOD` and return 0.
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
    let b = arg!(bio_ref(bio));
    // SAFETY: parg matches the command, per the contract.
    if let Some(r) = unsafe { b.imp.ctrl(b, cmd, larg, parg) } {
        return r;
    }
    // SAFETY: as above.
    unsafe { common(b, cmd, larg, parg) }
}

/// The answer every BIO gives to a command its kind leaves: the descriptor
/// ([`super::BioImpl::attach_fd`], [`super::BioImpl::fd`]), the close flag, blocking mode
/// through the descriptor, poll descriptors ([`super::BioImpl::poll_descriptor`]); for the
/// stream commands what a BIO without a stream answers (1 for a flush, 0 otherwise, -1 and
/// `BIO_R_UNSUPPORTED_METHOD` for a seek or tell); for the commands of files, acceptors and
/// datagram BIOs 0 and `BIO_R_UNSUPPORTED_METHOD`; for anything else the same, naming the
/// command.
///
/// # Safety
/// As [`BIO_ctrl`].
unsafe fn common(b: &BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
    match cmd {
        BIO_C_SET_FD => {
            // SAFETY: null or an int *, per the contract.
            let Some(&mut fd) = (unsafe { obj_mut(parg.cast::<c_int>()) }) else {
                return 0;
            };
            match b.set_fd(fd, larg != 0) {
                Ok(()) => 1,
                Err(e) => {
                    SslError::from(e).raise();
                    0
                }
            }
        }
        BIO_C_GET_FD => {
            let fd = b.fd();
            if fd >= 0 {
                // SAFETY: null or an int *, per the contract.
                unsafe { put(parg.cast::<c_int>(), fd) };
            }
            c_long::from(fd)
        }
        BIO_CTRL_GET_CLOSE => c_long::from(b.close.load(Ordering::Relaxed)),
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
        BIO_C_SET_NBIO => set_nbio(b, larg != 0),
        BIO_C_DO_STATE_MACHINE => 1,
        BIO_CTRL_GET_RPOLL_DESCRIPTOR | BIO_CTRL_GET_WPOLL_DESCRIPTOR => {
            let d = b.imp.poll_descriptor(cmd == BIO_CTRL_GET_WPOLL_DESCRIPTOR);
            // SAFETY: null or a BIO_POLL_DESCRIPTOR *, per the contract.
            let desc = unsafe { obj_mut(parg.cast::<BIO_POLL_DESCRIPTOR>()) };
            desc.map_or(0, |desc| c_long::from(put_poll_descriptor(desc, d)))
        }
        BIO_CTRL_FLUSH => 1,
        BIO_CTRL_EOF | BIO_CTRL_PENDING | BIO_CTRL_WPENDING | BIO_CTRL_RESET | BIO_CTRL_INFO => 0,
        BIO_C_FILE_SEEK | BIO_C_FILE_TELL => {
            not_for(b, "a file or memory BIO");
            -1
        }
        BIO_C_SET_FILENAME => {
            not_for(b, "a file BIO");
            0
        }
        BIO_C_SET_ACCEPT | BIO_C_SET_BIND_MODE | BIO_C_GET_BIND_MODE => {
            not_for(b, "an acceptor");
            0
        }
        _ if dgram::is_dgram_command(cmd) => {
            not_for(b, "a datagram BIO");
            0
        }
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
/// method's own `callback_ctrl` is not offered either): -2, with `BIO_R_UNSUPPORTED_METHOD`
/// unless the BIO is null, as OpenSSL answers.
#[entry]
pub extern "C" fn BIO_callback_ctrl(
    b: *mut BIO,
    cmd: c_int,
    _fp: Option<unsafe extern "C" fn()>,
) -> c_long {
    if !b.is_null() {
        SslError::new(ERR_LIB_BIO, bio_r::UNSUPPORTED_METHOD)
            .with_data(format!("BIO_callback_ctrl command {cmd}"))
            .raise();
    }
    -2
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
