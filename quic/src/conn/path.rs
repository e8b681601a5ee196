//! Network paths (RFC 9000 §8.2, §9): the peer address a connection sends to, whether the peer
//! has proven it receives there (until then an endpoint sends at most three times what it
//! received from that address), and the PATH_CHALLENGE exchange that proves it.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rand_core::Rng;

/// Challenges of one validation kept for matching responses: each resend carries new data, and
/// a response to any of the last few completes the validation.
const KEPT_CHALLENGES: usize = 4;

/// The least a datagram carrying PATH_CHALLENGE or PATH_RESPONSE is expanded to, where the
/// anti-amplification limit allows (RFC 9000 §8.2.1, §8.2.2).
pub(crate) const PATH_PROBE_SIZE: usize = 1200;

/// Bytes of an unvalidated path's anti-amplification budget that other data leaves to
/// PATH_CHALLENGE while the path is validated: a challenge that was lost can go again (a
/// small one, unpadded) even when data used up the rest.
const CHALLENGE_RESERVE: u64 = 200;

/// Most PATH_RESPONSE frames waiting to be sent: a peer's flood of PATH_CHALLENGE frames gets
/// answers to the latest this many (the class of quic-go's CVE-2023-49295).
pub const MAX_PATH_RESPONSES: usize = 16;

/// A path validation in progress.
#[derive(Debug, Clone)]
pub(super) struct Validation {
    /// Data of the challenges sent, newest last.
    sent: Vec<[u8; 8]>,
    /// When the next challenge goes out.
    pub(super) next_send: Instant,
    /// When the validation is given up (RFC 9000 §8.2.4).
    pub(super) deadline: Instant,
}

/// One network path: the peer's address and what is known of it.
#[derive(Debug, Clone)]
pub(super) struct Path {
    /// The peer's address.
    pub(super) remote: SocketAddr,
    /// The peer has proven it receives at this address: no anti-amplification limit.
    pub(super) validated: bool,
    /// Bytes received from this address.
    pub(super) bytes_received: u64,
    /// Bytes sent to this address.
    pub(super) bytes_sent: u64,
    /// A validation of this path in progress.
    pub(super) validation: Option<Validation>,
}

impl Path {
    /// A path to `remote`, validated or not.
    pub(super) fn new(remote: SocketAddr, validated: bool) -> Self {
        Path {
            remote,
            validated,
            bytes_received: 0,
            bytes_sent: 0,
            validation: None,
        }
    }

    /// How many more bytes may be sent to this path's address now (`None`: no limit).
    pub(super) fn budget(&self) -> Option<u64> {
        (!self.validated).then(|| (3 * self.bytes_received).saturating_sub(self.bytes_sent))
    }

    /// How many more bytes of other data than path validation may be sent to this path's
    /// address now (`None`: no limit).
    pub(super) fn data_budget(&self) -> Option<u64> {
        let reserve = if self.validation.is_some() {
            CHALLENGE_RESERVE
        } else {
            0
        };
        self.budget().map(|b| b.saturating_sub(reserve))
    }

    /// Starts validating this path at `now`: the first challenge is due at once, and the
    /// validation is given up after `timeout`.
    pub(super) fn start_validation(&mut self, now: Instant, timeout: Duration) {
        self.validation = Some(Validation {
            sent: Vec::new(),
            next_send: now,
            deadline: now + timeout,
        });
    }

    /// The data of a challenge to send now, if one is due; the next is due after `interval`.
    pub(super) fn challenge_due(
        &mut self,
        now: Instant,
        interval: Duration,
        rng: &mut impl Rng,
    ) -> Option<[u8; 8]> {
        let v = self.validation.as_mut()?;
        if now < v.next_send {
            return None;
        }
        let mut data = [0u8; 8];
        rng.fill_bytes(&mut data);
        if v.sent.len() == KEPT_CHALLENGES {
            v.sent.remove(0);
        }
        v.sent.push(data);
        v.next_send = now + interval;
        Some(data)
    }

