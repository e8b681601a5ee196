//! Loss recovery and congestion control: sent packet tracking, loss detection, persistent
//! congestion (RFC 9002), NewReno and CUBIC (RFC 9438) through the controller interface, and a
//! deterministic simulation of a flow with periodic losses.

use std::ops::RangeInclusive;
use std::time::{Duration, Instant};

use proptest::collection::vec;
use proptest::prelude::*;
use qssl_quic::TransportErrorCode;
use qssl_quic::recovery::cc::{initial_window, minimum_window};
use qssl_quic::recovery::{
    CongestionController, CongestionKind, Cubic, NewReno, RttEstimator, SentPacket, SentPackets,
    UnsentPacketAcked,
};

const MDS: u64 = 1200;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn packet(pn: u64, time_sent: Instant) -> SentPacket<u64> {
    SentPacket {
        pn,
        time_sent,
        size: MDS,
        ack_eliciting: true,
        in_flight: true,
        data: pn,
    }
}

fn ack_only(pn: u64, time_sent: Instant) -> SentPacket<u64> {
    SentPacket {
        size: 50,
        ack_eliciting: false,
        in_flight: false,
        ..packet(pn, time_sent)
    }
}

/// An estimator with one sample of `rtt` taken at `at`.
fn rtt_sampled(at: Instant, rtt: Duration) -> RttEstimator {
    let mut e = RttEstimator::default();
    e.update(at, rtt, Duration::ZERO, true, Duration::ZERO);
    e
}

fn pns<T>(packets: &[SentPacket<T>]) -> Vec<u64> {
    packets.iter().map(|p| p.pn).collect()
}

// ---------------------------------------------------------------------------------------------
// Sent packets: acknowledgments

#[test]
fn ack_ranges_spanning_gaps() {
    let t0 = Instant::now();
    let mut sent = SentPackets::new();
    for pn in 0..10 {
        sent.on_sent(packet(pn, t0 + ms(pn)));
    }
    assert_eq!(sent.bytes_in_flight(), 10 * MDS);
    assert_eq!(sent.ack_eliciting_in_flight(), 10);
    assert_eq!(sent.largest_sent(), Some(9));
    assert_eq!(sent.last_ack_eliciting_sent(), Some(t0 + ms(9)));

    let acked = sent.on_ack([7..=8, 2..=4]).expect("valid ACK");
    assert_eq!(pns(&acked.packets), [2, 3, 4, 7, 8]);
    assert_eq!(acked.packets[0].data, 2);
    assert_eq!(acked.largest_acked, Some(8));
    assert_eq!(acked.largest_newly_acked_sent, Some(t0 + ms(8)));
    assert!(acked.any_ack_eliciting);
    assert_eq!(acked.rtt_sample(t0 + ms(50)), Some(ms(42)));
    assert_eq!(sent.bytes_in_flight(), 5 * MDS);
    assert_eq!(sent.ack_eliciting_in_flight(), 5);
    assert_eq!(sent.largest_acked(), Some(8));
    assert_eq!(sent.len(), 5);
    assert_eq!(
        sent.iter().map(|p| p.pn).collect::<Vec<_>>(),
        [0, 1, 5, 6, 9]
    );

    // Duplicates acknowledge nothing new and give no RTT sample.
    let again = sent.on_ack([7..=8, 2..=4]).expect("valid ACK");
    assert!(again.packets.is_empty());
    assert_eq!(again.largest_newly_acked_sent, None);
    assert_eq!(again.rtt_sample(t0 + ms(60)), None);

    // A range partly acknowledged before: only the rest is new. The largest (9) is new.
    let more = sent.on_ack([0..=9]).expect("valid ACK");
    assert_eq!(pns(&more.packets), [0, 1, 5, 6, 9]);
    assert_eq!(more.largest_newly_acked_sent, Some(t0 + ms(9)));
    assert!(sent.is_empty());
    assert_eq!(sent.bytes_in_flight(), 0);
    assert_eq!(sent.ack_eliciting_in_flight(), 0);
}

