//! QUIC frames (RFC 9000 §19, DATAGRAM from RFC 9221, and ACK_FREQUENCY and IMMEDIATE_ACK from
//! the ACK frequency extension, draft-ietf-quic-ack-frequency): parsing that borrows from the
//! packet payload, encoding into a [`Writer`](crate::coding::Writer) with exact sizes known
//! beforehand, and the per-packet-type rules of RFC 9000 §12.4.
//!
//! - [`Frame`]: one frame; [`Frame::parse`] reads one, [`FrameIter`] walks a payload.
//! - [`Frame::encode`] / [`Frame::encoded_len`] write one; the `_last` variants omit the
//!   Length field of STREAM and DATAGRAM frames that end a packet.
//! - [`AckEncoder`] writes an ACK frame from a list of ranges; [`Ack`] is a received one.
//! - [`FrameType`]: type values, packet-type rules, ack-eliciting and in-flight properties.

mod ack;
mod ack_frequency;
mod close;
mod crypto;
mod datagram;
mod encode;
mod iter;
mod new_cid;
mod parse;
mod sizing;
mod stream;
mod ty;

use crate::error::TransportError;
use crate::packet::PacketKind;
use crate::stream_id::{Dir, StreamId};

pub use ack::{Ack, AckEncoder, AckRanges, EcnCounts};
pub use ack_frequency::AckFrequency;
pub use close::{CloseKind, ConnectionClose};
pub use crypto::CryptoFrame;
pub use datagram::DatagramFrame;
pub use encode::EncodeError;
pub use iter::FrameIter;
pub use new_cid::{NewConnectionId, RESET_TOKEN_LEN};
pub use stream::StreamFrame;
pub use ty::FrameType;

/// The largest stream count MAX_STREAMS and STREAMS_BLOCKED may carry, 2^60 (RFC 9000 §19.11).
pub const MAX_STREAM_COUNT: u64 = 1 << 60;

