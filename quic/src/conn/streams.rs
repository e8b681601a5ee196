//! The streams of a connection: the map, the application's calls, received stream and
//! flow-control frames, and the stream and control frames to send.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::ops::Range;
use std::time::{Duration, Instant};

use crate::coding::Writer;
use crate::error::TransportError;
use crate::frame::{Frame, StreamFrame};
use crate::stream_id::{Dir, Side, StreamId};
use crate::streams::{
    RecvBuf, RecvPart, RecvState, RecvWindow, SendBuf, SendCredit, SendPart, SendState,
    StreamFrameKind, StreamLimits, check_frame,
};
use crate::transport_params::TransportParameters;

use super::ConnectionConfig;
use super::space::SentStreams;

/// Most unacknowledged bytes buffered per stream for sending.
const STREAM_SEND_BUFFER: usize = 1 << 20;
/// Bytes a STREAM frame's type, stream ID, offset and length take at most.
const STREAM_FRAME_OVERHEAD: usize = 1 + 8 + 8 + 4;

/// Why a stream call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamError {
    /// The handshake has not completed: no streams yet.
    NotReady,
    /// The peer's stream limit is reached; try again after it raises it.
    LimitReached,
    /// No such stream (never opened, or finished and forgotten).
    UnknownStream,
    /// The stream has no part for this direction (writing a stream the peer opened
    /// unidirectionally, or reading one this endpoint opened unidirectionally).
    WrongDirection,
    /// Writing after finish or reset.
    Finished,
    /// Nothing can be done now (buffer full, or nothing to read yet).
    WouldBlock,
    /// The peer reset the stream with this code.
    Reset(u64),
    /// The peer asked this endpoint to stop sending, with this code.
    Stopped(u64),
    /// The connection is closing or closed.
    ConnectionClosed,
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::NotReady => f.write_str("handshake not complete"),
            StreamError::LimitReached => f.write_str("peer's stream limit reached"),
            StreamError::UnknownStream => f.write_str("unknown stream"),
            StreamError::WrongDirection => f.write_str("stream has no part in that direction"),
            StreamError::Finished => f.write_str("stream finished"),
            StreamError::WouldBlock => f.write_str("would block"),
            StreamError::Reset(code) => write!(f, "stream reset by peer with code {code}"),
            StreamError::Stopped(code) => write!(f, "peer stopped the stream with code {code}"),
            StreamError::ConnectionClosed => f.write_str("connection closed"),
        }
    }
}

impl std::error::Error for StreamError {}

/// What a read returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOutcome {
    /// Bytes read.
    pub len: usize,
    /// The stream's data is complete and all of it has been read.
    pub fin: bool,
}

/// The sending part of a stream.
#[derive(Debug)]
struct SendSide {
    buf: SendBuf,
    part: SendPart,
    credit: SendCredit,
}

impl SendSide {
    /// The part's details.
    fn info(&self) -> SendInfo {
        SendInfo {
            state: self.part.state(),
            reset_code: self.part.reset_code(),
            stop_code: self.part.stop_sending_code(),
            concluded: self.buf.is_finished(),
            buffered: self.buf.buffered(),
            capacity: STREAM_SEND_BUFFER,
        }
    }
}

/// The receiving part of a stream.
#[derive(Debug)]
struct RecvSide {
    buf: RecvBuf,
    part: RecvPart,
    window: RecvWindow,
}

#[derive(Debug)]
struct Stream {
    send: Option<SendSide>,
    recv: Option<RecvSide>,
}

/// A stream event for the connection's queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreamEvent {
    Opened(StreamId),
    Readable(StreamId),
    Reset(StreamId, u64),
    Stopped(StreamId, u64),
}

/// Control frames a lost packet carried, to send again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SentControl {
    pub(crate) resets: Vec<(StreamId, u64, u64)>,
    pub(crate) stops: Vec<(StreamId, u64)>,
    pub(crate) max_data: bool,
    pub(crate) max_stream_data: Vec<StreamId>,
    pub(crate) max_streams: Vec<Dir>,
    /// DATA_BLOCKED at this limit.
    pub(crate) data_blocked: Option<u64>,
    /// STREAM_DATA_BLOCKED frames: stream and limit.
    pub(crate) stream_data_blocked: Vec<(StreamId, u64)>,
    /// STREAMS_BLOCKED frames: direction and limit.
    pub(crate) streams_blocked: Vec<(Dir, u64)>,
}

