//! One queue record and the error value the safe API returns.

use std::borrow::Cow;
use std::fmt;
use std::panic::Location;

use qssl_bio::BioError;

use super::codes::*;
use super::queue::*;
use super::strings::*;

/// One record of the error queue, as `ERR_get_error_all` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRecord {
    /// The packed error code; 0 only for a record opened by [`new_entry`] and not yet set.
    pub code: u32,
    /// Source file that raised the error, if recorded.
    pub file: Option<Cow<'static, str>>,
    /// Source line; 0 when unset.
    pub line: u32,
    /// Function that raised the error, if recorded.
    pub func: Option<Cow<'static, str>>,
    /// Additional text (`ERR_raise_data`, `ERR_add_error_data`).
    pub data: Option<String>,
}

impl ErrorRecord {
    /// A record for `code` with no location and no data.
    pub fn new(code: u32) -> Self {
        Self {
            code,
            file: None,
            line: 0,
            func: None,
            data: None,
        }
    }

    /// The `ERR_TXT_*` flags `ERR_get_error_all` reports: `ERR_TXT_STRING | ERR_TXT_MALLOCED`
    /// when the record carries data, 0 otherwise.
    pub fn flags(&self) -> i32 {
        if self.data.is_some() {
            ERR_TXT_STRING | ERR_TXT_MALLOCED
        } else {
            0
        }
    }
}

/// The error the safe qssl API returns: an OpenSSL packed code plus optional detail text.
///
/// [`SslError::raise`] puts it on the calling thread's queue, where the C layer finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SslError {
    code: u32,
    data: Option<String>,
}

impl SslError {
    /// The error `ERR_raise(lib, reason)` records (a system error for [`ERR_LIB_SYS`]).
    pub fn new(lib: i32, reason: i32) -> Self {
        Self::from_code(pack(lib, reason))
    }

    /// An `ERR_LIB_SSL` error with one of the [`ssl_r`] reasons.
    pub fn ssl(reason: i32) -> Self {
        Self::new(ERR_LIB_SSL, reason)
    }

    /// A system error carrying `errno`.
    pub fn sys(errno: i32) -> Self {
        Self::new(ERR_LIB_SYS, errno)
    }

    /// The error for an already packed code.
    pub fn from_code(code: u32) -> Self {
        Self { code, data: None }
    }

    /// The same error with detail text, recorded as the queue record's data.
    #[must_use]
    pub fn with_data(mut self, data: impl Into<String>) -> Self {
        self.data = Some(data.into());
        self
    }

    /// The packed code, as `ERR_get_error` would return it.
    pub fn code(&self) -> u32 {
        self.code
    }

    /// `ERR_GET_LIB` of the code.
    pub fn lib(&self) -> i32 {
        lib_of(self.code)
    }

    /// `ERR_GET_REASON` of the code (the `errno` for a system error).
    pub fn reason(&self) -> i32 {
        reason_of(self.code)
    }

    /// The detail text, if any.
    pub fn data(&self) -> Option<&str> {
        self.data.as_deref()
    }

    /// Whether the code carries an `errno`.
    pub fn is_system(&self) -> bool {
        is_system_error(self.code)
    }

    /// Pushes the error onto the calling thread's queue, located at the caller, and returns it
    /// so a function can `return Err(SslError::ssl(..).raise())`. The record's data is cut to
    /// `ERR_MAX_DATA_SIZE - 1` bytes as [`raise_data`] cuts it; the returned error keeps it
    /// whole.
    #[track_caller]
    pub fn raise(self) -> Self {
        let location = Location::caller();
        push(ErrorRecord {
            code: self.code,
            file: Some(Cow::Borrowed(location.file())),
            line: location.line(),
            func: None,
            data: self.data.clone().map(record_data),
        });
        self
    }
}

impl fmt::Display for SslError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&reason_string(self.code))?;
        match &self.data {
            Some(data) => write!(f, ": {data}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for SslError {}

impl From<BioError> for SslError {
    /// Packs the BIO error under its library and reason: `ERR_LIB_SYS` with the `errno` for an
    /// OS error, `ERR_LIB_BIO` otherwise (would-block becomes `BIO_R_NON_FATAL`). Variants with
    /// detail beyond the reason keep the BIO error's text as data.
    fn from(err: BioError) -> Self {
        let error = Self::new(err.lib(), err.reason());
        match err {
            BioError::WouldBlock | BioError::Os(_) => error,
            other => error.with_data(other.to_string()),
        }
    }
}

impl From<&ErrorRecord> for SslError {
    fn from(record: &ErrorRecord) -> Self {
        Self {
            code: record.code,
            data: record.data.clone(),
        }
    }
}
