//! Reads and writes on any BIO (`BIO_read`, `BIO_write`, their `_ex` forms, `BIO_puts`) and
//! lines (`BIO_gets`, and the PEM reader's `read_line`); the BIO's kind does the I/O.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::PoisonError;

use qssl::error::{ERR_LIB_BIO, SslError, err_r};
use qssl::tls::SharedStreamBio;

use super::{BIO, bio_ref, io_result, not_for};
use crate::abi::*;
use crate::entry::{CInt, arg, entry};
use crate::ffi::ex_result;

/// Reads into `buf`: the count, 0 at end of stream, -1 on failure or retry.
///
/// # Safety
/// `bio` null or live; `buf` valid for `len` bytes.
unsafe fn read_into(bio: *mut BIO, buf: *mut c_void, len: usize) -> isize {
    // SAFETY: per the contract.
    let Some(b) = (unsafe { bio_ref(bio) }) else {
        return -1;
    };
    if buf.is_null() {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
        return -1;
    }
    // SAFETY: valid for len bytes, per the contract.
    let buf = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), len) };
    b.imp.read(b, buf)
}

/// Writes `buf`: the count, or -1 on failure or retry.
///
/// # Safety
/// `bio` null or live; `buf` valid for `len` bytes.
unsafe fn write_from(bio: *mut BIO, buf: *const c_void, len: usize) -> isize {
    // SAFETY: per the contract.
    let Some(b) = (unsafe { bio_ref(bio) }) else {
        return -1;
    };
    let data: &[u8] = if len == 0 {
        &[]
    } else if buf.is_null() {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
        return -1;
    } else {
        // SAFETY: valid for len bytes, per the contract.
        unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len) }
    };
    b.imp.write(b, data)
}

/// `BIO_read`: one datagram, or stream bytes; 0 at end of stream, -1 on failure or retry
/// (`BIO_should_retry`).
///
/// # Safety
/// `bio` null or live; `data` valid for `dlen` bytes.
#[entry]
pub unsafe extern "C" fn BIO_read(bio: *mut BIO, data: *mut c_void, dlen: c_int) -> c_int {
    let len = usize::try_from(dlen).unwrap_or(0);
    // SAFETY: forwarded.
    let n = unsafe { read_into(bio, data, len) };
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

/// `BIO_read_ex`: 1 with the count in `*readbytes` (a datagram may be empty), 0 otherwise.
///
/// # Safety
/// As [`BIO_read`]; `readbytes` null or valid for a write.
#[entry]
pub unsafe extern "C" fn BIO_read_ex(
    bio: *mut BIO,
    data: *mut c_void,
    dlen: usize,
    readbytes: *mut usize,
) -> c_int {
    // SAFETY: forwarded.
    let n = unsafe { read_into(bio, data, dlen) };
    // SAFETY: bio checked by read_into; only read when n >= 0.
    let is_dgram = n >= 0 && unsafe { &*bio }.imp.reads_datagrams();
    ex_result(n, readbytes, is_dgram)
}

/// Reads one line of at most `max` bytes (ending with its `\n` if one came in time) from a
/// stream BIO: an empty line at the end of the stream, `None` on failure or retry (the
/// retry flags and the queue say which), and for a BIO that has no lines (datagram, SSL
/// filter, acceptor) `BIO_R_UNSUPPORTED_METHOD`.
///
/// # Safety
/// `bio` null or live.
pub(crate) unsafe fn read_line(bio: *mut BIO, max: usize) -> Option<Vec<u8>> {
    // SAFETY: per the contract.
    let b = unsafe { bio_ref(bio) }?;
    let stream = b.stream()?;
    read_line_from(b, &stream, max)
}

/// Reads one line of at most `max` bytes from `stream`, the stream behind `b`, as
/// [`read_line`] does.
fn read_line_from(b: &BIO, stream: &SharedStreamBio, max: usize) -> Option<Vec<u8>> {
    b.clear_retry();
    let r = stream
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .read_line(max);
    match r {
        Ok(line) => Some(line),
        Err(e) => {
            io_result(b, Err(e), BIO_FLAGS_READ);
            None
        }
    }
}

/// `BIO_gets`: reads a line of at most `size - 1` bytes (with its `\n`) and a NUL; the
/// count, 0 at the end of the stream, -1 on failure, -2 for a BIO without lines (datagram,
/// SSL filter, acceptor), as OpenSSL's methods without `gets`.
///
/// # Safety
/// `bio` null or live; `buf` valid for `size` bytes.
#[entry]
pub unsafe extern "C" fn BIO_gets(bio: *mut BIO, buf: *mut c_char, size: c_int) -> CInt<-1> {
    let b = arg!(bio_ref(bio));
    let Some(room) = usize::try_from(size).ok().filter(|n| *n > 0) else {
        return 0;
    };
    if buf.is_null() {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
        return -1;
    }
    let Some(stream) = b.imp.stream(b) else {
        not_for(b, "a stream BIO");
        return -2;
    };
    let Some(line) = read_line_from(b, &stream, room - 1) else {
        return -1;
    };
    // SAFETY: buf has room for size bytes, and the line is at most size - 1 long.
    unsafe {
        std::ptr::copy_nonoverlapping(line.as_ptr(), buf.cast::<u8>(), line.len());
        *buf.add(line.len()) = 0;
    }
    c_int::try_from(line.len()).unwrap_or(-1)
}

/// `BIO_write`.
///
/// # Safety
/// `bio` null or live; `data` valid for `dlen` bytes.
#[entry]
pub unsafe extern "C" fn BIO_write(bio: *mut BIO, data: *const c_void, dlen: c_int) -> c_int {
    let len = usize::try_from(dlen).unwrap_or(0);
    // SAFETY: forwarded.
    let n = unsafe { write_from(bio, data, len) };
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

/// `BIO_puts`: writes a NUL-terminated string (without the NUL); the count or -1.
///
/// # Safety
/// `bio` null or live; `s` null or NUL-terminated.
#[entry]
pub unsafe extern "C" fn BIO_puts(bio: *mut BIO, s: *const c_char) -> c_int {
    if s.is_null() {
        SslError::new(ERR_LIB_BIO, err_r::PASSED_NULL_PARAMETER).raise();
        return -1;
    }
    // SAFETY: NUL-terminated, per the contract.
    let len = unsafe { CStr::from_ptr(s) }.to_bytes().len();
    // SAFETY: forwarded; s is valid for len bytes.
    let n = unsafe { write_from(bio, s.cast(), len) };
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

/// `BIO_write_ex`: 1 with the count in `*written`, 0 on failure.
///
/// # Safety
/// As [`BIO_write`]; `written` null or valid for a write.
#[entry]
pub unsafe extern "C" fn BIO_write_ex(
    bio: *mut BIO,
    data: *const c_void,
    dlen: usize,
    written: *mut usize,
) -> c_int {
    // SAFETY: forwarded.
    let n = unsafe { write_from(bio, data, dlen) };
    ex_result(n, written, dlen == 0)
}
