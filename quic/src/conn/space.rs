//! One packet-number space of a connection: its keys, CRYPTO data both ways, what was received
//! (for ACKs) and what was sent (for loss recovery).

use std::ops::{Index, IndexMut, Range};
use std::sync::LazyLock;

use rustls::quic::Keys;
use smallvec::SmallVec;

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

/// The STREAM frames of one sent packet: stream, offsets, FIN.
pub(crate) type SentStreams = SmallVec<[(StreamId, Range<u64>, bool); 2]>;

/// What a sent packet carried that matters once it is acknowledged or lost.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SentData {
    /// CRYPTO bytes.
    pub(crate) crypto: Option<Range<u64>>,
    /// STREAM data: stream, offsets, FIN (inline for a packet carrying one or two streams'
    /// data: a bulk stream's packet, or a packet of small messages whose second one starts
    /// where the first ends).
    pub(crate) streams: SentStreams,
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

/// The three packet-number spaces, indexed by `SpaceId as usize`. The Initial and Handshake
/// spaces live in boxes of their own, freed when [`Spaces::release`] drops them once
/// discarded: an established connection keeps only its application data space. A released
/// space reads as a discarded one (empty, no keys).
#[derive(Debug)]
pub(crate) struct Spaces {
    early: [Option<Box<Space>>; 2],
    data: Space,
}

/// What a released space reads as.
static RELEASED: LazyLock<Space> = LazyLock::new(Space::discarded);

impl Spaces {
    /// Three fresh spaces.
    pub(crate) fn new() -> Self {
        Spaces {
            early: [Some(Box::new(Space::new())), Some(Box::new(Space::new()))],
            data: Space::new(),
        }
    }

    /// Frees a discarded Initial or Handshake space; it reads as discarded from now on.
    pub(crate) fn release(&mut self, id: SpaceId) {
        if let Some(slot) = self.early.get_mut(id as usize)
            && slot.as_ref().is_some_and(|s| s.discarded)
        {
            *slot = None;
        }
    }

    /// How many spaces are held (not released).
    pub(crate) fn held(&self) -> usize {
        1 + self.early.iter().flatten().count()
    }

    /// Each space, released ones read as discarded.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Space> {
        SpaceId::ALL.into_iter().map(|id| &self[id as usize])
    }

    /// Each space not released.
    pub(crate) fn iter_live_mut(&mut self) -> impl Iterator<Item = &mut Space> {
        let [initial, handshake] = &mut self.early;
        initial
            .as_deref_mut()
            .into_iter()
            .chain(handshake.as_deref_mut())
            .chain(std::iter::once(&mut self.data))
    }
}

impl Index<usize> for Spaces {
    type Output = Space;

    fn index(&self, i: usize) -> &Space {
        match self.early.get(i) {
            Some(early) => early.as_deref().unwrap_or(&RELEASED),
            None => &self.data,
        }
    }
}

impl IndexMut<usize> for Spaces {
    /// A released space comes back (empty and discarded) if written to, which the
    /// connection never does: a discarded space takes no packets and sends none.
    fn index_mut(&mut self, i: usize) -> &mut Space {
        match self.early.get_mut(i) {
            Some(early) => early.get_or_insert_with(|| Box::new(Space::discarded())),
            None => &mut self.data,
        }
    }
}

impl Space {
    /// A discarded space: no keys, and nothing held.
    fn discarded() -> Self {
        Space {
            discarded: true,
            crypto_recv: RecvBuf::crypto(0),
            crypto_send: SendBuf::new(0),
            ..Space::new()
        }
    }

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
