//! Stream BIO pairs (`BIO_s_bio`, `BIO_new_bio_pair`): two halves where what one writes the
//! other reads, through a bounded buffer per direction (`qssl-bio`'s `StreamPairEnd`). A half
//! made with `BIO_new` carries nothing until `BIO_make_bio_pair` pairs it; the pair ctrls
//! size the buffers, report how much the next write is sure to take and how much the peer
//! failed to read, shut the write side, and unpair (`BIO_destroy_bio_pair`).
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{c_int, c_long, c_void};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use qssl::error::{ERR_LIB_BIO, SslError, bio_r};
use qssl::tls::SharedStreamBio;
use qssl_bio::{BioError, DEFAULT_PAIR_BUF_LEN, StreamBio, StreamPairEnd, new_bio_pair};

use super::{BIO, BIO_METHOD, BioImpl, bio_ref, io_result, len_long};
use crate::abi::*;
use crate::entry::{arg, entry};
use crate::ffi::obj_mut;

/// `BIO_s_bio`'s method (`BIO_TYPE_BIO`).
static METHOD: BIO_METHOD = BIO_METHOD::builtin(0x413, c"BIO pair", new_half);

/// A half made by `BIO_new`: unpaired, with the default buffer size.
fn new_half() -> Box<dyn BioImpl> {
    Box::new(PairHalf::default())
}

/// One half of a pair as a stream: the end it is paired through, if any. SSL objects hold
/// this (not the end), so a half unpaired and paired again carries on for them.
#[derive(Debug)]
pub(crate) struct Half {
    /// The size the write buffer gets when the half is paired (`BIO_set_write_buf_size`).
    size: usize,
    /// The end of the current pair; an end whose peer is gone counts as none.
    end: Option<StreamPairEnd>,
}

impl Default for Half {
    fn default() -> Self {
        Half {
            size: DEFAULT_PAIR_BUF_LEN,
            end: None,
        }
    }
}

impl Half {
    /// The end, while the other half is still paired with it.
    fn paired(&self) -> Option<&StreamPairEnd> {
        self.end.as_ref().filter(|e| e.is_paired())
    }

    /// The end for I/O, or `BIO_R_UNINITIALIZED` for an unpaired half.
    fn io(&mut self) -> Result<&mut StreamPairEnd, BioError> {
        match &mut self.end {
            Some(e) if e.is_paired() => Ok(e),
            _ => Err(BioError::Unpaired),
        }
    }
}

impl StreamBio for Half {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, BioError> {
        self.io()?.read(buf)
    }

    fn write(&mut self, buf: &[u8]) -> Result<usize, BioError> {
        self.io()?.write(buf)
    }

    fn pending(&self) -> usize {
        self.paired().map_or(0, StreamBio::pending)
    }

    fn wpending(&self) -> usize {
        self.paired().map_or(0, StreamBio::wpending)
    }

    /// An unpaired half is at its end, as in OpenSSL.
    fn eof(&self) -> bool {
        self.paired().is_none_or(StreamBio::eof)
    }

    fn reset(&mut self) -> Result<(), BioError> {
        self.io()?.reset()
    }
}

/// A `BIO_s_bio` BIO: its half, shared with the SSL objects it is attached to.
#[derive(Default)]
struct PairHalf(Arc<Mutex<Half>>);

impl PairHalf {
    /// The half, locked.
    fn lock(&self) -> MutexGuard<'_, Half> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Pairs two unpaired halves (`BIO_make_bio_pair`): 1, or 0 with `BIO_R_IN_USE` on the
/// queue if either is paired already (`BIO_R_INVALID_ARGUMENT` if either is no pair half).
fn make_pair(a: &BIO, b: &BIO) -> c_long {
    let (Some(ha), Some(hb)) = (a.imp.stream_half(), b.imp.stream_half()) else {
        SslError::new(ERR_LIB_BIO, bio_r::INVALID_ARGUMENT)
            .with_data("BIO_make_bio_pair takes two BIO_s_bio BIOs")
            .raise();
        return 0;
    };
    if Arc::ptr_eq(ha, hb) {
        SslError::new(ERR_LIB_BIO, bio_r::IN_USE).raise();
        return 0;
    }
    let lock = |h: &Arc<Mutex<Half>>| {
        let h = h.lock().unwrap_or_else(PoisonError::into_inner);
        (h.size, h.paired().is_some())
    };
    let ((size_a, paired_a), (size_b, paired_b)) = (lock(ha), lock(hb));
    if paired_a || paired_b {
        SslError::new(ERR_LIB_BIO, bio_r::IN_USE).raise();
        return 0;
    }
    let (end_a, end_b) = new_bio_pair(size_a, size_b);
    ha.lock().unwrap_or_else(PoisonError::into_inner).end = Some(end_a);
    hb.lock().unwrap_or_else(PoisonError::into_inner).end = Some(end_b);
    1
}

impl BioImpl for PairHalf {
    fn read(&self, b: &BIO, buf: &mut [u8]) -> isize {
        b.clear_retry();
        let r = self.lock().read(buf);
        io_result(b, r, BIO_FLAGS_READ)
    }

    fn write(&self, b: &BIO, data: &[u8]) -> isize {
        b.clear_retry();
        let r = self.lock().write(data);
        io_result(b, r, BIO_FLAGS_WRITE)
    }

