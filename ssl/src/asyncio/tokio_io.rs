//! QUIC streams and TLS objects as tokio's `AsyncRead`/`AsyncWrite`.
//!
//! QUIC objects wait through their connection's [`Driver`] thread (a task whose call would
//! block records its object, events and waker in a [`Slot`]); a TLS object over TCP waits
//! on its socket through tokio's reactor.

use std::future::poll_fn;
use std::io;
use std::os::fd::AsFd;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};

use super::driver::{Driver, Slot};
use crate::error::{SslError, clear_error, ssl_r};
use crate::quic::poll::{
    POLL_EVENT_EC, POLL_EVENT_ER, POLL_EVENT_EW, POLL_EVENT_ISB, POLL_EVENT_ISU, POLL_EVENT_OSB,
    POLL_EVENT_OSU, POLL_EVENT_R, POLL_EVENT_W,
};
use crate::quic::{
    ACCEPT_STREAM_NO_BLOCK, MODE_ACCEPT_MOVING_WRITE_BUFFER, MODE_ENABLE_PARTIAL_WRITE,
    SHUTDOWN_FLAG_NO_BLOCK, STREAM_FLAG_NO_BLOCK, STREAM_FLAG_UNI, Ssl,
};
use crate::tls::Tls;
use crate::{ErrorCode, IoError, IoResult};

/// The error a handle reports once its connection is closing and it can wait no more.
fn connection_closed(conn: &Ssl) -> io::Error {
    let why = match conn.conn_close_info() {
        Ok(Some(info)) => format!(
            "the connection closed: code {:#x} {}",
            info.error_code,
            String::from_utf8_lossy(&info.reason)
        ),
        _ => "the connection closed".to_owned(),
    };
    io::Error::new(io::ErrorKind::ConnectionAborted, why)
}

