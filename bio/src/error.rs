//! Errors raised by BIO operations.
//!
//! Every error knows which OpenSSL library and reason code it corresponds to (so the C layer can
//! put it on the error queue unchanged) and whether it is transient: a caller that gets a
//! non-fatal error simply retries later, as OpenSSL's `BIO_err_is_non_fatal` tells it to.

use std::fmt;
use std::io;

/// OpenSSL's `ERR_LIB_SYS`: the reason is an `errno` value.
pub const ERR_LIB_SYS: i32 = 2;
/// OpenSSL's `ERR_LIB_BIO`: the reason is one of the `BIO_R_*` codes.
pub const ERR_LIB_BIO: i32 = 32;

/// OpenSSL's `BIO_R_*` reason codes used by this crate.
pub mod reason {
    /// `BIO_R_LENGTH_TOO_LONG`.
    pub const LENGTH_TOO_LONG: i32 = 102;
    /// `BIO_R_LOCAL_ADDR_NOT_AVAILABLE`.
    pub const LOCAL_ADDR_NOT_AVAILABLE: i32 = 111;
    /// `BIO_R_NON_FATAL`.
    pub const NON_FATAL: i32 = 112;
    /// `BIO_R_UNINITIALIZED`.
    pub const UNINITIALIZED: i32 = 120;
    /// `BIO_R_UNSUPPORTED_METHOD`.
    pub const UNSUPPORTED_METHOD: i32 = 121;
    /// `BIO_R_BROKEN_PIPE`.
    pub const BROKEN_PIPE: i32 = 124;
    /// `BIO_R_INVALID_ARGUMENT`.
    pub const INVALID_ARGUMENT: i32 = 125;
    /// `BIO_R_WRITE_TO_READ_ONLY_BIO`.
    pub const WRITE_TO_READ_ONLY_BIO: i32 = 126;
    /// `BIO_R_UNSUPPORTED_IP_FAMILY`.
    pub const UNSUPPORTED_IP_FAMILY: i32 = 146;
    /// `BIO_R_PEER_ADDR_NOT_AVAILABLE`.
    pub const PEER_ADDR_NOT_AVAILABLE: i32 = 151;
}

/// An error from a BIO operation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BioError {
    /// The operation cannot make progress now (empty or full buffer, non-blocking socket):
    /// retry later. Raised as `BIO_R_NON_FATAL` by memory BIOs.
    WouldBlock,
    /// An operating-system error, carried as its `errno` value (`ERR_LIB_SYS`).
    Os(i32),
    /// A local address was given or asked for, but local-address support is not available or
    /// not enabled on this BIO.
    LocalAddrNotAvailable,
    /// A peer address was given, but this BIO cannot honour peer addresses (for a datagram pair:
    /// the other end has not declared it handles destination addresses).
    PeerAddrNotAvailable,
    /// No peer address is known for a send on an unconnected socket.
    NoPeerAddr,
    /// The operation is not supported by this kind of BIO.
    Unsupported(&'static str),
    /// An argument is outside what the operation accepts.
    InvalidArgument(&'static str),
    /// A datagram is larger than the BIO can carry.
    DatagramTooLarge {
        /// Size of the datagram in bytes.
        len: usize,
        /// Largest datagram the BIO accepts.
        max: usize,
    },
    /// A datagram did not fit the receive buffer and the BIO is in no-truncation mode; the
    /// datagram stays queued.
    WouldTruncate {
        /// Size of the waiting datagram.
        len: usize,
        /// Size of the buffer offered.
        buf: usize,
    },
    /// An address of a family this BIO cannot use (an IPv6 peer on an IPv4 socket, a Unix path
    /// on a UDP socket).
    AddrFamilyMismatch,
    /// The write side was shut down (`BIO_shutdown_wr`): nothing more can be written.
    BrokenPipe,
    /// The other half of a pair has been freed; this half can no longer be used.
    Unpaired,
    /// A write to a read-only memory BIO.
    ReadOnly,
}

impl BioError {
    /// Whether the error is transient, with the meaning of OpenSSL's `BIO_err_is_non_fatal`:
    /// would-block, interrupted calls, and network errors a datagram socket reports because of
    /// ICMP messages or momentary congestion.
    pub fn is_non_fatal(&self) -> bool {
        match self {
            BioError::WouldBlock => true,
            BioError::Os(errno) => errno_is_non_fatal(*errno),
            _ => false,
        }
    }

    /// The OpenSSL library code this error is raised under (`ERR_LIB_SYS` or `ERR_LIB_BIO`).
    pub fn lib(&self) -> i32 {
        match self {
            BioError::Os(_) => ERR_LIB_SYS,
            _ => ERR_LIB_BIO,
        }
    }

    /// The OpenSSL reason code: an `errno` for `ERR_LIB_SYS`, a `BIO_R_*` value otherwise.
    pub fn reason(&self) -> i32 {
        match self {
            BioError::WouldBlock => reason::NON_FATAL,
            BioError::Os(errno) => *errno,
            BioError::LocalAddrNotAvailable => reason::LOCAL_ADDR_NOT_AVAILABLE,
            BioError::PeerAddrNotAvailable | BioError::NoPeerAddr => {
                reason::PEER_ADDR_NOT_AVAILABLE
            }
            BioError::Unsupported(_) => reason::UNSUPPORTED_METHOD,
            BioError::InvalidArgument(_) => reason::INVALID_ARGUMENT,
            BioError::DatagramTooLarge { .. } | BioError::WouldTruncate { .. } => {
                reason::LENGTH_TOO_LONG
            }
            BioError::AddrFamilyMismatch => reason::UNSUPPORTED_IP_FAMILY,
            BioError::BrokenPipe => reason::BROKEN_PIPE,
            BioError::Unpaired => reason::UNINITIALIZED,
            BioError::ReadOnly => reason::WRITE_TO_READ_ONLY_BIO,
        }
    }

    /// The error for the calling thread's last OS error.
    pub fn last_os_error() -> Self {
        io::Error::last_os_error().into()
    }
}

/// Whether an `errno` value from a datagram socket is transient.
///
/// Would-block and interruption are retried by every caller. The network errors are what a UDP
/// socket reports after an ICMP message (port or host unreachable) or under momentary buffer
/// pressure; a QUIC connection must survive them, so they are not fatal to the BIO.
pub fn errno_is_non_fatal(errno: i32) -> bool {
    matches!(
        errno,
        libc::EWOULDBLOCK
            | libc::EINTR
            | libc::EINPROGRESS
            | libc::EALREADY
            | libc::EPROTO
            | libc::ENOTCONN
            | libc::ECONNREFUSED
            | libc::EHOSTUNREACH
            | libc::EHOSTDOWN
            | libc::ENETDOWN
            | libc::ENETUNREACH
            | libc::ENOBUFS
            | libc::EMSGSIZE
    )
}

impl fmt::Display for BioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BioError::WouldBlock => f.write_str("operation would block"),
            BioError::Os(errno) => write!(f, "{}", io::Error::from_raw_os_error(*errno)),
            BioError::LocalAddrNotAvailable => {
                f.write_str("local address support is not available or not enabled")
            }
            BioError::PeerAddrNotAvailable => {
                f.write_str("peer addresses are not supported by the other end")
            }
            BioError::NoPeerAddr => f.write_str("no peer address for an unconnected socket"),
            BioError::Unsupported(what) => write!(f, "unsupported by this BIO: {what}"),
            BioError::InvalidArgument(what) => write!(f, "invalid argument: {what}"),
            BioError::DatagramTooLarge { len, max } => {
                write!(f, "datagram of {len} bytes exceeds the maximum of {max}")
            }
            BioError::WouldTruncate { len, buf } => {
                write!(
                    f,
                    "datagram of {len} bytes does not fit a {buf}-byte buffer"
                )
            }
            BioError::AddrFamilyMismatch => f.write_str("address family does not match the BIO"),
            BioError::BrokenPipe => f.write_str("the write side has been shut down"),
            BioError::Unpaired => f.write_str("the other half of the pair has been freed"),
            BioError::ReadOnly => f.write_str("write to a read-only BIO"),
        }
    }
}