#[test]
fn rtt_sample_needs_new_largest_and_ack_eliciting() {
    let t0 = Instant::now();
    let mut sent = SentPackets::new();
    sent.on_sent(packet(0, t0));
    sent.on_sent(ack_only(1, t0 + ms(1)));
    sent.on_sent(packet(2, t0 + ms(2)));
    assert_eq!(sent.bytes_in_flight(), 2 * MDS);
    // Largest (2) acknowledged first.
    let a = sent.on_ack([2..=2]).expect("valid");
    assert_eq!(a.rtt_sample(t0 + ms(10)), Some(ms(8)));
    // Then a frame whose largest (2) is old: no sample even though 0 is ack-eliciting.
    let b = sent.on_ack([2..=2, 0..=0]).expect("valid");
    assert_eq!(pns(&b.packets), [0]);
    assert_eq!(b.rtt_sample(t0 + ms(10)), None);
    // Only a non-ack-eliciting packet newly acknowledged: no sample.
    sent.on_sent(ack_only(3, t0 + ms(3)));
    let c = sent.on_ack([3..=3]).expect("valid");
    assert_eq!(c.largest_newly_acked_sent, Some(t0 + ms(3)));
    assert!(!c.any_ack_eliciting);
    assert_eq!(c.rtt_sample(t0 + ms(10)), None);
    assert_eq!(sent.bytes_in_flight(), 0);
}

#[test]
fn ack_of_never_sent_packet_is_detected() {
    let t0 = Instant::now();
    let mut empty: SentPackets<u64> = SentPackets::new();
    assert_eq!(empty.on_ack([0..=0]), Err(UnsentPacketAcked { pn: 0 }));

    let mut sent = SentPackets::new();
    for pn in 0..5 {
        sent.on_sent(packet(pn, t0));
    }
    let err = sent.on_ack([3..=5, 0..=1]).expect_err("5 was never sent");
    assert_eq!(err, UnsentPacketAcked { pn: 5 });
    let te: qssl_quic::TransportError = err.into();
    assert_eq!(te.code, TransportErrorCode::PROTOCOL_VIOLATION);
    // Ranges come largest first, so nothing was applied.
    assert_eq!(sent.len(), 5);
    assert_eq!(sent.largest_acked(), None);
    assert_eq!(
        sent.on_ack([u64::MAX..=u64::MAX]),
        Err(UnsentPacketAcked { pn: u64::MAX })
    );
    // Empty ranges (start > end) are ignored.
    #[allow(clippy::reversed_empty_ranges)]
    let reversed: RangeInclusive<u64> = 4..=2;
    let r = sent.on_ack([reversed]).expect("empty range");
    assert!(r.packets.is_empty());
    assert_eq!(r.largest_acked, None);
}

#[test]
fn huge_ranges_are_fast() {
    let t0 = Instant::now();
    let mut sent = SentPackets::new();
    let top = (1u64 << 62) - 1;
    for pn in 0..1000 {
        sent.on_sent(packet(pn, t0));
    }
    sent.on_sent(packet(top, t0));
    let started = Instant::now();
    // One range covering 2^62 packet numbers, then thousands of wide duplicates and gaps.
    let first = sent.on_ack([500..=top]).expect("valid");
    assert_eq!(first.packets.len(), 501);
    assert_eq!(first.largest_newly_acked_sent, Some(t0));
    for i in 0..10_000u64 {
        let ranges = [(top - i)..=top, 400..=(top - 1_000_000 - i), 0..=i % 10];
        sent.on_ack(ranges).expect("valid");
    }
    assert_eq!(sent.len(), 390);
    assert_eq!(sent.bytes_in_flight(), 390 * MDS);
    assert!(started.elapsed() < Duration::from_secs(5));
}

// ---------------------------------------------------------------------------------------------
// Sent packets: loss detection

#[test]
fn packet_and_time_threshold_loss() {
    let t0 = Instant::now();
    let rtt = rtt_sampled(t0, ms(100)); // loss delay 9/8 * 100 = 112.5 ms
    let mut sent = SentPackets::new();
    for pn in 0..6 {
        sent.on_sent(packet(pn, t0 + ms(10 * pn)));
    }
    // No acknowledgment yet: nothing can be lost.
    let none = sent.detect_lost(t0 + ms(1000), &rtt);
    assert!(none.packets.is_empty());
    assert_eq!(none.loss_time, None);

    // At 60 ms, 5 is acknowledged: 0, 1, 2 are 3 or more packets older; 3 and 4 are not and
    // were sent 30 and 20 ms ago.
    sent.on_ack([5..=5]).expect("valid");
    let lost = sent.detect_lost(t0 + ms(60), &rtt);
    assert_eq!(pns(&lost.packets), [0, 1, 2]);
    assert_eq!(lost.bytes_in_flight(), 3 * MDS);
    assert_eq!(lost.largest_lost_sent(), Some(t0 + ms(20)));
    let timer = t0 + ms(30) + Duration::from_micros(112_500);
    assert_eq!(lost.loss_time, Some(timer));
    assert_eq!(sent.loss_time(), Some(timer));
    assert_eq!(sent.bytes_in_flight(), 2 * MDS);

    // Just before the timer nothing more is lost; at the timer packet 3 is.
    let early = sent.detect_lost(timer - Duration::from_nanos(1), &rtt);
    assert!(early.packets.is_empty());
    assert_eq!(early.loss_time, Some(timer));
    let at_timer = sent.detect_lost(timer, &rtt);
    assert_eq!(pns(&at_timer.packets), [3]);
    assert_eq!(at_timer.loss_time, Some(timer + ms(10)));
    let last = sent.detect_lost(timer + ms(10), &rtt);
    assert_eq!(pns(&last.packets), [4]);
    assert_eq!(last.loss_time, None);
    assert_eq!(sent.loss_time(), None);
    assert_eq!(sent.bytes_in_flight(), 0);
}

