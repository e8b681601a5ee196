//! A QUIC server's loop: a non-blocking listener whose connections' streams are each
//! handled by a [`StreamService`] (echo, perf), all in one thread waiting with
//! [`qssl::quic::poll()`], as an OpenSSL server using `SSL_poll` does.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use qssl::quic::poll::{
    POLL_EVENT_EC, POLL_EVENT_ER, POLL_EVENT_EW, POLL_EVENT_IC, POLL_EVENT_ISB, POLL_EVENT_R,
    POLL_EVENT_W, PollItem, poll,
};
use qssl::quic::{
    ACCEPT_CONNECTION_NO_BLOCK, ACCEPT_STREAM_NO_BLOCK, IncomingStreamPolicy,
    LISTENER_FLAG_NO_VALIDATE, MODE_ENABLE_PARTIAL_WRITE, Ssl,
};
use qssl::{ErrorCode, IoError, SslCtx};
use qssl_bio::{DatagramBio, UdpBio};

use crate::failure::{Context, Outcome};

/// Bytes read or written at a time.
pub(crate) const CHUNK: usize = 64 * 1024;

/// What a stream step found.
pub(crate) enum Step {
    /// The stream waits for data from the peer.
    Reading,
    /// The stream waits for room to send.
    Writing,
    /// The stream is finished (or failed: a stream's failure ends only that stream).
    Done,
}

/// What a server does with each stream a client opens.
pub(crate) trait StreamService {
    /// The state of one stream.
    type State: Default;
    /// Reads and writes what the stream allows now.
    fn step(&self, state: &mut Self::State, stream: &Ssl, buf: &mut [u8]) -> Result<Step, IoError>;
}

/// A UDP socket on `addr` and a listening, non-blocking QUIC listener of `ctx` on it
/// (validating addresses with Retry when `retry`); the socket's address.
pub(crate) fn listen(ctx: &SslCtx, addr: SocketAddr, retry: bool) -> Outcome<(Ssl, SocketAddr)> {
    let socket = UdpBio::bind(addr).context(format_args!("UDP {addr}"))?;
    let local = socket.local_addr().socket_addr().unwrap_or(addr);
    let bio: Arc<dyn DatagramBio> = Arc::new(socket);
    let flags = if retry { 0 } else { LISTENER_FLAG_NO_VALIDATE };
    let listener = Ssl::new_listener(ctx, flags).context("a QUIC listener")?;
    listener
        .set_bio(Some(bio.clone()), Some(bio))
        .context("the listener's socket")?;
    listener
        .set_blocking_mode(false)
        .context("non-blocking mode")?;
    listener.listen().context("listening")?;
    Ok((listener, local))
}

/// One stream being served.
struct Served<S> {
    stream: Ssl,
    state: S,
    waiting: Step,
}

/// Serves every stream of every connection `listener` accepts with `service`; returns once
/// `naccept` connections (0: no limit) have come and gone.
pub(crate) fn serve<T: StreamService>(listener: &Ssl, service: &T, naccept: u64) -> Outcome {
    let mut conns: Vec<(Ssl, SocketAddr)> = Vec::new();
    let mut streams: Vec<Served<T::State>> = Vec::new();
    let mut buf = vec![0u8; CHUNK];
    let mut accepted = 0u64;
    loop {
        while naccept == 0 || accepted < naccept {
            let Some(conn) = listener
                .accept_connection(ACCEPT_CONNECTION_NO_BLOCK)
                .map_err(|e| crate::failure::Failure::new(format!("accepting: {e}")))?
            else {
                break;
            };
            accepted += 1;
            conn.set_incoming_stream_policy(IncomingStreamPolicy::Accept, 0)
                .context("the stream policy")?;
            let addr = conn
                .peer_addr()
                .unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)));
            let alpn = conn.alpn_selected().unwrap_or_default();
            eprintln!(
                "connection from {addr}: {}, ALPN {}",
                conn.version_string(),
                String::from_utf8_lossy(&alpn)
            );
            conns.push((conn, addr));
        }
        conns.retain(|(c, addr)| match c.conn_close_info() {
            Ok(None) => true,
            _ => {
                eprintln!("connection from {addr} closed");
                false
            }
        });
        streams.retain(|s| {
            !matches!(s.waiting, Step::Done)
                && conns
                    .iter()
                    .any(|(c, _)| c.same_object(&s.stream.connection()))
        });
        if naccept != 0 && accepted >= naccept && conns.is_empty() {
            return Ok(());
        }
        for (conn, _) in &conns {
            while let Ok(Some(stream)) = conn.accept_stream(ACCEPT_STREAM_NO_BLOCK) {
                stream.set_mode(MODE_ENABLE_PARTIAL_WRITE);
                streams.push(Served {
                    stream,
                    state: T::State::default(),
                    waiting: Step::Reading,
                });
            }
        }
        for s in &mut streams {
            s.waiting = service
                .step(&mut s.state, &s.stream, &mut buf)
                .unwrap_or(Step::Done);
        }
        let mut items = vec![PollItem {
            ssl: Some(listener),
            events: POLL_EVENT_IC,
            revents: 0,
        }];
        items.extend(conns.iter().map(|(c, _)| PollItem {
            ssl: Some(c),
            events: POLL_EVENT_ISB | POLL_EVENT_EC,
            revents: 0,
        }));
        items.extend(streams.iter().filter_map(|s| {
            let events = match s.waiting {
                Step::Reading => POLL_EVENT_R | POLL_EVENT_ER,
                Step::Writing => POLL_EVENT_W | POLL_EVENT_EW,
                Step::Done => return None,
            };
            Some(PollItem {
                ssl: Some(&s.stream),
                events,
                revents: 0,
            })
        }));
        poll(&mut items, Some(Duration::from_secs(1)), 0).context("waiting")?;
    }
}

/// Reads what `stream` has into `buf`: `Some(n)` bytes (0: nothing yet), `None` at its end.
pub(crate) fn read_some(stream: &Ssl, buf: &mut [u8]) -> Result<Option<usize>, IoError> {
    match stream.read(buf) {
        Ok(n) => Ok(Some(n)),
        Err(e) if e.code() == ErrorCode::ZeroReturn => Ok(None),
        Err(e) if e.is_retry() => Ok(Some(0)),
        Err(e) => Err(e),
    }
}

/// Writes what `stream` takes of `data` now (0 when full).
pub(crate) fn write_some(stream: &Ssl, data: &[u8]) -> Result<usize, IoError> {
    match stream.write(data) {
        Ok(n) => Ok(n),
        Err(e) if e.is_retry() => Ok(0),
        Err(e) => Err(e),
    }
}

/// Echoes each stream: what the client sends comes back, and the stream ends when the
/// client's does.
pub(crate) struct Echo;

/// An echoed stream's state.
#[derive(Default)]
pub(crate) struct EchoState {
    pending: Vec<u8>,
    read_done: bool,
}

impl StreamService for Echo {
    type State = EchoState;

    fn step(&self, st: &mut EchoState, stream: &Ssl, buf: &mut [u8]) -> Result<Step, IoError> {
        loop {
            while !st.pending.is_empty() {
                let n = write_some(stream, &st.pending)?;
                if n == 0 {
                    return Ok(Step::Writing);
                }
                st.pending.drain(..n);
            }
            if st.read_done {
                stream.stream_conclude().map_err(IoError::from)?;
                return Ok(Step::Done);
            }
            match read_some(stream, buf)? {
                Some(0) => return Ok(Step::Reading),
                Some(n) => st.pending.extend_from_slice(&buf[..n]),
                None => st.read_done = true,
            }
        }
    }
}