impl std::error::Error for BioError {}

impl From<io::Error> for BioError {
    fn from(err: io::Error) -> Self {
        if err.kind() == io::ErrorKind::WouldBlock {
            return BioError::WouldBlock;
        }
        match err.raw_os_error() {
            Some(errno) => BioError::Os(errno),
            None => BioError::Os(libc::EIO),
        }
    }
}

impl From<BioError> for io::Error {
    fn from(err: BioError) -> Self {
        match err {
            BioError::WouldBlock => io::ErrorKind::WouldBlock.into(),
            BioError::Os(errno) => io::Error::from_raw_os_error(errno),
            BioError::BrokenPipe => io::Error::new(io::ErrorKind::BrokenPipe, err),
            other => io::Error::other(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icmp_and_retry_errors_are_non_fatal() {
        for errno in [
            libc::EAGAIN,
            libc::EINTR,
            libc::ECONNREFUSED,
            libc::EHOSTUNREACH,
            libc::ENETDOWN,
            libc::ENETUNREACH,
            libc::ENOBUFS,
        ] {
            assert!(BioError::Os(errno).is_non_fatal(), "errno {errno}");
        }
        assert!(BioError::WouldBlock.is_non_fatal());
    }

    #[test]
    fn hard_errors_are_fatal() {
        for errno in [
            libc::EBADF,
            libc::EINVAL,
            libc::EACCES,
            libc::EPERM,
            libc::EFAULT,
        ] {
            assert!(!BioError::Os(errno).is_non_fatal(), "errno {errno}");
        }
        assert!(!BioError::LocalAddrNotAvailable.is_non_fatal());
        assert!(!BioError::BrokenPipe.is_non_fatal());
    }

    #[test]
    fn codes_match_openssl() {
        assert_eq!(BioError::Os(libc::EPERM).lib(), ERR_LIB_SYS);
        assert_eq!(BioError::Os(libc::EPERM).reason(), libc::EPERM);
        assert_eq!(BioError::WouldBlock.lib(), ERR_LIB_BIO);
        assert_eq!(BioError::WouldBlock.reason(), 112);
        assert_eq!(BioError::LocalAddrNotAvailable.reason(), 111);
        assert_eq!(BioError::PeerAddrNotAvailable.reason(), 151);
        assert_eq!(BioError::Unsupported("x").reason(), 121);
    }

    #[test]
    fn io_round_trip_keeps_would_block() {
        let io: io::Error = BioError::WouldBlock.into();
        assert_eq!(io.kind(), io::ErrorKind::WouldBlock);
        assert_eq!(BioError::from(io), BioError::WouldBlock);
        let refused = io::Error::from_raw_os_error(libc::ECONNREFUSED);
        assert_eq!(BioError::from(refused), BioError::Os(libc::ECONNREFUSED));
    }
}