/// All streams of a connection.
#[derive(Debug)]
pub(crate) struct Streams {
    side: Side,
    /// Boxed: the map moves its entries as it changes, and a stream is large.
    map: BTreeMap<StreamId, Box<Stream>>,
    bidi: StreamLimits,
    uni: StreamLimits,
    /// The peer's per-stream limits for streams we open / it opens.
    peer_bidi_local: u64,
    peer_bidi_remote: u64,
    peer_uni: u64,
    /// Our per-stream window to start with, and the largest it grows to.
    stream_window: u64,
    max_stream_window: u64,
    conn_credit: SendCredit,
    conn_window: RecvWindow,
    /// Streams with data (or FIN) to send, served round robin.
    send_queue: VecDeque<StreamId>,
    /// Streams whose data waits for connection credit: queued again by MAX_DATA.
    waiting_conn: BTreeSet<StreamId>,
    /// Streams whose data waits for their own credit: named in STREAM_DATA_BLOCKED.
    waiting_stream: BTreeSet<StreamId>,
    accept: [VecDeque<StreamId>; 2],
    resets: Vec<(StreamId, u64, u64)>,
    stops: Vec<(StreamId, u64)>,
    max_data: bool,
    max_stream_data: BTreeSet<StreamId>,
    max_streams: BTreeSet<Dir>,
    pub(crate) events: VecDeque<StreamEvent>,
    /// Streams with a `Readable` event in `events`: one is enough however many frames
    /// arrive before the events are taken.
    pub(crate) readable_queued: std::collections::HashSet<StreamId>,
    /// Packets that carried a *_BLOCKED frame.
    pub(crate) blocked_sent: u64,
    /// Streams the application holds: kept after both parts are done, until released.
    held: BTreeSet<StreamId>,
    /// Streams the application gave up: whatever still arrives is read and dropped, so the
    /// stream ends (and returns the peer's credit) without the application.
    discarded: BTreeSet<StreamId>,
}

/// What the application can learn about a stream's sending part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendInfo {
    /// The part's state (RFC 9000 §3.1).
    pub state: SendState,
    /// The code of the RESET_STREAM this endpoint sent, if any.
    pub reset_code: Option<u64>,
    /// The code of the STOP_SENDING the peer sent, if any.
    pub stop_code: Option<u64>,
    /// The application ended the stream (FIN queued or sent).
    pub concluded: bool,
    /// Bytes buffered: written and not yet acknowledged.
    pub buffered: usize,
    /// Most bytes the send buffer holds.
    pub capacity: usize,
}

/// The receiving part of a stream as a poll sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvInfo {
    /// The part's state (RFC 9000 §3.2).
    pub state: RecvState,
    /// The code of the RESET_STREAM received, if any.
    pub reset_code: Option<u64>,
    /// Bytes readable now, in order.
    pub readable: u64,
}

/// Both parts of a stream, read with one lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamStatus {
    /// The receiving part, if the stream has one here.
    pub recv: Option<RecvInfo>,
    /// The sending part, if the stream has one here.
    pub send: Option<SendInfo>,
}

fn dir_index(dir: Dir) -> usize {
    match dir {
        Dir::Bi => 0,
        Dir::Uni => 1,
    }
}

impl Streams {
    /// Streams for a connection whose peer sent `peer` parameters.
    pub(crate) fn new(side: Side, config: &ConnectionConfig, peer: &TransportParameters) -> Self {
        let window = config.initial_max_stream_data;
        Streams {
            side,
            map: BTreeMap::new(),
            bidi: StreamLimits::new(
                side,
                Dir::Bi,
                peer.initial_max_streams_bidi.get(),
                config.max_streams_bidi,
            ),
            uni: StreamLimits::new(
                side,
                Dir::Uni,
                peer.initial_max_streams_uni.get(),
                config.max_streams_uni,
            ),
            peer_bidi_local: peer.initial_max_stream_data_bidi_local.get(),
            peer_bidi_remote: peer.initial_max_stream_data_bidi_remote.get(),
            peer_uni: peer.initial_max_stream_data_uni.get(),
            stream_window: window,
            max_stream_window: config.max_stream_data_window,
            conn_credit: SendCredit::new(peer.initial_max_data.get()),
            conn_window: RecvWindow::new(config.initial_max_data, config.max_data_window),
            send_queue: VecDeque::new(),
            waiting_conn: BTreeSet::new(),
            waiting_stream: BTreeSet::new(),
            accept: [VecDeque::new(), VecDeque::new()],
            resets: Vec::new(),
            stops: Vec::new(),
            max_data: false,
            max_stream_data: BTreeSet::new(),
            max_streams: BTreeSet::new(),
            events: VecDeque::new(),
            readable_queued: std::collections::HashSet::new(),
            blocked_sent: 0,
            held: BTreeSet::new(),
            discarded: BTreeSet::new(),
        }
    }

    fn limits(&mut self, dir: Dir) -> &mut StreamLimits {
        match dir {
            Dir::Bi => &mut self.bidi,
            Dir::Uni => &mut self.uni,
        }
    }

