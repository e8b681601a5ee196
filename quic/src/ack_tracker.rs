//! What a packet-number space has received and when to acknowledge it (RFC 9000 §13.2).
//!
//! The tracker keeps received packet numbers as ranges (bounded in count, oldest dropped first),
//! recognises duplicates, and decides when an ACK frame is due: at once for Initial and Handshake
//! packets, for out-of-order arrivals and every second ack-eliciting packet; otherwise after the
//! maximum ACK delay.

use std::ops::RangeInclusive;
use std::time::{Duration, Instant};

use crate::frame::EcnCounts;

/// Most ranges remembered; older ones are forgotten (the peer will have stopped retransmitting
/// them long before), which bounds memory whatever the peer sends.
pub const MAX_ACK_RANGES: usize = 64;

/// Ack-eliciting packets received before an ACK is sent without waiting.
const ACK_ELICITING_THRESHOLD: u32 = 2;

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
    unacked_eliciting: u32,
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
            ack_now: false,
            ack_deadline: None,
            changed: false,
            ecn: EcnCounts::default(),
            ecn_seen: false,
        }
    }

    /// Counts the ECN codepoint of a newly received packet.
    pub fn on_ecn(&mut self, ecn: EcnCodepoint) {
        self.ecn_seen = true;
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
    /// (Initial and Handshake packets); `max_ack_delay` bounds the wait otherwise.
    pub fn on_received(
        &mut self,
        pn: u64,
        now: Instant,
        ack_eliciting: bool,
        immediate: bool,
        max_ack_delay: Duration,
    ) -> Received {
        if self.contains(pn) {
            return Received::Duplicate;
        }
        self.on_received_new(pn, now, ack_eliciting, immediate, max_ack_delay);
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
        max_ack_delay: Duration,
    ) {
        let largest_before = self.largest();
        self.insert(pn);
        self.changed = true;
        if largest_before.is_none_or(|l| pn > l) {
            self.largest_received_at = Some(now);
        }
        if !ack_eliciting {
            return;
        }
        self.unacked_eliciting += 1;
        // Reordering (a gap below, or a packet filling an old gap) is reported at once so the
        // sender's loss detection sees it quickly.
        let out_of_order = match largest_before {
            Some(l) => pn != l + 1,
            None => pn != 0,
        };
        if immediate || out_of_order || self.unacked_eliciting >= ACK_ELICITING_THRESHOLD {
            self.ack_now = true;
        } else if self.ack_deadline.is_none() {
            self.ack_deadline = Some(now + max_ack_delay);
        }
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

    fn ranges(t: &AckTracker) -> Vec<(u64, u64)> {
        t.ranges.iter().map(|r| (*r.start(), *r.end())).collect()
    }

    #[test]
    fn merges_ranges_in_any_order() {
        let now = Instant::now();
        let mut t = AckTracker::new();
        for pn in [5, 1, 3, 2, 9, 4, 7] {
            assert_eq!(t.on_received(pn, now, true, false, DELAY), Received::New);
        }
        assert_eq!(ranges(&t), vec![(9, 9), (7, 7), (1, 5)]);
        t.on_received(8, now, true, false, DELAY);
        assert_eq!(ranges(&t), vec![(7, 9), (1, 5)]);
        t.on_received(6, now, true, false, DELAY);
        t.on_received(0, now, true, false, DELAY);
        assert_eq!(ranges(&t), vec![(0, 9)]);
        assert_eq!(t.largest(), Some(9));
    }

    #[test]
    fn duplicates_are_recognised() {
        let now = Instant::now();
        let mut t = AckTracker::new();
        assert_eq!(t.on_received(3, now, true, false, DELAY), Received::New);
        assert_eq!(
            t.on_received(3, now, true, false, DELAY),
            Received::Duplicate
        );
        t.forget_up_to(10);
        assert_eq!(
            t.on_received(7, now, true, false, DELAY),
            Received::Duplicate
        );
        assert_eq!(t.on_received(11, now, true, false, DELAY), Received::New);
    }

    #[test]
    fn range_count_is_bounded() {
        let now = Instant::now();
        let mut t = AckTracker::new();
        for pn in (0..10_000).step_by(2) {
            t.on_received(pn, now, true, false, DELAY);
        }
        assert_eq!(t.ranges.len(), MAX_ACK_RANGES);
        // The forgotten ones count as received: they are never processed twice.
        assert!(t.contains(0));
        assert_eq!(
            t.on_received(0, now, true, false, DELAY),
            Received::Duplicate
        );
    }

    #[test]
    fn every_second_eliciting_packet_acks_at_once() {
        let now = Instant::now();
        let mut t = AckTracker::new();
        t.on_received(0, now, true, false, DELAY);
        assert!(!t.ack_due(now));
        assert_eq!(t.ack_deadline(), Some(now + DELAY));
        assert!(t.ack_due(now + DELAY));
        t.on_received(1, now, true, false, DELAY);
        assert!(t.ack_due(now));
        t.on_ack_sent();
        assert!(!t.ack_due(now + DELAY * 10));
        // Packets that elicit nothing never make an ACK due on their own.
        t.on_received(2, now, false, false, DELAY);
        assert!(!t.ack_due(now + DELAY * 10));
        assert!(t.has_unacked());
    }

    #[test]
    fn reordering_and_handshake_packets_ack_at_once() {
        let now = Instant::now();
        let mut t = AckTracker::new();
        t.on_received(0, now, true, false, DELAY);
        t.on_ack_sent();
        t.on_received(2, now, true, false, DELAY);
        assert!(t.ack_due(now), "gap");
        let mut h = AckTracker::new();
        h.on_received(0, now, true, true, DELAY);
        assert!(h.ack_due(now), "immediate");
    }

    #[test]
    fn ack_delay_is_scaled() {
        let now = Instant::now();
        let mut t = AckTracker::new();
        t.on_received(0, now, true, false, DELAY);
        assert_eq!(t.ack_delay(now + Duration::from_micros(8000), 3), 1000);
        assert_eq!(t.ack_delay(now, 3), 0);
    }
}