/// Fills `buf` with what `read` puts into its unfilled part (0: the end of the stream); a
/// full `buf` is done at once.
fn read_into(
    buf: &mut ReadBuf<'_>,
    read: impl FnOnce(&mut [u8]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<()>> {
    let dst = buf.initialize_unfilled();
    if dst.is_empty() {
        return Poll::Ready(Ok(()));
    }
    let n = ready!(read(dst))?;
    buf.advance(n);
    Poll::Ready(Ok(()))
}

/// A QUIC connection in async code: completes its handshake, opens and accepts streams,
/// closes. Cloning it gives another handle on the same connection and driver.
#[derive(Debug)]
pub struct QuicConnection {
    driver: Arc<Driver>,
    slot: Slot,
}

impl Clone for QuicConnection {
    fn clone(&self) -> Self {
        QuicConnection {
            driver: self.driver.clone(),
            slot: self.driver.slot(),
        }
    }
}

impl QuicConnection {
    /// Takes `conn` (a client connection with its BIO, peer address and name set, not
    /// started yet; or a connection accepted from a listener) into async use, as
    /// [`prepare_connection`](super::prepare_connection) describes, and starts its driver
    /// thread.
    pub fn new(conn: Ssl) -> Result<QuicConnection, SslError> {
        super::prepare_connection(&conn)?;
        let driver = Driver::start(conn)?;
        Ok(QuicConnection {
            slot: driver.slot(),
            driver,
        })
    }

    /// The connection object, for its negotiated parameters and figures.
    pub fn ssl(&self) -> &Ssl {
        self.driver.conn()
    }

    /// Completes the handshake (a client's starts it).
    pub async fn handshake(&self) -> io::Result<()> {
        poll_fn(|cx| {
            let conn = self.driver.conn();
            match conn.do_handshake() {
                Ok(()) => Poll::Ready(Ok(())),
                // Streams can be opened once the handshake is done.
                Err(e) if e.is_retry() => {
                    if self
                        .slot
                        .wait(conn, POLL_EVENT_OSB | POLL_EVENT_OSU | POLL_EVENT_EC, cx)
                    {
                        Poll::Pending
                    } else {
                        Poll::Ready(Err(connection_closed(conn)))
                    }
                }
                Err(e) => Poll::Ready(Err(e.into())),
            }
        })
        .await
    }

    /// Opens a stream (bidirectional, or unidirectional when `uni`), waiting for the
    /// handshake and for the peer's stream limit.
    pub async fn open_stream(&self, uni: bool) -> io::Result<QuicStream> {
        let (flags, event) = if uni {
            (STREAM_FLAG_UNI, POLL_EVENT_OSU)
        } else {
            (0, POLL_EVENT_OSB)
        };
        let stream = poll_fn(|cx| {
            let conn = self.driver.conn();
            match conn.new_stream(flags | STREAM_FLAG_NO_BLOCK) {
                Ok(stream) => Poll::Ready(Ok(stream)),
                Err(e) if e.error().map(SslError::reason) == Some(ssl_r::STREAM_COUNT_LIMITED) => {
                    clear_error();
                    if self.slot.wait(conn, event | POLL_EVENT_EC, cx) {
                        Poll::Pending
                    } else {
                        Poll::Ready(Err(connection_closed(conn)))
                    }
                }
                Err(e) => Poll::Ready(Err(e.into())),
            }
        })
        .await?;
        Ok(QuicStream::new(stream, &self.driver))
    }

    /// The next stream the peer opens.
    pub async fn accept_stream(&self) -> io::Result<QuicStream> {
        let stream = poll_fn(|cx| {
            let conn = self.driver.conn();
            match conn.accept_stream(ACCEPT_STREAM_NO_BLOCK) {
                Ok(Some(stream)) => Poll::Ready(Ok(stream)),
                Ok(None) => {
                    if self
                        .slot
                        .wait(conn, POLL_EVENT_ISB | POLL_EVENT_ISU | POLL_EVENT_EC, cx)
                    {
                        Poll::Pending
                    } else {
                        Poll::Ready(Err(connection_closed(conn)))
                    }
                }
                Err(e) => Poll::Ready(Err(e.into())),
            }
        })
        .await?;
        Ok(QuicStream::new(stream, &self.driver))
    }

    /// Closes the connection with application error `code` and `reason` once the streams'
    /// data is delivered; returns when the close has started (the driver thread lets the
    /// closing period run its course while a handle remains).
    pub async fn close(&self, code: u64, reason: &[u8]) -> io::Result<()> {
        poll_fn(|cx| {
            let conn = self.driver.conn();
            match conn.shutdown_ex(SHUTDOWN_FLAG_NO_BLOCK, code, reason) {
                Ok(true) => Poll::Ready(Ok(())),
                Ok(false) => {
                    // Waiting is refused once the connection is closing: that is the end.
                    if self.slot.wait(conn, POLL_EVENT_EC, cx) {
                        Poll::Pending
                    } else {
                        Poll::Ready(Ok(()))
                    }
                }
                Err(e) => Poll::Ready(Err(e.into())),
            }
        })
        .await
    }
}

/// A QUIC stream as tokio's `AsyncRead` and `AsyncWrite`: reading ends (`Ok(0)`) at the
/// peer's FIN, `shutdown` sends this side's FIN. A stream the peer reset, or whose
/// connection failed, reports an error.
#[derive(Debug)]
pub struct QuicStream {
    stream: Ssl,
    reading: Slot,
    writing: Slot,
}

impl QuicStream {
    fn new(stream: Ssl, driver: &Arc<Driver>) -> QuicStream {
        // A write takes what fits, and may be retried with other bytes, as tokio's
        // callers do.
        stream.set_mode(MODE_ENABLE_PARTIAL_WRITE | MODE_ACCEPT_MOVING_WRITE_BUFFER);
        QuicStream {
            stream,
            reading: driver.slot(),
            writing: driver.slot(),
        }
    }

    /// The stream object, for its ID and state.
    pub fn ssl(&self) -> &Ssl {
        &self.stream
    }

    /// Runs `op`; if it would block, waits in `slot` for `events`.
    fn poll_op<T>(
        &self,
        cx: &Context<'_>,
        slot: &Slot,
        events: u64,
        mut op: impl FnMut(&Ssl) -> IoResult<T>,
    ) -> Poll<io::Result<T>> {
        match op(&self.stream) {
            Ok(v) => Poll::Ready(Ok(v)),
            Err(e) if e.is_retry() => {
                if slot.wait(&self.stream, events, cx) {
                    return Poll::Pending;
                }
                // The connection is closing: one more try reports how it ended.
                match op(&self.stream) {
                    Ok(v) => Poll::Ready(Ok(v)),
                    Err(e) if e.is_retry() => {
                        Poll::Ready(Err(connection_closed(&self.stream.connection())))
                    }
                    Err(e) => Poll::Ready(Err(e.into())),
                }
            }
            Err(e) => Poll::Ready(Err(e.into())),
        }
    }
}

impl AsyncRead for QuicStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        read_into(buf, |dst| {
            self.poll_op(
                cx,
                &self.reading,
                POLL_EVENT_R | POLL_EVENT_ER,
                |s| match s.read(dst) {
                    Err(e) if e.code() == ErrorCode::ZeroReturn => Ok(0),
                    r => r,
                },
            )
        })
    }
}

