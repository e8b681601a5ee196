//! Connection migration (RFC 9000 §9): a server following its client to a new address (NAT
//! rebinding or the client's own move), a client moving to a new path on request, path
//! validation's outcome, and falling back when it fails.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::path::{Path, address_changed};
use super::{Connection, INITIAL_RTT, MIN_INITIAL_SIZE, State};
use crate::cid::ConnectionId;
use crate::recovery::{CongestionController, RttEstimator};
use crate::stream_id::Side;

/// The path before a migration, kept to return to.
pub(super) struct PrevPath {
    path: Path,
    /// Its congestion controller and RTT estimate, when the migration started them over.
    congestion: Option<(Box<dyn CongestionController>, RttEstimator)>,
}

impl std::fmt::Debug for PrevPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrevPath")
            .field("path", &self.path)
            .field("congestion_saved", &self.congestion.is_some())
            .finish()
    }
}

/// Why [`Connection::migrate`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrationError {
    /// Only a client moves to a new path on request; a server follows its client.
    NotClient,
    /// An endpoint migrates only once the handshake is confirmed (RFC 9000 §9).
    HandshakeNotConfirmed,
    /// The peer sent disable_active_migration.
    DisabledByPeer,
    /// A new path needs a connection ID the peer has not yet provided (RFC 9000 §9.5).
    NoConnectionId,
    /// The connection is closing or closed.
    Closed,
}

impl std::fmt::Display for MigrationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MigrationError::NotClient => "only a client migrates",
            MigrationError::HandshakeNotConfirmed => "the handshake is not confirmed",
            MigrationError::DisabledByPeer => "the peer disabled active migration",
            MigrationError::NoConnectionId => "no spare connection ID from the peer",
            MigrationError::Closed => "the connection is closed",
        })
    }
}

impl std::error::Error for MigrationError {}

impl Connection {
    /// Whether a datagram from `from` may be processed: a server takes its client's packets
    /// from anywhere once the handshake is confirmed, unless it asked the client not to
    /// migrate (it then drops them, RFC 9000 §18.2); a client takes packets from its
    /// server's addresses only: the current path's, and the one it first connected to
    /// (after a move to a preferred address the server may still challenge that path).
    pub(super) fn accepts_from(&self, from: SocketAddr) -> bool {
        match self.side {
            Side::Client => from == self.path.remote || from == self.first_remote,
            Side::Server => {
                from == self.path.remote
                    || (self.handshake_confirmed && !self.config.disable_active_migration)
            }
        }
    }

    /// Counts a datagram's bytes against the path it came from, for the anti-amplification
    /// limit.
    pub(super) fn count_received(&mut self, from: SocketAddr, len: usize) {
        if from == self.path.remote {
            self.path.bytes_received += len as u64;
        } else if let Some(p) = self.probe_path.as_mut().filter(|p| p.remote == from) {
            p.bytes_received += len as u64;
        }
    }

    /// After a 1-RTT packet from `from` addressed to `dcid`: a packet from the current path
    /// records its ID; one from elsewhere that is the highest-numbered yet and not only a
    /// probe moves the connection there (RFC 9000 §9.3).
    pub(super) fn after_one_rtt_packet(
        &mut self,
        now: Instant,
        from: SocketAddr,
        dcid: ConnectionId,
        newest_non_probing: bool,
        datagram_len: usize,
    ) {
        if from == self.path.remote {
            if newest_non_probing {
                self.last_dcid = Some(dcid);
            }
            return;
        }
        // Only a server follows its peer; a client chooses its paths.
        if !newest_non_probing || self.side == Side::Client {
            return;
        }
        self.follow_peer(now, from, datagram_len);
        if self.last_dcid.is_some_and(|d| d != dcid) {
            // The peer moved to a new connection ID: so does this endpoint, so the two paths
            // cannot be linked (RFC 9000 §9.5).
            self.remote_cids.switch();
        }
        self.last_dcid = Some(dcid);
    }

