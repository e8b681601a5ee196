//! Regression: acknowledging a range whose largest packet is still outstanding.

use std::time::Instant;

use qssl_quic::recovery::{SentPacket, SentPackets};

#[test]
fn ack_of_the_top_packet_of_a_range() {
    let now = Instant::now();
    let mut sent = SentPackets::new();
    for pn in 0..3 {
        sent.on_sent(SentPacket {
            pn,
            time_sent: now,
            size: 1200,
            ack_eliciting: true,
            in_flight: true,
            data: (),
        });
    }
    // A single-packet range, then a range ending at the largest packet sent.
    let out = sent.on_ack([0..=0]).unwrap();
    assert_eq!(out.packets.len(), 1);
    let out = sent.on_ack([1..=2]).unwrap();
    assert_eq!(out.packets.iter().map(|p| p.pn).collect::<Vec<_>>(), [1, 2]);
    assert!(sent.is_empty());
}

#[test]
fn ack_only_packets_do_not_arm_the_loss_timer() {
    use qssl_quic::recovery::RttEstimator;
    use std::time::Duration;
    let now = Instant::now();
    let mut sent = SentPackets::new();
    // Packet 0 is ACK-only (not in flight), packet 1 carries data; packet 2 is acknowledged.
    for (pn, in_flight) in [(0, false), (1, true), (2, true)] {
        sent.on_sent(SentPacket {
            pn,
            time_sent: now,
            size: 100,
            ack_eliciting: in_flight,
            in_flight,
            data: (),
        });
    }
    sent.on_ack([2..=2]).unwrap();
    let rtt = RttEstimator::new(Duration::from_millis(100));
    let out = sent.detect_lost(now, &rtt);
    assert!(out.packets.is_empty());
    // The timer follows packet 1 only; an ACK-only packet alone would arm nothing.
    assert!(out.loss_time.is_some());
    let mut only_acks_ack = SentPackets::new();
    only_acks_ack.on_sent(SentPacket {
        pn: 0,
        time_sent: now,
        size: 50,
        ack_eliciting: false,
        in_flight: false,
        data: (),
    });
    only_acks_ack.on_sent(SentPacket {
        pn: 1,
        time_sent: now,
        size: 50,
        ack_eliciting: true,
        in_flight: true,
        data: (),
    });
    only_acks_ack.on_ack([1..=1]).unwrap();
    assert_eq!(only_acks_ack.detect_lost(now, &rtt).loss_time, None);
}

#[test]
fn a_peer_that_never_acknowledges_cannot_grow_the_record_of_ack_only_packets() {
    use qssl_quic::recovery::MAX_ACK_ONLY_TRACKED;
    let now = Instant::now();
    let mut sent = SentPackets::new();
    // Answering 100k PINGs with ACK-only packets, every tenth packet carrying data.
    for pn in 0..100_000u64 {
        sent.on_sent(SentPacket {
            pn,
            time_sent: now,
            size: 50,
            ack_eliciting: pn % 10 == 0,
            in_flight: pn % 10 == 0,
            data: (),
        });
    }
    let ack_only = sent.iter().filter(|p| !p.in_flight).count();
    assert!(
        ack_only <= MAX_ACK_ONLY_TRACKED,
        "{ack_only} ACK-only packets tracked"
    );
    assert_eq!(
        sent.iter().filter(|p| p.in_flight).count(),
        10_000,
        "data packets all kept"
    );
    // A late acknowledgment of a forgotten one is no error.
    let out = sent.on_ack([5..=5]).unwrap();
    assert!(out.packets.is_empty());
}
