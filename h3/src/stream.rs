//! Streams: qssl stream objects behind h3's [`SendStream`](quic::SendStream),
//! [`RecvStream`](quic::RecvStream) and [`BidiStream`](quic::BidiStream).
//!
//! The two halves of a bidirectional stream share one qssl object and wait in separate
//! slots, so one task may send while another receives. The stream's object goes (and qssl
//! resets an unfinished sending part and stops an unfinished receiving part, with code 0)
//! once both halves are dropped.

use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, BufMut, Bytes};
use h3::quic::{self, StreamErrorIncoming, StreamId};
use qssl::ErrorCode;
use qssl::error::clear_error;
use qssl::quic::poll::{POLL_EVENT_ER, POLL_EVENT_EW, POLL_EVENT_R, POLL_EVENT_W};
use qssl::quic::{MODE_ENABLE_PARTIAL_WRITE, Ssl};

use crate::error::{Part, connection_error, stream_error};
use qssl::asyncio::driver::{Driver, Slot};

/// Bytes taken from a stream per read.
const READ_CHUNK: usize = 32 * 1024;

/// The h3 stream ID of a qssl stream object.
pub(crate) fn h3_id(stream: &Ssl) -> Result<StreamId, StreamErrorIncoming> {
    StreamId::try_from(stream.stream_id())
        .map_err(|e| StreamErrorIncoming::Unknown(e.to_string().into()))
}

/// Why a task cannot wait on its connection: the connection is terminating.
fn closed(driver: &Driver) -> StreamErrorIncoming {
    StreamErrorIncoming::ConnectionErrorIncoming {
        connection_error: connection_error(driver.conn(), None),
    }
}

/// The sending part of a QUIC stream.
#[derive(Debug)]
pub struct SendStream {
    ssl: Ssl,
    id: StreamId,
    slot: Slot,
    /// What h3 handed over and the stream has not taken yet.
    writing: Bytes,
}

impl SendStream {
    pub(crate) fn new(ssl: Ssl, id: StreamId, driver: &Arc<Driver>) -> SendStream {
        ssl.set_mode(MODE_ENABLE_PARTIAL_WRITE);
        SendStream {
            ssl,
            id,
            slot: driver.slot(),
            writing: Bytes::new(),
        }
    }

    fn error(&self, failure: qssl::IoError) -> StreamErrorIncoming {
        stream_error(self.slot.driver().conn(), &self.ssl, Part::Write, failure)
    }
}