    /// Creates the parts of a new stream as seen from this endpoint.
    fn create(&mut self, id: StreamId) {
        let local = id.initiator() == self.side;
        let send_limit = match (id.dir(), local) {
            (Dir::Bi, true) => Some(self.peer_bidi_remote),
            (Dir::Bi, false) => Some(self.peer_bidi_local),
            (Dir::Uni, true) => Some(self.peer_uni),
            (Dir::Uni, false) => None,
        };
        let has_recv = id.dir() == Dir::Bi || !local;
        let window = self.stream_window;
        self.map.insert(
            id,
            Box::new(Stream {
                send: send_limit.map(|limit| SendSide {
                    buf: SendBuf::new(STREAM_SEND_BUFFER),
                    part: SendPart::new(),
                    credit: SendCredit::new(limit),
                }),
                recv: has_recv.then(|| RecvSide {
                    buf: RecvBuf::new(window),
                    part: RecvPart::new(),
                    window: RecvWindow::new(window, self.max_stream_window),
                }),
            }),
        );
    }

    /// Opens a new stream of `dir`.
    pub(crate) fn open(&mut self, dir: Dir) -> Result<StreamId, StreamError> {
        let id = self.limits(dir).open().ok_or(StreamError::LimitReached)?;
        self.create(id);
        Ok(id)
    }

    /// The oldest stream the peer opened and the application has not accepted.
    pub(crate) fn accept(&mut self, dir: Dir) -> Option<StreamId> {
        self.accept[dir_index(dir)].pop_front()
    }

    /// Streams of `dir` waiting to be accepted.
    pub(crate) fn accept_queue_len(&self, dir: Dir) -> usize {
        self.accept[dir_index(dir)].len()
    }

    fn send_side(&mut self, id: StreamId) -> Result<&mut SendSide, StreamError> {
        self.map
            .get_mut(&id)
            .ok_or(StreamError::UnknownStream)?
            .send
            .as_mut()
            .ok_or(StreamError::WrongDirection)
    }

    fn recv_side(&mut self, id: StreamId) -> Result<&mut RecvSide, StreamError> {
        self.map
            .get_mut(&id)
            .ok_or(StreamError::UnknownStream)?
            .recv
            .as_mut()
            .ok_or(StreamError::WrongDirection)
    }

    fn queue_send(&mut self, id: StreamId) {
        if !self.send_queue.contains(&id) {
            self.send_queue.push_back(id);
        }
    }

    /// Writes to a stream's send buffer.
    pub(crate) fn write(&mut self, id: StreamId, data: &[u8]) -> Result<usize, StreamError> {
        let side = self.send_side(id)?;
        if let Some(code) = side.part.stop_sending_code() {
            return Err(StreamError::Stopped(code));
        }
        if !side.part.can_send_new_data() || side.buf.is_finished() {
            return Err(StreamError::Finished);
        }
        let n = side.buf.write(data);
        if n == 0 && !data.is_empty() {
            return Err(StreamError::WouldBlock);
        }
        self.queue_send(id);
        Ok(n)
    }

    /// Ends the stream after what was written.
    pub(crate) fn finish(&mut self, id: StreamId) -> Result<(), StreamError> {
        let side = self.send_side(id)?;
        if !side.part.can_send_new_data() {
            return Err(StreamError::Finished);
        }
        side.buf.finish();
        self.queue_send(id);
        Ok(())
    }

    /// Abandons sending with an application error code (RESET_STREAM).
    pub(crate) fn reset(&mut self, id: StreamId, code: u64) -> Result<(), StreamError> {
        let side = self.send_side(id)?;
        if side.part.reset(code) {
            let final_size = side.buf.sent_end();
            self.queue_reset(id, code, final_size);
        }
        Ok(())
    }

    /// Queues a RESET_STREAM and stops sending the stream's data.
    fn queue_reset(&mut self, id: StreamId, code: u64, final_size: u64) {
        self.resets.push((id, code, final_size));
        self.send_queue.retain(|s| *s != id);
        self.waiting_conn.remove(&id);
        self.waiting_stream.remove(&id);
    }

    /// Asks the peer to stop sending (STOP_SENDING).
    pub(crate) fn stop_sending(&mut self, id: StreamId, code: u64) -> Result<(), StreamError> {
        let side = self.recv_side(id)?;
        if side.part.stop_sending(code) {
            self.stops.push((id, code));
        }
        Ok(())
    }

    /// Reads in-order data.
    pub(crate) fn read(
        &mut self,
        id: StreamId,
        out: &mut [u8],
    ) -> Result<ReadOutcome, StreamError> {
        self.take(id, out, true)
    }

    /// Copies in-order data without consuming it; `fin` when the stream is over and nothing
    /// remains. A reset is reported but not marked as read.
    pub(crate) fn peek(
        &mut self,
        id: StreamId,
        out: &mut [u8],
    ) -> Result<ReadOutcome, StreamError> {
        self.take(id, out, false)
    }