    /// The server follows its client to `to`: the new path is validated before it is
    /// trusted, congestion state starts over unless only the port changed (RFC 9000 §9.4),
    /// and the old path is kept to return to.
    fn follow_peer(&mut self, now: Instant, to: SocketAddr, datagram_len: usize) {
        let returning = self.prev_path.as_ref().is_some_and(|p| p.path.remote == to);
        let probed = self.probe_path.as_ref().is_some_and(|p| p.remote == to);
        let new = match self.prev_path.take() {
            Some(prev) if returning => {
                if let Some((cc, rtt)) = prev.congestion {
                    self.restore_congestion(now, cc, rtt);
                }
                prev.path
            }
            other => {
                self.prev_path = other;
                match self.probe_path.take() {
                    // The peer probed this path first: its validation carries on (and its
                    // bytes, this datagram's too, are counted).
                    Some(p) if probed => p,
                    _ => {
                        let mut p = Path::new(to, false);
                        p.bytes_received += datagram_len as u64;
                        p
                    }
                }
            }
        };
        let congestion = (!returning && address_changed(self.path.remote, to))
            .then(|| self.reset_congestion(now));
        let old = std::mem::replace(&mut self.path, new);
        if old.validated && old.validation.is_none() {
            self.prev_path = Some(Box::new(PrevPath {
                path: old,
                congestion,
            }));
        }
        if !self.path.validated && self.path.validation.is_none() {
            self.path.start_validation(now, self.validation_timeout());
        }
        self.ecn.new_path();
        self.pmtud.new_path();
        self.stats.migrations += 1;
    }

    /// A PATH_CHALLENGE came from `from`, which is not the current path's address: the
    /// peer probes a path (RFC 9000 §9.1). Besides the answer, this endpoint challenges that
    /// path too, so it is validated if the peer moves there; one such path at a time.
    pub(super) fn on_probed_from(&mut self, now: Instant, from: SocketAddr, len: usize) {
        if self.probe_path.as_ref().is_some_and(|p| p.remote == from) {
            return;
        }
        let mut path = Path::new(from, false);
        path.bytes_received = len as u64;
        path.start_validation(now, self.validation_timeout());
        self.probe_path = Some(path);
    }

    /// Moves a client connection to a new path at `now`: to `remote` from whatever local
    /// address the caller now sends from (the server's address itself after a change of the
    /// client's socket or network). The client switches to a connection ID it has not used,
    /// retiring the old one, starts congestion control over and validates the path with
    /// PATH_CHALLENGE while it keeps sending there (RFC 9000 §9.2, §9.5).
    pub fn migrate(&mut self, now: Instant, remote: SocketAddr) -> Result<(), MigrationError> {
        if self.side != Side::Client {
            return Err(MigrationError::NotClient);
        }
        if self.state != State::Open {
            return Err(MigrationError::Closed);
        }
        if !self.handshake_confirmed {
            return Err(MigrationError::HandshakeNotConfirmed);
        }
        if self
            .peer_params
            .as_ref()
            .is_some_and(|p| p.disable_active_migration)
        {
            return Err(MigrationError::DisabledByPeer);
        }
        self.move_client(now, remote, false)?;
        // The local address of the new path is learned from its first datagram.
        self.local = None;
        Ok(())
    }

    /// A client moves to the server's preferred address once the handshake is confirmed
    /// (RFC 9000 §9.6), with the connection ID that came with it, whatever
    /// disable_active_migration says; the original path is kept to return to if the new one
    /// fails validation. Nothing happens without a preferred address of the path's family.
    pub(super) fn follow_preferred_address(&mut self, now: Instant) {
        if !std::mem::take(&mut self.preferred_pending) || self.state != State::Open {
            return;
        }
        let Some(pa) = self.peer_params.as_ref().and_then(|p| p.preferred_address) else {
            return;
        };
        let to = match self.path.remote {
            SocketAddr::V4(_) => pa.ipv4.map(SocketAddr::V4),
            SocketAddr::V6(_) => pa.ipv6.map(SocketAddr::V6),
        };
        if let Some(to) = to.filter(|to| *to != self.path.remote) {
            // The preferred address's ID is the next unused one (sequence number 1).
            let _ = self.move_client(now, to, true);
        }
    }

