//! Reads and writes on any BIO (`BIO_read`, `BIO_write`, their `_ex` forms, `BIO_puts`) and
//! lines (`BIO_gets`, and the PEM reader's `read_line`); the BIO's kind does the I/O.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int, c_void};
use std::sync::PoisonError;

use qssl::error::{ERR_LIB_BIO, SslError, bio_r};
use qssl::tls::SharedStreamBio;

use super::{BIO, bio_ref, io_result, not_for};
use crate::abi::*;
use crate::entry::{CInt, arg, entry, nullable, out};
use crate::ffi::{bytes, bytes_mut, c_bytes, ex_result, put_c_string};

/// `BIO_read`: one datagram, or stream bytes; 0 at end of stream, -1 on failure or retry
/// (`BIO_should_retry`); 0 for a negative length, as OpenSSL answers.
///
/// # Safety
/// `bio` null or live; `data` valid for `dlen` bytes.
#[entry]
pub unsafe extern "C" fn BIO_read(bio: *mut BIO, data: *mut c_void, dlen: c_int) -> CInt<-1> {
    let Ok(len) = usize::try_from(dlen) else {
        return 0;
    };
    let b = arg!(bio_ref(bio));
    let buf = arg!(bytes_mut(data, len));
    int_count(b.imp.read(b, buf))
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
    out!(readbytes, 0);
    let b = arg!(bio_ref(bio));
    let buf = arg!(bytes_mut(data, dlen));
    let (ret, count) = ex_result(b.imp.read(b, buf), b.imp.reads_datagrams());
    out!(readbytes, count);
    ret
}

/// A count as the `int` the non-`_ex` calls return, or -1 for a failure (negative).
fn int_count(n: isize) -> c_int {
    if n < 0 {
        -1
    } else {
        c_int::try_from(n).unwrap_or(c_int::MAX)
    }
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
    let Some(stream) = b.imp.stream(b) else {
        not_for(b, "a stream BIO");
        return -2;
    };
    let Ok(room) = usize::try_from(size) else {
        SslError::new(ERR_LIB_BIO, bio_r::INVALID_ARGUMENT).raise();
        return -1;
    };
    if room == 0 {
        return 0;
    }
    let buf = arg!(bytes_mut(buf, room));
    let Some(line) = read_line_from(b, &stream, room - 1) else {
        return -1;
    };
    // The line is at most room - 1 long: it fits with its NUL.
    c_int::try_from(put_c_string(buf, &line)).unwrap_or(-1)
}

/// `BIO_write`: the count, or -1 on failure or retry; 0 for a null BIO or a length of 0
/// or less, as OpenSSL answers.
///
/// # Safety
/// `bio` null or live; `data` valid for `dlen` bytes.
#[entry]
pub unsafe extern "C" fn BIO_write(bio: *mut BIO, data: *const c_void, dlen: c_int) -> c_int {
    let Some(len) = usize::try_from(dlen).ok().filter(|n| *n > 0) else {
        return 0;
    };
    // A null BIO writes nothing, without an error.
    let Some(b) = nullable!(bio) else {
        return 0;
    };
    let data = arg!(bytes(data, len));
    int_count(b.imp.write(b, data))
}

/// `BIO_puts`: writes a NUL-terminated string (without the NUL); the count or -1.
///
/// # Safety
/// `bio` null or live; `s` null or NUL-terminated.
#[entry]
pub unsafe extern "C" fn BIO_puts(bio: *mut BIO, s: *const c_char) -> CInt<-1> {
    let b = arg!(bio_ref(bio));
    let text = arg!(c_bytes(s));
    int_count(b.imp.write(b, text))
}

/// `BIO_write_ex`: 1 with the count in `*written`, 0 on failure; a write of nothing
/// succeeds, and a null BIO fails without an error, as OpenSSL's.
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
    out!(written, 0);
    // A null BIO writes nothing, without an error.
    let Some(b) = nullable!(bio) else {
        return 0;
    };
    let data = arg!(bytes(data, dlen));
    let (ret, count) = ex_result(b.imp.write(b, data), dlen == 0);
    out!(written, count);
    ret
}