    /// Copies in-order data into `out`, consuming it (and what goes with that: flow-control
    /// updates, the end of the receiving part) only if `consume`.
    fn take(
        &mut self,
        id: StreamId,
        out: &mut [u8],
        consume: bool,
    ) -> Result<ReadOutcome, StreamError> {
        let side = self.recv_side(id)?;
        if let Some(code) = side.part.reset_code() {
            if consume {
                side.part.on_reset_read();
            }
            return Err(StreamError::Reset(code));
        }
        let n = if consume {
            side.buf.read(out)
        } else {
            side.buf.peek(out)
        };
        let fin = side.buf.is_finished();
        if n == 0 && !fin {
            return Err(StreamError::WouldBlock);
        }
        if !consume {
            return Ok(ReadOutcome { len: n, fin });
        }
        if fin {
            side.part.on_read_all();
        }
        side.window.on_consumed(n as u64);
        if side.window.should_update() && side.part.wants_max_stream_data() {
            self.max_stream_data.insert(id);
        }
        self.conn_window.on_consumed(n as u64);
        if self.conn_window.should_update() {
            self.max_data = true;
        }
        self.collect(id);
        Ok(ReadOutcome { len: n, fin })
    }

    /// The sending part's state, the code of a RESET_STREAM it sent, and the code of a
    /// STOP_SENDING it received; `None` for a stream without a sending part here, or one
    /// already finished and forgotten.
    pub(crate) fn send_state(&self, id: StreamId) -> Option<(SendState, Option<u64>, Option<u64>)> {
        let part = &self.map.get(&id)?.send.as_ref()?.part;
        Some((part.state(), part.reset_code(), part.stop_sending_code()))
    }

    /// The receiving part's state and the code of a RESET_STREAM received; `None` as above.
    pub(crate) fn recv_state(&self, id: StreamId) -> Option<(RecvState, Option<u64>)> {
        let part = &self.map.get(&id)?.recv.as_ref()?.part;
        Some((part.state(), part.reset_code()))
    }

    /// Bytes readable now on a stream.
    pub(crate) fn readable(&self, id: StreamId) -> u64 {
        self.map
            .get(&id)
            .and_then(|s| s.recv.as_ref())
            .map_or(0, |r| r.buf.readable())
    }

    /// The sending part's details; `None` as for [`send_state`](Self::send_state).
    pub(crate) fn send_info(&self, id: StreamId) -> Option<SendInfo> {
        self.map.get(&id)?.send.as_ref().map(SendSide::info)
    }

    /// Both parts' details; `None` for a stream not known (never opened, or forgotten).
    pub(crate) fn status(&self, id: StreamId) -> Option<StreamStatus> {
        let stream = self.map.get(&id)?;
        Some(StreamStatus {
            recv: stream.recv.as_ref().map(|r| RecvInfo {
                state: r.part.state(),
                reset_code: r.part.reset_code(),
                readable: r.buf.readable(),
            }),
            send: stream.send.as_ref().map(SendSide::info),
        })
    }

    /// The code of the STOP_SENDING this endpoint sent for the stream, if any.
    pub(crate) fn stop_sent(&self, id: StreamId) -> Option<u64> {
        self.map
            .get(&id)
            .and_then(|s| s.recv.as_ref())
            .and_then(|r| r.part.stop_sending_code())
    }

    /// Whether the stream is known (opened and not forgotten).
    pub(crate) fn contains(&self, id: StreamId) -> bool {
        self.map.contains_key(&id)
    }

    /// Keeps a stream known while the application holds it, even once both parts are done.
    pub(crate) fn hold(&mut self, id: StreamId) {
        if self.map.contains_key(&id) {
            self.held.insert(id);
        }
    }

    /// Ends a [`hold`](Self::hold): the stream is forgotten once both parts are done.
    pub(crate) fn release(&mut self, id: StreamId) {
        if self.held.remove(&id) {
            self.collect(id);
        }
    }

    /// Gives a stream up: its sending part is reset and its receiving part stopped (both
    /// with `code`, where not already finished), and data or a reset still arriving is
    /// consumed here, so the stream is forgotten once both parts are done.
    pub(crate) fn discard(&mut self, id: StreamId, code: u64) {
        if !self.map.contains_key(&id) {
            return;
        }
        if let Ok(side) = self.send_side(id)
            && !side.buf.is_finished()
        {
            let _ = self.reset(id, code);
        }
        let _ = self.stop_sending(id, code);
        self.held.remove(&id);
        self.discarded.insert(id);
        self.drain(id);
    }

    /// Reads and drops what a discarded stream has received (a reset counts as read).
    fn drain(&mut self, id: StreamId) {
        if !self.discarded.contains(&id) {
            return;
        }
        let mut scratch = [0u8; 4096];
        while let Ok(r) = self.read(id, &mut scratch) {
            if r.fin || r.len == 0 {
                break;
            }
        }
        self.collect(id);
    }

