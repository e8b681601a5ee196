//! Connection IDs over a connection's life (RFC 9000 §5.1): the ones this endpoint issues, and
//! the ones the peer issued for it to use.

use std::collections::{BTreeMap, BTreeSet};

use rand_core::Rng;

use crate::cid::ConnectionId;
use crate::crypto::{RESET_TOKEN_LEN, ResetTokenKey};
use crate::error::{TransportError, TransportErrorCode};
use crate::frame::NewConnectionId;

/// Most connection IDs this endpoint keeps issued at once, whatever the peer allows.
pub const MAX_ISSUED: u64 = 8;

/// Most connection IDs from the peer this endpoint stores (its `active_connection_id_limit`).
pub const ACTIVE_CID_LIMIT: u64 = 8;

/// The connection IDs this endpoint has issued.
#[derive(Debug)]
pub struct LocalCids {
    cid_len: usize,
    /// Active IDs by sequence number.
    active: BTreeMap<u64, ConnectionId>,
    next_seq: u64,
}

impl LocalCids {
    /// Starts with the ID used during the handshake (sequence 0).
    pub fn new(initial: ConnectionId) -> Self {
        let mut active = BTreeMap::new();
        active.insert(0, initial);
        LocalCids {
            cid_len: initial.len(),
            active,
            next_seq: 1,
        }
    }

    /// How many IDs were ever issued (the initial one included): changes whenever one is.
    pub fn issued(&self) -> u64 {
        self.next_seq
    }

    /// Issues new IDs until `peer_limit` (capped at [`MAX_ISSUED`]) are active, returning the
    /// NEW_CONNECTION_ID frames to send. An endpoint with zero-length IDs issues none.
    pub fn issue(
        &mut self,
        peer_limit: u64,
        rng: &mut impl Rng,
        reset_key: &ResetTokenKey,
    ) -> Vec<NewConnectionId> {
        let mut frames = Vec::new();
        if self.cid_len == 0 {
            return frames;
        }
        while (self.active.len() as u64) < peer_limit.min(MAX_ISSUED) {
            let id = ConnectionId::random(rng, self.cid_len);
            let sequence = self.next_seq;
            self.next_seq += 1;
            self.active.insert(sequence, id);
            frames.push(NewConnectionId {
                sequence,
                retire_prior_to: 0,
                id,
                reset_token: reset_key.token(&id),
            });
        }
        frames
    }

    /// Issues the ID for a server's preferred address: sequence number 1 (RFC 9000 §5.1.1),
    /// before any other is issued. `None` for an endpoint with zero-length IDs or one that
    /// issued others already.
    pub fn issue_preferred(
        &mut self,
        rng: &mut impl Rng,
        reset_key: &ResetTokenKey,
    ) -> Option<NewConnectionId> {
        if self.cid_len == 0 || self.next_seq != 1 {
            return None;
        }
        let id = ConnectionId::random(rng, self.cid_len);
        self.active.insert(1, id);
        self.next_seq = 2;
        Some(NewConnectionId {
            sequence: 1,
            retire_prior_to: 0,
            id,
            reset_token: reset_key.token(&id),
        })
    }

    /// Handles RETIRE_CONNECTION_ID for `seq`, received in a packet addressed to `packet_dcid`;
    /// returns the retired ID (for the endpoint's routing table) if it was active.
    pub fn retire(
        &mut self,
        seq: u64,
        packet_dcid: &ConnectionId,
    ) -> Result<Option<ConnectionId>, TransportError> {
        if seq >= self.next_seq {
            return Err(TransportError::protocol_violation(
                Some(0x19),
                "retired a connection ID never issued",
            ));
        }
        if self.active.get(&seq) == Some(packet_dcid) {
            return Err(TransportError::protocol_violation(
                Some(0x19),
                "retired the connection ID the packet was sent to",
            ));
        }
        Ok(self.active.remove(&seq))
    }

    /// The active IDs.
    pub fn active(&self) -> impl Iterator<Item = &ConnectionId> {
        self.active.values()
    }
}

