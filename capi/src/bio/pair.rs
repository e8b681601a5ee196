//! Datagram BIOs in memory: pairs (`BIO_s_dgram_pair`, `BIO_new_bio_dgram_pair`), two ends
//! where what one writes the other reads, and datagram FIFOs (`BIO_s_dgram_mem`). Both are
//! `DgramIo` over `qssl-bio`'s queues.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::c_int;
use std::sync::Arc;

use qssl_bio::DgramMem;

use super::dgram::DgramIo;
use super::late::Late;
use super::{BIO, BIO_METHOD, BioImpl};
use crate::entry::{arg, entry};
use crate::ffi::obj_mut;

/// `BIO_s_dgram_pair`'s method; `BIO_new` on it makes an end with no peer, carrying nothing.
static METHOD_PAIR: BIO_METHOD = BIO_METHOD::builtin(0x41A, c"BIO dgram pair", new_unpaired);

/// `BIO_s_dgram_mem`'s method.
static METHOD_MEM: BIO_METHOD = BIO_METHOD::builtin(0x41B, c"BIO dgram mem", new_fifo);

/// A pair end made by `BIO_new`: nothing attached.
fn new_unpaired() -> Box<dyn BioImpl> {
    Box::new(Late::default())
}

/// An empty datagram FIFO.
fn new_fifo() -> Box<dyn BioImpl> {
    Box::new(DgramIo(Arc::new(DgramMem::new())))
}

/// `BIO_s_dgram_pair`: datagram pair ends (made with `BIO_new_bio_dgram_pair`).
#[entry]
pub extern "C" fn BIO_s_dgram_pair() -> *const BIO_METHOD {
    &METHOD_PAIR
}

/// `BIO_s_dgram_mem`: datagram FIFOs (what is written is read back, datagram by datagram).
#[entry]
pub extern "C" fn BIO_s_dgram_mem() -> *const BIO_METHOD {
    &METHOD_MEM
}

/// `BIO_new_bio_dgram_pair`: two connected datagram BIOs with the given buffer sizes (0 for
/// the default).
///
/// # Safety
/// `bio1` and `bio2` must be valid for writes.
#[entry]
pub unsafe extern "C" fn BIO_new_bio_dgram_pair(
    bio1: *mut *mut BIO,
    writebuf1: usize,
    bio2: *mut *mut BIO,
    writebuf2: usize,
) -> c_int {
    let bio1 = arg!(obj_mut(bio1));
    let bio2 = arg!(obj_mut(bio2));
    let (a, b) = qssl_bio::new_dgram_pair(writebuf1, writebuf2);
    *bio1 = BIO::new(&METHOD_PAIR, Box::new(DgramIo(Arc::new(a))));
    *bio2 = BIO::new(&METHOD_PAIR, Box::new(DgramIo(Arc::new(b))));
    1
}
