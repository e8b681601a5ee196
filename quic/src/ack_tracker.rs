//! What a packet-number space has received and when to acknowledge it (RFC 9000 §13.2).
//!
//! The tracker keeps received packet numbers as ranges (bounded in count, oldest dropped first),
//! recognises duplicates, and decides when an ACK frame is due: at once for Initial and Handshake
//! packets, for out-of-order arrivals and every second ack-eliciting packet; otherwise after the
//! maximum ACK delay. A peer using the ACK frequency extension changes the last three through
//! an [`AckPolicy`] (draft-ietf-quic-ack-frequency §6).

use std::ops::RangeInclusive;
use std::time::{Duration, Instant};

use crate::frame::EcnCounts;

/// Most ranges remembered; older ones are forgotten (the peer will have stopped retransmitting
/// them long before), which bounds memory whatever the peer sends.
pub const MAX_ACK_RANGES: usize = 64;

/// When acknowledgments are due in the application data space: RFC 9000 §13.2.1's rule
/// ([`AckPolicy::rfc9000`]), or what the peer's latest ACK_FREQUENCY frame asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckPolicy {
    /// Longest an acknowledgment of an ack-eliciting packet waits.
    pub max_delay: Duration,
    /// An acknowledgment is due once more ack-eliciting packets than this arrived since the
    /// last one was sent.
    pub eliciting_threshold: u64,
    /// 0: reordering never hurries an acknowledgment; 1: any packet out of order does; more:
    /// one is due once a packet missing is this far below the largest received, unless the
    /// last ACK sent already let the sender declare it lost (draft-ietf-quic-ack-frequency
    /// §6.2).
    pub reordering_threshold: u64,
}

impl AckPolicy {
    /// RFC 9000's rule: every second ack-eliciting packet, any reordering, or `max_delay`.
    pub const fn rfc9000(max_delay: Duration) -> Self {
        AckPolicy {
            max_delay,
            eliciting_threshold: 1,
            reordering_threshold: 1,
        }
    }
}

/// What [`AckTracker::on_received`] decided about a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// A packet seen for the first time.
    New,
    /// A packet already received (or too old to tell): it must not be processed again.
    Duplicate,
}

/// The receive side of one packet-number space.
#[derive(Debug, Clone)]
pub struct AckTracker {
    /// Received packet numbers, largest range first, disjoint and not adjacent.
    ranges: Vec<RangeInclusive<u64>>,
    /// Packets below this were forgotten: treated as duplicates.
    floor: u64,
    /// When the largest packet number was received, for the ACK Delay field.
    largest_received_at: Option<Instant>,
    /// Ack-eliciting packets since the last ACK was sent.
    unacked_eliciting: u64,
    /// The largest packet number the last ACK sent acknowledged.
    largest_reported: Option<u64>,
    /// The last packet arrived marked CE.
    last_ce: bool,
    /// The packet being recorded is the first marked CE after unmarked ones.
    ce_onset: bool,
    /// An ACK is due now (threshold reached, reordering, or an Initial/Handshake packet).
    ack_now: bool,
    /// When a delayed ACK becomes due.
    ack_deadline: Option<Instant>,
    /// Whether anything arrived since the last ACK was sent.
    changed: bool,
    /// ECN codepoints of the packets received (RFC 9000 §13.4.1).
    ecn: EcnCounts,
    /// Whether any packet arrived with an ECN codepoint: ACKs then carry the counts.
    ecn_seen: bool,
}

/// The ECN codepoint a datagram arrived with or is sent with (RFC 3168).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EcnCodepoint {
    /// ECT(0).
    Ect0,
    /// ECT(1).
    Ect1,
    /// Congestion experienced.
    Ce,
}

impl EcnCodepoint {
    /// The codepoint of the IP header's two ECN bits; `None` for Not-ECT (0).
    pub fn from_bits(bits: u8) -> Option<Self> {
        match bits & 0b11 {
            0b01 => Some(EcnCodepoint::Ect1),
            0b10 => Some(EcnCodepoint::Ect0),
            0b11 => Some(EcnCodepoint::Ce),
            _ => None,
        }
    }