/// One ID the peer issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RemoteCid {
    id: ConnectionId,
    reset_token: Option<[u8; RESET_TOKEN_LEN]>,
}

/// The connection IDs the peer issued for this endpoint to address it with.
#[derive(Debug)]
pub struct RemoteCids {
    /// Usable IDs by sequence number.
    available: BTreeMap<u64, RemoteCid>,
    /// The sequence number in use.
    current: u64,
    /// Everything below this has been retired.
    retire_prior_to: u64,
    /// RETIRE_CONNECTION_ID frames owed to the peer, not yet sent (a set, so repeats from
    /// the peer cannot grow it).
    to_retire: BTreeSet<u64>,
}

impl RemoteCids {
    /// Starts with the ID the peer used in the handshake (sequence 0), and its reset token if
    /// the server sent one in its transport parameters.
    pub fn new(initial: ConnectionId, reset_token: Option<[u8; RESET_TOKEN_LEN]>) -> Self {
        let mut available = BTreeMap::new();
        available.insert(
            0,
            RemoteCid {
                id: initial,
                reset_token,
            },
        );
        RemoteCids {
            available,
            current: 0,
            retire_prior_to: 0,
            to_retire: BTreeSet::new(),
        }
    }

    /// IDs held: usable ones and those waiting to be retired.
    pub fn held(&self) -> usize {
        self.available.len() + self.to_retire.len()
    }

    /// The ID to put in packets now.
    pub fn current(&self) -> ConnectionId {
        self.available
            .get(&self.current)
            .map_or(ConnectionId::EMPTY, |c| c.id)
    }

    /// Replaces the handshake ID once the server's first packet names its own (the client
    /// switches from the ID it chose to the server's source connection ID).
    pub fn set_initial(&mut self, id: ConnectionId) {
        if let Some(first) = self.available.get_mut(&0) {
            first.id = id;
        }
    }

    /// Sets the reset token of the handshake ID (from the server's transport parameters).
    pub fn set_initial_reset_token(&mut self, token: [u8; RESET_TOKEN_LEN]) {
        if let Some(first) = self.available.get_mut(&0) {
            first.reset_token = Some(token);
        }
    }

    /// Handles a NEW_CONNECTION_ID frame.
    pub fn on_new(&mut self, frame: &NewConnectionId) -> Result<(), TransportError> {
        let entry = RemoteCid {
            id: frame.id,
            reset_token: Some(frame.reset_token),
        };
        if let Some(existing) = self.available.get(&frame.sequence) {
            if *existing != entry {
                return Err(TransportError::protocol_violation(
                    Some(0x18),
                    "sequence number reused for another connection ID",
                ));
            }
            return Ok(());
        }
        if frame.sequence < self.retire_prior_to {
            // Already retired: retire it again rather than store it.
            self.to_retire.insert(frame.sequence);
        } else {
            self.available.insert(frame.sequence, entry);
        }
        if frame.retire_prior_to > self.retire_prior_to {
            self.retire_prior_to = frame.retire_prior_to;
            let retired: Vec<u64> = self
                .available
                .range(..frame.retire_prior_to)
                .map(|(s, _)| *s)
                .collect();
            for seq in retired {
                self.available.remove(&seq);
                self.to_retire.insert(seq);
            }
            if self.current < self.retire_prior_to {
                self.current = self
                    .available
                    .keys()
                    .next()
                    .copied()
                    .unwrap_or(self.current);
            }
        }
        if self.available.len() as u64 > ACTIVE_CID_LIMIT {
            return Err(TransportError::new(
                TransportErrorCode::CONNECTION_ID_LIMIT_ERROR,
                "peer exceeded active_connection_id_limit",
            ));
        }
        // RFC 9000 §5.1.2: more IDs awaiting retirement than twice the limit is an error.
        if self.to_retire.len() as u64 > 2 * ACTIVE_CID_LIMIT {
            return Err(TransportError::new(
                TransportErrorCode::CONNECTION_ID_LIMIT_ERROR,
                "too many connection IDs awaiting retirement",
            ));
        }
        Ok(())
    }

