//! Stream tests (RFC 9000 §2-4): reassembly under random chunking, reordering and duplication;
//! the send buffer against a lossy, reordering network; every transition of the stream state
//! machines; the §19 direction checks; and flow control of data and stream counts.

use std::ops::Range;
use std::time::{Duration, Instant};

use proptest::collection::vec;
use proptest::prelude::*;
use qssl_quic::coding::VarInt;
use qssl_quic::frame::MAX_STREAM_COUNT;
use qssl_quic::streams::{
    RecvBuf, RecvPart, RecvState, RecvWindow, SendBuf, SendCredit, SendPart, SendState,
    StreamFrameKind, StreamLimits, check_frame,
};
use qssl_quic::{Dir, Side, StreamId, TransportError, TransportErrorCode};

fn code<T: std::fmt::Debug>(r: Result<T, TransportError>) -> TransportErrorCode {
    r.expect_err("an error").code
}

fn sid(id: u64) -> StreamId {
    StreamId::from(VarInt::new(id).expect("below 2^62"))
}

// ---------------------------------------------------------------------------------------------
// Reassembly

/// A byte stream, and frames carrying it: a partition of it, extra overlapping and duplicate
/// pieces, in random order; FIN on every piece that reaches the end (always on the partition's
/// last piece, at random on extras).
/// A frame: start and end indices into the data, and the FIN bit.
type Piece = (usize, usize, bool);

fn shuffled_frames() -> impl Strategy<Value = (Vec<u8>, Vec<Piece>, Vec<usize>)> {
    vec(any::<u8>(), 0..3000)
        .prop_flat_map(|data| {
            let n = data.len();
            (
                Just(data),
                vec(0..=n, 0..24),
                vec((0..=n, 0..400usize, any::<bool>()), 0..12),
                vec(0..600usize, 1..16),
            )
        })
        .prop_flat_map(|(data, mut cuts, extras, reads)| {
            let n = data.len();
            cuts.push(0);
            cuts.push(n);
            cuts.sort_unstable();
            cuts.dedup();
            let mut frames: Vec<Piece> = cuts.windows(2).map(|w| (w[0], w[1], w[1] == n)).collect();
            if n == 0 {
                frames.push((0, 0, true));
            }
            for (start, len, fin) in extras {
                let end = (start + len).min(n);
                frames.push((start, end, fin && end == n));
            }
            (Just(data), Just(frames).prop_shuffle(), Just(reads))
        })
}

proptest! {
    #[test]
    fn reassembly_reads_back_exactly((data, frames, reads) in shuffled_frames()) {
        let n = data.len() as u64;
        let mut buf = RecvBuf::new(n);
        let mut out = Vec::new();
        for (i, &(start, end, fin)) in frames.iter().enumerate() {
            buf.insert(start as u64, &data[start..end], fin).expect("valid frame");
            prop_assert!(buf.buffered() <= buf.limit() - buf.read_offset());
            prop_assert_eq!(buf.max_received() >= end as u64, true);
            // Read a little between frames, sometimes nothing.
            let mut chunk = vec![0; reads[i % reads.len()]];
            let mut peeked = vec![0; chunk.len()];
            let p = buf.peek(&mut peeked);
            let got = buf.read(&mut chunk);
            prop_assert_eq!(p, got);
            prop_assert_eq!(&peeked[..p], &chunk[..got]);
            out.extend_from_slice(&chunk[..got]);
        }
        prop_assert!(buf.is_all_received());
        prop_assert_eq!(buf.readable(), n - out.len() as u64);
        let mut rest = vec![0; buf.readable() as usize + 5];
        let got = buf.read(&mut rest);
        out.extend_from_slice(&rest[..got]);
        prop_assert_eq!(&out, &data);
        prop_assert!(buf.is_finished());
        prop_assert_eq!(buf.buffered(), 0);
        prop_assert_eq!(buf.chunk_count(), 0);
        prop_assert_eq!(buf.final_size(), Some(n));
        prop_assert_eq!(buf.read_offset(), n);
        // Retransmissions after the end change nothing.
        for &(start, end, fin) in &frames {
            buf.insert(start as u64, &data[start..end], fin).expect("late duplicate");
        }
        prop_assert_eq!(buf.read(&mut rest), 0);
    }

    #[test]
    fn reassembly_never_buffers_past_the_limit(
        frames in vec((0u64..5000, 0usize..700), 1..40),
        limit in 0u64..4000,
    ) {
        let mut buf = RecvBuf::new(limit);
        let payload = [0xa5u8; 700];
        for (offset, len) in frames {
            let r = buf.insert(offset, &payload[..len], false);
            if offset + len as u64 > limit {
                prop_assert_eq!(code(r), TransportErrorCode::FLOW_CONTROL_ERROR);
            } else {
                prop_assert!(r.is_ok());
            }
            prop_assert!(buf.buffered() <= limit);
            prop_assert!(buf.max_received() <= limit);
        }
    }
}

