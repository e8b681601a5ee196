//! Memory BIOs (`BIO_s_mem`, `BIO_new_mem_buf`): a byte FIFO, or a read-only buffer, as
//! `StreamIo` over `qssl-bio`'s `MemBio`.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{CStr, c_int, c_void};

use qssl::error::{ERR_LIB_BIO, SslError, err_r};
use qssl_bio::MemBio;

use super::stream::StreamIo;
use super::{BIO, BIO_METHOD, BioImpl};
use crate::entry::entry;

/// `BIO_s_mem`'s method.
static METHOD: BIO_METHOD = BIO_METHOD::builtin(0x401, c"memory buffer", new_empty);

/// An empty memory BIO.
fn new_empty() -> Box<dyn BioImpl> {
    Box::new(StreamIo::new(MemBio::new()))
}

/// `BIO_s_mem`: memory BIOs, a byte FIFO (a read from an empty one asks to retry).
#[entry]
pub extern "C" fn BIO_s_mem() -> *const BIO_METHOD {
    &METHOD
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
    BIO::new(&METHOD, Box::new(StreamIo::new(MemBio::read_only(data))))
}