    /// Whether every byte and FIN written on every stream has been acknowledged (reset parts
    /// count as done).
    pub(crate) fn all_acked(&self) -> bool {
        self.map.values().all(|s| {
            s.send.as_ref().is_none_or(|side| {
                side.part.is_terminal()
                    || side.part.reset_code().is_some()
                    || side.part.stop_sending_code().is_some()
                    || (!side.buf.is_finished() && side.buf.buffered() == 0)
            })
        })
    }

    /// Streams of `dir` this endpoint may still open under the peer's limit, and streams of
    /// `dir` the peer may still open under this endpoint's limit.
    pub(crate) fn available(&self, dir: Dir) -> (u64, u64) {
        let limits = match dir {
            Dir::Bi => &self.bidi,
            Dir::Uni => &self.uni,
        };
        (
            limits.peer_max().saturating_sub(limits.opened()),
            limits.local_max().saturating_sub(limits.accepted()),
        )
    }

    /// Frees the nodes of the per-stream maps once they are empty (an emptied map keeps
    /// its node), so a connection without streams holds none.
    fn release_emptied(&mut self) {
        if self.map.is_empty() {
            self.map = BTreeMap::new();
        }
        for set in [
            &mut self.held,
            &mut self.discarded,
            &mut self.waiting_conn,
            &mut self.waiting_stream,
        ] {
            if set.is_empty() {
                *set = BTreeSet::new();
            }
        }
    }

    /// Forgets a stream whose parts are both done, returning the peer's credit.
    fn collect(&mut self, id: StreamId) {
        if self.held.contains(&id) {
            return;
        }
        let Some(stream) = self.map.get(&id) else {
            return;
        };
        let send_done = stream.send.as_ref().is_none_or(|s| s.part.is_terminal());
        let recv_done = stream.recv.as_ref().is_none_or(|r| r.part.is_terminal());
        if send_done && recv_done {
            self.map.remove(&id);
            self.discarded.remove(&id);
            self.waiting_conn.remove(&id);
            self.waiting_stream.remove(&id);
            self.release_emptied();
            if id.initiator() != self.side {
                let dir = id.dir();
                let limits = self.limits(dir);
                limits.on_peer_stream_closed();
                if limits.take_max_streams_update().is_some() {
                    self.max_streams.insert(dir);
                }
            }
        }
    }

    /// Validates a frame naming `id` and opens the peer's streams it implies.
    fn prepare(&mut self, id: StreamId, kind: StreamFrameKind) -> Result<(), TransportError> {
        let opened = self.limits(id.dir()).opened();
        check_frame(self.side, id, kind, opened)?;
        if id.initiator() != self.side {
            let range = self.limits(id.dir()).on_peer_stream(id)?;
            for index in range {
                if let Some(new) = StreamId::new(id.initiator(), id.dir(), index) {
                    self.create(new);
                    self.accept[dir_index(id.dir())].push_back(new);
                    self.events.push_back(StreamEvent::Opened(new));
                }
            }
        }
        Ok(())
    }

    /// A STREAM frame arrived.
    pub(crate) fn on_stream_frame(&mut self, f: &StreamFrame<'_>) -> Result<(), TransportError> {
        self.prepare(f.id, StreamFrameKind::Stream)?;
        let Ok(side) = self.recv_side(f.id) else {
            // Already finished and forgotten: a retransmission.
            return Ok(());
        };
        let before = side.buf.max_received();
        let buffer = side
            .part
            .on_stream(f.end(), f.fin)
            .map_err(|e| with_frame(e, 0x08))?;
        if !buffer {
            // All data already arrived, or the stream was reset: checked, then dropped.
            return Ok(());
        }
        side.buf
            .insert(f.offset, f.data, f.fin)
            .map_err(|e| with_frame(e, 0x08))?;
        let grown = side.buf.max_received().saturating_sub(before);
        side.window
            .on_received(grown)
            .map_err(|e| with_frame(e, 0x08))?;
        if side.buf.is_all_received() {
            side.part.on_all_received();
        }
        let readable = side.buf.readable() > 0 || side.buf.is_finished();
        self.conn_window
            .on_received(grown)
            .map_err(|e| with_frame(e, 0x08))?;
        if readable && self.readable_queued.insert(f.id) {
            self.events.push_back(StreamEvent::Readable(f.id));
        }
        self.drain(f.id);
        Ok(())
    }