#[test]
fn reassembly_final_size_violations() {
    let mut b = RecvBuf::new(1 << 20);
    b.insert(100, &[1; 50], false).unwrap();
    // A FIN below data already received.
    assert_eq!(
        code(b.insert(0, &[1; 10], true)),
        TransportErrorCode::FINAL_SIZE_ERROR
    );
    b.insert(150, &[], true).unwrap();
    // Data beyond the final size, a different final size, even an empty FIN past it.
    assert_eq!(
        code(b.insert(149, &[1; 2], false)),
        TransportErrorCode::FINAL_SIZE_ERROR
    );
    assert_eq!(
        code(b.insert(140, &[1; 5], true)),
        TransportErrorCode::FINAL_SIZE_ERROR
    );
    assert_eq!(
        code(b.insert(151, &[], true)),
        TransportErrorCode::FINAL_SIZE_ERROR
    );
    // The same final size again is fine.
    b.insert(140, &[1; 10], true).unwrap();
    assert_eq!(b.final_size(), Some(150));
    assert!(!b.is_all_received());
    b.insert(0, &[1; 100], false).unwrap();
    assert!(b.is_all_received());
}

#[test]
fn reassembly_errors_store_nothing() {
    let mut b = RecvBuf::new(10);
    assert!(b.insert(5, &[1; 6], false).is_err());
    assert_eq!((b.buffered(), b.max_received(), b.chunk_count()), (0, 0, 0));
    b.insert(8, &[1; 2], true).unwrap();
    assert!(b.insert(0, &[1; 9], true).is_err());
    assert_eq!(b.buffered(), 2);
}

#[test]
fn reassembly_memory_is_bounded_by_window_as_reads_advance() {
    // A 1000-byte window that slides as the application reads and MAX_STREAM_DATA goes out.
    let mut b = RecvBuf::new(1000);
    let mut window = RecvWindow::new(1000, 1000);
    let now = Instant::now();
    let data: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    let mut out = Vec::new();
    let mut sent = 0usize;
    while out.len() < data.len() {
        // The peer sends as much as the limit allows, in reverse order of 100-byte pieces.
        let limit = (b.limit() as usize).min(data.len());
        let mut at = limit;
        while at > sent {
            let from = at.saturating_sub(100).max(sent);
            b.insert(from as u64, &data[from..at], at == data.len())
                .unwrap();
            at = from;
        }
        window
            .on_received(b.max_received() - window.received())
            .unwrap();
        sent = limit;
        assert!(b.buffered() <= b.limit() - b.read_offset());
        let mut chunk = [0; 300];
        let n = b.read(&mut chunk);
        out.extend_from_slice(&chunk[..n]);
        window.on_consumed(n as u64);
        if let Some(limit) = window.take_update(now, Duration::from_millis(10)) {
            b.set_limit(limit);
        }
    }
    assert_eq!(out, data);
    assert!(b.is_finished());
}

// ---------------------------------------------------------------------------------------------
// Send buffer

#[test]
fn send_lost_ranges_first_then_new_data() {
    let mut b = SendBuf::new(1000);
    b.write(&[7; 300]);
    let first = b.next_send(100, 1000).unwrap().range();
    let second = b.next_send(100, 1000).unwrap().range();
    assert_eq!((first.clone(), second.clone()), (0..100, 100..200));
    b.on_lost(second.clone(), false);
    b.on_lost(first, false);
    // Lowest lost offset first, split by the maximum length, then new data.
    assert_eq!(b.next_send(150, 1000).unwrap().range(), 0..150);
    assert_eq!(b.next_send(150, 1000).unwrap().range(), 150..200);
    assert_eq!(b.next_send(150, 1000).unwrap().range(), 200..300);
    assert!(b.next_send(150, 1000).is_none());
}

#[test]
fn send_lost_data_already_acked_is_not_resent() {
    let mut b = SendBuf::new(1000);
    b.write(&[1; 100]);
    assert_eq!(b.next_send(100, 100).unwrap().range(), 0..100);
    // A retransmission of 20..40 was acknowledged before the original was declared lost.
    b.on_ack(20..40, false);
    b.on_lost(0..100, false);
    assert_eq!(b.next_send(100, 100).unwrap().range(), 0..20);
    assert_eq!(b.next_send(100, 100).unwrap().range(), 40..100);
    // An acknowledgement of a range still queued for retransmission cancels it.
    b.on_lost(40..100, false);
    b.on_ack(50..100, false);
    assert_eq!(b.next_send(100, 100).unwrap().range(), 40..50);
    assert!(b.next_send(100, 100).is_none());
}

#[test]
fn send_partial_and_out_of_order_acks_free_the_prefix() {
    let mut b = SendBuf::new(1000);
    b.write(&[3; 500]);
    while b.next_send(64, 1000).is_some() {}
    assert_eq!(b.unsent(), 0);
    b.on_ack(200..300, false);
    b.on_ack(400..500, false);
    assert_eq!(b.buffered(), 500);
    b.on_ack(0..50, false);
    assert_eq!(b.buffered(), 450);
    b.on_ack(50..200, false);
    assert_eq!(b.buffered(), 200);
    assert_eq!(b.writable(), 800);
    b.on_ack(250..450, false);
    assert_eq!(b.buffered(), 0);
    assert!(b.is_all_acked());
    // Acks of freed or never-sent data are ignored.
    b.on_ack(0..10_000, false);
    assert_eq!((b.written(), b.buffered()), (500, 0));
}

