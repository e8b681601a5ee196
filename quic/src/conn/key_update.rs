//! 1-RTT key updates (RFC 9001 §6): the key phase, the next generation of packet keys, and the
//! previous receive key kept for packets that were reordered across an update.

use std::time::Instant;

use super::Connection;

use rustls::quic::{Keys, PacketKey, PacketKeySet, Secrets};

/// Key-update state of the data space.
pub(crate) struct KeyUpdate {
    /// The key phase of the current keys.
    pub(crate) phase: bool,
    /// Derives later generations.
    secrets: Secrets,
    /// The next generation, derived when first needed (a packet that may be the peer's
    /// update, or ours), then kept: an idle connection holds no keys it may never use.
    next: Option<PacketKeySet>,
    /// The receive key of the previous phase, while late packets may still arrive.
    pub(crate) prev_remote: Option<(Box<dyn PacketKey>, Instant)>,
    /// The first packet number sent with the current keys: an ACK at or above it confirms
    /// the peer has the phase, which allows the next update.
    pub(crate) first_sent: u64,
    /// When an ACK first confirmed the peer has the current phase: after an update, the next
    /// one this endpoint starts waits three PTOs from here, so the peer has dropped its old
    /// keys and can decrypt it (RFC 9001 §6.5).
    pub(crate) confirmed_at: Option<Instant>,
    /// The smallest packet number received in the current phase.
    pub(crate) first_received: Option<u64>,
    /// Packets sent with the current keys.
    pub(crate) sent_in_phase: u64,
    /// Updates so far, both directions.
    pub(crate) updates: u64,
    /// The application asked for an update, which the next packet starts once the RFC's
    /// conditions hold.
    pub(crate) requested: bool,
    /// This endpoint started the current phase.
    pub(crate) started_here: bool,
    /// The peer started the current phase and no packet acknowledging it has gone out in
    /// it yet: another update from the peer now is a KEY_UPDATE_ERROR (RFC 9001 §6.5).
    pub(crate) peer_update_unacked: bool,
}

impl std::fmt::Debug for KeyUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyUpdate")
            .field("phase", &self.phase)
            .field("first_sent", &self.first_sent)
            .field("sent_in_phase", &self.sent_in_phase)
            .field("updates", &self.updates)
            .finish_non_exhaustive()
    }
}

impl KeyUpdate {
    /// State for the first 1-RTT keys, whose secrets derive the following generations.
    pub(crate) fn new(secrets: Secrets) -> Self {
        KeyUpdate {
            phase: false,
            secrets,
            next: None,
            prev_remote: None,
            first_sent: 0,
            confirmed_at: None,
            first_received: None,
            sent_in_phase: 0,
            updates: 0,
            requested: false,
            started_here: false,
            peer_update_unacked: false,
        }
    }

    /// Moves `keys` to the next generation of packet keys (header keys never change),
    /// keeping the receive key they replace until `prev_until` for reordered packets.
    /// `next_pn` is the next packet number to be sent.
    pub(crate) fn advance(&mut self, keys: &mut Keys, prev_until: Instant, next_pn: u64) {
        let current = match self.next.take() {
            Some(keys) => keys,
            None => self.secrets.next_packet_keys(),
        };
        let old_remote = std::mem::replace(&mut keys.remote.packet, current.remote);
        keys.local.packet = current.local;
        self.prev_remote = Some((old_remote, prev_until));
        self.phase = !self.phase;
        self.first_sent = next_pn;
        self.confirmed_at = None;
        self.first_received = None;
        self.sent_in_phase = 0;
        self.updates += 1;
        self.requested = false;
        self.started_here = false;
        self.peer_update_unacked = false;
    }

    /// The next generation's keys, derived now if not yet.
    pub(crate) fn next_keys(&mut self) -> &PacketKeySet {
        let secrets = &mut self.secrets;
        self.next.get_or_insert_with(|| secrets.next_packet_keys())
    }

    /// Notes an ACK whose largest packet number is `largest_acked`: the first that reaches
    /// the current phase confirms it at `now`.
    pub(crate) fn on_ack(&mut self, largest_acked: u64, now: Instant) {
        if self.confirmed_at.is_none() && largest_acked >= self.first_sent {
            self.confirmed_at = Some(now);
        }
    }
}

/// Why [`Connection::request_key_update`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUpdateError {
    /// The handshake is not confirmed yet (RFC 9001 §6.1).
    NotConfirmed,
    /// An update is already under way: asked for and not started, or started here and not
    /// yet acknowledged by the peer.
    InProgress,
}

impl std::fmt::Display for KeyUpdateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeyUpdateError::NotConfirmed => "the handshake is not confirmed",
            KeyUpdateError::InProgress => "a key update is already in progress",
        })
    }
}

impl std::error::Error for KeyUpdateError {}

impl Connection {
    /// Asks for a 1-RTT key update (RFC 9001 §6). The next packet starts it once the peer
    /// has acknowledged a packet of the current keys and, after an earlier update, three
    /// PTOs have passed since (§6.5: the peer may not have dropped its old keys before); a
    /// PING goes out then if nothing else does.
    pub fn request_key_update(&mut self) -> Result<(), KeyUpdateError> {
        let ku = match &mut self.key_update {
            Some(ku) if self.handshake_confirmed => ku,
            _ => return Err(KeyUpdateError::NotConfirmed),
        };
        if ku.requested || (ku.started_here && ku.confirmed_at.is_none()) {
            return Err(KeyUpdateError::InProgress);
        }
        ku.requested = true;
        // The peer must acknowledge a packet of the current keys first (§6.1): one is sent
        // if none is on its way.
        if ku.confirmed_at.is_none() {
            self.ping_pending = true;
        }
        Ok(())
    }

    /// When a requested key update may start (see
    /// [`request_key_update`](Self::request_key_update)), until a packet is owed to start it.
    pub(super) fn key_update_timer(&self) -> Option<Instant> {
        let ku = self.key_update.as_ref().filter(|ku| ku.requested)?;
        if self.ping_pending {
            return None;
        }
        let acked = ku.confirmed_at?;
        Some(if ku.updates == 0 {
            acked
        } else {
            acked + self.three_ptos()
        })
    }
}
