//! What an I/O call on an SSL object reports: `SSL_get_error`'s codes, and the error type the
//! safe API returns for them.

use std::fmt;
use std::io;

use crate::error::{self, SslError};

/// `SSL_get_error`'s result for a failed call (`SSL_ERROR_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum ErrorCode {
    /// `SSL_ERROR_NONE`: the call succeeded.
    None = 0,
    /// `SSL_ERROR_SSL`: a protocol or usage error; the error queue says which.
    Ssl = 1,
    /// `SSL_ERROR_WANT_READ`: nothing to read yet (or the handshake needs the network).
    WantRead = 2,
    /// `SSL_ERROR_WANT_WRITE`: the send buffer is full.
    WantWrite = 3,
    /// `SSL_ERROR_SYSCALL`: the network failed; the error queue holds the system error.
    Syscall = 5,
    /// `SSL_ERROR_ZERO_RETURN`: the peer finished the stream (or closed the connection
    /// cleanly); nothing more will be read.
    ZeroReturn = 6,
}

impl ErrorCode {
    /// The `SSL_ERROR_*` number.
    pub fn code(self) -> i32 {
        self as i32
    }

    /// What the calling thread's error queue makes of `SSL_get_error` for a failed call, as
    /// OpenSSL reads it: [`Ssl`](Self::Ssl) for an error on the queue,
    /// [`Syscall`](Self::Syscall) for a system error; `None` for an empty queue.
    pub(crate) fn from_queue() -> Option<Self> {
        match error::peek_error() {
            0 => None,
            e if error::lib_of(e) == error::ERR_LIB_SYS => Some(ErrorCode::Syscall),
            _ => Some(ErrorCode::Ssl),
        }
    }

    /// Decodes an `SSL_ERROR_*` number this library produces.
    pub fn from_code(code: i32) -> Option<Self> {
        Some(match code {
            0 => ErrorCode::None,
            1 => ErrorCode::Ssl,
            2 => ErrorCode::WantRead,
            3 => ErrorCode::WantWrite,
            5 => ErrorCode::Syscall,
            6 => ErrorCode::ZeroReturn,
            _ => return None,
        })
    }
}

/// A failed I/O call: its `SSL_get_error` code, and for [`ErrorCode::Ssl`] and
/// [`ErrorCode::Syscall`] the error raised on the calling thread's queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IoError {
    code: ErrorCode,
    error: Option<SslError>,
}

impl IoError {
    /// The call cannot complete until data arrives.
    pub fn want_read() -> Self {
        IoError {
            code: ErrorCode::WantRead,
            error: None,
        }
    }

    /// The call cannot complete until buffer space frees up.
    pub fn want_write() -> Self {
        IoError {
            code: ErrorCode::WantWrite,
            error: None,
        }
    }

    /// The stream ended: no more data.
    pub fn zero_return() -> Self {
        IoError {
            code: ErrorCode::ZeroReturn,
            error: None,
        }
    }

    /// A protocol or usage error, raised on the error queue here.
    #[track_caller]
    pub fn ssl(error: SslError) -> Self {
        IoError {
            code: ErrorCode::Ssl,
            error: Some(error.raise()),
        }
    }

    /// A network failure, raised on the error queue here.
    #[track_caller]
    pub fn syscall(error: SslError) -> Self {
        IoError {
            code: ErrorCode::Syscall,
            error: Some(error.raise()),
        }
    }

    /// The `SSL_get_error` code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The error raised on the queue, for [`ErrorCode::Ssl`] and [`ErrorCode::Syscall`].
    pub fn error(&self) -> Option<&SslError> {
        self.error.as_ref()
    }

    /// Whether this only says "not yet": WANT_READ or WANT_WRITE.
    pub fn is_retry(&self) -> bool {
        matches!(self.code, ErrorCode::WantRead | ErrorCode::WantWrite)
    }

    /// Whether a read found the end of the peer's data: ZERO_RETURN (a FIN, a
    /// close_notify), or a byte stream that ended without close_notify (SYSCALL with
    /// nothing on the queue, as OpenSSL reports it).
    pub fn is_end_of_data(&self) -> bool {
        match self.code {
            ErrorCode::ZeroReturn => true,
            ErrorCode::Syscall => self.error.is_none(),
            _ => false,
        }
    }
}

impl From<SslError> for IoError {
    /// An error already raised on the queue, reported as `SSL_ERROR_SSL`.
    fn from(error: SslError) -> Self {
        IoError {
            code: ErrorCode::Ssl,
            error: Some(error),
        }
    }
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.code, &self.error) {
            (ErrorCode::WantRead, _) => f.write_str("operation would block (want read)"),
            (ErrorCode::WantWrite, _) => f.write_str("operation would block (want write)"),
            (ErrorCode::ZeroReturn, _) => f.write_str("stream finished"),
            (_, Some(e)) => write!(f, "{e}"),
            (code, None) => write!(f, "SSL error {}", code.code()),
        }
    }
}

impl std::error::Error for IoError {}

impl From<IoError> for io::Error {
    fn from(e: IoError) -> Self {
        let kind = match e.code {
            ErrorCode::WantRead | ErrorCode::WantWrite => io::ErrorKind::WouldBlock,
            ErrorCode::ZeroReturn => io::ErrorKind::UnexpectedEof,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, e)
    }
}

/// The result of an I/O call on an SSL object.
pub type IoResult<T> = Result<T, IoError>;