#[test]
fn send_is_flow_limited() {
    let mut b = SendBuf::new(1000);
    b.write(&[9; 500]);
    b.finish();
    assert_eq!(b.next_send(1000, 120).unwrap().range(), 0..120);
    assert!(b.next_send(1000, 120).is_none());
    assert!(!b.has_data_to_send(120));
    assert!(b.has_data_to_send(121));
    assert_eq!((b.unsent(), b.sent_end()), (380, 120));
    // Retransmissions are not held back by the limit.
    b.on_lost(0..120, false);
    assert_eq!(b.next_send(1000, 0).unwrap().range(), 0..120);
    let last = b.next_send(1000, 500).unwrap();
    assert_eq!((last.range(), last.fin), (120..500, true));
    assert!(!b.is_fin_pending());
    assert!(b.next_send(1000, 500).is_none());
}

#[test]
fn send_fin_handling() {
    let mut b = SendBuf::new(100);
    assert!(!b.is_finished());
    b.finish();
    // A stream with no data: a lone FIN at offset 0.
    let c = b.next_send(0, 0).unwrap();
    assert_eq!((c.offset, c.data, c.fin), (0, &[][..], true));
    assert!(!b.is_all_acked());
    b.on_lost(0..0, true);
    assert!(b.is_fin_pending());
    assert!(b.next_send(10, 0).unwrap().fin);
    b.on_ack(0..0, true);
    assert!(b.is_fin_acked() && b.is_all_acked());
    // A spurious loss after the ack changes nothing.
    b.on_lost(0..0, true);
    assert!(b.is_fin_acked() && b.next_send(10, 10).is_none());
}

#[test]
fn send_crypto_use_without_fin() {
    let mut b = SendBuf::new(4096);
    assert_eq!(b.write(&[1; 5000]), 4096);
    let c = b.next_send(1200, u64::MAX).unwrap();
    assert_eq!((c.range(), c.fin), (0..1200, false));
    b.on_ack(0..1200, false);
    assert_eq!(b.writable(), 1200);
    assert!(!b.is_all_acked());
}

/// Network events for the send-buffer property test.
#[derive(Debug, Clone)]
enum Event {
    Write(usize),
    Send(usize),
    Ack(usize),
    Lose(usize),
    RaiseLimit(u64),
    Finish,
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        (1..700usize).prop_map(Event::Write),
        (0..900usize).prop_map(Event::Send),
        any::<usize>().prop_map(Event::Ack),
        any::<usize>().prop_map(Event::Lose),
        (0..2000u64).prop_map(Event::RaiseLimit),
        Just(Event::Finish),
    ]
}

proptest! {
    /// Whatever the order of writes, sends, acks and losses, the receiver reassembles exactly
    /// what was written, flow limits hold, and once everything is acked nothing is held.
    #[test]
    fn send_buffer_over_lossy_network(events in vec(event(), 1..200)) {
        let mut sender = SendBuf::new(1500);
        let mut credit = SendCredit::new(300);
        let mut receiver = RecvBuf::new(u64::MAX);
        let mut written = Vec::new();
        let mut in_flight: Vec<(Range<u64>, bool)> = Vec::new();
        fn send(
            sender: &mut SendBuf,
            credit: &mut SendCredit,
            receiver: &mut RecvBuf,
            in_flight: &mut Vec<(Range<u64>, bool)>,
            max: usize,
        ) -> Result<bool, TestCaseError> {
            let before = sender.sent_end();
            let limit = credit.limit();
            let Some(c) = sender.next_send(max, limit) else {
                return Ok(false);
            };
            prop_assert!(c.data.len() <= max);
            prop_assert!(c.range().end <= limit.max(before));
            receiver
                .insert(c.offset, c.data, c.fin)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            in_flight.push((c.range(), c.fin));
            let new = sender.sent_end() - before;
            prop_assert_eq!(credit.consume(new), new);
            Ok(true)
        }
        for ev in events {
            match ev {
                Event::Write(n) => {
                    let at = written.len();
                    let bytes: Vec<u8> = (at..at + n).map(|i| (i % 251) as u8).collect();
                    let took = sender.write(&bytes);
                    written.extend_from_slice(&bytes[..took]);
                    prop_assert!(sender.buffered() <= 1500);
                }
                Event::Send(max) => {
                    send(&mut sender, &mut credit, &mut receiver, &mut in_flight, max)?;
                }
                Event::Ack(i) if !in_flight.is_empty() => {
                    let (r, fin) = in_flight.swap_remove(i % in_flight.len());
                    sender.on_ack(r, fin);
                }
                Event::Lose(i) if !in_flight.is_empty() => {
                    let (r, fin) = in_flight.swap_remove(i % in_flight.len());
                    sender.on_lost(r, fin);
                }
                Event::RaiseLimit(by) => {
                    credit.update_limit(credit.limit() + by);
                }
                Event::Finish => sender.finish(),
                Event::Ack(_) | Event::Lose(_) => {}
            }
        }
        // Drain: unlimited credit, every packet delivered and acknowledged.
        sender.finish();
        credit.update_limit(u64::MAX);
        for (r, fin) in std::mem::take(&mut in_flight) {
            sender.on_ack(r, fin);
        }
        while send(&mut sender, &mut credit, &mut receiver, &mut in_flight, 1000)? {
            for (r, fin) in std::mem::take(&mut in_flight) {
                sender.on_ack(r, fin);
            }
        }
        prop_assert!(sender.is_all_acked());
        prop_assert!(sender.is_fin_acked());
        prop_assert_eq!(sender.buffered(), 0);
        prop_assert_eq!(receiver.final_size(), Some(written.len() as u64));
        let mut out = vec![0; written.len()];
        prop_assert_eq!(receiver.read(&mut out), written.len());
        prop_assert_eq!(out, written);
        prop_assert!(receiver.is_finished());
    }
}

