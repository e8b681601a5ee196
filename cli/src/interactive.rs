//! The interactive part of `s_client`: standard input goes to the connection and the
//! peer's data to standard output, in one thread that waits on both with the connection's
//! own descriptors and timeout, as an OpenSSL application with its own event loop does.

use std::io::{Read as _, Write as _};
use std::time::Duration;

use qssl::quic::{STREAM_FLAG_NO_BLOCK, Ssl};
use qssl::tls::Tls;
use qssl::{IoError, IoResult};
use qssl_bio::PollDescriptor;
use qssl_bio::poll::{PollItem, wait};

use crate::failure::{Context, Failure, Outcome};

/// Bytes read from standard input at a time: more than its buffer holds, so every read
/// goes straight to the descriptor and nothing waits unseen in the buffer.
const STDIN_CHUNK: usize = 16 * 1024;
/// Standard input's descriptor.
const STDIN_FD: i32 = 0;

/// What one read from the peer found.
pub(crate) enum Received {
    /// This many bytes.
    Data(usize),
    /// Nothing yet.
    Later,
    /// The peer finished sending.
    End,
}

/// One byte stream to a peer, driven without blocking.
pub(crate) trait Channel {
    /// Reads what the peer sent.
    fn recv(&mut self, buf: &mut [u8]) -> Outcome<Received>;
    /// Sends what the connection takes of `data` now (`None`: nothing fits yet).
    fn send(&mut self, data: &[u8]) -> Outcome<Option<usize>>;
    /// Ends this side's stream.
    fn finish(&mut self) -> Outcome;
    /// What to wait on: readable descriptors, a writable one, and the longest wait.
    fn waiting(&self, sending: bool) -> (PollDescriptor, Option<PollDescriptor>, Option<Duration>);
    /// Processes what the wait found (timers and datagrams).
    fn tick(&mut self);
}

/// Copies standard input to `channel` and the peer's data to standard output until the
/// peer finishes; standard input's end finishes this side.
pub(crate) fn pump(channel: &mut dyn Channel) -> Outcome {
    let mut stdout = std::io::stdout().lock();
    let mut stdin = std::io::stdin().lock();
    let mut buf = vec![0u8; STDIN_CHUNK];
    let mut pending: Vec<u8> = Vec::new();
    let mut stdin_open = true;
    let mut finished = false;
    loop {
        loop {
            match channel.recv(&mut buf)? {
                Received::Data(n) => {
                    stdout.write_all(&buf[..n]).context("standard output")?;
                    stdout.flush().context("standard output")?;
                }
                Received::Later => break,
                Received::End => return Ok(()),
            }
        }
        while !pending.is_empty() {
            match channel.send(&pending)? {
                Some(n) => {
                    pending.drain(..n);
                }
                None => break,
            }
        }
        if pending.is_empty() && !stdin_open && !finished {
            tracing::debug!("standard input ended: finishing the stream");
            channel.finish()?;
            finished = true;
        }
        let (read, write, timeout) = channel.waiting(!pending.is_empty());
        let mut items = vec![PollItem::readable(read)];
        items.extend(write.map(PollItem::writable));
        let watch_stdin = stdin_open && pending.is_empty();
        if watch_stdin {
            items.push(PollItem::readable(PollDescriptor::SockFd(STDIN_FD)));
        }
        wait(&mut items, timeout).context("waiting")?;
        if watch_stdin && items.last().is_some_and(|i| i.readable) {
            let n = stdin.read(&mut buf).context("standard input")?;
            if n == 0 {
                stdin_open = false;
            } else {
                pending.extend_from_slice(&buf[..n]);
            }
        }
        channel.tick();
    }
}

/// What a failed call on a connection reports, with its error queue left for the report.
fn io_failure(doing: &str, e: &IoError) -> Failure {
    Failure::new(format!("{doing}: {e}"))
}

/// What a read on a connection reported, as [`Channel::recv`] tells it.
fn received(result: IoResult<usize>) -> Outcome<Received> {
    match result {
        Ok(n) => Ok(Received::Data(n)),
        Err(e) if e.is_end_of_data() => Ok(Received::End),
        Err(e) if e.is_retry() => Ok(Received::Later),
        Err(e) => Err(io_failure("reading", &e)),
    }
}

/// What a write on a connection reported, as [`Channel::send`] tells it.
fn sent(result: IoResult<usize>) -> Outcome<Option<usize>> {
    match result {
        Ok(n) => Ok(Some(n)),
        Err(e) if e.is_retry() => Ok(None),
        Err(e) => Err(io_failure("writing", &e)),
    }
}

/// A QUIC connection's one bidirectional stream.
pub(crate) struct QuicChannel {
    conn: Ssl,
    stream: Ssl,
}

impl QuicChannel {
    /// Opens a stream on the connected, non-blocking `conn`.
    pub(crate) fn open(conn: Ssl) -> Outcome<QuicChannel> {
        let stream = conn
            .new_stream(STREAM_FLAG_NO_BLOCK)
            .map_err(|e| io_failure("opening a stream", &e))?;
        Ok(QuicChannel { conn, stream })
    }
}

impl Channel for QuicChannel {
    fn recv(&mut self, buf: &mut [u8]) -> Outcome<Received> {
        received(self.stream.read(buf))
    }

    fn send(&mut self, data: &[u8]) -> Outcome<Option<usize>> {
        sent(self.stream.write(data))
    }

    fn finish(&mut self) -> Outcome {
        self.stream.stream_conclude().context("ending the stream")
    }

    fn waiting(
        &self,
        _sending: bool,
    ) -> (PollDescriptor, Option<PollDescriptor>, Option<Duration>) {
        (
            self.conn.rpoll_descriptor(),
            None,
            self.conn.event_timeout(),
        )
    }

    fn tick(&mut self) {
        self.conn.handle_events();
    }
}

/// A TLS connection over a non-blocking TCP socket.
pub(crate) struct TlsChannel {
    pub(crate) tls: Tls,
    /// The socket's descriptor.
    pub(crate) fd: i32,
}

impl Channel for TlsChannel {
    fn recv(&mut self, buf: &mut [u8]) -> Outcome<Received> {
        received(self.tls.read(buf))
    }

    fn send(&mut self, data: &[u8]) -> Outcome<Option<usize>> {
        sent(self.tls.write(data))
    }

    fn finish(&mut self) -> Outcome {
        // close_notify ends this side; TLS 1.3 lets the peer go on sending.
        match self.tls.shutdown() {
            Ok(_) => Ok(()),
            Err(e) if e.is_retry() => Ok(()),
            Err(e) => Err(io_failure("sending close_notify", &e)),
        }
    }

    fn waiting(&self, sending: bool) -> (PollDescriptor, Option<PollDescriptor>, Option<Duration>) {
        let fd = PollDescriptor::SockFd(self.fd);
        (fd, sending.then_some(fd), None)
    }

    fn tick(&mut self) {}
}