#[test]
fn time_threshold_uses_latest_rtt_and_granularity() {
    let t0 = Instant::now();
    let mut rtt = rtt_sampled(t0, ms(100));
    rtt.update(t0, ms(200), Duration::ZERO, true, Duration::ZERO);
    // max(smoothed 112.5, latest 200) * 9/8 = 225 ms.
    assert_eq!(rtt.loss_delay(), ms(225));
    let mut sent = SentPackets::new();
    sent.on_sent(packet(0, t0));
    sent.on_sent(ack_only(1, t0));
    sent.on_sent(packet(2, t0));
    sent.on_ack([2..=2]).expect("valid");
    let lost = sent.detect_lost(t0 + ms(224), &rtt);
    assert!(lost.packets.is_empty());
    assert_eq!(lost.loss_time, Some(t0 + ms(225)));
    let lost = sent.detect_lost(t0 + ms(225), &rtt);
    assert_eq!(pns(&lost.packets), [0, 1]);
    // The ACK-only packet is reported lost but held no bytes in flight.
    assert_eq!(lost.bytes_in_flight(), MDS);

    // A zero RTT still waits for the 1 ms granularity.
    let zero = rtt_sampled(t0, Duration::ZERO);
    let mut sent = SentPackets::new();
    sent.on_sent(packet(0, t0));
    sent.on_sent(packet(1, t0));
    sent.on_ack([1..=1]).expect("valid");
    assert_eq!(sent.detect_lost(t0, &zero).loss_time, Some(t0 + ms(1)));
    assert_eq!(pns(&sent.detect_lost(t0 + ms(1), &zero).packets), [0]);
}

// ---------------------------------------------------------------------------------------------
// Persistent congestion: the example of RFC 9002 §7.6.3

/// The RFC's timeline in seconds from `t0` (packet number = index), with an RTT estimator whose
/// smoothed_rtt + max(4*rttvar, kGranularity) + max_ack_delay is 2 s (duration 6 s) and whose
/// first sample predates packet 1.
struct Example {
    t0: Instant,
    rtt: RttEstimator,
    max_ack_delay: Duration,
}

impl Example {
    fn new(first_sample_after: Option<Duration>) -> Self {
        let base = Instant::now();
        let t0 = base + Duration::from_secs(10);
        let mut rtt = RttEstimator::default();
        // smoothed 0.5 s, rttvar 0.25 s: 0.5 + 1.0 + max_ack_delay 0.5 = 2 s.
        let at = first_sample_after.map_or(base, |d| t0 + d);
        rtt.update(at, ms(500), Duration::ZERO, true, Duration::ZERO);
        let max_ack_delay = ms(500);
        assert_eq!(
            rtt.persistent_congestion_duration(max_ack_delay),
            Duration::from_secs(6)
        );
        Example {
            t0,
            rtt,
            max_ack_delay,
        }
    }

    fn at(&self, tenths: u64) -> Instant {
        self.t0 + Duration::from_millis(100 * tenths)
    }