    /// A RESET_STREAM frame arrived.
    pub(crate) fn on_reset_stream(
        &mut self,
        id: StreamId,
        code: u64,
        final_size: u64,
    ) -> Result<(), TransportError> {
        self.prepare(id, StreamFrameKind::ResetStream)?;
        let Ok(side) = self.recv_side(id) else {
            return Ok(());
        };
        let before = side.buf.max_received();
        if side
            .part
            .on_reset(code, final_size)
            .map_err(|e| with_frame(e, 0x04))?
        {
            let grown = final_size.saturating_sub(before);
            side.window
                .on_received(grown)
                .map_err(|e| with_frame(e, 0x04))?;
            // What the application has not read of it never will be: its connection credit
            // goes back (RFC 9000 §4.5), or resets would use up the connection's window.
            let unread = final_size.saturating_sub(side.buf.read_offset());
            self.conn_window
                .on_received(grown)
                .map_err(|e| with_frame(e, 0x04))?;
            self.conn_window.on_consumed(unread);
            if self.conn_window.should_update() {
                self.max_data = true;
            }
            self.events.push_back(StreamEvent::Reset(id, code));
        }
        self.drain(id);
        Ok(())
    }

    /// A STOP_SENDING frame arrived: the stream is reset with the peer's code.
    pub(crate) fn on_stop_sending(
        &mut self,
        id: StreamId,
        code: u64,
    ) -> Result<(), TransportError> {
        self.prepare(id, StreamFrameKind::StopSending)?;
        let Ok(side) = self.send_side(id) else {
            return Ok(());
        };
        // The sending part resets itself with the peer's code (RFC 9000 §3.5).
        if side.part.on_stop_sending(code) {
            let final_size = side.buf.sent_end();
            self.queue_reset(id, code, final_size);
            self.events.push_back(StreamEvent::Stopped(id, code));
        }
        Ok(())
    }

    /// A MAX_STREAM_DATA frame arrived.
    pub(crate) fn on_max_stream_data(
        &mut self,
        id: StreamId,
        max: u64,
    ) -> Result<(), TransportError> {
        self.prepare(id, StreamFrameKind::MaxStreamData)?;
        if let Ok(side) = self.send_side(id)
            && side.credit.update_limit(max)
            && side.buf.has_data_to_send(u64::MAX)
        {
            self.waiting_stream.remove(&id);
            self.queue_send(id);
        }
        Ok(())
    }

    /// A MAX_DATA frame arrived: the streams waiting for connection credit are queued
    /// again (only those, so a stream of MAX_DATA frames costs nothing per open stream).
    pub(crate) fn on_max_data(&mut self, max: u64) {
        if self.conn_credit.update_limit(max) {
            for id in std::mem::take(&mut self.waiting_conn) {
                self.queue_send(id);
            }
        }
    }

    /// Adds what the streams hold to `r`.
    pub(crate) fn count_resources(&self, r: &mut super::ConnectionResources) {
        r.streams = self.map.len();
        r.events += self.events.len();
        r.receive_window = self.conn_window.window();
        for stream in self.map.values() {
            if let Some(recv) = &stream.recv {
                r.stream_recv_bytes += recv.buf.buffered();
                r.stream_recv_chunks += recv.buf.chunk_count();
            }
            if let Some(send) = &stream.send {
                r.stream_send_bytes += send.buf.buffered();
            }
        }
    }

    /// The peer's transport parameters replace those the streams were opened under (a
    /// client's remembered ones, for early data): the limits of new streams, each open
    /// stream's and the connection's credit, and the stream counts, lower or higher. Returns
    /// `false`, changing nothing, when what was already sent or opened does not fit under
    /// them.
    pub(crate) fn apply_peer_params(&mut self, peer: &TransportParameters) -> bool {
        let stream_limit = |id: StreamId| match id.dir() {
            Dir::Bi => peer.initial_max_stream_data_bidi_remote.get(),
            Dir::Uni => peer.initial_max_stream_data_uni.get(),
        };
        let fits = self.conn_credit.used() <= peer.initial_max_data.get()
            && self.bidi.opened() <= peer.initial_max_streams_bidi.get()
            && self.uni.opened() <= peer.initial_max_streams_uni.get()
            && self.map.iter().all(|(id, stream)| {
                id.initiator() != self.side
                    || stream
                        .send
                        .as_ref()
                        .is_none_or(|send| send.credit.used() <= stream_limit(*id))
            });
        if !fits {
            return false;
        }
        self.peer_bidi_local = peer.initial_max_stream_data_bidi_local.get();
        self.peer_bidi_remote = peer.initial_max_stream_data_bidi_remote.get();
        self.peer_uni = peer.initial_max_stream_data_uni.get();
        self.conn_credit.set_limit(peer.initial_max_data.get());
        self.bidi.set_peer_max(peer.initial_max_streams_bidi.get());
        self.uni.set_peer_max(peer.initial_max_streams_uni.get());
        let mut queue = Vec::new();
        for (id, stream) in &mut self.map {
            if id.initiator() != self.side {
                continue;
            }
            if let Some(send) = &mut stream.send {
                send.credit.set_limit(stream_limit(*id));
                if send.buf.has_data_to_send(u64::MAX) {
                    queue.push(*id);
                }
            }
        }
        self.waiting_conn.clear();
        self.waiting_stream.clear();
        for id in queue {
            self.queue_send(id);
        }
        true
    }