/// One QUIC frame. Data, tokens and reasons borrow from the packet payload they were parsed
/// from (or from the caller, when encoding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A run of `len` PADDING bytes (each is a frame of its own; parsing merges a run).
    Padding {
        /// Number of padding bytes, at least 1.
        len: usize,
    },
    /// PING.
    Ping,
    /// ACK or ACK_ECN.
    Ack(Ack<'a>),
    /// RESET_STREAM: the sender abandons the sending part of a stream.
    ResetStream {
        /// The stream.
        id: StreamId,
        /// Application protocol error code.
        error_code: u64,
        /// The stream's final size in bytes.
        final_size: u64,
    },
    /// STOP_SENDING: the receiver asks the peer to stop sending on a stream.
    StopSending {
        /// The stream.
        id: StreamId,
        /// Application protocol error code.
        error_code: u64,
    },
    /// CRYPTO: handshake data.
    Crypto(CryptoFrame<'a>),
    /// NEW_TOKEN: an address validation token for a future connection (never empty).
    NewToken {
        /// The token.
        token: &'a [u8],
    },
    /// STREAM: stream data (any of types 0x08 to 0x0f).
    Stream(StreamFrame<'a>),
    /// MAX_DATA: the connection-level flow control limit.
    MaxData {
        /// Maximum data, in bytes.
        max: u64,
    },
    /// MAX_STREAM_DATA: a stream's flow control limit.
    MaxStreamData {
        /// The stream.
        id: StreamId,
        /// Maximum stream data, in bytes.
        max: u64,
    },
    /// MAX_STREAMS: the cumulative number of streams of a direction the peer may open.
    MaxStreams {
        /// Which kind of stream.
        dir: Dir,
        /// Maximum stream count, at most [`MAX_STREAM_COUNT`].
        max: u64,
    },
    /// DATA_BLOCKED: the sender is blocked by connection-level flow control.
    DataBlocked {
        /// The limit at which it is blocked.
        limit: u64,
    },
    /// STREAM_DATA_BLOCKED: the sender is blocked by a stream's flow control.
    StreamDataBlocked {
        /// The stream.
        id: StreamId,
        /// The limit at which it is blocked.
        limit: u64,
    },
    /// STREAMS_BLOCKED: the sender cannot open a stream because of the stream limit.
    StreamsBlocked {
        /// Which kind of stream.
        dir: Dir,
        /// The stream limit at the time, at most [`MAX_STREAM_COUNT`].
        limit: u64,
    },
    /// NEW_CONNECTION_ID.
    NewConnectionId(NewConnectionId),
    /// RETIRE_CONNECTION_ID.
    RetireConnectionId {
        /// Sequence number of the connection ID to retire.
        sequence: u64,
    },
    /// PATH_CHALLENGE with its 8 bytes of data.
    PathChallenge([u8; 8]),
    /// PATH_RESPONSE echoing a challenge's 8 bytes.
    PathResponse([u8; 8]),
    /// CONNECTION_CLOSE, transport (0x1c) or application (0x1d).
    ConnectionClose(ConnectionClose<'a>),
    /// HANDSHAKE_DONE.
    HandshakeDone,
    /// DATAGRAM (RFC 9221).
    Datagram(DatagramFrame<'a>),
    /// ACK_FREQUENCY: how often the sender wants its packets acknowledged.
    AckFrequency(AckFrequency),
    /// IMMEDIATE_ACK: the sender asks for an acknowledgment without delay.
    ImmediateAck,
}

impl Frame<'_> {
    /// The frame's type as [`Frame::encode`] writes it (STREAM and DATAGRAM with their Length
    /// field; STREAM with the OFF bit when the offset is not zero).
    pub fn frame_type(&self) -> FrameType {
        match self {
            Frame::Padding { .. } => FrameType::PADDING,
            Frame::Ping => FrameType::PING,
            Frame::Ack(ack) => ack.frame_type(),
            Frame::ResetStream { .. } => FrameType::RESET_STREAM,
            Frame::StopSending { .. } => FrameType::STOP_SENDING,
            Frame::Crypto(_) => FrameType::CRYPTO,
            Frame::NewToken { .. } => FrameType::NEW_TOKEN,
            Frame::Stream(s) => s.frame_type(true),
            Frame::MaxData { .. } => FrameType::MAX_DATA,
            Frame::MaxStreamData { .. } => FrameType::MAX_STREAM_DATA,
            Frame::MaxStreams { dir: Dir::Bi, .. } => FrameType::MAX_STREAMS_BIDI,
            Frame::MaxStreams { dir: Dir::Uni, .. } => FrameType::MAX_STREAMS_UNI,
            Frame::DataBlocked { .. } => FrameType::DATA_BLOCKED,
            Frame::StreamDataBlocked { .. } => FrameType::STREAM_DATA_BLOCKED,
            Frame::StreamsBlocked { dir: Dir::Bi, .. } => FrameType::STREAMS_BLOCKED_BIDI,
            Frame::StreamsBlocked { dir: Dir::Uni, .. } => FrameType::STREAMS_BLOCKED_UNI,
            Frame::NewConnectionId(_) => FrameType::NEW_CONNECTION_ID,
            Frame::RetireConnectionId { .. } => FrameType::RETIRE_CONNECTION_ID,
            Frame::PathChallenge(_) => FrameType::PATH_CHALLENGE,
            Frame::PathResponse(_) => FrameType::PATH_RESPONSE,
            Frame::ConnectionClose(c) => c.frame_type(),
            Frame::HandshakeDone => FrameType::HANDSHAKE_DONE,
            Frame::Datagram(_) => FrameType::DATAGRAM_LEN,
            Frame::AckFrequency(_) => FrameType::ACK_FREQUENCY,
            Frame::ImmediateAck => FrameType::IMMEDIATE_ACK,
        }
    }

    /// `Ok` if this frame may appear in a packet of `kind` (RFC 9000 §12.4 Table 3, RFC 9221
    /// §4; the ACK frequency frames only in 1-RTT packets), else a `PROTOCOL_VIOLATION` naming the frame type.
    pub fn check_allowed(&self, kind: PacketKind) -> Result<(), TransportError> {
        self.frame_type().check_allowed(kind)
    }

    /// Whether this frame makes its packet ack-eliciting (anything but PADDING, ACK and
    /// CONNECTION_CLOSE).
    pub fn is_ack_eliciting(&self) -> bool {
        self.frame_type().is_ack_eliciting()
    }

    /// Whether this frame makes its packet count toward bytes in flight (ack-eliciting frames
    /// and PADDING).
    pub fn counts_in_flight(&self) -> bool {
        self.frame_type().counts_in_flight()
    }

    /// Whether this frame may be sent in a packet probing a new path (RFC 9000 §9.1).
    pub fn is_probing(&self) -> bool {
        self.frame_type().is_probing()
    }
}
