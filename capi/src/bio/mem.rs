//! Memory BIOs (`BIO_s_mem`, `BIO_new_mem_buf`): a byte FIFO, or a read-only buffer, as
//! `StreamIo` over `qssl-bio`'s `MemBio`.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int, c_void};

use qssl_bio::MemBio;

use super::stream::StreamIo;
use super::{BIO, BIO_METHOD, BioImpl};
use crate::entry::{arg, entry};
use crate::ffi::{bytes, c_bytes};

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
    let data = match usize::try_from(len) {
        Ok(n) if !buf.is_null() => arg!(bytes(buf, n)),
        _ => {
            let text = buf.cast::<c_char>();
            arg!(c_bytes(text))
        }
    };
    BIO::new(
        &METHOD,
        Box::new(StreamIo::new(MemBio::read_only(data.to_vec()))),
    )
}
