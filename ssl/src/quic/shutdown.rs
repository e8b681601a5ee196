//! Closing a connection (`SSL_shutdown_ex`, `SSL_shutdown`) and learning how it closed
//! (`SSL_get_conn_close_info`).

use qssl_quic::conn::IDLE_TIMEOUT_CODE;

use super::conn_state::Shutdown;
use super::object::{Kind, Ssl};
use super::stream::{app_mut, check_app_code};
use crate::error::{SslError, ssl_r};
use crate::result::{IoError, IoResult};

/// `SSL_SHUTDOWN_FLAG_RAPID`: send CONNECTION_CLOSE once and do not wait in the closing
/// state.
pub const SHUTDOWN_FLAG_RAPID: u64 = 1;
/// `SSL_SHUTDOWN_FLAG_NO_STREAM_FLUSH`: close without waiting for stream data to be
/// acknowledged.
pub const SHUTDOWN_FLAG_NO_STREAM_FLUSH: u64 = 2;
/// `SSL_SHUTDOWN_FLAG_NO_BLOCK`: do not wait, even on a blocking connection.
pub const SHUTDOWN_FLAG_NO_BLOCK: u64 = 4;
/// `SSL_SHUTDOWN_FLAG_WAIT_PEER`: wait for the peer to close first.
pub const SHUTDOWN_FLAG_WAIT_PEER: u64 = 8;

/// How a connection closed (`SSL_CONN_CLOSE_INFO`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnCloseInfo {
    /// The error code: an application's, a transport error code, or `u64::MAX`
    /// (`OSSL_QUIC_LOCAL_ERR_IDLE_TIMEOUT`) after an idle timeout.
    pub error_code: u64,
    /// The frame type that caused a transport error (0 if none or not a transport close).
    pub frame_type: u64,
    /// The reason phrase.
    pub reason: Vec<u8>,
    /// `SSL_CONN_CLOSE_FLAG_LOCAL`: this side closed.
    pub local: bool,
    /// `SSL_CONN_CLOSE_FLAG_TRANSPORT`: a transport (not application) close.
    pub transport: bool,
}

impl Ssl {
    /// `SSL_shutdown_ex`: closes the connection with an application error code in
    /// [0, 2^62-1] and a reason (both from the first call only). Unless
    /// [`SHUTDOWN_FLAG_NO_STREAM_FLUSH`] or [`SHUTDOWN_FLAG_WAIT_PEER`], stream data is
    /// first delivered (acknowledged); with `WAIT_PEER` the peer's close is awaited. Then
    /// CONNECTION_CLOSE is sent, and unless [`SHUTDOWN_FLAG_RAPID`] the connection lingers
    /// in the closing state (about three PTOs) as RFC 9000 asks; if the peer closed first, it
    /// drains as long, again unless `RAPID`. Returns `Ok(true)` once
    /// terminated, `Ok(false)` while in progress (a blocking call without
    /// [`SHUTDOWN_FLAG_NO_BLOCK`] waits instead). On a stream fails with
    /// `SSL_R_CONN_USE_ONLY`.
    pub fn shutdown_ex(&self, flags: u64, code: u64, reason: &[u8]) -> IoResult<bool> {
        let key = match self.expect_connection() {
            Ok(k) => k,
            Err(e) => return Err(IoError::from(e)),
        };
        check_app_code(code).map_err(IoError::from)?;
        let rapid = flags & SHUTDOWN_FLAG_RAPID != 0;
        let wait_peer = flags & SHUTDOWN_FLAG_WAIT_PEER != 0;
        let flush = !wait_peer && flags & SHUTDOWN_FLAG_NO_STREAM_FLUSH == 0;
        let result = self.run(flags & SHUTDOWN_FLAG_NO_BLOCK != 0, |st, now| {
            let app = app_mut(st, key).map_err(IoError::from)?;
            let shutdown = app
                .shutdown
                .get_or_insert_with(|| Shutdown {
                    code,
                    reason: reason.to_vec(),
                })
                .clone();
            let Some(conn) = st.conn_mut(key).1 else {
                // Never started: nothing to close.
                return Ok(true);
            };
            if conn.is_closed() {
                return Ok(true);
            }
            if conn.close_info().is_none() {
                if wait_peer {
                    return Err(IoError::want_read());
                }
                if flush && !conn.streams_flushed() {
                    // The peer may hold its acknowledgment for its ACK delay: ask for it now.
                    conn.prompt_ack(now);
                    return Err(IoError::want_read());
                }
                if rapid {
                    conn.close_rapid(now, shutdown.code, &shutdown.reason);
                } else {
                    conn.close(now, shutdown.code, &shutdown.reason);
                }
            } else if rapid {
                // The peer closed first: a rapid shutdown does not wait out the draining
                // period either.
                conn.end_draining();
            }
            if conn.is_closed() {
                return Ok(true);
            }
            if rapid {
                // Send the CONNECTION_CLOSE now: once it is out, a rapid close is complete.
                st.flush(now);
                return Ok(st.conn_mut(key).1.is_none_or(|c| c.is_closed()));
            }
            Err(IoError::want_read())
        });
        match result {
            Err(e) if e.is_retry() => Ok(false),
            r => r,
        }
    }

    /// `SSL_shutdown`: [`shutdown_ex`](Self::shutdown_ex) with no flags, code 0 and no
    /// reason.
    pub fn shutdown(&self) -> IoResult<bool> {
        self.shutdown_ex(0, 0, b"")
    }

    /// `SSL_get_shutdown` on a connection, as OpenSSL answers it: (sent, received) is
    /// (false, false) until it begins to terminate; (true, false) while it is closing after
    /// its own CONNECTION_CLOSE; (true, true) once the peer closed it or it has terminated.
    /// (false, false) for streams and listeners.
    pub fn shutdown_flags(&self) -> (bool, bool) {
        let Kind::Connection { key, .. } = &self.obj.kind else {
            return (false, false);
        };
        let st = self.obj.port.lock();
        match st.conn(*key) {
            Some(c) => match c.close_info() {
                None => (false, false),
                Some(info) => (true, !info.local || c.is_closed()),
            },
            // Never started: nothing to close.
            None => (false, false),
        }
    }

    /// `SSL_get_conn_close_info`: `Ok(None)` while the connection has not begun to
    /// terminate. Fails (OpenSSL's -1) on streams and listeners.
    #[track_caller]
    pub fn conn_close_info(&self) -> Result<Option<ConnCloseInfo>, SslError> {
        let key = match &self.obj.kind {
            Kind::Connection { key, .. } => *key,
            _ => {
                return Err(SslError::ssl(ssl_r::CONN_USE_ONLY).raise());
            }
        };
        let st = self.obj.port.lock();
        Ok(st
            .conn(key)
            .and_then(|c| c.close_info())
            .map(|info| ConnCloseInfo {
                error_code: info.error_code,
                frame_type: if info.transport {
                    info.frame_type.unwrap_or(0)
                } else {
                    0
                },
                reason: info.reason.clone(),
                local: info.local,
                transport: info.transport || info.error_code == IDLE_TIMEOUT_CODE,
            }))
    }
}