    /// Moves a client to `remote` with a connection ID it has not used (the old one
    /// retired), congestion control started over and the path validated; `keep_prev` keeps
    /// the old path to return to if validation fails.
    fn move_client(
        &mut self,
        now: Instant,
        remote: SocketAddr,
        keep_prev: bool,
    ) -> Result<(), MigrationError> {
        if !self.remote_cids.current().is_empty() && !self.remote_cids.switch() {
            return Err(MigrationError::NoConnectionId);
        }
        let congestion = self.reset_congestion(now);
        let old = std::mem::replace(&mut self.path, Path::new(remote, true));
        self.path.start_validation(now, self.validation_timeout());
        self.prev_path = keep_prev.then(|| {
            Box::new(PrevPath {
                path: old,
                congestion: Some(congestion),
            })
        });
        self.ecn.new_path();
        self.pmtud.new_path();
        self.stats.migrations += 1;
        Ok(())
    }

    /// Handles a PATH_RESPONSE: one answering the current path's challenge validates it,
    /// and the path before it is no longer needed.
    pub(super) fn on_path_response(&mut self, data: &[u8; 8]) {
        if self.path.on_response(data) {
            self.prev_path = None;
        } else if let Some(p) = &mut self.probe_path {
            p.on_response(data);
        }
    }

    /// The current path's validation ran out of time: back to the path before it if there is
    /// one (RFC 9000 §9.3.2), otherwise the path stays unvalidated and the validation ends.
    pub(super) fn on_path_validation_failed(&mut self, now: Instant) {
        match self.prev_path.take() {
            Some(prev) => {
                if let Some((cc, rtt)) = prev.congestion {
                    self.restore_congestion(now, cc, rtt);
                }
                self.path = prev.path;
            }
            None => self.path.validation = None,
        }
        self.stats.failed_validations += 1;
    }

    /// How long a path validation lasts: three times the larger of the current PTO and one
    /// computed from the initial RTT (RFC 9000 §8.2.4).
    fn validation_timeout(&self) -> Duration {
        let initial = RttEstimator::new(INITIAL_RTT);
        let ack_delay = self.peer_max_ack_delay();
        self.rtt
            .pto_period(ack_delay, true)
            .max(initial.pto_period(ack_delay, true))
            * 3
    }

    /// How often a path challenge is sent again while unanswered: once per PTO.
    pub(super) fn challenge_interval(&self) -> Duration {
        self.rtt.pto_period(self.peer_max_ack_delay(), true)
    }

    /// Starts congestion control and the RTT estimate over for a new path, returning the old
    /// ones. Packets still in flight on the old path stay counted until acknowledged or lost.
    fn reset_congestion(&mut self, now: Instant) -> (Box<dyn CongestionController>, RttEstimator) {
        let mut cc = self
            .config
            .congestion
            .build(self.cc.max_datagram_size().max(MIN_INITIAL_SIZE as u64));
        cc.on_packet_sent(now, self.cc.bytes_in_flight());
        let old_cc = std::mem::replace(&mut self.cc, cc);
        let old_rtt = std::mem::replace(&mut self.rtt, RttEstimator::new(INITIAL_RTT));
        (old_cc, old_rtt)
    }

    /// Puts back a congestion controller and RTT estimate saved by
    /// [`reset_congestion`](Self::reset_congestion), with what is in flight now.
    fn restore_congestion(
        &mut self,
        now: Instant,
        mut cc: Box<dyn CongestionController>,
        rtt: RttEstimator,
    ) {
        let in_flight = self.cc.bytes_in_flight();
        cc.on_packets_discarded(cc.bytes_in_flight());
        cc.on_packet_sent(now, in_flight);
        self.cc = cc;
        self.rtt = rtt;
    }
}