impl AsyncWrite for QuicStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_op(cx, &self.writing, POLL_EVENT_W | POLL_EVENT_EW, |s| {
            s.write(buf)
        })
    }

    /// Written data is the connection's to send: there is nothing to flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Ends the stream (FIN after the data written).
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(
            self.stream
                .stream_conclude()
                .map_err(|e| io::Error::from(IoError::from(e))),
        )
    }
}

/// A TLS object over a TCP connection as tokio's `AsyncRead` and `AsyncWrite`: reading
/// ends (`Ok(0)`) at the peer's close_notify or the connection's end, `shutdown` sends
/// close_notify. The handshake runs on the first read or write, or in
/// [`handshake`](Self::handshake).
///
/// The object reads and writes a duplicate of the socket's descriptor; tokio's socket,
/// kept here, tells when the socket is ready, and forgets a readiness the object found
/// used up ([`TcpStream::try_io`](tokio::net::TcpStream::try_io)).
#[derive(Debug)]
pub struct TlsStream {
    tls: Tls,
    tcp: tokio::net::TcpStream,
}

/// What one attempt of an operation found: its value, or the readiness it wants.
type Attempt<T> = Result<T, Interest>;

impl TlsStream {
    /// Runs `tls` (a client or server object, its settings made) over `tcp`.
    pub fn new(tls: Tls, tcp: tokio::net::TcpStream) -> io::Result<TlsStream> {
        // The duplicate shares the socket (and its non-blocking mode) with tokio's.
        let duplicate = std::net::TcpStream::from(tcp.as_fd().try_clone_to_owned()?);
        tls.set_tcp(duplicate);
        tls.set_mode(MODE_ENABLE_PARTIAL_WRITE | MODE_ACCEPT_MOVING_WRITE_BUFFER);
        Ok(TlsStream { tls, tcp })
    }

    /// The TLS object, for what it negotiated.
    pub fn tls(&self) -> &Tls {
        &self.tls
    }

    /// Completes the handshake.
    pub async fn handshake(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.poll_tls(cx, Tls::do_handshake)).await
    }

    /// Runs `op` until it does not want the socket, waiting for the readiness it wants.
    fn poll_tls<T>(
        &self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&Tls) -> IoResult<T>,
    ) -> Poll<io::Result<T>> {
        let mut attempt = |tls: &Tls| -> io::Result<Attempt<T>> {
            match op(tls) {
                Ok(v) => Ok(Ok(v)),
                Err(e) if e.code() == ErrorCode::WantRead => Ok(Err(Interest::READABLE)),
                Err(e) if e.code() == ErrorCode::WantWrite => Ok(Err(Interest::WRITABLE)),
                Err(e) => Err(e.into()),
            }
        };
        let mut want = match attempt(&self.tls)? {
            Ok(v) => return Poll::Ready(Ok(v)),
            Err(want) => want,
        };
        loop {
            if want == Interest::READABLE {
                ready!(self.tcp.poll_read_ready(cx))?;
            } else {
                ready!(self.tcp.poll_write_ready(cx))?;
            }
            // Wanting the same readiness again is WouldBlock, which makes tokio forget the
            // readiness it reported, so the next wait is real.
            let outcome = self.tcp.try_io(want, || match attempt(&self.tls)? {
                Err(w) if w == want => Err(io::ErrorKind::WouldBlock.into()),
                other => Ok(other),
            });
            match outcome {
                Ok(Ok(v)) => return Poll::Ready(Ok(v)),
                Ok(Err(w)) => want = w,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncRead for TlsStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        read_into(buf, |dst| {
            self.poll_tls(cx, |t| match t.read(dst) {
                Err(e) if e.is_end_of_data() => Ok(0),
                r => r,
            })
        })
    }
}

impl AsyncWrite for TlsStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_tls(cx, |t| t.write(buf))
    }

    /// Every write reaches the socket already.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Sends close_notify (TLS 1.3 lets the peer go on sending).
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_tls(cx, |t| t.shutdown().map(|_| ()))
    }
}