// ---------------------------------------------------------------------------------------------
// Sending state machine (RFC 9000 §3.1)

#[test]
fn send_part_data_path() {
    let mut s = SendPart::new();
    assert_eq!(s.state(), SendState::Ready);
    assert!(s.can_send_new_data());
    assert!(!s.on_all_acked());
    assert!(s.on_stream_sent(false));
    assert_eq!(s.state(), SendState::Send);
    assert!(s.on_stream_sent(false));
    assert_eq!(s.state(), SendState::Send);
    assert!(!s.on_reset_acked());
    assert!(s.on_stream_sent(true));
    assert_eq!(s.state(), SendState::DataSent);
    assert!(!s.can_send_new_data() && s.can_retransmit());
    assert!(s.on_stream_sent(false), "retransmission in Data Sent");
    assert!(!s.on_blocked_sent());
    assert_eq!(s.state(), SendState::DataSent);
    assert!(s.on_all_acked());
    assert_eq!(s.state(), SendState::DataRecvd);
    assert!(s.is_terminal());
    // Nothing leaves a terminal state.
    assert!(!s.on_stream_sent(false));
    assert!(!s.reset(1));
    assert!(!s.on_stop_sending(2));
    assert_eq!(s.state(), SendState::DataRecvd);
    assert_eq!(s.reset_code(), None);
    assert_eq!(s.stop_sending_code(), Some(2));
}

#[test]
fn send_part_fin_from_ready_and_blocked() {
    let mut s = SendPart::default();
    assert!(s.on_stream_sent(true));
    assert_eq!(s.state(), SendState::DataSent);
    let mut s = SendPart::new();
    assert!(s.on_blocked_sent());
    assert_eq!(s.state(), SendState::Send);
}

#[test]
fn send_part_reset_from_each_state() {
    fn nothing(_: &mut SendPart) {}
    fn data(s: &mut SendPart) {
        assert!(s.on_stream_sent(false));
    }
    fn data_and_fin(s: &mut SendPart) {
        assert!(s.on_stream_sent(true));
    }
    type Setup = fn(&mut SendPart);
    let setups = [
        (nothing as Setup, SendState::Ready),
        (data, SendState::Send),
        (data_and_fin, SendState::DataSent),
    ];
    for (setup, from) in setups {
        let mut s = SendPart::new();
        setup(&mut s);
        assert_eq!(s.state(), from);
        assert!(s.reset(42));
        assert_eq!(s.state(), SendState::ResetSent);
        assert_eq!(s.reset_code(), Some(42));
        assert!(!s.can_retransmit());
        assert!(!s.on_stream_sent(false));
        assert!(!s.on_blocked_sent());
        assert!(!s.reset(43));
        assert_eq!(s.reset_code(), Some(42));
        assert!(!s.on_all_acked());
        assert!(s.on_reset_acked());
        assert_eq!(s.state(), SendState::ResetRecvd);
        assert!(s.is_terminal());
        assert!(!s.on_reset_acked());
    }
}

#[test]
fn send_part_stop_sending_resets_with_its_code() {
    let mut s = SendPart::new();
    s.on_stream_sent(false);
    assert!(s.on_stop_sending(7));
    assert_eq!(s.state(), SendState::ResetSent);
    assert_eq!((s.stop_sending_code(), s.reset_code()), (Some(7), Some(7)));
    // A repeated STOP_SENDING keeps the first code and sends no new reset.
    assert!(!s.on_stop_sending(8));
    assert_eq!(s.stop_sending_code(), Some(7));
}

// ---------------------------------------------------------------------------------------------
// Receiving state machine (RFC 9000 §3.2)

#[test]
fn recv_part_data_path() {
    let mut r = RecvPart::new();
    assert_eq!(r.state(), RecvState::Recv);
    assert!(r.wants_max_stream_data());
    assert!(r.on_stream(10, false).unwrap());
    assert!(!r.on_all_received(), "no final size yet");
    assert!(!r.on_read_all());
    assert_eq!(r.state(), RecvState::Recv);
    assert!(r.on_stream(20, true).unwrap());
    assert_eq!(r.state(), RecvState::SizeKnown);
    assert_eq!(r.final_size(), Some(20));
    assert!(!r.wants_max_stream_data());
    assert!(r.on_stream(5, false).unwrap());
    assert!(!r.on_read_all());
    assert!(r.on_all_received());
    assert_eq!(r.state(), RecvState::DataRecvd);
    // Further frames are checked and discarded.
    assert!(!r.on_stream(20, true).unwrap());
    assert!(!r.on_reset_read());
    assert!(r.on_read_all());
    assert_eq!(r.state(), RecvState::DataRead);
    assert!(r.is_terminal());
    assert_eq!(
        code(r.on_stream(21, false)),
        TransportErrorCode::FINAL_SIZE_ERROR
    );
}

