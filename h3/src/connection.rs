//! Connections: a qssl connection object behind h3's [`Connection`](quic::Connection) and
//! [`OpenStreams`](quic::OpenStreams).

use std::collections::VecDeque;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Buf;
use h3::error::Code;
use h3::quic::{self, ConnectionErrorIncoming, StreamErrorIncoming};
use qssl::error::{SslError, clear_error, ssl_r};
use qssl::quic::poll::{POLL_EVENT_ISB, POLL_EVENT_ISU, POLL_EVENT_OSB, POLL_EVENT_OSU};
use qssl::quic::{
    ACCEPT_STREAM_NO_BLOCK, SHUTDOWN_FLAG_NO_BLOCK, SHUTDOWN_FLAG_NO_STREAM_FLUSH,
    STREAM_FLAG_NO_BLOCK, STREAM_FLAG_UNI, Ssl, StreamType,
};

use crate::error::connection_error;
use crate::stream::{BidiStream, RecvStream, SendStream, h3_id};
use qssl::asyncio::driver::{Driver, Slot};

/// A QUIC connection of qssl for the h3 crate: give it to `h3::client::new` or
/// `h3::server::Connection::new`.
///
/// It owns a driver thread that waits on the connection's objects with
/// [`qssl::quic::poll()`] and wakes the tasks waiting on them, so it runs under any async
/// runtime. The thread ends once the connection has terminated or this value, its
/// [`OpenStreams`] and all its streams are dropped.
#[derive(Debug)]
pub struct Connection {
    opener: OpenStreams,
    /// Streams the peer opened, accepted from qssl but not yet taken by h3 (qssl hands out
    /// both kinds from one queue).
    incoming_bidi: VecDeque<Ssl>,
    incoming_uni: VecDeque<Ssl>,
    accept_bidi: Slot,
    accept_uni: Slot,
}

impl Connection {
    /// Wraps the QUIC connection object `conn` (a client connection not started yet, or a
    /// connection accepted from a listener) and starts its driver thread. The object is made
    /// non-blocking, without a default stream, accepting every stream the peer opens; the
    /// caller keeps its other settings (ALPN `h3`, the peer's name, BIOs). A client
    /// connection starts when h3 opens its first stream.
    ///
    /// Fails if `conn` is not a connection or already has a default stream, or if the
    /// thread cannot be started.
    pub fn new(conn: Ssl) -> Result<Connection, SslError> {
        qssl::asyncio::prepare_connection(&conn)?;
        let driver = Driver::start(conn)?;
        Ok(Connection {
            opener: OpenStreams::new(&driver),
            incoming_bidi: VecDeque::new(),
            incoming_uni: VecDeque::new(),
            accept_bidi: driver.slot(),
            accept_uni: driver.slot(),
        })
    }

    /// The QUIC connection object, for its negotiated parameters and figures.
    pub fn ssl(&self) -> &Ssl {
        self.opener.driver.conn()
    }

    /// Moves the streams qssl has waiting into the queues by kind, waking the other kind's
    /// waiting task when its queue grows. Fails once the connection has terminated and
    /// nothing is queued.
    fn accept_waiting(&mut self) -> Result<(), ConnectionErrorIncoming> {
        let conn = self.opener.driver.conn();
        loop {
            match conn.accept_stream(ACCEPT_STREAM_NO_BLOCK) {
                Ok(Some(stream)) if stream.stream_type() == StreamType::Bidi => {
                    self.incoming_bidi.push_back(stream);
                    self.accept_bidi.wake();
                }
                Ok(Some(stream)) => {
                    self.incoming_uni.push_back(stream);
                    self.accept_uni.wake();
                }
                Ok(None) => return Ok(()),
                Err(e) => {
                    let error = connection_error(conn, Some(&e));
                    if self.incoming_bidi.is_empty() && self.incoming_uni.is_empty() {
                        return Err(error);
                    }
                    return Ok(());
                }
            }
        }
    }

    /// Waits in `slot` for a stream of `event`'s kind.
    fn wait_incoming<T>(
        &self,
        slot: &Slot,
        event: u64,
        cx: &Context<'_>,
    ) -> Poll<Result<T, ConnectionErrorIncoming>> {
        let conn = self.opener.driver.conn();
        if slot.wait(conn, event, cx) {
            Poll::Pending
        } else {
            Poll::Ready(Err(connection_error(conn, None)))
        }
    }
}

impl<B: Buf> quic::Connection<B> for Connection {
    type RecvStream = RecvStream;
    type OpenStreams = OpenStreams;