    /// Handles a PATH_RESPONSE: true if it answers one of this path's challenges, which
    /// validates the path.
    pub(super) fn on_response(&mut self, data: &[u8; 8]) -> bool {
        let answered = self
            .validation
            .as_ref()
            .is_some_and(|v| v.sent.contains(data));
        if answered {
            self.validation = None;
            self.validated = true;
        }
        answered
    }

    /// The next time this path's validation needs attention: a challenge to send or the
    /// deadline.
    pub(super) fn timer(&self) -> Option<Instant> {
        self.validation
            .as_ref()
            .map(|v| v.next_send.min(v.deadline))
    }

    /// Whether this path's validation has run out of time at `now`.
    pub(super) fn validation_failed(&self, now: Instant) -> bool {
        self.validation.as_ref().is_some_and(|v| now >= v.deadline)
    }
}

/// A PATH_RESPONSE owed to the peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PathResponse {
    /// The challenge's data.
    pub(super) data: [u8; 8],
    /// Where the challenge came from: the response goes there (RFC 9000 §8.2.2).
    pub(super) to: SocketAddr,
    /// Bytes that may be sent there for it: three times the challenge's datagram when it came
    /// from an address other than the current path's (RFC 9000 §8.1).
    pub(super) budget: usize,
}

/// Whether a change of peer address from `old` to `new` is more than a new port, after which
/// congestion state starts over (RFC 9000 §9.4).
pub(super) fn address_changed(old: SocketAddr, new: SocketAddr) -> bool {
    old.ip().to_canonical() != new.ip().to_canonical()
}

#[cfg(test)]
mod tests {
    use rand_chacha::ChaCha8Rng;
    use rand_core::SeedableRng;

    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_unvalidated_path_may_send_three_times_what_it_received() {
        let mut p = Path::new(addr("10.0.0.1:1000"), false);
        assert_eq!(p.budget(), Some(0));
        p.bytes_received = 100;
        p.bytes_sent = 250;
        assert_eq!(p.budget(), Some(50));
        p.validated = true;
        assert_eq!(p.budget(), None);
    }

    #[test]
    fn a_response_to_any_recent_challenge_validates_and_others_do_not() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let now = Instant::now();
        let mut p = Path::new(addr("10.0.0.1:1000"), false);
        p.start_validation(now, Duration::from_secs(1));
        let ms = Duration::from_millis(100);
        let first = p.challenge_due(now, ms, &mut rng).unwrap();
        assert!(p.challenge_due(now, ms, &mut rng).is_none(), "not due yet");
        let mut later = now;
        let mut sent = vec![first];
        for _ in 0..KEPT_CHALLENGES {
            later += ms;
            sent.push(p.challenge_due(later, ms, &mut rng).unwrap());
        }
        assert!(!p.on_response(&[0; 8]));
        // The first has been forgotten; the second is still answered.
        assert!(!p.on_response(&sent[0]));
        assert!(p.on_response(&sent[1]));
        assert!(p.validated && p.validation.is_none() && p.timer().is_none());
    }

    #[test]
    fn a_validation_fails_at_its_deadline() {
        let now = Instant::now();
        let mut p = Path::new(addr("10.0.0.1:1000"), false);
        p.start_validation(now, Duration::from_secs(1));
        assert!(!p.validation_failed(now + Duration::from_millis(999)));
        assert!(p.validation_failed(now + Duration::from_secs(1)));
    }

    #[test]
    fn a_new_port_is_not_a_new_address() {
        assert!(!address_changed(addr("10.0.0.1:1"), addr("10.0.0.1:2")));
        assert!(!address_changed(
            addr("10.0.0.1:1"),
            addr("[::ffff:10.0.0.1]:2")
        ));
        assert!(address_changed(addr("10.0.0.1:1"), addr("10.0.0.2:1")));
    }
}