    /// A MAX_STREAMS frame arrived.
    pub(crate) fn on_max_streams(&mut self, dir: Dir, max: u64) {
        self.limits(dir).on_max_streams(max);
    }

    /// A STREAM_DATA_BLOCKED frame arrived: only its validity matters.
    pub(crate) fn on_stream_data_blocked(&mut self, id: StreamId) -> Result<(), TransportError> {
        self.prepare(id, StreamFrameKind::StreamDataBlocked)
    }

    /// Whether stream data (or a FIN) waits to be sent.
    pub(crate) fn has_data_to_send(&self) -> bool {
        !self.send_queue.is_empty()
    }

    /// Whether any stream or control frame waits to be sent.
    pub(crate) fn wants_send(&self) -> bool {
        !self.send_queue.is_empty()
            || !self.resets.is_empty()
            || !self.stops.is_empty()
            || self.max_data
            || !self.max_stream_data.is_empty()
            || !self.max_streams.is_empty()
    }

    /// Writes control frames and then stream data into `w`, recording what went into the
    /// packet. Returns whether anything was written.
    pub(crate) fn write_frames(
        &mut self,
        w: &mut Writer<'_>,
        now: Instant,
        rtt: Duration,
        control: &mut SentControl,
        sent: &mut SentStreams,
    ) -> bool {
        let mut wrote = false;
        while let Some(&(id, code, final_size)) = self.resets.last() {
            let f = Frame::ResetStream {
                id,
                error_code: code,
                final_size,
            };
            if f.encode(w).is_err() {
                break;
            }
            control.resets.extend(self.resets.pop());
            wrote = true;
        }
        while let Some(&(id, code)) = self.stops.last() {
            if (Frame::StopSending {
                id,
                error_code: code,
            })
            .encode(w)
            .is_err()
            {
                break;
            }
            control.stops.extend(self.stops.pop());
            wrote = true;
        }
        if self.max_data {
            // A new limit if one is due; otherwise the current one again (its frame was lost).
            let max = self
                .conn_window
                .take_update(now, rtt)
                .unwrap_or_else(|| self.conn_window.limit());
            if (Frame::MaxData { max }).encode(w).is_ok() {
                control.max_data = true;
                self.max_data = false;
                wrote = true;
            }
        }
        while let Some(&id) = self.max_stream_data.first() {
            self.max_stream_data.pop_first();
            let Ok(side) = self.recv_side(id) else {
                continue;
            };
            if !side.part.wants_max_stream_data() {
                continue;
            }
            // A new limit if one is due; otherwise the current one again (its frame was lost).
            let max = side
                .window
                .take_update(now, rtt)
                .unwrap_or_else(|| side.window.limit());
            side.buf.set_limit(max);
            if (Frame::MaxStreamData { id, max }).encode(w).is_err() {
                self.max_stream_data.insert(id);
                break;
            }
            control.max_stream_data.push(id);
            wrote = true;
        }
        while let Some(&dir) = self.max_streams.first() {
            let max = self.limits(dir).local_max();
            if (Frame::MaxStreams { dir, max }).encode(w).is_err() {
                break;
            }
            self.max_streams.pop_first();
            control.max_streams.push(dir);
            wrote = true;
        }
        wrote |= self.write_stream_data(w, sent);
        if self.write_blocked(w, control) {
            self.blocked_sent += 1;
            wrote = true;
        }
        wrote
    }

    /// Tells the peer where flow control or its stream limit holds this endpoint back
    /// (DATA_BLOCKED, STREAM_DATA_BLOCKED, STREAMS_BLOCKED), once per limit.
    fn write_blocked(&mut self, w: &mut Writer<'_>, control: &mut SentControl) -> bool {
        let mut wrote = false;
        if self.conn_credit.is_blocked()
            && !self.waiting_conn.is_empty()
            && let Some(limit) = self.conn_credit.take_blocked()
        {
            if (Frame::DataBlocked { limit }).encode(w).is_ok() {
                control.data_blocked = Some(limit);
                wrote = true;
            } else {
                self.conn_credit.on_blocked_lost(limit);
            }
        }
        for id in &self.waiting_stream {
            let Some(side) = self.map.get_mut(id).and_then(|s| s.send.as_mut()) else {
                continue;
            };
            if !side.credit.is_blocked() {
                continue;
            }
            if let Some(limit) = side.credit.take_blocked() {
                if (Frame::StreamDataBlocked { id: *id, limit })
                    .encode(w)
                    .is_ok()
                {
                    control.stream_data_blocked.push((*id, limit));
                    wrote = true;
                } else {
                    side.credit.on_blocked_lost(limit);
                }
            }
        }
        for dir in [Dir::Bi, Dir::Uni] {
            if let Some(limit) = self.limits(dir).take_blocked() {
                if (Frame::StreamsBlocked { dir, limit }).encode(w).is_ok() {
                    control.streams_blocked.push((dir, limit));
                    wrote = true;
                } else {
                    self.limits(dir).on_blocked_lost(limit);
                }
            }
        }
        wrote
    }