impl<B: Buf> quic::SendStream<B> for SendStream {
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), StreamErrorIncoming>> {
        while !self.writing.is_empty() {
            match self.ssl.write(&self.writing) {
                Ok(n) => self.writing.advance(n),
                Err(e) if e.is_retry() => {
                    if !self.slot.wait(&self.ssl, POLL_EVENT_W | POLL_EVENT_EW, cx) {
                        return Poll::Ready(Err(closed(self.slot.driver())));
                    }
                    return Poll::Pending;
                }
                Err(e) => {
                    self.writing.clear();
                    return Poll::Ready(Err(self.error(e)));
                }
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Takes `data` whole (one frame, copied into one buffer so the stream gets it in one
    /// write); it is written by this call and later [`poll_ready`](h3::quic::SendStream::poll_ready) calls.
    fn send_data<T: Into<quic::WriteBuf<B>>>(
        &mut self,
        data: T,
    ) -> Result<(), StreamErrorIncoming> {
        if !self.writing.is_empty() {
            return Err(StreamErrorIncoming::Unknown(
                "send_data before poll_ready finished the previous data".into(),
            ));
        }
        let mut data = data.into();
        let mut frame = Vec::with_capacity(data.remaining());
        frame.put(&mut data);
        self.writing = Bytes::from(frame);
        match self.ssl.write(&self.writing) {
            Ok(n) => self.writing.advance(n),
            Err(e) if e.is_retry() => {}
            Err(e) => {
                self.writing.clear();
                return Err(self.error(e));
            }
        }
        Ok(())
    }

    fn poll_finish(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), StreamErrorIncoming>> {
        match <Self as quic::SendStream<B>>::poll_ready(self, cx) {
            Poll::Ready(Ok(())) => {}
            other => return other,
        }
        Poll::Ready(
            self.ssl
                .stream_conclude()
                .map_err(|e| self.error(qssl::IoError::from(e))),
        )
    }

    fn reset(&mut self, reset_code: u64) {
        self.writing.clear();
        // A stream that already ended, or a connection that has, has nothing left to reset.
        if self.ssl.stream_reset(reset_code).is_err() {
            clear_error();
        }
    }

    fn send_id(&self) -> StreamId {
        self.id
    }
}

/// The receiving part of a QUIC stream.
#[derive(Debug)]
pub struct RecvStream {
    /// `None` once h3 stopped the receiving part.
    ssl: Option<Ssl>,
    id: StreamId,
    slot: Slot,
    /// Where reads land before they are copied into a buffer of their size.
    scratch: Vec<u8>,
}

impl RecvStream {
    pub(crate) fn new(ssl: Ssl, id: StreamId, driver: &Arc<Driver>) -> RecvStream {
        RecvStream {
            ssl: Some(ssl),
            id,
            slot: driver.slot(),
            scratch: Vec::new(),
        }
    }
}

impl quic::RecvStream for RecvStream {
    type Buf = Bytes;

    fn poll_data(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Option<Bytes>, StreamErrorIncoming>> {
        let Some(ssl) = &self.ssl else {
            return Poll::Ready(Err(StreamErrorIncoming::Unknown(
                "the receiving part was stopped".into(),
            )));
        };
        self.scratch.resize(READ_CHUNK, 0);
        match ssl.read(&mut self.scratch) {
            Ok(n) => Poll::Ready(Ok(Some(Bytes::copy_from_slice(&self.scratch[..n])))),
            Err(e) if e.code() == ErrorCode::ZeroReturn => Poll::Ready(Ok(None)),
            Err(e) if e.is_retry() => {
                if self.slot.wait(ssl, POLL_EVENT_R | POLL_EVENT_ER, cx) {
                    Poll::Pending
                } else {
                    Poll::Ready(Err(closed(self.slot.driver())))
                }
            }
            Err(e) => Poll::Ready(Err(stream_error(
                self.slot.driver().conn(),
                ssl,
                Part::Read,
                e,
            ))),
        }
    }

    /// Sends STOP_SENDING with `error_code` and lets go of the receiving part's handle.
    fn stop_sending(&mut self, error_code: u64) {
        if let Some(ssl) = &self.ssl {
            // A closed connection or a finished stream has nothing left to stop.
            let _ = ssl.stream_stop_sending(error_code);
            clear_error();
        }
        // The slot's wait holds a handle too.
        self.slot.wake();
        self.ssl = None;
        self.scratch = Vec::new();
    }

    fn recv_id(&self) -> StreamId {
        self.id
    }
}

/// A bidirectional QUIC stream: a [`SendStream`] and a [`RecvStream`] on one object.
#[derive(Debug)]
pub struct BidiStream {
    send: SendStream,
    recv: RecvStream,
}

impl BidiStream {
    pub(crate) fn new(ssl: Ssl, id: StreamId, driver: &Arc<Driver>) -> BidiStream {
        BidiStream {
            send: SendStream::new(ssl.clone(), id, driver),
            recv: RecvStream::new(ssl, id, driver),
        }
    }
}

impl<B: Buf> quic::SendStream<B> for BidiStream {
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), StreamErrorIncoming>> {
        <SendStream as quic::SendStream<B>>::poll_ready(&mut self.send, cx)
    }

    fn send_data<T: Into<quic::WriteBuf<B>>>(
        &mut self,
        data: T,
    ) -> Result<(), StreamErrorIncoming> {
        self.send.send_data(data)
    }

    fn poll_finish(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), StreamErrorIncoming>> {
        <SendStream as quic::SendStream<B>>::poll_finish(&mut self.send, cx)
    }

    fn reset(&mut self, reset_code: u64) {
        <SendStream as quic::SendStream<B>>::reset(&mut self.send, reset_code);
    }

    fn send_id(&self) -> StreamId {
        <SendStream as quic::SendStream<B>>::send_id(&self.send)
    }
}

impl quic::RecvStream for BidiStream {
    type Buf = Bytes;

    fn poll_data(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Option<Bytes>, StreamErrorIncoming>> {
        self.recv.poll_data(cx)
    }

    fn stop_sending(&mut self, error_code: u64) {
        self.recv.stop_sending(error_code);
    }

    fn recv_id(&self) -> StreamId {
        self.recv.recv_id()
    }
}

impl<B: Buf> quic::BidiStream<B> for BidiStream {
    type SendStream = SendStream;
    type RecvStream = RecvStream;

    fn split(self) -> (SendStream, RecvStream) {
        (self.send, self.recv)
    }
}