    /// The IP header's two ECN bits for this codepoint.
    pub fn bits(self) -> u8 {
        match self {
            EcnCodepoint::Ect1 => 0b01,
            EcnCodepoint::Ect0 => 0b10,
            EcnCodepoint::Ce => 0b11,
        }
    }
}

impl Default for AckTracker {
    fn default() -> Self {
        Self::new()
    }
}

impl AckTracker {
    /// An empty tracker.
    pub fn new() -> Self {
        AckTracker {
            ranges: Vec::new(),
            floor: 0,
            largest_received_at: None,
            unacked_eliciting: 0,
            largest_reported: None,
            last_ce: false,
            ce_onset: false,
            ack_now: false,
            ack_deadline: None,
            changed: false,
            ecn: EcnCounts::default(),
            ecn_seen: false,
        }
    }

    /// Counts the ECN codepoint of a newly received packet, before it is recorded. The first
    /// CE mark after unmarked packets makes the acknowledgment of an ack-eliciting packet due
    /// at once, so the sender hears of congestion without the delay
    /// (draft-ietf-quic-ack-frequency §6.3).
    pub fn on_ecn(&mut self, ecn: EcnCodepoint) {
        self.ecn_seen = true;
        let ce = ecn == EcnCodepoint::Ce;
        self.ce_onset = ce && !self.last_ce;
        self.last_ce = ce;
        match ecn {
            EcnCodepoint::Ect0 => self.ecn.ect0 += 1,
            EcnCodepoint::Ect1 => self.ecn.ect1 += 1,
            EcnCodepoint::Ce => self.ecn.ce += 1,
        }
    }

    /// The ECN counts to report, once any packet arrived marked.
    pub fn ecn_counts(&self) -> Option<EcnCounts> {
        self.ecn_seen.then_some(self.ecn)
    }

    /// The largest packet number received.
    pub fn largest(&self) -> Option<u64> {
        self.ranges.first().map(|r| *r.end())
    }

    /// Whether `pn` has been received (or is too old to tell, which counts as received).
    pub fn contains(&self, pn: u64) -> bool {
        pn < self.floor || self.ranges.iter().any(|r| r.contains(&pn))
    }

    /// Records a packet that was authenticated. `immediate` asks for an ACK without delay
    /// (Initial and Handshake packets, IMMEDIATE_ACK); `policy` says when one is due otherwise.
    pub fn on_received(
        &mut self,
        pn: u64,
        now: Instant,
        ack_eliciting: bool,
        immediate: bool,
        policy: AckPolicy,
    ) -> Received {
        if self.contains(pn) {
            return Received::Duplicate;
        }
        self.on_received_new(pn, now, ack_eliciting, immediate, policy);
        Received::New
    }

    /// [`Self::on_received`] for a packet already known not to be a duplicate (checked with
    /// [`Self::contains`]), saving a second scan of the ranges.
    pub(crate) fn on_received_new(
        &mut self,
        pn: u64,
        now: Instant,
        ack_eliciting: bool,
        immediate: bool,
        policy: AckPolicy,
    ) {
        let largest_before = self.largest();
        self.insert(pn);
        self.changed = true;
        if largest_before.is_none_or(|l| pn > l) {
            self.largest_received_at = Some(now);
        }
        let ce_onset = std::mem::take(&mut self.ce_onset);
        if !ack_eliciting {
            return;
        }
        self.unacked_eliciting = self.unacked_eliciting.saturating_add(1);
        // Reordering (a gap below, or a packet filling an old gap) is reported soon, so the
        // sender's loss detection sees it: at once under RFC 9000's rule, once a gap is as
        // old as the threshold under a larger one.
        let reordered = match policy.reordering_threshold {
            0 => false,
            1 => pn != largest_before.map_or(0, |l| l + 1),
            threshold => self.gap_at_least(threshold),
        };
        if immediate || ce_onset || reordered || self.unacked_eliciting > policy.eliciting_threshold
        {
            self.ack_now = true;
        } else if self.ack_deadline.is_none() {
            self.ack_deadline = Some(now + policy.max_delay);
        }
    }