#[test]
fn recv_part_fin_with_all_data_in_one_frame() {
    let mut r = RecvPart::default();
    assert!(r.on_stream(0, true).unwrap());
    assert_eq!(r.state(), RecvState::SizeKnown);
    assert!(r.on_all_received());
    assert_eq!(r.state(), RecvState::DataRecvd);
}

#[test]
fn recv_part_reset_paths() {
    // Recv → Reset Recvd → Reset Read.
    let mut r = RecvPart::new();
    r.on_stream(10, false).unwrap();
    assert!(r.on_reset(5, 30).unwrap());
    assert_eq!(r.state(), RecvState::ResetRecvd);
    assert_eq!(
        (r.reset_code(), r.final_size(), r.max_offset()),
        (Some(5), Some(30), 30)
    );
    assert!(!r.wants_max_stream_data());
    // Late data within the final size is discarded; beyond it is an error.
    assert!(!r.on_stream(30, false).unwrap());
    assert_eq!(
        code(r.on_stream(31, false)),
        TransportErrorCode::FINAL_SIZE_ERROR
    );
    assert!(!r.on_all_received());
    assert!(!r.on_reset(6, 30).unwrap(), "duplicate reset");
    assert_eq!(r.reset_code(), Some(5));
    assert!(!r.on_read_all());
    assert!(r.on_reset_read());
    assert_eq!(r.state(), RecvState::ResetRead);
    assert!(r.is_terminal());
    assert!(!r.on_reset(5, 30).unwrap());

    // Size Known → Reset Recvd.
    let mut r = RecvPart::new();
    r.on_stream(8, true).unwrap();
    assert!(r.on_reset(1, 8).unwrap());
    assert_eq!(r.state(), RecvState::ResetRecvd);

    // Data Recvd: the reset is suppressed and the data stays deliverable.
    let mut r = RecvPart::new();
    r.on_stream(8, true).unwrap();
    r.on_all_received();
    assert!(!r.on_reset(1, 8).unwrap());
    assert_eq!(r.state(), RecvState::DataRecvd);
    assert_eq!(r.reset_code(), None);
}

#[test]
fn recv_part_final_size_errors() {
    let mut r = RecvPart::new();
    r.on_stream(100, false).unwrap();
    assert_eq!(
        code(r.on_reset(0, 99)),
        TransportErrorCode::FINAL_SIZE_ERROR
    );
    assert_eq!(
        code(r.on_stream(50, true)),
        TransportErrorCode::FINAL_SIZE_ERROR
    );
    assert_eq!(r.state(), RecvState::Recv);
    r.on_stream(100, true).unwrap();
    assert_eq!(
        code(r.on_reset(0, 101)),
        TransportErrorCode::FINAL_SIZE_ERROR
    );
    assert_eq!(
        code(r.on_stream(120, true)),
        TransportErrorCode::FINAL_SIZE_ERROR
    );
    assert_eq!(r.state(), RecvState::SizeKnown);
    assert!(r.on_reset(0, 100).unwrap());
}

#[test]
fn recv_part_stop_sending() {
    let mut r = RecvPart::new();
    assert!(r.stop_sending(9));
    assert!(!r.stop_sending(10), "sent once");
    assert_eq!(r.stop_sending_code(), Some(9));
    assert!(!r.wants_max_stream_data());
    assert_eq!(r.state(), RecvState::Recv);

    let mut r = RecvPart::new();
    r.on_stream(3, true).unwrap();
    assert!(r.stop_sending(1), "Size Known");

    for reset_first in [true, false] {
        let mut r = RecvPart::new();
        if reset_first {
            r.on_reset(0, 0).unwrap();
        } else {
            r.on_stream(0, true).unwrap();
            r.on_all_received();
        }
        assert!(!r.stop_sending(1));
        assert_eq!(r.stop_sending_code(), None);
    }
}

// ---------------------------------------------------------------------------------------------
// Frame direction and opening checks (RFC 9000 §19)

#[test]
fn frames_on_streams_by_direction() {
    use StreamFrameKind::*;
    let recv_kinds = [Stream, ResetStream, StreamDataBlocked];
    let send_kinds = [StopSending, MaxStreamData];
    // A client: stream 0 (its bidi), 1 (server bidi), 2 (its uni), 3 (server uni), all opened.
    for kind in recv_kinds.iter().chain(&send_kinds) {
        for id in [0, 1] {
            assert!(check_frame(Side::Client, sid(id), *kind, 1).is_ok());
        }
    }
    for kind in recv_kinds {
        assert_eq!(
            code(check_frame(Side::Client, sid(2), kind, 1)),
            TransportErrorCode::STREAM_STATE_ERROR
        );
        assert!(check_frame(Side::Client, sid(3), kind, 1).is_ok());
    }
    for kind in send_kinds {
        assert!(check_frame(Side::Client, sid(2), kind, 1).is_ok());
        assert_eq!(
            code(check_frame(Side::Client, sid(3), kind, 1)),
            TransportErrorCode::STREAM_STATE_ERROR
        );
    }
    // The server's view mirrors it.
    assert!(check_frame(Side::Server, sid(2), Stream, 0).is_ok());
    assert_eq!(
        code(check_frame(Side::Server, sid(3), Stream, 1)),
        TransportErrorCode::STREAM_STATE_ERROR
    );
    assert_eq!(
        code(check_frame(Side::Server, sid(2), MaxStreamData, 0)),
        TransportErrorCode::STREAM_STATE_ERROR
    );
}