    fn write_stream_data(&mut self, w: &mut Writer<'_>, sent: &mut SentStreams) -> bool {
        let mut wrote = false;
        let mut turns = self.send_queue.len();
        while turns > 0 && w.remaining() > STREAM_FRAME_OVERHEAD {
            turns -= 1;
            let Some(id) = self.send_queue.pop_front() else {
                break;
            };
            let conn_available = self.conn_credit.available();
            let Some(stream) = self.map.get_mut(&id) else {
                continue;
            };
            let Some(side) = stream.send.as_mut() else {
                continue;
            };
            let old_end = side.buf.sent_end();
            let flow_limit = side
                .credit
                .limit()
                .min(old_end.saturating_add(conn_available));
            let max = w.remaining() - STREAM_FRAME_OVERHEAD;
            let Some(chunk) = side.buf.next_send(max, flow_limit) else {
                // Nothing sendable now (flow control): wait for credit.
                if side.buf.has_data_to_send(side.credit.limit()) {
                    self.waiting_conn.insert(id);
                } else if side.buf.has_data_to_send(u64::MAX) {
                    self.waiting_stream.insert(id);
                }
                continue;
            };
            let frame = StreamFrame {
                id,
                offset: chunk.offset,
                data: chunk.data,
                fin: chunk.fin,
            };
            let (range, fin) = (chunk.range(), chunk.fin);
            if frame.encode(w, true).is_err() {
                side.buf.on_lost(range, fin);
                self.send_queue.push_front(id);
                break;
            }
            side.part.on_stream_sent(fin);
            let new_end = side.buf.sent_end();
            side.credit.consume(new_end.saturating_sub(old_end));
            let more = side.buf.has_data_to_send(side.credit.limit());
            self.conn_credit.consume(new_end.saturating_sub(old_end));
            sent.push((id, range, fin));
            wrote = true;
            if more {
                self.send_queue.push_back(id);
            } else if side.buf.has_data_to_send(u64::MAX) {
                self.waiting_stream.insert(id);
            }
        }
        wrote
    }

    /// Stream data in an acknowledged packet.
    pub(crate) fn on_acked(&mut self, id: StreamId, range: Range<u64>, fin: bool) {
        if let Ok(side) = self.send_side(id) {
            side.buf.on_ack(range, fin);
            // Everything including the FIN acknowledged: the sending part is done.
            if side.buf.is_fin_acked() && side.buf.is_all_acked() {
                side.part.on_all_acked();
            }
            self.collect(id);
        }
    }

    /// Stream data in a lost packet: queued again.
    pub(crate) fn on_lost(&mut self, id: StreamId, range: Range<u64>, fin: bool) {
        if let Ok(side) = self.send_side(id)
            && side.part.can_retransmit()
        {
            side.buf.on_lost(range, fin);
            self.queue_send(id);
        }
    }

    /// Control frames of an acknowledged packet.
    pub(crate) fn on_control_acked(&mut self, control: &SentControl) {
        for (id, ..) in &control.resets {
            if let Ok(side) = self.send_side(*id) {
                side.part.on_reset_acked();
            }
            self.collect(*id);
        }
    }

    /// Control frames of a lost packet: sent again where still relevant.
    pub(crate) fn on_control_lost(&mut self, control: SentControl) {
        for reset in control.resets {
            if self.map.contains_key(&reset.0) {
                self.resets.push(reset);
            }
        }
        for stop in control.stops {
            if self.map.contains_key(&stop.0) {
                self.stops.push(stop);
            }
        }
        self.max_data |= control.max_data;
        for id in control.max_stream_data {
            if self.map.contains_key(&id) {
                self.max_stream_data.insert(id);
            }
        }
        self.max_streams.extend(control.max_streams);
        if let Some(limit) = control.data_blocked {
            self.conn_credit.on_blocked_lost(limit);
        }
        for (id, limit) in control.stream_data_blocked {
            if let Ok(side) = self.send_side(id) {
                side.credit.on_blocked_lost(limit);
            }
        }
        for (dir, limit) in control.streams_blocked {
            self.limits(dir).on_blocked_lost(limit);
        }
    }
}

/// Fills in the frame type of an error from a stream frame.
fn with_frame(mut e: TransportError, frame_type: u64) -> TransportError {
    e.frame_type.get_or_insert(frame_type);
    e
}