    /// Moves to an ID not used yet, the lowest sequence number above the current one, and
    /// retires the current one. False, changing nothing, without a spare.
    pub fn switch(&mut self) -> bool {
        let Some(next) = self
            .available
            .range(self.current + 1..)
            .next()
            .map(|(s, _)| *s)
        else {
            return false;
        };
        self.available.remove(&self.current);
        self.to_retire.insert(self.current);
        self.current = next;
        true
    }

    /// Whether RETIRE_CONNECTION_ID frames are owed.
    pub fn has_retirements(&self) -> bool {
        !self.to_retire.is_empty()
    }

    /// The next RETIRE_CONNECTION_ID sequence number to send, taken (lowest first).
    pub fn pop_retirement(&mut self) -> Option<u64> {
        self.to_retire.pop_first()
    }

    /// Owes RETIRE_CONNECTION_ID for `seq` again: the frame was lost or did not fit.
    pub fn retire_again(&mut self, seq: u64) {
        self.to_retire.insert(seq);
    }

    /// The reset tokens that identify a stateless reset from the peer: only the token of the
    /// ID in use, as RFC 9000 §10.3.1 requires (never those of IDs not used yet or retired).
    pub fn reset_tokens(&self) -> impl Iterator<Item = &[u8; RESET_TOKEN_LEN]> {
        self.available
            .get(&self.current)
            .and_then(|c| c.reset_token.as_ref())
            .into_iter()
    }
}

#[cfg(test)]
mod tests {
    use rand_chacha::ChaCha8Rng;
    use rand_core::SeedableRng;

    use super::*;

    fn cid(b: u8) -> ConnectionId {
        ConnectionId::new(&[b; 8]).unwrap()
    }

