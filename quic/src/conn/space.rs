//! One packet-number space of a connection: its keys, CRYPTO data both ways, what was received
//! (for ACKs) and what was sent (for loss recovery).

use std::ops::Range;

use rustls::quic::Keys;

use super::streams::SentControl;
use crate::ack_tracker::AckTracker;
use crate::frame::NewConnectionId;
use crate::packet::PacketKind;
use crate::recovery::SentPackets;
use crate::stream_id::StreamId;
use crate::streams::{RecvBuf, SendBuf};
use crate::tls::Level;

/// Most unread CRYPTO bytes held per space (RFC 9000 §7.5 asks for at least 4096).
const CRYPTO_BUFFER: u64 = 64 * 1024;
/// Most unacknowledged outgoing CRYPTO bytes per space.
const CRYPTO_SEND_CAPACITY: usize = 256 * 1024;

/// The three packet-number spaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum SpaceId {
    /// Initial packets.
    Initial = 0,
    /// Handshake packets.
    Handshake = 1,
    /// 0-RTT and 1-RTT packets.
    Data = 2,
}

impl SpaceId {
    /// All spaces, in sending order.
    pub(crate) const ALL: [SpaceId; 3] = [SpaceId::Initial, SpaceId::Handshake, SpaceId::Data];

    /// The space a received packet kind belongs to.
    pub(crate) fn of(kind: PacketKind) -> SpaceId {
        match kind {
            PacketKind::Initial => SpaceId::Initial,
            PacketKind::Handshake => SpaceId::Handshake,
            PacketKind::ZeroRtt | PacketKind::OneRtt => SpaceId::Data,
        }
    }

    /// The space handshake data at `level` travels in.
    pub(crate) fn of_level(level: Level) -> SpaceId {
        match level {
            Level::Initial => SpaceId::Initial,
            Level::Handshake => SpaceId::Handshake,
            Level::OneRtt => SpaceId::Data,
        }
    }
}

/// What a sent packet carried that matters once it is acknowledged or lost.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SentData {
    /// CRYPTO bytes.
    pub(crate) crypto: Option<Range<u64>>,
    /// STREAM data: stream, offsets, FIN.
    pub(crate) streams: Vec<(StreamId, Range<u64>, bool)>,
    /// The packet carried HANDSHAKE_DONE.
    pub(crate) handshake_done: bool,
    /// The packet carried ACK_FREQUENCY.
    pub(crate) ack_frequency: bool,
    /// The largest packet number an ACK frame in this packet acknowledged.
    pub(crate) ack_up_to: Option<u64>,
    /// Stream control frames (resets, stop-sending, flow-control updates), if any: boxed
    /// because few packets carry them and sent packets are kept by the thousand.
    pub(crate) control: Option<Box<SentControl>>,
    /// NEW_CONNECTION_ID frames carried.
    pub(crate) new_cids: Vec<NewConnectionId>,
    /// Sequence numbers of the RETIRE_CONNECTION_ID frames carried.
    pub(crate) retired_cids: Vec<u64>,
    /// The packet went out marked ECT(0).
    pub(crate) ecn_marked: bool,
    /// The packet was a probe of this datagram size (DPLPMTUD).
    pub(crate) pmtu_probe: Option<usize>,
    /// DATAGRAM frames carried.
    pub(crate) datagrams: u16,
    /// The NEW_TOKEN token carried.
    pub(crate) new_token: Option<Vec<u8>>,
}

/// One packet-number space.
pub(crate) struct Space {
    /// Packet protection keys, once known; `None` again once discarded.
    pub(crate) keys: Option<Keys>,
    /// Set when the keys were discarded: nothing more is sent or accepted here.
    pub(crate) discarded: bool,
    /// Received CRYPTO data, reassembled.
    pub(crate) crypto_recv: RecvBuf,
    /// CRYPTO data to send.
    pub(crate) crypto_send: SendBuf,
    /// Received packet numbers.
    pub(crate) acks: AckTracker,
    /// Sent packets awaiting acknowledgment.
    pub(crate) sent: SentPackets<SentData>,
    /// The next packet number to use.
    pub(crate) next_pn: u64,
    /// Ack-eliciting probe packets owed after a PTO.
    pub(crate) probes: u8,
    /// A packet number skipped on purpose: a peer acknowledging it acknowledges what it
    /// never received (an optimistic ACK, RFC 9000 §21.4).
    pub(crate) skipped_pn: Option<u64>,
    /// The packet number to skip next (1-RTT only; `u64::MAX` for never).
    pub(crate) next_skip: u64,
}

impl std::fmt::Debug for Space {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Space")
            .field("has_keys", &self.keys.is_some())
            .field("discarded", &self.discarded)
            .field("next_pn", &self.next_pn)
            .field("in_flight", &self.sent.len())
            .field("largest_received", &self.acks.largest())
            .finish()
    }
}

impl Space {
    pub(crate) fn new() -> Self {
        Space {
            keys: None,
            discarded: false,
            crypto_recv: RecvBuf::crypto(CRYPTO_BUFFER),
            crypto_send: SendBuf::new(CRYPTO_SEND_CAPACITY),
            acks: AckTracker::new(),
            sent: SentPackets::new(),
            next_pn: 0,
            probes: 0,
            skipped_pn: None,
            next_skip: u64::MAX,
        }
    }

    /// Whether CRYPTO data (new or lost) waits to be sent.
    pub(crate) fn has_crypto_to_send(&self) -> bool {
        self.crypto_send.has_data_to_send(u64::MAX)
    }
}
