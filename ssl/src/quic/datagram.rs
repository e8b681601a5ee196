//! Unreliable datagrams (RFC 9221) on QUIC connections. OpenSSL has no such calls: these are
//! qssl's own, reached from C as the `QSSL_` functions of `<qssl/datagram.h>`.
//!
//! Both sides must offer DATAGRAM frames (a nonzero max_datagram_frame_size, from
//! [`ConnectionConfig::max_datagram_frame_size`](crate::ctx::ConnectionConfig) or
//! [`Ssl::set_max_datagram_frame_size`]) for a side to send them. A datagram goes in one
//! packet or not at all, is never sent again, and may arrive in any order or not arrive;
//! [`Ssl::datagram_stats`] tells what became of them.

pub use qssl_quic::conn::{DatagramError, DatagramStats};

use super::handshake::{connection_failure, handshake_state};
use super::object::Ssl;
use super::port::{ConnKey, PortState};
use crate::error::{ERR_LIB_SSL, SslError, err_r, ssl_r};
use crate::result::{IoError, IoResult};

impl Ssl {
    /// Offers DATAGRAM frames of up to `max` bytes (type and length fields included; `None`
    /// or 0: none) on this connection, or on the connections a listener accepts from now on.
    /// A connection's offer is fixed once it starts (`SSL_R_FEATURE_NOT_RENEGOTIABLE`).
    #[track_caller]
    pub fn set_max_datagram_frame_size(&self, max: Option<u64>) -> Result<(), SslError> {
        let key = if self.is_listener() {
            None
        } else {
            Some(self.expect_connection()?)
        };
        let mut st = self.obj.port.lock();
        if key.is_some_and(|k| st.handle(k).is_some()) {
            return Err(SslError::ssl(ssl_r::FEATURE_NOT_RENEGOTIABLE).raise());
        }
        st.endpoint.connection_config_mut().max_datagram_frame_size = max.filter(|m| *m > 0);
        Ok(())
    }

    /// Queues one datagram on the connection (a stream object's connection), starting the
    /// connection and waiting for its handshake first as `SSL_write` does. Errors:
    /// `ERR_R_UNSUPPORTED` when the peer did not offer DATAGRAM frames,
    /// `SSL_R_DATA_LENGTH_TOO_LONG` above [`datagram_max_size`](Self::datagram_max_size),
    /// WANT_WRITE while the send queue is full (a blocking call waits for room).
    pub fn send_datagram(&self, data: &[u8]) -> IoResult<()> {
        self.run(false, |st, now| {
            let key = self.datagram_conn(st, now)?;
            let Some(conn) = st.conn_mut(key).1 else {
                return Err(closed(st, key));
            };
            conn.datagram_send(data).map_err(|e| match e {
                DatagramError::NotNegotiated => IoError::ssl(
                    SslError::new(ERR_LIB_SSL, err_r::UNSUPPORTED)
                        .with_data("the peer did not offer DATAGRAM frames"),
                ),
                DatagramError::TooLarge { max } => IoError::ssl(
                    SslError::ssl(ssl_r::DATA_LENGTH_TOO_LONG)
                        .with_data(format!("{} bytes, {max} fit", data.len())),
                ),
                DatagramError::QueueFull => IoError::want_write(),
                DatagramError::ConnectionClosed => closed(st, key),
            })
        })
    }

    /// Reads the oldest datagram received into `buf` and returns its length. WANT_READ when
    /// none is there (a blocking call waits); `SSL_R_BAD_LENGTH` if `buf` is shorter than it
    /// (it stays queued: [`datagram_pending_len`](Self::datagram_pending_len) says how long
    /// it is); the connection's failure once it is closed and none is left.
    pub fn recv_datagram(&self, buf: &mut [u8]) -> IoResult<usize> {
        self.run(false, |st, now| {
            let key = self.datagram_conn(st, now)?;
            let Some(conn) = st.conn_mut(key).1 else {
                return Err(closed(st, key));
            };
            match conn.datagram_peek_len() {
                Some(len) if len > buf.len() => Err(IoError::ssl(
                    SslError::ssl(ssl_r::BAD_LENGTH)
                        .with_data(format!("datagram of {len} bytes, buffer of {}", buf.len())),
                )),
                Some(len) => {
                    let data = conn.datagram_recv().unwrap_or_default();
                    buf[..len].copy_from_slice(&data);
                    Ok(len)
                }
                None => Err(connection_failure(st, key).unwrap_or_else(IoError::want_read)),
            }
        })
    }

    /// The largest datagram [`send_datagram`](Self::send_datagram) takes now (it depends on
    /// the peer's limit and the path's datagram size); `None` before the handshake or when
    /// the peer did not offer DATAGRAM frames.
    pub fn datagram_max_size(&self) -> Option<usize> {
        self.with_conn(|c| c.datagram_max_size()).flatten()
    }

    /// The length of the datagram [`recv_datagram`](Self::recv_datagram) reads next, without
    /// network I/O.
    pub fn datagram_pending_len(&self) -> Option<usize> {
        self.with_conn(|c| c.datagram_peek_len()).flatten()
    }

    /// What became of the connection's datagrams (all zero before it starts).
    pub fn datagram_stats(&self) -> DatagramStats {
        self.with_conn(|c| c.datagram_stats()).unwrap_or_default()
    }

    /// `f` on this object's connection engine, once it exists.
    fn with_conn<T>(&self, f: impl FnOnce(&qssl_quic::conn::Connection) -> T) -> Option<T> {
        let key = self.conn_key()?;
        let st = self.obj.port.lock();
        st.conn(key).map(f)
    }

    /// The connection a datagram call works on, its handshake complete.
    fn datagram_conn(&self, st: &mut PortState, now: std::time::Instant) -> IoResult<ConnKey> {
        let key = self
            .conn_key()
            .ok_or_else(super::object::listener_io_error)?;
        self.start(st, key, now)?;
        handshake_state(st, key)?;
        Ok(key)
    }
}

/// The error for a datagram call on a connection that is closing or gone.
fn closed(st: &PortState, key: ConnKey) -> IoError {
    connection_failure(st, key)
        .unwrap_or_else(|| IoError::ssl(SslError::ssl(ssl_r::PROTOCOL_IS_SHUTDOWN)))
}