    /// The pair commands and the stream ones. `BIO_reset` drops what this half wrote and
    /// answers 0, as OpenSSL's does.
    unsafe fn ctrl(&self, b: &BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> Option<c_long> {
        let r = match cmd {
            BIO_C_SET_WRITE_BUF_SIZE => {
                let mut half = self.lock();
                if half.paired().is_some() {
                    SslError::new(ERR_LIB_BIO, bio_r::IN_USE).raise();
                    return Some(0);
                }
                match usize::try_from(larg) {
                    Ok(size) if size > 0 => {
                        half.size = size;
                        1
                    }
                    _ => {
                        SslError::new(ERR_LIB_BIO, bio_r::INVALID_ARGUMENT).raise();
                        0
                    }
                }
            }
            BIO_C_GET_WRITE_BUF_SIZE => {
                let half = self.lock();
                len_long(
                    half.paired()
                        .map_or(half.size, StreamPairEnd::write_buf_size),
                )
            }
            BIO_C_MAKE_BIO_PAIR => {
                // SAFETY: null or a live BIO, the command's argument.
                match unsafe { bio_ref(parg.cast::<BIO>()) } {
                    Some(other) => make_pair(b, other),
                    None => 0,
                }
            }
            BIO_C_DESTROY_BIO_PAIR => {
                // Dropping the end unpairs both halves; the other half notices on its next
                // use.
                self.lock().end = None;
                1
            }
            BIO_C_GET_WRITE_GUARANTEE => len_long(
                self.lock()
                    .paired()
                    .map_or(0, StreamPairEnd::write_guarantee),
            ),
            BIO_C_GET_READ_REQUEST => {
                len_long(self.lock().paired().map_or(0, StreamPairEnd::read_request))
            }
            BIO_C_RESET_READ_REQUEST => {
                if let Some(end) = self.lock().paired() {
                    // Cannot fail: the end is paired.
                    let _ = end.reset_read_request();
                }
                1
            }
            BIO_C_SHUTDOWN_WR => {
                if let Some(end) = self.lock().paired() {
                    // Cannot fail: the end is paired.
                    let _ = end.shutdown_wr();
                }
                1
            }
            BIO_CTRL_RESET => {
                let _ = self.lock().reset();
                0
            }
            BIO_CTRL_EOF => c_long::from(self.lock().eof()),
            BIO_CTRL_PENDING => len_long(self.lock().pending()),
            BIO_CTRL_WPENDING => len_long(self.lock().wpending()),
            BIO_CTRL_FLUSH => 1,
            _ => return None,
        };
        Some(r)
    }

    fn stream(&self, _b: &BIO) -> Option<SharedStreamBio> {
        Some(self.0.clone())
    }

    fn stream_half(&self) -> Option<&Arc<Mutex<Half>>> {
        Some(&self.0)
    }
}

/// `BIO_s_bio`: halves of stream BIO pairs (pair two with `BIO_make_bio_pair`).
#[entry]
pub extern "C" fn BIO_s_bio() -> *const BIO_METHOD {
    &METHOD
}

/// `BIO_new_bio_pair`: two paired halves with the given write buffer sizes (0 for the default,
/// 17 KiB).
///
/// # Safety
/// `bio1` and `bio2` must be valid for writes.
#[entry]
pub unsafe extern "C" fn BIO_new_bio_pair(
    bio1: *mut *mut BIO,
    writebuf1: usize,
    bio2: *mut *mut BIO,
    writebuf2: usize,
) -> c_int {
    let bio1 = arg!(obj_mut(bio1));
    let bio2 = arg!(obj_mut(bio2));
    let size = |n: usize| if n == 0 { DEFAULT_PAIR_BUF_LEN } else { n };
    let (a, b) = new_bio_pair(size(writebuf1), size(writebuf2));
    let half = |end: StreamPairEnd, size: usize| {
        let half = Half {
            size,
            end: Some(end),
        };
        BIO::new(&METHOD, Box::new(PairHalf(Arc::new(Mutex::new(half)))))
    };
    *bio1 = half(a, size(writebuf1));
    *bio2 = half(b, size(writebuf2));
    1
}

/// `BIO_ctrl_get_write_guarantee`: how many bytes the next write to a pair half is sure to
/// take (0 for an unpaired or shut half, or another kind of BIO).
///
/// # Safety
/// `bio` must be null or a live BIO.
#[entry]
pub unsafe extern "C" fn BIO_ctrl_get_write_guarantee(bio: *mut BIO) -> usize {
    // SAFETY: forwarded.
    let n =
        unsafe { super::ctrl::BIO_ctrl(bio, BIO_C_GET_WRITE_GUARANTEE, 0, std::ptr::null_mut()) };
    usize::try_from(n).unwrap_or(0)
}

/// `BIO_ctrl_get_read_request`: how many bytes the other half last failed to read from this
/// one (0 once either has read or written since).
///
/// # Safety
/// `bio` must be null or a live BIO.
#[entry]
pub unsafe extern "C" fn BIO_ctrl_get_read_request(bio: *mut BIO) -> usize {
    // SAFETY: forwarded.
    let n = unsafe { super::ctrl::BIO_ctrl(bio, BIO_C_GET_READ_REQUEST, 0, std::ptr::null_mut()) };
    usize::try_from(n).unwrap_or(0)
}

/// `BIO_ctrl_reset_read_request`: forgets the other half's failed read; 1, or 0 for a BIO
/// that is no pair half.
///
/// # Safety
/// `bio` must be null or a live BIO.
#[entry]
pub unsafe extern "C" fn BIO_ctrl_reset_read_request(bio: *mut BIO) -> c_int {
    // SAFETY: forwarded.
    let n =
        unsafe { super::ctrl::BIO_ctrl(bio, BIO_C_RESET_READ_REQUEST, 0, std::ptr::null_mut()) };
    c_int::from(n != 0)
}
