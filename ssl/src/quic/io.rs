//! Reading and writing stream data (`SSL_read_ex`, `SSL_peek_ex`, `SSL_write_ex`,
//! `SSL_write_ex2`), and `std::io::Read`/`Write` on SSL objects.

use std::io;
use std::sync::PoisonError;

use qssl_quic::StreamId;
use qssl_quic::conn::{ReadOutcome, StreamError};

use super::handshake::connection_failure;
use super::object::{
    MODE_ACCEPT_MOVING_WRITE_BUFFER, MODE_ENABLE_PARTIAL_WRITE, PendingWrite, Ssl,
};
use super::port::{ConnKey, PortState};
use super::stream::conclude;
use crate::error::{SslError, ssl_r};
use crate::result::{IoError, IoResult};

/// `SSL_WRITE_FLAG_CONCLUDE`: end the stream after this write's data.
pub const WRITE_FLAG_CONCLUDE: u64 = 1;

impl Ssl {
    /// `SSL_read_ex`: reads stream data. `Err` with ZERO_RETURN once the peer's FIN has been
    /// read, WANT_READ when nothing is there yet (non-blocking), SSL on a reset stream or a
    /// failed connection.
    pub fn read(&self, buf: &mut [u8]) -> IoResult<usize> {
        self.read_inner(buf, false)
    }

    /// `SSL_peek_ex`: as [`read`](Self::read), without consuming the data.
    pub fn peek(&self, buf: &mut [u8]) -> IoResult<usize> {
        self.read_inner(buf, true)
    }

    fn read_inner(&self, buf: &mut [u8], peek: bool) -> IoResult<usize> {
        self.run(false, |st, now| {
            let (key, id) = self.io_stream(st, now, false)?;
            let result = match st.conn_mut(key).1 {
                Some(conn) if peek => conn.stream_peek(id, buf),
                Some(conn) => conn.stream_read(id, buf),
                None => Err(StreamError::ConnectionClosed),
            };
            match result {
                Ok(ReadOutcome { len, .. }) if len > 0 => Ok(len),
                Ok(_) => {
                    if !peek && let Some(app) = st.conns.get_mut(&key) {
                        app.fin_reported.insert(id);
                    }
                    Err(IoError::zero_return())
                }
                Err(e) => Err(stream_error(st, key, id, e, false)),
            }
        })
    }

    /// `SSL_write_ex`: writes stream data. Without `SSL_MODE_ENABLE_PARTIAL_WRITE` the call
    /// reports success only once all of `buf` is taken; in non-blocking mode it may take part
    /// and report WANT_WRITE, and must then be retried with the same buffer (or the same
    /// contents elsewhere with `SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER`).
    pub fn write(&self, buf: &[u8]) -> IoResult<usize> {
        self.write_ex2(buf, 0)
    }