    /// Runs the timeline: sends #1-#9 (send times in tenths of seconds), acks #1 at 1.2,
    /// acks #9 (and `extra` acked packets) at 12.2, detects losses and returns the lost packet
    /// numbers and whether they establish persistent congestion.
    fn run(
        &self,
        send_tenths: [u64; 9],
        ack_eliciting: [bool; 9],
        extra: &[u64],
    ) -> (Vec<u64>, bool) {
        let mut sent = SentPackets::new();
        for (i, (&t, &ae)) in send_tenths.iter().zip(&ack_eliciting).enumerate() {
            let pn = i as u64 + 1;
            sent.on_sent(SentPacket {
                ack_eliciting: ae,
                ..packet(pn, self.at(t))
            });
            if pn == 2 {
                sent.on_ack([1..=1]).expect("valid");
            }
        }
        let mut ranges = vec![9..=9];
        ranges.extend(extra.iter().rev().map(|&pn| pn..=pn));
        ranges.push(1..=1);
        sent.on_ack(ranges).expect("valid");
        let lost = sent.detect_lost(self.at(122), &self.rtt);
        let pc = sent.persistent_congestion(&lost.packets, &self.rtt, self.max_ack_delay);
        (pns(&lost.packets), pc)
    }
}

const SEND_TIMES: [u64; 9] = [0, 10, 20, 30, 40, 50, 60, 80, 120];
const ALL_ACK_ELICITING: [bool; 9] = [true; 9];

#[test]
fn persistent_congestion_rfc_example() {
    let ex = Example::new(None);
    let (lost, pc) = ex.run(SEND_TIMES, ALL_ACK_ELICITING, &[]);
    assert_eq!(lost, [2, 3, 4, 5, 6, 7, 8]);
    // 8 - 1 = 7 s > 6 s, nothing in between acknowledged.
    assert!(pc);
}

#[test]
fn persistent_congestion_false_cases() {
    let ex = Example::new(None);
    // A packet in between was acknowledged: runs 2-4 (2 s) and 6-8 (3 s).
    let (lost, pc) = ex.run(SEND_TIMES, ALL_ACK_ELICITING, &[5]);
    assert_eq!(lost, [2, 3, 4, 6, 7, 8]);
    assert!(!pc);

    // Exactly the duration (#8 sent at 7 s: 7 - 1 = 6 s) does not exceed it.
    let mut times = SEND_TIMES;
    times[7] = 70;
    assert!(!ex.run(times, ALL_ACK_ELICITING, &[]).1);

    // The endpoints must be ack-eliciting: with #2 and #8 not, the span is 2 s to 6 s.
    let mut ae = ALL_ACK_ELICITING;
    ae[1] = false;
    ae[7] = false;
    assert!(!ex.run(SEND_TIMES, ae, &[]).1);
    // Only #8 not ack-eliciting: #2 (1 s) to #7 (6 s) is 5 s: no.
    let mut ae = ALL_ACK_ELICITING;
    ae[7] = false;
    assert!(!ex.run(SEND_TIMES, ae, &[]).1);

    // Packets sent before the first RTT sample do not count: with the sample at 1.5 s, #2 is
    // out and 8 - 2 = 6 s does not exceed the duration.
    let late = Example::new(Some(ms(1500)));
    let (lost, pc) = late.run(SEND_TIMES, ALL_ACK_ELICITING, &[]);
    assert_eq!(lost, [2, 3, 4, 5, 6, 7, 8]);
    assert!(!pc);

    // No RTT sample at all.
    let sent: SentPackets<u64> = SentPackets::new();
    let t0 = Instant::now();
    let lost = [packet(1, t0), packet(2, t0 + Duration::from_secs(100))];
    assert!(!sent.persistent_congestion(&lost, &RttEstimator::default(), ms(25)));
}

#[test]
fn persistent_congestion_with_skipped_packet_numbers_and_merged_detections() {
    // The RFC timeline with packet number 5 skipped by the sender (never sent, never
    // acknowledged): the gap does not break the run.
    let ex = Example::new(None);
    let numbers = [1u64, 2, 3, 4, 6, 7, 8, 9, 10];
    let mut sent = SentPackets::new();
    for (&pn, &t) in numbers.iter().zip(&SEND_TIMES) {
        sent.on_sent(packet(pn, ex.at(t)));
    }
    sent.on_ack([1..=1]).expect("valid");
    sent.on_ack([10..=10, 1..=1]).expect("valid");
    let mut lost = sent.detect_lost(ex.at(122), &ex.rtt).packets;
    assert_eq!(pns(&lost), [2, 3, 4, 6, 7, 8, 9]);
    assert!(sent.persistent_congestion(&lost, &ex.rtt, ex.max_ack_delay));

    // Each half alone spans too little; the caller may merge detections (in any order).
    let tail = lost.split_off(3);
    assert!(!sent.persistent_congestion(&lost, &ex.rtt, ex.max_ack_delay));
    assert!(!sent.persistent_congestion(&tail, &ex.rtt, ex.max_ack_delay));
    let mut merged = tail;
    merged.extend(lost);
    assert!(sent.persistent_congestion(&merged, &ex.rtt, ex.max_ack_delay));
}