    #[test]
    fn issues_up_to_the_peer_limit_and_retires() {
        let key = ResetTokenKey::new(b"k");
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut local = LocalCids::new(cid(1));
        let frames = local.issue(4, &mut rng, &key);
        assert_eq!(frames.len(), 3);
        assert_eq!(
            frames.iter().map(|f| f.sequence).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        for f in &frames {
            assert_eq!(f.reset_token, key.token(&f.id));
            assert!(local.active().any(|c| *c == f.id));
        }
        assert!(local.issue(4, &mut rng, &key).is_empty());
        // Retiring one lets another be issued.
        assert_eq!(local.retire(2, &cid(1)).unwrap(), Some(frames[1].id));
        assert_eq!(local.issue(4, &mut rng, &key).len(), 1);
        // Never issued, or the one in use: violations.
        assert!(local.retire(99, &cid(1)).is_err());
        assert!(local.retire(0, &cid(1)).is_err());
        // A huge peer limit is capped.
        assert_eq!(
            local.issue(1000, &mut rng, &key).len() as u64,
            MAX_ISSUED - 4
        );
    }

    #[test]
    fn zero_length_ids_issue_nothing() {
        let key = ResetTokenKey::new(b"k");
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut local = LocalCids::new(ConnectionId::EMPTY);
        assert!(local.issue(8, &mut rng, &key).is_empty());
    }

    fn new_cid(sequence: u64, retire_prior_to: u64, b: u8) -> NewConnectionId {
        NewConnectionId {
            sequence,
            retire_prior_to,
            id: cid(b),
            reset_token: [b; 16],
        }
    }

    fn take_retirements(remote: &mut RemoteCids) -> Vec<u64> {
        std::iter::from_fn(|| remote.pop_retirement()).collect()
    }

    #[test]
    fn remote_ids_and_retire_prior_to() {
        let mut remote = RemoteCids::new(cid(0), None);
        remote.on_new(&new_cid(1, 0, 11)).unwrap();
        remote.on_new(&new_cid(2, 0, 12)).unwrap();
        // Repeating a frame is harmless; reusing a sequence number is not.
        remote.on_new(&new_cid(1, 0, 11)).unwrap();
        assert!(remote.on_new(&new_cid(1, 0, 99)).is_err());
        assert_eq!(remote.current(), cid(0));
        remote.on_new(&new_cid(3, 2, 13)).unwrap();
        assert_eq!(take_retirements(&mut remote), [0, 1]);
        assert_eq!(remote.current(), cid(12), "moved off the retired ID");
        // A late frame below retire_prior_to is retired at once.
        remote.on_new(&new_cid(1, 0, 11)).unwrap();
        assert_eq!(take_retirements(&mut remote), [1]);
        // Only the ID in use is checked for stateless resets.
        assert_eq!(remote.reset_tokens().count(), 1);
    }

    #[test]
    fn retire_prior_to_yields_retire_frames_and_is_bounded() {
        use crate::coding::Writer;
        use crate::frame::{Frame, FrameIter};

        let mut remote = RemoteCids::new(cid(0), None);
        remote.on_new(&new_cid(1, 0, 11)).unwrap();
        remote.on_new(&new_cid(2, 1, 12)).unwrap();
        assert!(remote.has_retirements());
        // The packet builder writes one RETIRE_CONNECTION_ID per owed sequence number.
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        let mut sent = Vec::new();
        while let Some(sequence) = remote.pop_retirement() {
            (Frame::RetireConnectionId { sequence })
                .encode(&mut w)
                .unwrap();
            sent.push(sequence);
        }
        let len = w.position();
        assert_eq!(sent, [0]);
        let frames: Vec<_> = FrameIter::new(&buf[..len]).map(Result::unwrap).collect();
        assert_eq!(frames, [Frame::RetireConnectionId { sequence: 0 }]);
        assert!(!remote.has_retirements());
        // A lost frame is owed again, once however often it is lost or repeated.
        remote.retire_again(0);
        remote.retire_again(0);
        remote.on_new(&new_cid(0, 0, 10)).unwrap();
        assert_eq!(take_retirements(&mut remote), [0]);
        // Old sequence numbers repeated by the peer cannot grow the list without bound.
        for _ in 0..1000 {
            remote.on_new(&new_cid(0, 0, 10)).unwrap();
        }
        assert_eq!(take_retirements(&mut remote), [0]);
        let mut remote = RemoteCids::new(cid(0), None);
        remote.on_new(&new_cid(100, 100, 1)).unwrap();
        let err = (0..100)
            .map(|s| remote.on_new(&new_cid(s, 0, s as u8)))
            .find_map(Result::err)
            .expect("too many pending retirements");
        assert_eq!(err.code, TransportErrorCode::CONNECTION_ID_LIMIT_ERROR);
    }

    #[test]
    fn too_many_remote_ids() {
        let mut remote = RemoteCids::new(cid(0), None);
        for s in 1..ACTIVE_CID_LIMIT {
            remote.on_new(&new_cid(s, 0, s as u8)).unwrap();
        }
        let err = remote.on_new(&new_cid(100, 0, 100)).unwrap_err();
        assert_eq!(err.code, TransportErrorCode::CONNECTION_ID_LIMIT_ERROR);
    }

    #[test]
    fn only_the_reset_token_of_the_id_in_use_is_checked() {
        let mut remote = RemoteCids::new(cid(1), Some([1; RESET_TOKEN_LEN]));
        remote.on_new(&new_cid(1, 0, 2)).unwrap();
        remote.on_new(&new_cid(2, 0, 3)).unwrap();
        let tokens: Vec<_> = remote.reset_tokens().copied().collect();
        assert_eq!(
            tokens,
            [[1; RESET_TOKEN_LEN]],
            "issued but unused IDs' tokens are not"
        );
        // Retiring the first moves to the next, whose token is then the one.
        remote.on_new(&new_cid(3, 1, 4)).unwrap();
        assert_eq!(remote.current(), cid(2));
        let tokens: Vec<_> = remote.reset_tokens().copied().collect();
        assert_eq!(tokens, [new_cid(1, 0, 2).reset_token]);
    }
}