    fn poll_accept_recv(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<RecvStream, ConnectionErrorIncoming>> {
        self.accept_waiting()?;
        let Some(stream) = self.incoming_uni.pop_front() else {
            return self.wait_incoming(&self.accept_uni, POLL_EVENT_ISU, cx);
        };
        let id =
            h3_id(&stream).map_err(|e| ConnectionErrorIncoming::InternalError(e.to_string()))?;
        Poll::Ready(Ok(RecvStream::new(stream, id, &self.opener.driver)))
    }

    fn poll_accept_bidi(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<BidiStream, ConnectionErrorIncoming>> {
        self.accept_waiting()?;
        let Some(stream) = self.incoming_bidi.pop_front() else {
            return self.wait_incoming(&self.accept_bidi, POLL_EVENT_ISB, cx);
        };
        let id =
            h3_id(&stream).map_err(|e| ConnectionErrorIncoming::InternalError(e.to_string()))?;
        Poll::Ready(Ok(BidiStream::new(stream, id, &self.opener.driver)))
    }

    fn opener(&self) -> OpenStreams {
        self.opener.clone()
    }
}

impl<B: Buf> quic::OpenStreams<B> for Connection {
    type BidiStream = BidiStream;
    type SendStream = SendStream;

    fn poll_open_bidi(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<BidiStream, StreamErrorIncoming>> {
        <OpenStreams as quic::OpenStreams<B>>::poll_open_bidi(&mut self.opener, cx)
    }

    fn poll_open_send(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<SendStream, StreamErrorIncoming>> {
        <OpenStreams as quic::OpenStreams<B>>::poll_open_send(&mut self.opener, cx)
    }

    fn close(&mut self, code: Code, reason: &[u8]) {
        <OpenStreams as quic::OpenStreams<B>>::close(&mut self.opener, code, reason);
    }
}

/// Opens streams on a [`Connection`]; h3 holds one per request sender.
#[derive(Debug)]
pub struct OpenStreams {
    driver: Arc<Driver>,
    bidi: Slot,
    uni: Slot,
}

impl OpenStreams {
    fn new(driver: &Arc<Driver>) -> OpenStreams {
        OpenStreams {
            driver: driver.clone(),
            bidi: driver.slot(),
            uni: driver.slot(),
        }
    }

    /// Opens a stream (`flags` as `new_stream` takes them), or waits in `slot` until the
    /// handshake is done and the peer's limit allows one (`event`).
    fn poll_open(
        &self,
        flags: u64,
        slot: &Slot,
        event: u64,
        cx: &Context<'_>,
    ) -> Poll<Result<Ssl, StreamErrorIncoming>> {
        let conn = self.driver.conn();
        let failure = match conn.new_stream(flags | STREAM_FLAG_NO_BLOCK) {
            Ok(stream) => return Poll::Ready(Ok(stream)),
            Err(e)
                if e.error().map(SslError::reason) == Some(ssl_r::STREAM_COUNT_LIMITED)
                    && matches!(conn.conn_close_info(), Ok(None)) =>
            {
                // Not yet: the handshake is under way or the peer's limit is reached.
                clear_error();
                if slot.wait(conn, event, cx) {
                    return Poll::Pending;
                }
                None
            }
            Err(e) => Some(e),
        };
        Poll::Ready(Err(StreamErrorIncoming::ConnectionErrorIncoming {
            connection_error: connection_error(conn, failure.as_ref()),
        }))
    }
}

impl Clone for OpenStreams {
    /// Another opener of the same connection, waiting in its own slots.
    fn clone(&self) -> OpenStreams {
        OpenStreams::new(&self.driver)
    }
}

impl<B: Buf> quic::OpenStreams<B> for OpenStreams {
    type BidiStream = BidiStream;
    type SendStream = SendStream;

    fn poll_open_bidi(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<BidiStream, StreamErrorIncoming>> {
        let stream = std::task::ready!(self.poll_open(0, &self.bidi, POLL_EVENT_OSB, cx))?;
        let id = h3_id(&stream)?;
        Poll::Ready(Ok(BidiStream::new(stream, id, &self.driver)))
    }

    fn poll_open_send(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<SendStream, StreamErrorIncoming>> {
        let stream =
            std::task::ready!(self.poll_open(STREAM_FLAG_UNI, &self.uni, POLL_EVENT_OSU, cx))?;
        let id = h3_id(&stream)?;
        Poll::Ready(Ok(SendStream::new(stream, id, &self.driver)))
    }

    /// Closes the connection at once (CONNECTION_CLOSE with `code` and `reason`, without
    /// waiting for stream data to be acknowledged), as h3 expects of its QUIC layer.
    fn close(&mut self, code: Code, reason: &[u8]) {
        let flags = SHUTDOWN_FLAG_NO_BLOCK | SHUTDOWN_FLAG_NO_STREAM_FLUSH;
        if self
            .driver
            .conn()
            .shutdown_ex(flags, code.value(), reason)
            .is_err()
        {
            // Only a connection that was never started, or is gone already, cannot close.
            clear_error();
        }
    }
}
