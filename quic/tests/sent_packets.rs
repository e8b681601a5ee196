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
