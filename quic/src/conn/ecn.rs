//! ECN on the current path (RFC 9000 §13.4, Appendix A.4; RFC 9002 §7.1): which codepoint
//! outgoing datagrams carry, and the validation of the counts the peer's ACK frames report,
//! which turns marking off for good on a path that clears or miscounts the marks.

use super::space::SpaceId;
use crate::ack_tracker::EcnCodepoint;
use crate::frame::EcnCounts;

/// Packets sent marked before marking pauses until an acknowledgment shows the marks arrive
/// (RFC 9000 Appendix A.4's testing period).
pub(super) const TESTING_PACKETS: u64 = 10;

/// Where the path's ECN validation stands (RFC 9000 Appendix A.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcnState {
    /// The first packets go out marked.
    Testing {
        /// Marked packets sent so far.
        sent: u64,
    },
    /// Marking pauses until an acknowledgment of the marked packets says how they arrived.
    Unknown,
    /// The marks arrive and are counted: packets go out marked.
    Capable,
    /// The path or the peer lost or miscounted the marks: no more marking on this path.
    Failed,
    /// ECN is off for this connection.
    Off,
}

/// ECN state of a connection's current path.
#[derive(Debug, Clone)]
pub(super) struct Ecn {
    state: EcnState,
    /// The counts the peer last reported, per packet-number space.
    reported: [EcnCounts; 3],
    /// Packets sent marked, per space: no honest count can exceed these.
    marked: [u64; 3],
    /// Marked packets declared lost while no acknowledgment had shown a mark arriving.
    lost_unvalidated: u64,
}

impl Ecn {
    /// ECN for a new connection (or path): testing if `enabled`, otherwise off.
    pub(super) fn new(enabled: bool) -> Self {
        Ecn {
            state: if enabled {
                EcnState::Testing { sent: 0 }
            } else {
                EcnState::Off
            },
            reported: [EcnCounts::default(); 3],
            marked: [0; 3],
            lost_unvalidated: 0,
        }
    }

    /// Starts validation over on a new path (the old path's verdict says nothing of it).
    pub(super) fn new_path(&mut self) {
        if self.state != EcnState::Off {
            *self = Ecn::new(true);
        }
    }

    /// Where validation stands.
    pub(super) fn state(&self) -> EcnState {
        self.state
    }

    /// The codepoint the next datagram carries, if any.
    pub(super) fn marking(&self) -> Option<EcnCodepoint> {
        matches!(self.state, EcnState::Testing { .. } | EcnState::Capable)
            .then_some(EcnCodepoint::Ect0)
    }

    /// Notes a packet of space `id` sent, `marked` or not.
    pub(super) fn on_packet_sent(&mut self, id: SpaceId, marked: bool) {
        if marked {
            self.marked[id as usize] += 1;
        }
    }

    /// Notes a datagram sent, `marked` or not: the testing period counts marked datagrams
    /// (a datagram's packets all carry its marking, so the state changes only between
    /// datagrams).
    pub(super) fn on_datagram_sent(&mut self, marked: bool) {
        if let (true, EcnState::Testing { sent }) = (marked, &mut self.state) {
            *sent += 1;
            if *sent >= TESTING_PACKETS {
                self.state = EcnState::Unknown;
            }
        }
    }

    /// Notes marked packets declared lost: when every packet of the testing period is lost
    /// before any mark is seen to arrive, the path is taken to drop marked packets.
    pub(super) fn on_marked_lost(&mut self, count: u64) {
        if matches!(self.state, EcnState::Testing { .. } | EcnState::Unknown) {
            self.lost_unvalidated += count;
            if self.lost_unvalidated >= TESTING_PACKETS {
                self.state = EcnState::Failed;
            }
        }
    }

