//! What a BIO over a stream object answers (memory, file and socket BIOs, a connected TCP
//! connect BIO): reads and writes with the retry flags, and the stream commands
//! (`BIO_flush`, `BIO_eof`, `BIO_pending`/`BIO_wpending`, `BIO_reset`, `BIO_seek`,
//! `BIO_tell`, `BIO_get_mem_data`).

use std::ffi::{c_int, c_long, c_void};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use qssl::error::SslError;
use qssl::tls::SharedStreamBio;
use qssl_bio::{BioError, PollDescriptor, StreamBio};

use super::{BIO, BioImpl, io_result, len_long, result_long};
use crate::abi::*;

/// A stream object as a BIO's I/O.
pub(super) struct StreamIo(SharedStreamBio);

impl StreamIo {
    /// The I/O of a BIO over `s`.
    pub(super) fn new(s: impl StreamBio + 'static) -> Self {
        StreamIo(Arc::new(Mutex::new(s)))
    }

    /// The stream object, locked.
    fn lock(&self) -> MutexGuard<'_, dyn StreamBio + 'static> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `BIO_seek` to `larg`: whether it moved (if not, the reason is on the queue).
    pub(super) fn seek(&self, larg: c_long) -> bool {
        let r = u64::try_from(larg)
            .map_err(|_| BioError::InvalidArgument("negative offset"))
            .and_then(|pos| self.lock().seek(pos));
        match r {
            Ok(()) => true,
            Err(e) => {
                SslError::from(e).raise();
                false
            }
        }
    }
}

impl BioImpl for StreamIo {
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

    /// The stream commands. `BIO_seek` gives the new offset (a file BIO answers it itself),
    /// `BIO_tell` the position, each -1 on failure; `BIO_get_mem_data` the unread bytes of a
    /// memory BIO (0 for other streams).
    unsafe fn ctrl(&self, b: &BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> Option<c_long> {
        let r = match cmd {
            BIO_CTRL_FLUSH => match self.lock().flush() {
                Ok(()) => 1,
                Err(e) if e.is_non_fatal() => {
                    b.set_retry(BIO_FLAGS_WRITE);
                    0
                }
                Err(e) => {
                    SslError::from(e).raise();
                    0
                }
            },
            BIO_CTRL_EOF => c_long::from(self.lock().eof()),
            BIO_CTRL_PENDING => len_long(self.lock().pending()),
            BIO_CTRL_WPENDING => len_long(self.lock().wpending()),
            BIO_CTRL_RESET => result_long(self.lock().reset()),
            BIO_C_FILE_SEEK => {
                if self.seek(larg) {
                    larg
                } else {
                    -1
                }
            }
            BIO_C_FILE_TELL => match self.lock().tell() {
                Ok(pos) => c_long::try_from(pos).unwrap_or(c_long::MAX),
                Err(e) => {
                    SslError::from(e).raise();
                    -1
                }
            },
            BIO_CTRL_INFO => {
                let st = self.lock();
                let Some(data) = st.mem_data() else {
                    return Some(0);
                };
                if !parg.is_null() {
                    // SAFETY: a char ** (BIO_get_mem_data), per the contract; the bytes stay
                    // where they are until the BIO is next used, as in OpenSSL.
                    unsafe { *parg.cast::<*const u8>() = data.as_ptr() };
                }
                len_long(data.len())
            }
            _ => return None,
        };
        Some(r)
    }

    fn stream(&self, _b: &BIO) -> Option<SharedStreamBio> {
        Some(self.0.clone())
    }

    fn poll_descriptor(&self, write: bool) -> PollDescriptor {
        let s = self.lock();
        if write {
            s.wpoll_descriptor()
        } else {
            s.rpoll_descriptor()
        }
    }
}