    /// Whether a packet missing, and not yet reportable as lost from the last ACK sent, lies
    /// `threshold` or more below the largest received: an ACK now lets the sender's packet
    /// threshold declare it lost.
    fn gap_at_least(&self, threshold: u64) -> bool {
        let (Some(largest), Some(reported)) = (self.largest(), self.largest_reported) else {
            return false;
        };
        // Packets missing below this were reportable as lost from the last ACK sent.
        let Some(from) = (reported + 1).checked_sub(threshold) else {
            return false;
        };
        // The smallest missing packet number at or above `from`, walking the ranges upward.
        let mut candidate = from.max(self.floor);
        for range in self.ranges.iter().rev() {
            if *range.end() < candidate {
                continue;
            }
            if *range.start() > candidate {
                break;
            }
            candidate = range.end() + 1;
        }
        candidate < largest && largest - candidate >= threshold
    }

    fn insert(&mut self, pn: u64) {
        // The first range (largest first) starting at or below pn; the one before it, if any,
        // starts above pn.
        let idx = self
            .ranges
            .iter()
            .position(|r| *r.start() <= pn)
            .unwrap_or(self.ranges.len());
        let extends_above = idx > 0 && *self.ranges[idx - 1].start() == pn + 1;
        let extends_below = idx < self.ranges.len() && *self.ranges[idx].end() + 1 >= pn;
        match (extends_above, extends_below) {
            (true, true) => {
                // pn joins two ranges.
                let upper_end = *self.ranges[idx - 1].end();
                let lower_start = *self.ranges[idx].start();
                self.ranges[idx] = lower_start..=upper_end;
                self.ranges.remove(idx - 1);
            }
            (true, false) => {
                let end = *self.ranges[idx - 1].end();
                self.ranges[idx - 1] = pn..=end;
            }
            (false, true) => {
                let r = &mut self.ranges[idx];
                *r = *r.start().min(&pn)..=*r.end().max(&pn);
            }
            (false, false) => self.ranges.insert(idx, pn..=pn),
        }
        while self.ranges.len() > MAX_ACK_RANGES {
            if let Some(old) = self.ranges.pop() {
                self.floor = self.floor.max(old.end() + 1);
            }
        }
    }

    /// Whether an ACK should be sent now.
    pub fn ack_due(&self, now: Instant) -> bool {
        self.changed && (self.ack_now || self.ack_deadline.is_some_and(|d| now >= d))
    }

    /// When a delayed ACK becomes due, for the connection's timer.
    pub fn ack_deadline(&self) -> Option<Instant> {
        if self.changed && !self.ack_now {
            self.ack_deadline
        } else {
            None
        }
    }

    /// Whether there is anything to acknowledge at all (an ACK may ride along in any packet).
    pub fn has_unacked(&self) -> bool {
        self.changed
    }

    /// The received ranges, largest first, to encode in an ACK frame.
    pub fn ranges(&self) -> &[RangeInclusive<u64>] {
        &self.ranges
    }

    /// The ACK Delay field for an ACK sent at `now`: time since the largest packet arrived, in
    /// microseconds scaled down by `2^exponent`.
    pub fn ack_delay(&self, now: Instant, exponent: u8) -> u64 {
        let waited = self
            .largest_received_at
            .map_or(Duration::ZERO, |t| now.saturating_duration_since(t));
        let micros = u64::try_from(waited.as_micros()).unwrap_or(u64::MAX);
        micros >> exponent.min(20)
    }

    /// Notes that an ACK covering everything received so far was sent.
    pub fn on_ack_sent(&mut self) {
        self.unacked_eliciting = 0;
        self.largest_reported = self.largest();
        self.ack_now = false;
        self.ack_deadline = None;
        self.changed = false;
    }