    /// `SSL_write_ex2`: [`write`](Self::write) with flags; [`WRITE_FLAG_CONCLUDE`] ends the
    /// stream once all of `buf` is written.
    pub fn write_ex2(&self, buf: &[u8], flags: u64) -> IoResult<usize> {
        if flags & !WRITE_FLAG_CONCLUDE != 0 {
            let r = Err(IoError::ssl(SslError::ssl(ssl_r::UNSUPPORTED_WRITE_FLAG)));
            self.record(&r);
            return r;
        }
        let partial = self.mode() & MODE_ENABLE_PARTIAL_WRITE != 0;
        let moving = self.mode() & MODE_ACCEPT_MOVING_WRITE_BUFFER != 0;
        let ptr = buf.as_ptr() as usize;
        self.run(false, |st, now| {
            let (key, id) = self.io_stream(st, now, true)?;
            if st.conns.get(&key).is_some_and(|a| a.shutdown.is_some()) {
                return Err(IoError::ssl(SslError::ssl(ssl_r::PROTOCOL_IS_SHUTDOWN)));
            }
            let mut pending = self
                .obj
                .pending_write
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let start = match *pending {
                Some(p) if p.len == buf.len() && (p.ptr == ptr || moving) => p.done,
                Some(_) => {
                    *pending = None;
                    return Err(IoError::ssl(SslError::ssl(ssl_r::BAD_WRITE_RETRY)));
                }
                None => 0,
            };
            let Some(conn) = st.conn_mut(key).1 else {
                drop(pending);
                return Err(stream_error(
                    st,
                    key,
                    id,
                    StreamError::ConnectionClosed,
                    true,
                ));
            };
            let mut done = start;
            let mut failure = None;
            while done < buf.len() {
                match conn.stream_write(id, &buf[done..]) {
                    Ok(n) => done += n,
                    Err(StreamError::WouldBlock) => break,
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            if let Some(e) = failure {
                *pending = None;
                drop(pending);
                return Err(stream_error(st, key, id, e, true));
            }
            if done == buf.len() {
                *pending = None;
                drop(pending);
                if flags & WRITE_FLAG_CONCLUDE != 0 {
                    conclude(st, key, id).map_err(IoError::from)?;
                }
                return Ok(buf.len());
            }
            if partial && done > 0 {
                *pending = None;
                return Ok(done);
            }
            *pending = Some(PendingWrite {
                ptr,
                len: buf.len(),
                done,
            });
            Err(IoError::want_write())
        })
    }

    /// `SSL_pending`: bytes that can be read from the stream now, without network I/O.
    pub fn pending(&self) -> usize {
        let st = self.obj.port.lock();
        self.current_stream(&st)
            .and_then(|(key, id)| st.conn(key).map(|c| c.stream_readable(id)))
            .map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// `SSL_has_pending`: whether stream data is ready to read.
    pub fn has_pending(&self) -> bool {
        self.pending() > 0
    }
}

/// The error a stream call reports for the engine's `e`.
fn stream_error(
    st: &PortState,
    key: ConnKey,
    id: StreamId,
    e: StreamError,
    write: bool,
) -> IoError {
    let reason = match e {
        StreamError::WouldBlock | StreamError::LimitReached => {
            return if write {
                IoError::want_write()
            } else {
                IoError::want_read()
            };
        }
        StreamError::ConnectionClosed | StreamError::NotReady => {
            return connection_failure(st, key)
                .unwrap_or_else(|| IoError::ssl(SslError::ssl(ssl_r::PROTOCOL_IS_SHUTDOWN)));
        }
        StreamError::WrongDirection if write => ssl_r::STREAM_RECV_ONLY,
        StreamError::WrongDirection => ssl_r::STREAM_SEND_ONLY,
        StreamError::Reset(_) | StreamError::Stopped(_) => ssl_r::STREAM_RESET,
        StreamError::Finished if write => {
            let reset = st
                .conn(key)
                .and_then(|c| c.stream_send_info(id))
                .is_some_and(|i| i.reset_code.is_some());
            if reset {
                ssl_r::STREAM_RESET
            } else {
                ssl_r::STREAM_FINISHED
            }
        }
        StreamError::Finished | StreamError::UnknownStream => ssl_r::STREAM_FINISHED,
    };
    IoError::ssl(SslError::ssl(reason).with_data(e.to_string()))
}

impl io::Read for &Ssl {
    /// Reads stream data; the end of the stream reads as `Ok(0)`.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match Ssl::read(self, buf) {
            Ok(n) => Ok(n),
            Err(e) if e.code() == crate::result::ErrorCode::ZeroReturn => Ok(0),
            Err(e) => Err(e.into()),
        }
    }
}

impl io::Write for &Ssl {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(Ssl::write(self, buf)?)
    }

    /// Data is handed to the connection as it is written; there is nothing to flush.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl io::Read for Ssl {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        io::Read::read(&mut &*self, buf)
    }
}

impl io::Write for Ssl {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        io::Write::write(&mut &*self, buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
