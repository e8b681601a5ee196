//! The ACK frequency extension (draft-ietf-quic-ack-frequency), both halves for one connection.
//!
//! As the receiver, the peer's latest ACK_FREQUENCY frame becomes the [`AckPolicy`] of the
//! application data space, and an IMMEDIATE_ACK frame makes its packet's acknowledgment due at
//! once. As the sender, once the handshake is confirmed with a peer that advertised
//! min_ack_delay, the peer is asked for about [`ACKS_PER_WINDOW`] acknowledgments per
//! congestion window, from every second packet (RFC 9000's rule) up to every
//! [`MAX_PACKETS_PER_ACK`]th, so a fast transfer costs both ends fewer ACK-only datagrams. The
//! delay asked for never exceeds the peer's max_ack_delay, so the PTO, computed from that
//! parameter, stays valid whether or not the request has arrived (§7).

use std::time::Duration;

use crate::ack_tracker::AckPolicy;
use crate::error::TransportError;
use crate::frame::{AckFrequency, FrameType};
use crate::recovery::PACKET_THRESHOLD;
use crate::transport_params::MAX_ACK_DELAY_LIMIT;

/// The most packets a peer is asked to take between two acknowledgments.
const MAX_PACKETS_PER_ACK: u64 = 64;

/// Acknowledgments asked for per congestion window: enough to keep the window moving (the
/// pacer spreads what each one releases) and to hear of loss within a fraction of a round trip.
const ACKS_PER_WINDOW: u64 = 8;

/// The reordering threshold asked for: RFC 9002's packet threshold, so the peer reports a gap
/// as soon as it is old enough for loss detection to act on it (§6.2).
const REORDERING_THRESHOLD: u64 = PACKET_THRESHOLD;

/// What one connection knows and wants of acknowledgment frequency.
#[derive(Debug, Clone)]
pub(super) struct AckFrequencyState {
    /// The sequence number and the policy of the peer's latest ACK_FREQUENCY.
    peer_request: Option<(u64, AckPolicy)>,
    /// The ack-eliciting threshold last asked of the peer (RFC 9000's 1 until one is sent).
    asked: u64,
    /// The sequence number of the next ACK_FREQUENCY sent.
    next_sequence: u64,
    /// An ACK_FREQUENCY is to be sent: the threshold changed, or the last one was lost.
    pending: bool,
}

impl AckFrequencyState {
    /// Nothing asked either way.
    pub(super) fn new() -> Self {
        AckFrequencyState {
            peer_request: None,
            asked: 1,
            next_sequence: 0,
            pending: false,
        }
    }

    /// When to acknowledge application data: as the peer asked, or by RFC 9000's rule with
    /// this endpoint's own `max_ack_delay`.
    pub(super) fn policy(&self, max_ack_delay: Duration) -> AckPolicy {
        self.peer_request
            .map_or(AckPolicy::rfc9000(max_ack_delay), |(_, policy)| policy)
    }

    /// Takes the peer's ACK_FREQUENCY. `min_ack_delay` is what this endpoint advertised
    /// (`None`: nothing, and the frame is a PROTOCOL_VIOLATION). A request for less delay than
    /// that is a PROTOCOL_VIOLATION; an older request than one already taken is ignored
    /// (§5); a delay beyond max_ack_delay's own bound, 2^14 ms, is held to it.
    pub(super) fn on_frame(
        &mut self,
        frame: &AckFrequency,
        min_ack_delay: Option<Duration>,
    ) -> Result<(), TransportError> {
        let violation =
            |reason| TransportError::protocol_violation(Some(FrameType::ACK_FREQUENCY.0), reason);
        let min = min_ack_delay.ok_or(violation("ACK_FREQUENCY without min_ack_delay"))?;
        let requested = Duration::from_micros(frame.request_max_ack_delay);
        if requested < min {
            return Err(violation("ACK_FREQUENCY asks for less than min_ack_delay"));
        }
        if self
            .peer_request
            .is_some_and(|(sequence, _)| frame.sequence <= sequence)
        {
            return Ok(());
        }
        let policy = AckPolicy {
            max_delay: requested.min(Duration::from_millis(MAX_ACK_DELAY_LIMIT - 1)),
            eliciting_threshold: frame.ack_eliciting_threshold,
            reordering_threshold: frame.reordering_threshold,
        };
        self.peer_request = Some((frame.sequence, policy));
        Ok(())
    }

    /// Checks that the peer may send IMMEDIATE_ACK: this endpoint advertised min_ack_delay.
    pub(super) fn check_immediate_ack(
        min_ack_delay: Option<Duration>,
    ) -> Result<(), TransportError> {
        match min_ack_delay {
            Some(_) => Ok(()),
            None => Err(TransportError::protocol_violation(
                Some(FrameType::IMMEDIATE_ACK.0),
                "IMMEDIATE_ACK without min_ack_delay",
            )),
        }
    }

    /// The congestion window is `window` bytes of `datagram_size`-byte packets: the threshold
    /// to ask for follows it, in powers of two so that a window moving a little asks nothing
    /// new.
    pub(super) fn on_window(&mut self, window: u64, datagram_size: usize) {
        let packets = window / (datagram_size.max(1) as u64);
        let per_ack = (packets / ACKS_PER_WINDOW).clamp(2, MAX_PACKETS_PER_ACK);
        // The largest power of two not above it.
        let per_ack = 1 << per_ack.ilog2();
        let threshold = per_ack - 1;
        if threshold != self.asked {
            self.asked = threshold;
            self.pending = true;
        }
    }