    /// Forgets packets at or below `pn`, once the peer has seen an ACK covering them (it will
    /// not retransmit them, so they need not be acknowledged again).
    pub fn forget_up_to(&mut self, pn: u64) {
        while let Some(last) = self.ranges.last_mut() {
            if *last.end() <= pn {
                self.ranges.pop();
            } else {
                if *last.start() <= pn {
                    *last = pn + 1..=*last.end();
                }
                break;
            }
        }
        self.floor = self.floor.max(pn.saturating_add(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DELAY: Duration = Duration::from_millis(25);
    const RFC: AckPolicy = AckPolicy::rfc9000(DELAY);

    fn ranges(t: &AckTracker) -> Vec<(u64, u64)> {
        t.ranges.iter().map(|r| (*r.start(), *r.end())).collect()
    }

    #[test]
    fn merges_ranges_in_any_order() {
        let now = Instant::now();
        let mut t = AckTracker::new();
        for pn in [5, 1, 3, 2, 9, 4, 7] {
            assert_eq!(t.on_received(pn, now, true, false, RFC), Received::New);
        }
        assert_eq!(ranges(&t), vec![(9, 9), (7, 7), (1, 5)]);
        t.on_received(8, now, true, false, RFC);
        assert_eq!(ranges(&t), vec![(7, 9), (1, 5)]);
        t.on_received(6, now, true, false, RFC);
        t.on_received(0, now, true, false, RFC);
        assert_eq!(ranges(&t), vec![(0, 9)]);
        assert_eq!(t.largest(), Some(9));
    }

    #[test]
    fn duplicates_are_recognised() {
        let now = Instant::now();
        let mut t = AckTracker::new();
        assert_eq!(t.on_received(3, now, true, false, RFC), Received::New);
        assert_eq!(t.on_received(3, now, true, false, RFC), Received::Duplicate);
        t.forget_up_to(10);
        assert_eq!(t.on_received(7, now, true, false, RFC), Received::Duplicate);
        assert_eq!(t.on_received(11, now, true, false, RFC), Received::New);
    }

    #[test]
    fn range_count_is_bounded() {
        let now = Instant::now();
        let mut t = AckTracker::new();
        for pn in (0..10_000).step_by(2) {
            t.on_received(pn, now, true, false, RFC);
        }
        assert_eq!(t.ranges.len(), MAX_ACK_RANGES);
        // The forgotten ones count as received: they are never processed twice.
        assert!(t.contains(0));
        assert_eq!(t.on_received(0, now, true, false, RFC), Received::Duplicate);
    }

    #[test]
    fn every_second_eliciting_packet_acks_at_once() {
        let now = Instant::now();
        let mut t = AckTracker::new();
        t.on_received(0, now, true, false, RFC);
        assert!(!t.ack_due(now));
        assert_eq!(t.ack_deadline(), Some(now + DELAY));
        assert!(t.ack_due(now + DELAY));
        t.on_received(1, now, true, false, RFC);
        assert!(t.ack_due(now));
        t.on_ack_sent();
        assert!(!t.ack_due(now + DELAY * 10));
        // Packets that elicit nothing never make an ACK due on their own.
        t.on_received(2, now, false, false, RFC);
        assert!(!t.ack_due(now + DELAY * 10));
        assert!(t.has_unacked());
    }

    #[test]
    fn reordering_and_handshake_packets_ack_at_once() {
        let now = Instant::now();
        let mut t = AckTracker::new();
        t.on_received(0, now, true, false, RFC);
        t.on_ack_sent();
        t.on_received(2, now, true, false, RFC);
        assert!(t.ack_due(now), "gap");
        let mut h = AckTracker::new();
        h.on_received(0, now, true, true, RFC);
        assert!(h.ack_due(now), "immediate");
    }

    #[test]
    fn ack_delay_is_scaled() {
        let now = Instant::now();
        let mut t = AckTracker::new();
        t.on_received(0, now, true, false, RFC);
        assert_eq!(t.ack_delay(now + Duration::from_micros(8000), 3), 1000);
        assert_eq!(t.ack_delay(now, 3), 0);
    }

    #[test]
    fn a_peers_threshold_spaces_acks_out() {
        let now = Instant::now();
        let mut t = AckTracker::new();
        let every_tenth = AckPolicy {
            max_delay: Duration::from_millis(2),
            eliciting_threshold: 9,
            reordering_threshold: 0,
        };
        for pn in 0..9 {
            t.on_received(pn, now, true, false, every_tenth);
            assert!(!t.ack_due(now), "{pn}");
        }
        assert_eq!(t.ack_deadline(), Some(now + Duration::from_millis(2)));
        t.on_received(9, now, true, false, every_tenth);
        assert!(t.ack_due(now), "the tenth");
        t.on_ack_sent();
        // Reordering threshold 0: a gap hurries nothing.
        t.on_received(12, now, true, false, every_tenth);
        t.on_received(10, now, true, false, every_tenth);
        assert!(!t.ack_due(now));
        // Threshold 0: every ack-eliciting packet.
        let mut t = AckTracker::new();
        let each = AckPolicy {
            eliciting_threshold: 0,
            ..every_tenth
        };
        t.on_received(0, now, true, false, each);
        assert!(t.ack_due(now));
    }

    #[test]
    fn a_reordering_threshold_hurries_an_ack_only_when_it_reveals_a_loss() {
        let now = Instant::now();
        let policy = AckPolicy {
            max_delay: DELAY,
            eliciting_threshold: 100,
            reordering_threshold: 3,
        };
        let mut t = AckTracker::new();
        for pn in 0..=9 {
            t.on_received(pn, now, true, false, policy);
        }
        t.on_ack_sent();
        // 10 is missing: an ACK is due once the largest is 3 beyond it.
        t.on_received(11, now, true, false, policy);
        t.on_received(12, now, true, false, policy);
        assert!(!t.ack_due(now));
        t.on_received(13, now, true, false, policy);
        assert!(t.ack_due(now), "13 is 3 beyond 10");
        t.on_ack_sent();
        // That ACK let the sender declare 10 lost: its late arrival hurries nothing.
        t.on_received(14, now, true, false, policy);
        t.on_received(10, now, true, false, policy);
        assert!(!t.ack_due(now));
        // A new gap counts again.
        t.on_received(16, now, true, false, policy);
        t.on_received(17, now, true, false, policy);
        assert!(!t.ack_due(now), "15 is missing, 17 is 2 beyond it");
        t.on_received(18, now, true, false, policy);
        assert!(t.ack_due(now), "18 is 3 beyond 15");
        t.on_ack_sent();
        // A gap an ACK reported but that is not yet 3 old is still hurried once it is.
        t.on_received(20, now, true, false, policy);
        t.on_ack_sent();
        t.on_received(21, now, true, false, policy);
        assert!(!t.ack_due(now), "19 is 2 below 21");
        t.on_received(22, now, true, false, policy);
        assert!(
            t.ack_due(now),
            "19 is 3 below 22, and the ACK at 20 did not reveal it"
        );
    }

    #[test]
    fn the_first_ce_mark_is_acknowledged_at_once() {
        let now = Instant::now();
        let mut t = AckTracker::new();
        // A peer's policy that would otherwise wait long.
        const RFC: AckPolicy = AckPolicy {
            max_delay: DELAY,
            eliciting_threshold: 100,
            reordering_threshold: 0,
        };
        t.on_ecn(EcnCodepoint::Ect0);
        t.on_received(0, now, true, false, RFC);
        assert!(!t.ack_due(now));
        // Never for a packet that elicits no acknowledgment (RFC 9000 §13.2.1).
        t.on_ecn(EcnCodepoint::Ce);
        t.on_received(1, now, false, false, RFC);
        assert!(!t.ack_due(now));
        t.on_ecn(EcnCodepoint::Ect0);
        t.on_received(2, now, false, false, RFC);
        t.on_ecn(EcnCodepoint::Ce);
        t.on_received(3, now, true, false, RFC);
        assert!(t.ack_due(now));
        t.on_ack_sent();
        t.on_ecn(EcnCodepoint::Ce);
        t.on_received(4, now, true, false, RFC);
        assert!(!t.ack_due(now), "CE after CE");
    }
}