#[test]
fn frames_on_local_streams_not_yet_opened() {
    use StreamFrameKind::*;
    for kind in [
        Stream,
        ResetStream,
        StreamDataBlocked,
        StopSending,
        MaxStreamData,
    ] {
        // The client has opened two bidi streams: 0 and 4; 8 is not open yet.
        assert!(check_frame(Side::Client, sid(4), kind, 2).is_ok());
        assert_eq!(
            code(check_frame(Side::Client, sid(8), kind, 2)),
            TransportErrorCode::STREAM_STATE_ERROR
        );
        // Peer streams are never "not yet opened" here; limits are StreamLimits' job.
        assert!(check_frame(Side::Client, sid(401), kind, 0).is_ok());
    }
    assert!(check_frame(Side::Server, sid(7), MaxStreamData, 2).is_ok());
    assert!(check_frame(Side::Server, sid(11), StopSending, 2).is_err());
}

// ---------------------------------------------------------------------------------------------
// Flow control

#[test]
fn send_credit_blocked_once_per_limit() {
    let mut c = SendCredit::new(0);
    assert!(c.is_blocked());
    assert_eq!(c.take_blocked(), Some(0));
    assert_eq!(c.take_blocked(), None);
    assert!(c.update_limit(1000));
    assert!(!c.is_blocked());
    assert_eq!(c.take_blocked(), None);
    assert_eq!(c.consume(1000), 1000);
    assert_eq!(c.take_blocked(), Some(1000));
    assert_eq!(c.take_blocked(), None);
    // Limits only grow; a stale MAX_DATA does not unblock nor re-arm the signal.
    assert!(!c.update_limit(500));
    assert!(!c.update_limit(1000));
    assert_eq!(c.limit(), 1000);
    assert_eq!(c.take_blocked(), None);
    c.on_blocked_lost(1000);
    assert_eq!(c.take_blocked(), Some(1000));
    assert_eq!(c.consume(1), 0);
    assert_eq!(c.used(), 1000);
}

#[test]
fn recv_window_violations_and_half_window_updates() {
    let now = Instant::now();
    let rtt = Duration::from_millis(50);
    let mut w = RecvWindow::new(100, 100);
    assert_eq!((w.limit(), w.window()), (100, 100));
    w.on_received(60).unwrap();
    assert_eq!(
        code(w.on_received(41)),
        TransportErrorCode::FLOW_CONTROL_ERROR
    );
    assert_eq!(w.received(), 60);
    assert_eq!(
        code(w.on_received(u64::MAX)),
        TransportErrorCode::FLOW_CONTROL_ERROR
    );
    w.on_consumed(49);
    assert_eq!(w.take_update(now, rtt), None);
    w.on_consumed(1);
    assert_eq!(w.take_update(now, rtt), Some(150));
    assert_eq!(w.limit(), 150);
    w.on_received(90).unwrap();
    assert!(w.on_received(1).is_err());
}

#[test]
fn recv_window_autotuning_doubles_up_to_the_cap() {
    let t0 = Instant::now();
    let rtt = Duration::from_millis(100);
    let mut w = RecvWindow::new(1000, 3000);
    let mut now = t0;
    let consume = |w: &mut RecvWindow, n: u64| {
        w.on_received(n).unwrap();
        w.on_consumed(n);
    };
    // The first update has nothing to compare with: no growth.
    consume(&mut w, 500);
    assert_eq!(w.take_update(now, rtt), Some(1500));
    assert_eq!(w.window(), 1000);
    // The next comes 150 ms later, under two RTTs: the window doubles.
    now += Duration::from_millis(150);
    consume(&mut w, 500);
    assert_eq!(w.take_update(now, rtt), Some(1000 + 2000));
    assert_eq!(w.window(), 2000);
    // Again quickly: doubling is capped at the maximum.
    now += Duration::from_millis(10);
    consume(&mut w, 1000);
    assert_eq!(w.take_update(now, rtt), Some(2000 + 3000));
    assert_eq!(w.window(), 3000);
    now += Duration::from_millis(10);
    consume(&mut w, 1500);
    assert_eq!(w.take_update(now, rtt), Some(3500 + 3000));
    assert_eq!(w.window(), 3000);
    // Updates two RTTs or more apart keep the window.
    let mut w = RecvWindow::new(1000, 8000);
    let mut now = t0;
    for round in 1..=4u64 {
        consume(&mut w, 500);
        assert_eq!(w.take_update(now, rtt), Some(round * 500 + 1000));
        now += Duration::from_millis(200);
    }
    assert_eq!(w.window(), 1000);
    // A time going backwards (the caller's clock) counts as fast, not as a panic.
    consume(&mut w, 500);
    assert!(w.take_update(t0, rtt).is_some());
}