    /// Whether an ACK_FREQUENCY waits to be sent.
    pub(super) fn wants_send(&self) -> bool {
        self.pending
    }

    /// The ACK_FREQUENCY to send now, asking for a delay of a quarter of `srtt` held between
    /// the peer's `min_ack_delay` and `max_ack_delay`. The caller calls [`Self::on_sent`] once
    /// the frame is in a packet.
    pub(super) fn frame(
        &self,
        srtt: Duration,
        min_ack_delay: Duration,
        max_ack_delay: Duration,
    ) -> AckFrequency {
        let delay = (srtt / 4).clamp(min_ack_delay, max_ack_delay.max(min_ack_delay));
        AckFrequency {
            sequence: self.next_sequence,
            ack_eliciting_threshold: self.asked,
            request_max_ack_delay: u64::try_from(delay.as_micros()).unwrap_or(u64::MAX),
            reordering_threshold: REORDERING_THRESHOLD,
        }
    }

    /// The frame from [`Self::frame`] went out.
    pub(super) fn on_sent(&mut self) {
        self.next_sequence += 1;
        self.pending = false;
    }

    /// A packet with an ACK_FREQUENCY was lost: the current request goes again, under a new
    /// sequence number (a newer one already sent makes the repeat harmless).
    pub(super) fn on_lost(&mut self) {
        self.pending = true;
    }

    /// Whether the peer was asked to acknowledge less often than every second packet: probes
    /// then carry IMMEDIATE_ACK, so their acknowledgment does not wait for the threshold.
    pub(super) fn decimating(&self) -> bool {
        self.asked > 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn request(sequence: u64, threshold: u64, delay_us: u64) -> AckFrequency {
        AckFrequency {
            sequence,
            ack_eliciting_threshold: threshold,
            request_max_ack_delay: delay_us,
            reordering_threshold: 0,
        }
    }

    #[test]
    fn the_newest_request_rules() {
        let mut s = AckFrequencyState::new();
        assert_eq!(s.policy(25 * MS), AckPolicy::rfc9000(25 * MS));
        s.on_frame(&request(1, 9, 5_000), Some(MS)).unwrap();
        let p = s.policy(25 * MS);
        assert_eq!((p.eliciting_threshold, p.max_delay), (9, 5 * MS));
        // Reordered: an older one is ignored.
        s.on_frame(&request(0, 3, 2_000), Some(MS)).unwrap();
        assert_eq!(s.policy(25 * MS).eliciting_threshold, 9);
        s.on_frame(&request(2, 3, u64::MAX >> 2), Some(MS)).unwrap();
        let p = s.policy(25 * MS);
        assert_eq!(p.eliciting_threshold, 3);
        assert_eq!(p.max_delay, Duration::from_millis(MAX_ACK_DELAY_LIMIT - 1));
    }

    #[test]
    fn requests_below_min_ack_delay_or_unadvertised_are_violations() {
        let mut s = AckFrequencyState::new();
        let e = s.on_frame(&request(0, 1, 999), Some(MS)).unwrap_err();
        assert_eq!(e.frame_type, Some(0xaf));
        assert_eq!(e.code, crate::TransportErrorCode::PROTOCOL_VIOLATION);
        assert!(s.on_frame(&request(0, 1, 5_000), None).is_err());
        assert!(AckFrequencyState::check_immediate_ack(None).is_err());
        assert!(AckFrequencyState::check_immediate_ack(Some(MS)).is_ok());
        assert_eq!(s.policy(25 * MS), AckPolicy::rfc9000(25 * MS));
    }

    #[test]
    fn the_threshold_follows_the_window_in_powers_of_two() {
        let mut s = AckFrequencyState::new();
        s.on_window(10 * 1200, 1200);
        assert!(!s.wants_send(), "a small window keeps RFC 9000's rule");
        assert!(!s.decimating());
        s.on_window(64 * 1200, 1200);
        assert!(s.wants_send());
        let f = s.frame(Duration::from_millis(40), MS, 25 * MS);
        assert_eq!(f.sequence, 0);
        assert_eq!(f.ack_eliciting_threshold, 7);
        assert_eq!(f.request_max_ack_delay, 10_000);
        assert_eq!(f.reordering_threshold, 3);
        s.on_sent();
        assert!(!s.wants_send());
        s.on_window(70 * 1200, 1200);
        assert!(!s.wants_send(), "same power of two");
        s.on_window(10_000 * 1200, 1200);
        let f = s.frame(Duration::from_micros(100), MS, 25 * MS);
        assert_eq!((f.sequence, f.ack_eliciting_threshold), (1, 63));
        assert_eq!(f.request_max_ack_delay, 1_000, "at least min_ack_delay");
        s.on_sent();
        s.on_lost();
        assert_eq!(s.frame(Duration::ZERO, MS, 25 * MS).sequence, 2);
        // Back to a small window: RFC 9000's rule asked for again.
        s.on_sent();
        s.on_window(4 * 1200, 1200);
        assert!(s.wants_send());
        assert_eq!(
            s.frame(Duration::ZERO, MS, 25 * MS).ack_eliciting_threshold,
            1
        );
        assert!(!s.decimating());
    }
}
