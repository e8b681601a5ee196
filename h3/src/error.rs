//! qssl's failures as the h3 crate's QUIC error types.

use std::fmt;
use std::sync::Arc;

use h3::quic::{ConnectionErrorIncoming, StreamErrorIncoming};
use qssl::error::clear_error;
use qssl::quic::{ConnCloseInfo, Ssl, StreamEnd};
use qssl::{ErrorCode, IoError};

/// The error code qssl reports for a connection that timed out
/// (`OSSL_QUIC_LOCAL_ERR_IDLE_TIMEOUT`).
const IDLE_TIMEOUT: u64 = u64::MAX;

/// A connection closed with a transport error (not by the application on either side).
#[derive(Debug)]
struct TransportClose(ConnCloseInfo);

impl fmt::Display for TransportClose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let info = &self.0;
        write!(
            f,
            "QUIC connection closed {} with transport error {:#x} (frame type {:#x}): {}",
            if info.local { "locally" } else { "by the peer" },
            info.error_code,
            info.frame_type,
            String::from_utf8_lossy(&info.reason)
        )
    }
}

impl std::error::Error for TransportClose {}

/// Why `conn` failed: how it closed, or else `failure` (the call that failed on it).
pub(crate) fn connection_error(conn: &Ssl, failure: Option<&IoError>) -> ConnectionErrorIncoming {
    match conn.conn_close_info() {
        Ok(Some(info)) if info.transport && info.error_code == IDLE_TIMEOUT => {
            ConnectionErrorIncoming::Timeout
        }
        Ok(Some(info)) if !info.transport => ConnectionErrorIncoming::ApplicationClose {
            error_code: info.error_code,
        },
        Ok(Some(info)) => ConnectionErrorIncoming::Undefined(Arc::new(TransportClose(info))),
        Ok(None) | Err(_) => {
            clear_error();
            ConnectionErrorIncoming::Undefined(Arc::new(failure.cloned().unwrap_or_else(|| {
                IoError::from(qssl::error::SslError::ssl(
                    qssl::error::ssl_r::PROTOCOL_IS_SHUTDOWN,
                ))
            })))
        }
    }
}

/// Which part of a stream a call used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Read,
    Write,
}

/// What `failure`, a call on `part` of `stream` (of `conn`), means to h3: the connection's
/// end, the peer's reset (or STOP_SENDING) with its code, or another failure.
pub(crate) fn stream_error(
    conn: &Ssl,
    stream: &Ssl,
    part: Part,
    failure: IoError,
) -> StreamErrorIncoming {
    clear_error();
    if matches!(conn.conn_close_info(), Ok(Some(_))) {
        return StreamErrorIncoming::ConnectionErrorIncoming {
            connection_error: connection_error(conn, Some(&failure)),
        };
    }
    let end = match part {
        Part::Read => stream.stream_read_end(),
        Part::Write => stream.stream_write_end(),
    };
    match end {
        StreamEnd::Reset(error_code) => StreamErrorIncoming::StreamTerminated { error_code },
        StreamEnd::Finished | StreamEnd::Open if failure.code() == ErrorCode::Syscall => {
            StreamErrorIncoming::ConnectionErrorIncoming {
                connection_error: ConnectionErrorIncoming::Undefined(Arc::new(failure)),
            }
        }
        StreamEnd::Finished | StreamEnd::Open => StreamErrorIncoming::Unknown(Box::new(failure)),
    }
}