    /// Validates an ACK frame of space `id` that newly acknowledged `newly_marked` marked
    /// packets and reported `counts`. Returns whether the CE count rose (a congestion signal,
    /// RFC 9002 §7.1) on a path that has not failed validation.
    pub(super) fn on_ack(
        &mut self,
        id: SpaceId,
        newly_marked: u64,
        counts: Option<EcnCounts>,
    ) -> bool {
        if self.state == EcnState::Off {
            return false;
        }
        let Some(counts) = counts else {
            // Marked packets acknowledged without counts: the marks were lost on the way,
            // or the peer does not report them.
            if newly_marked > 0 {
                self.state = EcnState::Failed;
            }
            return false;
        };
        let before = self.reported[id as usize];
        let went_back =
            counts.ect0 < before.ect0 || counts.ect1 < before.ect1 || counts.ce < before.ce;
        let total = counts
            .ect0
            .saturating_add(counts.ect1)
            .saturating_add(counts.ce);
        let increase = counts
            .ect0
            .saturating_sub(before.ect0)
            .saturating_add(counts.ce.saturating_sub(before.ce));
        // Only ECT(0) is sent: ECT(1) counts, totals above what was marked, counts going
        // back, or fewer than the packets newly acknowledged, all fail validation.
        let valid = !went_back
            && counts.ect1 == 0
            && total <= self.marked[id as usize]
            && increase >= newly_marked;
        if !valid {
            self.state = EcnState::Failed;
            return false;
        }
        self.reported[id as usize] = counts;
        if newly_marked > 0 && matches!(self.state, EcnState::Testing { .. } | EcnState::Unknown) {
            self.state = EcnState::Capable;
        }
        counts.ce > before.ce
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(ect0: u64, ect1: u64, ce: u64) -> Option<EcnCounts> {
        Some(EcnCounts { ect0, ect1, ce })
    }

    fn tested(n: u64) -> Ecn {
        let mut e = Ecn::new(true);
        for _ in 0..n {
            e.on_packet_sent(SpaceId::Data, true);
            e.on_datagram_sent(true);
        }
        e
    }

    #[test]
    fn testing_marks_ten_packets_then_waits_for_a_verdict() {
        let mut e = tested(TESTING_PACKETS - 1);
        assert_eq!(e.marking(), Some(EcnCodepoint::Ect0));
        e.on_packet_sent(SpaceId::Data, true);
        e.on_datagram_sent(true);
        assert_eq!((e.state(), e.marking()), (EcnState::Unknown, None));
        assert!(!e.on_ack(SpaceId::Data, 3, counts(3, 0, 0)));
        assert_eq!(e.state(), EcnState::Capable);
        assert_eq!(e.marking(), Some(EcnCodepoint::Ect0));
    }

    #[test]
    fn cleared_marks_fail_validation() {
        // A middlebox clears the marks: ACKs carry no counts, or counts that stay put.
        let mut e = tested(4);
        e.on_ack(SpaceId::Data, 2, None);
        assert_eq!((e.state(), e.marking()), (EcnState::Failed, None));
        let mut e = tested(4);
        e.on_ack(SpaceId::Data, 2, counts(0, 0, 0));
        assert_eq!(e.state(), EcnState::Failed);
    }

    #[test]
    fn counts_that_go_back_or_exceed_what_was_sent_fail_without_a_signal() {
        let mut e = tested(5);
        assert!(!e.on_ack(SpaceId::Data, 2, counts(2, 0, 0)));
        assert!(!e.on_ack(SpaceId::Data, 0, counts(1, 0, 0)), "went back");
        assert_eq!(e.state(), EcnState::Failed);
        let mut e = tested(5);
        assert!(
            !e.on_ack(SpaceId::Data, 2, counts(6, 0, 0)),
            "more than sent"
        );
        assert_eq!(e.state(), EcnState::Failed);
        let mut e = tested(5);
        assert!(
            !e.on_ack(SpaceId::Data, 2, counts(2, 1, 0)),
            "ECT(1) never sent"
        );
        assert_eq!(e.state(), EcnState::Failed);
        let mut e = tested(5);
        assert!(!e.on_ack(SpaceId::Data, 2, counts(u64::MAX, u64::MAX, 0)));
        assert_eq!(e.state(), EcnState::Failed);
    }

    #[test]
    fn a_rise_in_ce_is_a_congestion_signal_and_counts_as_arrived() {
        let mut e = tested(5);
        assert!(e.on_ack(SpaceId::Data, 2, counts(1, 0, 1)));
        assert_eq!(e.state(), EcnState::Capable);
        assert!(!e.on_ack(SpaceId::Data, 1, counts(2, 0, 1)), "no new CE");
    }

    #[test]
    fn spaces_are_counted_apart() {
        let mut e = Ecn::new(true);
        e.on_packet_sent(SpaceId::Initial, true);
        e.on_packet_sent(SpaceId::Data, true);
        e.on_datagram_sent(true);
        assert!(!e.on_ack(SpaceId::Initial, 1, counts(1, 0, 0)));
        assert!(!e.on_ack(SpaceId::Data, 1, counts(1, 0, 0)));
        assert_eq!(e.state(), EcnState::Capable);
    }

    #[test]
    fn losing_the_whole_testing_period_fails() {
        let mut e = tested(TESTING_PACKETS);
        e.on_marked_lost(TESTING_PACKETS - 1);
        assert_eq!(e.state(), EcnState::Unknown);
        e.on_marked_lost(1);
        assert_eq!(e.state(), EcnState::Failed);
    }

    #[test]
    fn off_stays_off() {
        let mut e = Ecn::new(false);
        e.on_datagram_sent(false);
        e.new_path();
        assert_eq!((e.state(), e.marking()), (EcnState::Off, None));
        assert!(!e.on_ack(SpaceId::Data, 1, counts(0, 0, 5)));
    }
}
