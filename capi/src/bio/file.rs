//! File BIOs (`BIO_s_file`, `BIO_new_file`, `BIO_read_filename` and kin): a file opened
//! with an `fopen` mode, read and written as a stream; `BIO_seek` answers 0 as `fseek`.
#![allow(non_snake_case)] // The exported names are OpenSSL's.

use std::ffi::{c_char, c_int, c_long, c_void};
use std::os::fd::RawFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use qssl::error::{ERR_LIB_BIO, SslError, bio_r};
use qssl::tls::SharedStreamBio;
use qssl_bio::{BioError, FileBio, PollDescriptor};

use super::late::Late;
use super::stream::StreamIo;
use super::{BIO, BIO_METHOD, BioImpl};
use crate::abi::*;
use crate::entry::{arg, entry};
use crate::ffi::{c_bytes, c_str};

/// `BIO_s_file`'s method.
static METHOD: BIO_METHOD = BIO_METHOD::builtin(0x402, c"FILE pointer", new_unopened);

/// A file BIO with no file yet (`BIO_new(BIO_s_file())`).
fn new_unopened() -> Box<dyn BioImpl> {
    Box::new(FileKind::default())
}

/// A file BIO: the file, once opened.
#[derive(Default)]
struct FileKind(Late);

impl BioImpl for FileKind {
    fn read(&self, b: &BIO, buf: &mut [u8]) -> isize {
        self.0.read(b, buf)
    }

    fn write(&self, b: &BIO, data: &[u8]) -> isize {
        self.0.write(b, data)
    }

    /// `BIO_C_SET_FILENAME` (`BIO_read_filename` and kin) opens a file in place of the one
    /// before; `BIO_seek` answers 0 (-1 on failure); the other stream commands as any
    /// stream's.
    unsafe fn ctrl(&self, b: &BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> Option<c_long> {
        match cmd {
            // SAFETY: a file name, per the contract.
            BIO_C_SET_FILENAME => Some(unsafe { self.open(larg, parg.cast()) }),
            BIO_C_FILE_SEEK => {
                let file = self.0.get()?;
                // The stream answers with the new offset, or -1 on failure.
                // SAFETY: forwarded from the contract.
                let moved = unsafe { file.ctrl(b, cmd, larg, parg) }.is_some_and(|r| r >= 0);
                Some(if moved { 0 } else { -1 })
            }
            // SAFETY: forwarded from the contract.
            _ => unsafe { self.0.ctrl(b, cmd, larg, parg) },
        }
    }

    fn stream(&self, b: &BIO) -> Option<SharedStreamBio> {
        self.0.stream(b)
    }

    fn is_ready(&self) -> bool {
        self.0.is_ready()
    }

    fn fd(&self) -> RawFd {
        self.0.fd()
    }

    fn poll_descriptor(&self, write: bool) -> PollDescriptor {
        self.0.poll_descriptor(write)
    }
}

impl FileKind {
    /// `BIO_C_SET_FILENAME`: opens `name` with the mode the `BIO_FP_*` bits of `larg` say;
    /// 1, or 0 with the reason on the queue.
    ///
    /// # Safety
    /// `name` must be null or a NUL-terminated string.
    unsafe fn open(&self, larg: c_long, name: *const c_char) -> c_long {
        // BIO_FP_APPEND, BIO_FP_WRITE and BIO_FP_READ, as fopen modes.
        let mode = match (larg & 0x08 != 0, larg & 0x04 != 0, larg & 0x02 != 0) {
            (true, _, true) => "a+",
            (true, _, false) => "a",
            (false, true, true) => "r+",
            (false, true, false) => "w",
            (false, false, true) => "r",
            (false, false, false) => {
                SslError::new(ERR_LIB_BIO, bio_r::BAD_FOPEN_MODE).raise();
                return 0;
            }
        };
        // SAFETY: null or NUL-terminated, per the contract.
        let Some(name) = (unsafe { c_bytes(name) }).map(path) else {
            return 0;
        };
        match open_file(&name, mode) {
            Some(io) => {
                self.0.set(Arc::new(io), -1);
                1
            }
            None => 0,
        }
    }
}

/// `BIO_s_file`: file BIOs (opened with `BIO_new_file` or `BIO_read_filename` and kin).
#[entry]
pub extern "C" fn BIO_s_file() -> *const BIO_METHOD {
    &METHOD
}

/// `BIO_new_file`: a file BIO over `filename` opened with the `fopen` `mode`; null with the
/// reason on the queue (`BIO_R_BAD_FOPEN_MODE`, or the system's error).
///
/// # Safety
/// `filename` and `mode` must be null or NUL-terminated strings.
#[entry]
pub unsafe extern "C" fn BIO_new_file(filename: *const c_char, mode: *const c_char) -> *mut BIO {
    let name = path(arg!(c_bytes(filename)));
    let mode = arg!(c_str(mode));
    match open_file(&name, &mode) {
        Some(io) => BIO::new(
            &METHOD,
            Box::new(FileKind(Late::with(Arc::new(io), -1, None))),
        ),
        None => std::ptr::null_mut(),
    }
}

/// A path from C, byte for byte.
fn path(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(bytes).into()
}

/// Opens a file BIO's I/O, or records why it could not be.
fn open_file(name: &Path, mode: &str) -> Option<StreamIo> {
    match FileBio::open(name, mode) {
        Ok(f) => Some(StreamIo::new(f)),
        Err(BioError::InvalidArgument(_)) => {
            SslError::new(ERR_LIB_BIO, bio_r::BAD_FOPEN_MODE)
                .with_data(mode.to_owned())
                .raise();
            None
        }
        Err(e) => {
            SslError::from(e)
                .with_data(format!("calling fopen({}, {mode})", name.display()))
                .raise();
            None
        }
    }
}