#[test]
fn recv_window_limit_never_shrinks_or_passes_2_62() {
    let mut w = RecvWindow::new(u64::MAX, u64::MAX);
    assert_eq!(w.limit(), VarInt::MAX.get());
    w.on_received(VarInt::MAX.get()).unwrap();
    w.on_consumed(VarInt::MAX.get());
    assert_eq!(w.take_update(Instant::now(), Duration::ZERO), None);
    let mut w = RecvWindow::new(10, 5);
    assert_eq!(w.window(), 10);
    w.on_received(10).unwrap();
    w.on_consumed(10);
    let now = Instant::now();
    let mut last = w.limit();
    for _ in 0..5 {
        if let Some(limit) = w.take_update(now, Duration::from_secs(1)) {
            assert!(limit > last);
            last = limit;
        }
    }
    assert_eq!(
        w.window(),
        10,
        "a maximum below the window keeps the window"
    );
}

#[test]
fn stream_limits_opening() {
    let mut l = StreamLimits::new(Side::Client, Dir::Uni, 2, 0);
    assert_eq!(l.open(), Some(sid(2)));
    assert_eq!(l.open(), Some(sid(6)));
    assert_eq!(l.open(), None);
    assert_eq!(l.opened(), 2);
    assert_eq!(l.take_blocked(), Some(2));
    assert_eq!(l.take_blocked(), None);
    l.on_blocked_lost(2);
    assert_eq!(l.take_blocked(), Some(2));
    assert!(!l.on_max_streams(1));
    assert!(!l.on_max_streams(2));
    assert!(l.on_max_streams(3));
    assert_eq!(l.peer_max(), 3);
    assert_eq!(l.take_blocked(), None);
    assert_eq!(l.open(), Some(sid(10)));
    assert_eq!(l.take_blocked(), Some(3));
    assert!(l.on_max_streams(u64::MAX));
    assert_eq!(l.peer_max(), MAX_STREAM_COUNT);
    let mut l = StreamLimits::new(Side::Server, Dir::Bi, 1, 0);
    assert_eq!(l.open(), Some(sid(1)));
}

#[test]
fn stream_limits_accepting() {
    // A server accepting up to 4 concurrent client bidi streams.
    let mut l = StreamLimits::new(Side::Server, Dir::Bi, 0, 4);
    assert_eq!(l.local_max(), 4);
    assert_eq!(l.on_peer_stream(sid(4)).unwrap(), 0..2);
    assert_eq!(l.on_peer_stream(sid(0)).unwrap(), 2..2);
    assert_eq!(l.on_peer_stream(sid(12)).unwrap(), 2..4);
    assert_eq!(l.accepted(), 4);
    let e = l.on_peer_stream(sid(16)).unwrap_err();
    assert_eq!(e.code, TransportErrorCode::STREAM_LIMIT_ERROR);
    assert_eq!(l.accepted(), 4);
    // Credit returns as streams close, in steps of half the concurrency.
    assert_eq!(l.take_max_streams_update(), None);
    l.on_peer_stream_closed();
    assert_eq!(l.take_max_streams_update(), None);
    l.on_peer_stream_closed();
    assert_eq!(l.take_max_streams_update(), Some(6));
    assert_eq!(l.take_max_streams_update(), None);
    assert_eq!(l.on_peer_stream(sid(20)).unwrap(), 4..6);
    assert_eq!(
        code(l.on_peer_stream(sid(24))),
        TransportErrorCode::STREAM_LIMIT_ERROR
    );
    // More closes than streams opened grant nothing extra.
    for _ in 0..10 {
        l.on_peer_stream_closed();
    }
    assert_eq!(l.take_max_streams_update(), Some(10));
    assert_eq!(l.local_max(), 10);
    // Streams of our own or of the other direction are not the peer's to open here.
    assert_eq!(l.on_peer_stream(sid(1)).unwrap(), 6..6);
    assert_eq!(l.on_peer_stream(sid(2)).unwrap(), 6..6);
}

#[test]
fn stream_limits_single_concurrency_and_zero() {
    let mut l = StreamLimits::new(Side::Client, Dir::Uni, 0, 1);
    assert_eq!(l.open(), None);
    assert_eq!(l.on_peer_stream(sid(3)).unwrap(), 0..1);
    assert!(l.on_peer_stream(sid(7)).is_err());
    l.on_peer_stream_closed();
    assert_eq!(l.take_max_streams_update(), Some(2));
    assert!(l.on_peer_stream(sid(7)).is_ok());
    let mut l = StreamLimits::new(Side::Client, Dir::Uni, 0, 0);
    assert_eq!(
        code(l.on_peer_stream(sid(3))),
        TransportErrorCode::STREAM_LIMIT_ERROR
    );
    l.on_peer_stream_closed();
    assert_eq!(l.take_max_streams_update(), None);
}

// ---------------------------------------------------------------------------------------------
// Arbitrary input

fn edge_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        0..64u64,
        Just(VarInt::MAX.get()),
        Just(VarInt::MAX.get() - 1),
        Just(1 << 62),
        Just(u64::MAX),
        any::<u64>(),
    ]
}