// ---------------------------------------------------------------------------------------------
// Sent packets: discarding a space

#[test]
fn discarding_a_space() {
    let t0 = Instant::now();
    let rtt = rtt_sampled(t0, ms(100));
    let mut sent = SentPackets::new();
    for pn in 0..5 {
        sent.on_sent(packet(pn, t0));
    }
    sent.on_sent(ack_only(5, t0));
    sent.on_ack([4..=4]).expect("valid");
    let lost = sent.detect_lost(t0 + ms(1), &rtt);
    assert_eq!(pns(&lost.packets), [0, 1]);
    assert!(sent.loss_time().is_some());

    let mut cc = NewReno::new(MDS);
    for _ in 0..5 {
        cc.on_packet_sent(t0, MDS);
    }
    let gone = sent.discard();
    assert_eq!(pns(&gone.packets), [2, 3, 5]);
    assert_eq!(gone.bytes_in_flight, 2 * MDS);
    cc.on_packets_discarded(gone.bytes_in_flight);
    assert_eq!(cc.bytes_in_flight(), 3 * MDS);
    assert!(sent.is_empty());
    assert_eq!(sent.bytes_in_flight(), 0);
    assert_eq!(sent.ack_eliciting_in_flight(), 0);
    assert_eq!(sent.loss_time(), None);
    assert_eq!(sent.last_ack_eliciting_sent(), None);
    assert!(sent.detect_lost(t0 + ms(1000), &rtt).packets.is_empty());
    assert!(sent.discard().packets.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Congestion controllers

fn rtt_100ms() -> RttEstimator {
    rtt_sampled(Instant::now(), ms(100))
}

/// Sends and acknowledges `n` full packets, sent at `sent`, acknowledged at `now`.
fn send_ack(cc: &mut dyn CongestionController, sent: Instant, now: Instant, n: u64) {
    let rtt = rtt_100ms();
    for _ in 0..n {
        cc.on_packet_sent(sent, MDS);
    }
    for _ in 0..n {
        cc.on_ack(now, sent, MDS, &rtt, false);
    }
}

#[test]
fn both_kinds_start_in_slow_start() {
    for kind in [CongestionKind::NewReno, CongestionKind::Cubic] {
        let t0 = Instant::now();
        let mut cc = kind.build(MDS);
        assert_eq!(cc.window(), initial_window(MDS));
        assert_eq!(cc.window(), 12_000);
        assert_eq!(cc.ssthresh(), u64::MAX);
        assert!(cc.in_slow_start());
        assert!(!cc.in_recovery());
        // Slow start: the window grows by the bytes acknowledged.
        send_ack(cc.as_mut(), t0, t0 + ms(100), 10);
        assert_eq!(cc.window(), 24_000, "{kind:?}");
        send_ack(cc.as_mut(), t0 + ms(100), t0 + ms(200), 20);
        assert_eq!(cc.window(), 48_000, "{kind:?}");
        assert_eq!(cc.bytes_in_flight(), 0);
        // Application limited: no growth.
        let rtt = rtt_100ms();
        cc.on_packet_sent(t0 + ms(200), MDS);
        cc.on_ack(t0 + ms(300), t0 + ms(200), MDS, &rtt, true);
        assert_eq!(cc.window(), 48_000, "{kind:?}");
        // A smaller datagram size after growth keeps the window.
        cc.set_max_datagram_size(1000);
        assert_eq!(cc.window(), 48_000);
        assert_eq!(cc.max_datagram_size(), 1000);
    }
    assert_eq!(CongestionKind::default(), CongestionKind::NewReno);
}

#[test]
fn max_datagram_size_before_any_ack_resets_initial_window() {
    for kind in [CongestionKind::NewReno, CongestionKind::Cubic] {
        let mut cc = kind.build(1500);
        assert_eq!(cc.window(), 14_720);
        cc.set_max_datagram_size(1200);
        assert_eq!(cc.window(), 12_000);
    }
}

#[test]
fn new_reno_loss_recovery_and_avoidance() {
    let t0 = Instant::now();
    let rtt = rtt_100ms();
    let mut cc = NewReno::new(MDS);
    send_ack(&mut cc, t0, t0 + ms(100), 10); // 24_000
    for _ in 0..20 {
        cc.on_packet_sent(t0 + ms(100), MDS);
    }
    // Loss detected at 250 ms of a packet sent at 100 ms: halve once.
    let t_loss = t0 + ms(250);
    cc.on_congestion_event(t_loss, t0 + ms(100), false, MDS);
    assert_eq!(cc.window(), 12_000);
    assert_eq!(cc.ssthresh(), 12_000);
    assert!(cc.in_recovery());
    assert!(!cc.in_slow_start());
    assert_eq!(cc.bytes_in_flight(), 19 * MDS);
    // More losses of packets sent before the recovery started: no further reduction.
    cc.on_congestion_event(t_loss + ms(10), t0 + ms(100), false, 2 * MDS);
    cc.on_congestion_event(t_loss + ms(10), t_loss, false, MDS);
    assert_eq!(cc.window(), 12_000);
    // Acks of packets sent before recovery: no growth, still in recovery.
    for _ in 0..16 {
        cc.on_ack(t_loss + ms(20), t0 + ms(100), MDS, &rtt, false);
    }
    assert_eq!(cc.window(), 12_000);
    assert!(cc.in_recovery());
    assert_eq!(cc.bytes_in_flight(), 0);
    // A packet sent after the recovery started is acknowledged: recovery ends, and
    // congestion avoidance adds one datagram per window acknowledged.
    let t1 = t_loss + ms(1);
    send_ack(&mut cc, t1, t1 + ms(100), 9);
    assert!(!cc.in_recovery());
    assert_eq!(cc.window(), 12_000);
    send_ack(&mut cc, t1, t1 + ms(100), 1);
    assert_eq!(cc.window(), 13_200);
    // 13_200 more bytes for the next datagram.
    send_ack(&mut cc, t1, t1 + ms(100), 10);
    assert_eq!(cc.window(), 13_200);
    send_ack(&mut cc, t1, t1 + ms(100), 1);
    assert_eq!(cc.window(), 14_400);
    // A new loss (packet sent after the last recovery start) halves again.
    cc.on_congestion_event(t1 + ms(200), t1, false, 0);
    assert_eq!(cc.window(), 7200);
    // ECN-CE counts as a congestion event, once per recovery period.
    let t2 = t1 + ms(300);
    cc.on_ecn_ce(t2, t2);
    assert_eq!(cc.window(), 3600);
    cc.on_ecn_ce(t2 + ms(1), t2);
    assert_eq!(cc.window(), 3600);
}

#[test]
fn persistent_congestion_and_minimum_window() {
    for kind in [CongestionKind::NewReno, CongestionKind::Cubic] {
        let t0 = Instant::now();
        let mut cc = kind.build(MDS);
        send_ack(cc.as_mut(), t0, t0 + ms(100), 30); // 48_000
        let t1 = t0 + ms(500);
        cc.on_packet_sent(t1, 5 * MDS);
        cc.on_congestion_event(t1 + ms(400), t1, true, 5 * MDS);
        assert_eq!(cc.window(), minimum_window(MDS), "{kind:?}");
        assert_eq!(cc.bytes_in_flight(), 0);
        assert!(!cc.in_recovery());
        assert!(cc.in_slow_start(), "{kind:?}");
        // Slow start resumes from the minimum window.
        let t2 = t1 + ms(500);
        send_ack(cc.as_mut(), t2, t2 + ms(100), 2);
        assert_eq!(cc.window(), 2 * minimum_window(MDS), "{kind:?}");
        // Never below the minimum, whatever the number of events.
        for i in 0..40 {
            let t = t2 + ms(200 + i);
            cc.on_congestion_event(t, t, i % 3 == 0, MDS);
            assert!(cc.window() >= minimum_window(MDS), "{kind:?}");
        }
        assert_eq!(cc.window(), minimum_window(MDS));
        // Absurd inputs saturate.
        cc.on_packets_discarded(u64::MAX);
        cc.on_ack(t2, t2, u64::MAX, &rtt_100ms(), false);
        cc.on_packet_sent(t2, u64::MAX);
        cc.on_packet_sent(t2, u64::MAX);
        assert_eq!(cc.bytes_in_flight(), u64::MAX);
        cc.set_max_datagram_size(0);
        assert!(cc.window() >= 2);
    }
}

// ---------------------------------------------------------------------------------------------
// Simulation

/// Outcome of a simulated flow.
struct Trace {
    /// Window at the end of each round.
    windows: Vec<u64>,
    /// (round, window before the reduction) of each congestion event.
    losses: Vec<(usize, u64)>,
    /// Bytes acknowledged.
    delivered: u64,
}

/// A flow over a path that holds `capacity` packets per RTT (pipe plus buffer): each round the
/// sender sends its window at once; packets beyond the capacity are lost and detected, the rest
/// acknowledged, one RTT later.
fn simulate(mut cc: Box<dyn CongestionController>, rounds: usize, capacity: u64) -> Trace {
    let rtt_d = ms(100);
    let t0 = Instant::now();
    let rtt = rtt_sampled(t0, rtt_d);
    let mut trace = Trace {
        windows: Vec::new(),
        losses: Vec::new(),
        delivered: 0,
    };
    for round in 0..rounds {
        let sent_at = t0 + rtt_d * (round as u32 + 1);
        let n = (cc.window() / MDS).max(1);
        for _ in 0..n {
            cc.on_packet_sent(sent_at, MDS);
        }
        let ack_at = sent_at + rtt_d - ms(1);
        let delivered = n.min(capacity);
        if n > delivered {
            // Losses are processed before acknowledgments (RFC 9002 Appendix A.7).
            let before = cc.window();
            cc.on_congestion_event(ack_at, sent_at, false, (n - delivered) * MDS);
            if cc.window() < before {
                trace.losses.push((round, before));
            }
        }
        for _ in 0..delivered {
            cc.on_ack(ack_at, sent_at, MDS, &rtt, false);
        }
        trace.delivered += delivered * MDS;
        assert_eq!(cc.bytes_in_flight(), 0);
        trace.windows.push(cc.window());
    }
    trace
}

/// For each congestion event after the first, rounds until the window is back to 90% of what it
/// was before the event.
fn recovery_rounds(trace: &Trace) -> Vec<usize> {
    trace
        .losses
        .iter()
        .skip(1)
        .filter_map(|&(round, before)| {
            trace.windows[round..]
                .iter()
                .position(|&w| w * 10 >= before * 9)
        })
        .collect()
}

#[test]
fn simulated_flow_with_periodic_losses() {
    let capacity = 500;
    let rounds = 700;
    let reno = simulate(CongestionKind::NewReno.build(MDS), rounds, capacity);
    let cubic = simulate(CongestionKind::Cubic.build(MDS), rounds, capacity);
    let mut single_flow = Cubic::new(MDS);
    single_flow.set_fast_convergence(false);
    let cubic_no_fc = simulate(Box::new(single_flow), rounds, capacity);
    for trace in [&reno, &cubic, &cubic_no_fc] {
        // Within bounds: never below the minimum window, never above twice the path capacity
        // (the slow start overshoot).
        for &w in &trace.windows {
            assert!(w >= minimum_window(MDS));
            assert!(w <= 2 * capacity * MDS);
        }
        // A reduction is never followed by another in the next round trip.
        assert!(trace.losses.windows(2).all(|p| p[1].0 > p[0].0 + 1));
        assert!(trace.losses.len() >= 3, "{}", trace.losses.len());
        // After the slow start overshoot, each reduction happens just above the capacity.
        for &(_, before) in trace.losses.iter().skip(1) {
            assert!(before > capacity * MDS && before <= (capacity + 10) * MDS);
        }
    }
    // NewReno halves and adds a datagram per round trip; CUBIC keeps 70% and climbs back
    // toward W_max along the cubic curve. Fast convergence (on by default) plateaus below
    // the last maximum every other cycle, which slows it down but not to NewReno's pace.
    let avg = |v: &[usize]| v.iter().sum::<usize>() as f64 / v.len() as f64;
    let r = recovery_rounds(&reno);
    let c = recovery_rounds(&cubic);
    let c1 = recovery_rounds(&cubic_no_fc);
    assert!(!r.is_empty() && !c.is_empty() && !c1.is_empty());
    assert!(avg(&c) * 2.0 < avg(&r), "CUBIC {c:?} vs NewReno {r:?}");
    assert!(avg(&c1) * 4.0 < avg(&r), "CUBIC {c1:?} vs NewReno {r:?}");
    assert!(cubic.delivered > reno.delivered);
    assert!(cubic_no_fc.delivered > reno.delivered);
    // Deterministic: the same inputs give the same trace.
    let again = simulate(CongestionKind::Cubic.build(MDS), rounds, capacity);
    assert_eq!(again.windows, cubic.windows);
    assert_eq!(again.losses, cubic.losses);
}

// ---------------------------------------------------------------------------------------------
// Arbitrary inputs

/// A range near the packet numbers in use or anywhere in u64, possibly reversed.
fn any_range() -> impl Strategy<Value = RangeInclusive<u64>> {
    prop_oneof![
        (0u64..80, 0u64..80).prop_map(|(a, b)| a..=b),
        (any::<u64>(), any::<u64>()).prop_map(|(a, b)| a..=b),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Random sends, ACKs (arbitrary ranges) and loss detections never panic and keep the
    /// bookkeeping exact: acknowledged packets are the tracked ones in the ranges, bytes in
    /// flight are the sum over tracked in-flight packets.
    #[test]
    fn arbitrary_acks_and_losses(
        steps in vec((0u8..3, vec(any_range(), 0..6), 0u64..400, any::<bool>()), 1..60)
    ) {
        let t0 = Instant::now();
        let rtt = rtt_sampled(t0, ms(30));
        let mut sent = SentPackets::new();
        let mut next_pn = 0u64;
        let mut now = t0;
        for (op, mut ranges, dt, flag) in steps {
            now += ms(dt % 50);
            match op {
                0 => {
                    let p = if flag { packet(next_pn, now) } else { ack_only(next_pn, now) };
                    sent.on_sent(p);
                    // Sometimes skip a packet number.
                    next_pn += if dt % 7 == 0 { 2 } else { 1 };
                }
                1 => {
                    ranges.sort_by_key(|r| std::cmp::Reverse(*r.end()));
                    let before: Vec<u64> = sent.iter().map(|p| p.pn).collect();
                    let valid = ranges
                        .iter()
                        .filter(|r| r.start() <= r.end())
                        .all(|r| sent.largest_sent().is_some_and(|l| *r.end() <= l));
                    match sent.on_ack(ranges.clone()) {
                        Ok(out) => {
                            prop_assert!(valid);
                            let expected: Vec<u64> = before
                                .iter()
                                .copied()
                                .filter(|pn| ranges.iter().any(|r| r.contains(pn)))
                                .collect();
                            prop_assert_eq!(pns(&out.packets), expected);
                        }
                        Err(_) => prop_assert!(!valid),
                    }
                }
                _ => {
                    let lost = sent.detect_lost(now, &rtt);
                    if let Some(t) = lost.loss_time {
                        prop_assert!(t > now);
                    }
                    let _ = sent.persistent_congestion(&lost.packets, &rtt, ms(25));
                }
            }
            let in_flight: u64 = sent.iter().filter(|p| p.in_flight).map(|p| p.size).sum();
            prop_assert_eq!(sent.bytes_in_flight(), in_flight);
            let eliciting = sent.iter().filter(|p| p.in_flight && p.ack_eliciting).count();
            prop_assert_eq!(sent.ack_eliciting_in_flight(), eliciting as u64);
        }
    }

    /// Controllers and the pacer take any sequence of events without panicking and keep the
    /// window at or above the minimum.
    #[test]
    fn arbitrary_controller_events(
        cubic in any::<bool>(),
        events in vec((0u8..5, 0u64..3000, any::<u64>(), any::<bool>()), 1..200)
    ) {
        let t0 = Instant::now();
        let rtt = rtt_sampled(t0, ms(40));
        let kind = if cubic { CongestionKind::Cubic } else { CongestionKind::NewReno };
        let mut cc = kind.build(MDS);
        let mut pacer = qssl_quic::recovery::Pacer::default();
        let mut now = t0;
        for (op, dt, bytes, flag) in events {
            now += Duration::from_micros(dt * 100);
            let sent_at = now - Duration::from_micros(dt * 50);
            let small = bytes % 100_000;
            match op {
                0 => cc.on_packet_sent(now, if flag { bytes } else { small }),
                1 => cc.on_ack(now, sent_at, if flag { small } else { bytes }, &rtt, flag),
                2 => cc.on_congestion_event(now, sent_at, flag, small),
                3 => cc.on_ecn_ce(now, sent_at),
                _ => {
                    let _ = pacer.delay_until(now, small, cc.window(), rtt.smoothed(), MDS);
                    pacer.on_sent(now, small);
                }
            }
            prop_assert!(cc.window() >= minimum_window(cc.max_datagram_size()));
        }
    }
}