proptest! {
    /// Hostile offsets, lengths, ranges and counts produce errors or nothing, never panics,
    /// and the buffers' invariants hold throughout.
    #[test]
    fn arbitrary_inputs_never_panic(
        ops in vec((edge_u64(), edge_u64(), 0usize..64, any::<bool>(), 0u8..8), 1..60),
    ) {
        let mut recv = RecvBuf::new(VarInt::MAX.get());
        let mut crypto = RecvBuf::crypto(1000);
        let mut send = SendBuf::new(100);
        let mut part = RecvPart::new();
        let mut window = RecvWindow::new(1000, u64::MAX);
        let mut credit = SendCredit::new(0);
        let mut limits = StreamLimits::new(Side::Client, Dir::Bi, 0, 3);
        let payload = [0u8; 64];
        let now = Instant::now();
        for (a, b, len, fin, op) in ops {
            match op {
                0 => {
                    let before = recv.buffered();
                    if recv.insert(a, &payload[..len], fin).is_err() {
                        prop_assert_eq!(recv.buffered(), before);
                    }
                    let _ = crypto.insert(a, &payload[..len], false);
                    prop_assert!(crypto.buffered() <= 1000);
                }
                1 => {
                    let mut out = [0u8; 64];
                    let n = recv.read(&mut out[..len]);
                    prop_assert!(n <= len);
                    crypto.read(&mut out);
                }
                2 => {
                    send.write(&payload[..len]);
                    let _ = send.next_send(len, a);
                }
                3 => send.on_ack(a..b, fin),
                4 => send.on_lost(a..b, fin),
                5 => {
                    let _ = part.on_stream(a, fin);
                    let _ = part.on_reset(b, a);
                }
                6 => {
                    let _ = window.on_received(a);
                    window.on_consumed(b);
                    let _ = window.take_update(now, Duration::from_nanos(b));
                    prop_assert!(window.limit() <= VarInt::MAX.get());
                    credit.update_limit(a);
                    credit.consume(b);
                    let _ = credit.take_blocked();
                }
                _ => {
                    limits.on_max_streams(a);
                    let _ = limits.open();
                    let _ = limits.on_peer_stream(sid(b & VarInt::MAX.get()));
                    limits.on_peer_stream_closed();
                    let _ = limits.take_max_streams_update();
                    prop_assert!(limits.local_max() <= MAX_STREAM_COUNT);
                }
            }
            prop_assert!(recv.readable() <= recv.buffered());
            prop_assert!(send.buffered() <= 100);
            prop_assert!(send.sent_end() <= send.written());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Fragmentation (RFC 9000 §21.7)

/// One byte at every other offset, never the first: nothing becomes readable, and each byte
/// is a run of its own. Returns how many frames were taken before the refusal and its code.
fn fragment(buf: &mut RecvBuf, frames: u64) -> (usize, TransportErrorCode) {
    for i in 0..frames {
        if let Err(e) = buf.insert(2 * i + 1, &[0], false) {
            return (i as usize, e.code);
        }
    }
    panic!("{frames} fragments accepted");
}

#[test]
fn a_stream_fragmented_past_the_limit_is_a_protocol_violation() {
    use qssl_quic::streams::MAX_STREAM_SPANS;
    let mut buf = RecvBuf::new(1 << 21);
    let (taken, code) = fragment(&mut buf, 1_000_000);
    assert_eq!(taken, MAX_STREAM_SPANS);
    assert_eq!(code, TransportErrorCode::PROTOCOL_VIOLATION);
    assert_eq!(
        buf.chunk_count(),
        MAX_STREAM_SPANS,
        "nothing stored by the refusal"
    );
}

#[test]
fn crypto_data_fragmented_past_the_limit_exceeds_the_buffer() {
    use qssl_quic::streams::MAX_CRYPTO_SPANS;
    let mut buf = RecvBuf::crypto(65536);
    let (taken, code) = fragment(&mut buf, 32_768);
    assert_eq!(taken, MAX_CRYPTO_SPANS);
    assert_eq!(code, TransportErrorCode::CRYPTO_BUFFER_EXCEEDED);
}

#[test]
fn filled_gaps_and_reading_give_runs_back() {
    use qssl_quic::streams::MAX_STREAM_SPANS;
    let mut buf = RecvBuf::new(1 << 21);
    let _ = fragment(&mut buf, MAX_STREAM_SPANS as u64 + 1);
    // Filling the gaps joins the runs into one, which is then read: all runs are free again.
    for i in 0..=MAX_STREAM_SPANS as u64 {
        buf.insert(2 * i, &[1], false).unwrap();
    }
    let mut out = vec![0; 4096];
    assert_eq!(buf.read(&mut out), 2 * MAX_STREAM_SPANS + 1);
    let (taken, _) = fragment_from(&mut buf, 2 * MAX_STREAM_SPANS as u64 + 1, 1_000_000);
    assert_eq!(taken, MAX_STREAM_SPANS);
    // Contiguous bulk data in many chunks is one run, however many chunks it takes.
    let mut bulk = RecvBuf::new(1 << 22);
    let piece = vec![7u8; 1000];
    for i in 0..3000u64 {
        bulk.insert(i * 1000, &piece, false).unwrap();
    }
    assert_eq!(bulk.readable(), 3_000_000);
}

/// As [`fragment`], from `start` on.
fn fragment_from(buf: &mut RecvBuf, start: u64, frames: u64) -> (usize, TransportErrorCode) {
    for i in 0..frames {
        if let Err(e) = buf.insert(start + 2 * i + 1, &[0], false) {
            return (i as usize, e.code);
        }
    }
    panic!("{frames} fragments accepted");
}
