//! Frame codec tests: round trips of every frame, encodings derived by hand from RFC 9000 §19,
//! malformed and truncated input, packet-type rules and packetizer sizing helpers.

use std::ops::RangeInclusive;

use proptest::collection::vec;
use proptest::prelude::*;
use qssl_quic::coding::{Reader, VarInt, Writer};
use qssl_quic::frame::{
    Ack, AckEncoder, AckFrequency, CloseKind, ConnectionClose, CryptoFrame, DatagramFrame,
    EcnCounts, EncodeError, Frame, FrameIter, FrameType, MAX_STREAM_COUNT, NewConnectionId,
    StreamFrame,
};
use qssl_quic::{ConnectionId, Dir, PacketKind, StreamId, TransportError, TransportErrorCode};

const MAX: u64 = VarInt::MAX.get();
const KINDS: [PacketKind; 4] = [
    PacketKind::Initial,
    PacketKind::ZeroRtt,
    PacketKind::Handshake,
    PacketKind::OneRtt,
];

fn sid(id: u64) -> StreamId {
    StreamId::from(VarInt::new(id).expect("stream id below 2^62"))
}

/// Encodes with `encode` (or `encode_last`) into a roomier buffer, checking the size report.
fn encode_with(f: &Frame<'_>, last: bool) -> Vec<u8> {
    let len = if last {
        f.encoded_len_last()
    } else {
        f.encoded_len()
    };
    let mut buf = vec![0xee; len + 16];
    let mut w = Writer::new(&mut buf);
    if last {
        f.encode_last(&mut w).expect("encodes");
    } else {
        f.encode(&mut w).expect("encodes");
    }
    assert_eq!(w.position(), len, "encoded_len is exact for {f:?}");
    buf.truncate(len);
    buf
}

fn encode(f: &Frame<'_>) -> Vec<u8> {
    encode_with(f, false)
}

/// Parses exactly one frame that must fill `bytes`.
fn parse_all(bytes: &[u8]) -> Result<Frame<'_>, TransportError> {
    let mut r = Reader::new(bytes);
    let f = Frame::parse(&mut r)?;
    assert!(r.is_empty(), "frame {f:?} left {} bytes", r.remaining());
    Ok(f)
}

fn parse_err(bytes: &[u8]) -> TransportError {
    match Frame::parse(&mut Reader::new(bytes)) {
        Ok(f) => panic!("{bytes:02x?} parsed as {f:?}"),
        Err(e) => e,
    }
}

fn assert_fee(bytes: &[u8], ty: u64) {
    let e = parse_err(bytes);
    assert_eq!(
        (e.code, e.frame_type),
        (TransportErrorCode::FRAME_ENCODING_ERROR, Some(ty)),
        "{bytes:02x?}: {e}"
    );
}

// ---------------------------------------------------------------------------------------------
// Round trips.

fn varint() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        0..64u64,
        64..16_384u64,
        16_384..(1u64 << 30),
        (1u64 << 30)..=MAX,
        Just(MAX),
    ]
}

/// Field values for one frame of each kind; [`build`] turns them into a valid frame.
#[derive(Debug, Clone)]
struct Spec {
    kind: u8,
    a: u64,
    b: u64,
    c: u64,
    data: Vec<u8>,
    cid: Vec<u8>,
    flag: bool,
    token: [u8; 16],
    eight: [u8; 8],
}

const SPEC_KINDS: u8 = 23;

fn spec() -> impl Strategy<Value = Spec> {
    (
        0..SPEC_KINDS,
        (varint(), varint(), varint()),
        vec(any::<u8>(), 0..300),
        vec(any::<u8>(), 1..=20),
        any::<bool>(),
        any::<[u8; 16]>(),
        any::<[u8; 8]>(),
    )
        .prop_map(|(kind, (a, b, c), data, cid, flag, token, eight)| Spec {
            kind,
            a,
            b,
            c,
            data,
            cid,
            flag,
            token,
            eight,
        })
}

fn build(s: &Spec) -> Frame<'_> {
    let id = sid(s.a);
    let dir = if s.flag { Dir::Uni } else { Dir::Bi };
    let data = &s.data[..];
    let room = MAX - data.len() as u64;
    match s.kind {
        0 => Frame::Padding {
            len: 1 + data.len(),
        },
        1 => Frame::Ping,
        2 => Frame::ResetStream {
            id,
            error_code: s.b,
            final_size: s.c,
        },
        3 => Frame::StopSending {
            id,
            error_code: s.b,
        },
        4 => Frame::Crypto(CryptoFrame {
            offset: s.b.min(room),
            data,
        }),
        5 => Frame::NewToken {
            token: if data.is_empty() { &s.eight[..] } else { data },
        },
        6 => Frame::Stream(StreamFrame {
            id,
            offset: s.b.min(room),
            data,
            fin: s.flag,
        }),
        7 => Frame::MaxData { max: s.b },
        8 => Frame::MaxStreamData { id, max: s.b },
        9 => Frame::MaxStreams {
            dir,
            max: s.b % (MAX_STREAM_COUNT + 1),
        },
        10 => Frame::DataBlocked { limit: s.b },
        11 => Frame::StreamDataBlocked { id, limit: s.c },
        12 => Frame::StreamsBlocked {
            dir,
            limit: s.c.min(MAX_STREAM_COUNT),
        },
        13 => Frame::NewConnectionId(NewConnectionId {
            sequence: s.b,
            retire_prior_to: s.c.min(s.b),
            id: ConnectionId::new(&s.cid).expect("1 to 20 bytes"),
            reset_token: s.token,
        }),
        14 => Frame::RetireConnectionId { sequence: s.b },
        15 => Frame::PathChallenge(s.eight),
        16 => Frame::PathResponse(s.eight),
        17 => Frame::ConnectionClose(ConnectionClose {
            error_code: s.b,
            kind: CloseKind::Transport { frame_type: s.c },
            reason: data,
        }),
        18 => Frame::ConnectionClose(ConnectionClose {
            error_code: s.b,
            kind: CloseKind::Application,
            reason: data,
        }),
        19 => Frame::HandshakeDone,
        20 => Frame::AckFrequency(AckFrequency {
            sequence: s.a,
            ack_eliciting_threshold: s.b,
            request_max_ack_delay: s.c,
            reordering_threshold: s.c / 7,
        }),
        21 => Frame::ImmediateAck,
        _ => Frame::Datagram(DatagramFrame { data }),
    }
}

fn ecn() -> impl Strategy<Value = Option<EcnCounts>> {
    proptest::option::of(
        (varint(), varint(), varint()).prop_map(|(ect0, ect1, ce)| EcnCounts { ect0, ect1, ce }),
    )
}

/// Descending, non-touching ranges below a random largest packet number.
fn ack_ranges() -> impl Strategy<Value = Vec<RangeInclusive<u64>>> {
    let step = prop_oneof![0..4u64, 0..100u64, 0..20_000u64, 0..(1u64 << 34)];
    (varint(), step.clone(), vec((step.clone(), step), 0..64)).prop_map(
        |(largest, first_len, steps)| {
            let mut prev = largest.saturating_sub(first_len);
            let mut out = vec![prev..=largest];
            for (gap, len) in steps {
                let Some(hi) = prev.checked_sub(gap).and_then(|x| x.checked_sub(2)) else {
                    break;
                };
                prev = hi.saturating_sub(len);
                out.push(prev..=hi);
            }
            out
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Every frame kind: encode, check the reported size, parse back the same frame, both with
    /// and without trailing Length fields, and followed by another frame.
    #[test]
    fn every_frame_round_trips(s in spec()) {
        let f = build(&s);
        for last in [false, true] {
            let bytes = encode_with(&f, last);
            prop_assert_eq!(parse_all(&bytes), Ok(f));
        }
        let mut packet = encode(&f);
        packet.push(0x01);
        let frames: Vec<_> = FrameIter::new(&packet).collect();
        prop_assert_eq!(frames, vec![Ok(f), Ok(Frame::Ping)]);
    }
}

proptest! {
    /// ACK frames from arbitrary range sets, with and without ECN counts.
    #[test]
    fn ack_round_trips(ranges in ack_ranges(), delay in varint(), ecn in ecn()) {
        let enc = AckEncoder { ranges: &ranges, delay, ecn };
        let mut buf = vec![0u8; enc.encoded_len() + 8];
        let mut w = Writer::new(&mut buf);
        enc.encode(&mut w).unwrap();
        prop_assert_eq!(w.position(), enc.encoded_len());
        let n = w.position();
        let bytes = &buf[..n];
        let Ok(Frame::Ack(ack)) = parse_all(bytes) else {
            return Err(TestCaseError::fail("not an ACK"));
        };
        prop_assert_eq!(ack.ranges().collect::<Vec<_>>(), ranges.clone());
        prop_assert_eq!(ack.ranges().size_hint(), (ranges.len(), Some(ranges.len())));
        prop_assert_eq!(ack.largest(), *ranges[0].end());
        prop_assert_eq!(ack.first_range(), ranges[0].end() - ranges[0].start());
        prop_assert_eq!(ack.additional_ranges(), ranges.len() as u64 - 1);
        prop_assert_eq!(ack.delay(), delay);
        prop_assert_eq!(ack.ecn(), ecn);
        // The received frame encodes back to the same bytes.
        prop_assert_eq!(encode(&Frame::Ack(ack)), bytes.to_vec());
    }

    /// `ranges_that_fit` gives the longest prefix of ranges whose frame fits.
    #[test]
    fn ack_ranges_that_fit(ranges in ack_ranges(), delay in varint(), ecn in ecn(), extra in 0..40usize) {
        let full = AckEncoder { ranges: &ranges, delay, ecn }.encoded_len();
        let space = full.saturating_sub(extra);
        let k = AckEncoder { ranges: &ranges, delay, ecn }.ranges_that_fit(space);
        let len_of = |k: usize| AckEncoder { ranges: &ranges[..k], delay, ecn }.encoded_len();
        if k > 0 {
            prop_assert!(len_of(k) <= space);
        }
        if k < ranges.len() {
            prop_assert!(len_of(k + 1) > space);
        }
        prop_assert_eq!(k == ranges.len(), space >= full);
    }

    /// The packetizer helpers: the reported amount of data fits exactly.
    #[test]
    fn max_data_len_is_exact(
        space in 0..20_000usize,
        id in varint(),
        offset in prop_oneof![varint(), (MAX - 100)..=MAX],
        with_len in any::<bool>(),
    ) {
        let data = vec![7u8; space + 1];
        let id = sid(id);
        let stream = |n: usize| StreamFrame { id, offset, data: &data[..n], fin: false };
        match StreamFrame::max_data_len(space, id, offset, with_len) {
            Some(n) => {
                prop_assert!(stream(n).encoded_len(with_len) <= space);
                let capped = offset + n as u64 == MAX;
                prop_assert!(capped || stream(n + 1).encoded_len(with_len) > space);
            }
            None => prop_assert!(stream(0).encoded_len(with_len) > space),
        }
        let crypto = |n: usize| CryptoFrame { offset, data: &data[..n] };
        match CryptoFrame::max_data_len(space, offset) {
            Some(n) => {
                prop_assert!(crypto(n).encoded_len() <= space);
                let capped = offset + n as u64 == MAX;
                prop_assert!(capped || crypto(n + 1).encoded_len() > space);
            }
            None => prop_assert!(crypto(0).encoded_len() > space),
        }
        let datagram = |n: usize| DatagramFrame { data: &data[..n] };
        match DatagramFrame::max_data_len(space, with_len) {
            Some(n) => {
                prop_assert!(datagram(n).encoded_len(with_len) <= space);
                prop_assert!(datagram(n + 1).encoded_len(with_len) > space);
            }
            None => prop_assert!(datagram(0).encoded_len(with_len) > space),
        }
    }

    /// Random payloads never panic, and iteration ends after at most one frame per byte and
    /// right after the first error.
    #[test]
    fn random_payloads_never_panic(payload in vec(any::<u8>(), 0..600)) {
        check_iteration(&payload)?;
    }

    /// Valid payloads with one byte changed or cut short never panic either.
    #[test]
    fn mutated_payloads_never_panic(
        specs in vec(spec(), 1..6),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        cut in any::<bool>(),
    ) {
        let mut payload = Vec::new();
        for s in &specs {
            payload.extend(encode(&build(s)));
        }
        let i = at.index(payload.len());
        if cut {
            payload.truncate(i);
        } else {
            payload[i] = byte;
        }
        check_iteration(&payload)?;
    }
}

fn check_iteration(payload: &[u8]) -> Result<(), TestCaseError> {
    let mut it = FrameIter::new(payload);
    let mut count = 0;
    while let Some(item) = it.next() {
        count += 1;
        prop_assert!(count <= payload.len());
        if let Ok(f) = item {
            for kind in KINDS {
                let _ = f.check_allowed(kind);
            }
            prop_assert!(f.encoded_len() > 0);
        } else {
            prop_assert!(it.next().is_none());
            break;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Encodings derived by hand from RFC 9000 §19 and RFC 9221 §4.

#[test]
fn known_encodings() {
    let reason = b"bad";
    let data = b"abc";
    let token = [0xaa; 16];
    let cases: Vec<(&str, Frame<'_>)> = vec![
        ("01", Frame::Ping),
        ("1e", Frame::HandshakeDone),
        // draft-ietf-quic-ack-frequency: IMMEDIATE_ACK, and ACK_FREQUENCY's two-byte type
        // followed by sequence 1, threshold 2, delay 1000 µs (two bytes) and reordering 3.
        ("1f", Frame::ImmediateAck),
        (
            "40af 01 02 43e8 03",
            Frame::AckFrequency(AckFrequency {
                sequence: 1,
                ack_eliciting_threshold: 2,
                request_max_ack_delay: 1000,
                reordering_threshold: 3,
            }),
        ),
        ("000000", Frame::Padding { len: 3 }),
        // Largest 10, delay 5, one more range; first range 3 (7..=10); gap 1 and length 2
        // give 4 - 2 = 2..=4.
        ("020a05010301 02", ack_frame(&[7..=10, 2..=4], 5, None)),
        (
            "030a05010301 02 010203",
            ack_frame(
                &[7..=10, 2..=4],
                5,
                Some(EcnCounts {
                    ect0: 1,
                    ect1: 2,
                    ce: 3,
                }),
            ),
        ),
        (
            "04 01 02 03",
            Frame::ResetStream {
                id: sid(1),
                error_code: 2,
                final_size: 3,
            },
        ),
        (
            "05 4400 07",
            Frame::StopSending {
                id: sid(0x400),
                error_code: 7,
            },
        ),
        (
            "06 00 03 616263",
            Frame::Crypto(CryptoFrame { offset: 0, data }),
        ),
        (
            "07 02 aabb",
            Frame::NewToken {
                token: &[0xaa, 0xbb],
            },
        ),
        // OFF | LEN | FIN; offset 64 needs two bytes.
        (
            "0f 04 4040 03 616263",
            Frame::Stream(StreamFrame {
                id: sid(4),
                offset: 64,
                data,
                fin: true,
            }),
        ),
        // LEN only: offset 0 is left out.
        (
            "0a 00 03 616263",
            Frame::Stream(StreamFrame {
                id: sid(0),
                offset: 0,
                data,
                fin: false,
            }),
        ),
        // 16384 = 2^14 takes four bytes.
        ("10 80004000", Frame::MaxData { max: 16_384 }),
        (
            "11 08 3f",
            Frame::MaxStreamData {
                id: sid(8),
                max: 63,
            },
        ),
        (
            "12 d000000000000000",
            Frame::MaxStreams {
                dir: Dir::Bi,
                max: 1 << 60,
            },
        ),
        (
            "13 24",
            Frame::MaxStreams {
                dir: Dir::Uni,
                max: 0x24,
            },
        ),
        ("14 7bbd", Frame::DataBlocked { limit: 15_293 }),
        (
            "15 02 00",
            Frame::StreamDataBlocked {
                id: sid(2),
                limit: 0,
            },
        ),
        (
            "16 05",
            Frame::StreamsBlocked {
                dir: Dir::Bi,
                limit: 5,
            },
        ),
        (
            "17 06",
            Frame::StreamsBlocked {
                dir: Dir::Uni,
                limit: 6,
            },
        ),
        (
            "18 01 00 04 01020304 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            Frame::NewConnectionId(NewConnectionId {
                sequence: 1,
                retire_prior_to: 0,
                id: ConnectionId::new(&[1, 2, 3, 4]).unwrap(),
                reset_token: token,
            }),
        ),
        ("19 05", Frame::RetireConnectionId { sequence: 5 }),
        (
            "1a 0102030405060708",
            Frame::PathChallenge([1, 2, 3, 4, 5, 6, 7, 8]),
        ),
        (
            "1b 0102030405060708",
            Frame::PathResponse([1, 2, 3, 4, 5, 6, 7, 8]),
        ),
        (
            "1c 0a 08 03 626164",
            Frame::ConnectionClose(ConnectionClose {
                error_code: 0x0a,
                kind: CloseKind::Transport { frame_type: 0x08 },
                reason,
            }),
        ),
        (
            "1d 00 00",
            Frame::ConnectionClose(ConnectionClose {
                error_code: 0,
                kind: CloseKind::Application,
                reason: b"",
            }),
        ),
        ("31 02 6869", Frame::Datagram(DatagramFrame { data: b"hi" })),
    ];
    for (hex_in, frame) in cases {
        let bytes = hex::decode(hex_in.replace(' ', "")).unwrap();
        assert_eq!(parse_all(&bytes), Ok(frame), "{hex_in}");
        assert_eq!(encode(&frame), bytes, "{hex_in}");
    }
}

#[test]
fn known_encodings_without_length() {
    // STREAM type 0x08 (no OFF, LEN or FIN) and DATAGRAM type 0x30 run to the packet's end.
    let stream = Frame::Stream(StreamFrame {
        id: sid(0),
        offset: 0,
        data: b"hi",
        fin: false,
    });
    assert_eq!(encode_with(&stream, true), hex::decode("08006869").unwrap());
    assert_eq!(parse_all(&hex::decode("08006869").unwrap()), Ok(stream));
    let stream = Frame::Stream(StreamFrame {
        id: sid(1),
        offset: 9,
        data: b"",
        fin: true,
    });
    assert_eq!(encode_with(&stream, true), hex::decode("0d0109").unwrap());
    let datagram = Frame::Datagram(DatagramFrame { data: b"hi" });
    assert_eq!(encode_with(&datagram, true), hex::decode("306869").unwrap());
    assert_eq!(parse_all(&hex::decode("306869").unwrap()), Ok(datagram));
    // Other frames are the same either way.
    assert_eq!(
        encode_with(&Frame::MaxData { max: 1 }, true),
        vec![0x10, 0x01]
    );
}

#[test]
fn iterating_a_payload() {
    let payload = hex::decode("0000011e 0a0001ff 10 05".replace(' ', "")).unwrap();
    let frames: Vec<_> = FrameIter::new(&payload).collect();
    assert_eq!(
        frames,
        vec![
            Ok(Frame::Padding { len: 2 }),
            Ok(Frame::Ping),
            Ok(Frame::HandshakeDone),
            Ok(Frame::Stream(StreamFrame {
                id: sid(0),
                offset: 0,
                data: &[0xff],
                fin: false,
            })),
            Ok(Frame::MaxData { max: 5 }),
        ]
    );
    // Nothing after the first error.
    let payload = [0x01, 0x21, 0x01, 0x01];
    let frames: Vec<_> = FrameIter::new(&payload).collect();
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0], Ok(Frame::Ping));
    assert_eq!(frames[1].as_ref().unwrap_err().frame_type, Some(0x21));
    assert_eq!(FrameIter::new(&[]).count(), 0);
}

fn ack_frame(ranges: &[RangeInclusive<u64>], delay: u64, ecn: Option<EcnCounts>) -> Frame<'static> {
    let enc = AckEncoder { ranges, delay, ecn };
    let mut buf = vec![0u8; enc.encoded_len()];
    enc.encode(&mut Writer::new(&mut buf)).unwrap();
    parse_all(keep(buf)).unwrap()
}

/// Keeps `bytes` for the rest of the test process (held by a static list, so leak checkers
/// see them as still in use), for frames that borrow them.
fn keep(bytes: Vec<u8>) -> &'static [u8] {
    static KEPT: std::sync::Mutex<Vec<&'static [u8]>> = std::sync::Mutex::new(Vec::new());
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    KEPT.lock().unwrap().push(bytes);
    bytes
}

// ---------------------------------------------------------------------------------------------
// Malformed input.

/// One frame of every type, with multi-byte fields so that truncation cuts inside them.
fn samples() -> Vec<Frame<'static>> {
    let big = 1_000_000;
    vec![
        Frame::Ping,
        ack_frame(&[900_000..=big, 5..=800_000, 0..=2], 300, None),
        ack_frame(
            &[big..=big],
            0,
            Some(EcnCounts {
                ect0: big,
                ect1: 70,
                ce: MAX,
            }),
        ),
        Frame::ResetStream {
            id: sid(big),
            error_code: MAX,
            final_size: big,
        },
        Frame::StopSending {
            id: sid(big),
            error_code: 300,
        },
        Frame::Crypto(CryptoFrame {
            offset: big,
            data: b"client hello",
        }),
        Frame::NewToken { token: b"token" },
        Frame::Stream(StreamFrame {
            id: sid(big),
            offset: big,
            data: b"data",
            fin: true,
        }),
        Frame::Stream(StreamFrame {
            id: sid(300),
            offset: 0,
            data: b"data",
            fin: false,
        }),
        Frame::Stream(StreamFrame {
            id: sid(1),
            offset: 0,
            data: b"",
            fin: true,
        }),
        Frame::Stream(StreamFrame {
            id: sid(2),
            offset: 70,
            data: b"more data",
            fin: false,
        }),
        Frame::MaxData { max: big },
        Frame::MaxStreamData {
            id: sid(big),
            max: MAX,
        },
        Frame::MaxStreams {
            dir: Dir::Bi,
            max: MAX_STREAM_COUNT,
        },
        Frame::MaxStreams {
            dir: Dir::Uni,
            max: 300,
        },
        Frame::DataBlocked { limit: big },
        Frame::StreamDataBlocked {
            id: sid(300),
            limit: big,
        },
        Frame::StreamsBlocked {
            dir: Dir::Bi,
            limit: big,
        },
        Frame::StreamsBlocked {
            dir: Dir::Uni,
            limit: MAX_STREAM_COUNT,
        },
        Frame::NewConnectionId(NewConnectionId {
            sequence: big,
            retire_prior_to: 300,
            id: ConnectionId::new(&[9; 20]).unwrap(),
            reset_token: [7; 16],
        }),
        Frame::RetireConnectionId { sequence: big },
        Frame::PathChallenge([1; 8]),
        Frame::PathResponse([2; 8]),
        Frame::ConnectionClose(ConnectionClose {
            error_code: 0x10a,
            kind: CloseKind::Transport { frame_type: 0x1234 },
            reason: b"handshake failure",
        }),
        Frame::ConnectionClose(ConnectionClose {
            error_code: big,
            kind: CloseKind::Application,
            reason: b"bye",
        }),
        Frame::HandshakeDone,
        Frame::Datagram(DatagramFrame { data: b"datagram" }),
        Frame::ImmediateAck,
        Frame::AckFrequency(AckFrequency {
            sequence: big,
            ack_eliciting_threshold: 31,
            request_max_ack_delay: 25_000,
            reordering_threshold: 3,
        }),
    ]
}

#[test]
fn every_truncation_is_a_frame_encoding_error() {
    for f in samples() {
        let bytes = encode(&f);
        let ty = f.frame_type().0;
        // Types from 0x40 take two bytes; cutting the type itself names no frame type.
        let type_len = if ty < 0x40 { 1 } else { 2 };
        let written = bytes[..type_len]
            .iter()
            .fold(0u64, |v, &b| (v << 8) | u64::from(b))
            & !(0xc0 << (8 * (type_len - 1)));
        assert_eq!(written, ty);
        for cut in type_len..bytes.len() {
            assert_fee(&bytes[..cut], ty);
        }
        // Cutting everything leaves no frame type at all.
        let e = parse_err(&[]);
        assert_eq!(
            (e.code, e.frame_type),
            (TransportErrorCode::FRAME_ENCODING_ERROR, None)
        );
    }
}

#[test]
fn truncation_without_length_fields() {
    // Without Length fields a cut inside the data is just a shorter frame, and a cut inside
    // the header fields is an error.
    for f in samples() {
        let last = encode_with(&f, true);
        let header = match f {
            Frame::Stream(s) => last.len() - s.data.len(),
            Frame::Datagram(d) => last.len() - d.data.len(),
            _ => continue,
        };
        let ty = last[0] as u64;
        assert!(matches!(ty, 0x08..=0x0d | 0x30), "{ty:#x}");
        for cut in 1..header {
            assert_fee(&last[..cut], ty);
        }
        for cut in header..=last.len() {
            let shorter = parse_all(&last[..cut]).unwrap();
            assert_eq!(shorter.encoded_len_last(), cut);
        }
    }
}

#[test]
fn every_stream_type_parses() {
    for ty in 0x08u8..=0x0f {
        let mut bytes = vec![ty, 0x04];
        if ty & 0x04 != 0 {
            bytes.push(0x05);
        }
        if ty & 0x02 != 0 {
            bytes.push(0x02);
        }
        bytes.extend(b"hi");
        let Frame::Stream(s) = parse_all(&bytes).unwrap() else {
            panic!("{ty:#x} is not STREAM");
        };
        assert_eq!(s.id, sid(4));
        assert_eq!(s.offset, if ty & 0x04 != 0 { 5 } else { 0 });
        assert_eq!(s.data, b"hi");
        assert_eq!(s.fin, ty & 0x01 != 0);
        assert_eq!(s.end(), s.offset + 2);
    }
}

#[test]
fn unknown_frame_types() {
    for (bytes, ty) in [
        (&[0x20][..], 0x20),
        (&[0x2f], 0x2f),
        (&[0x32], 0x32),
        (&[0x3f], 0x3f),
        (&[0x40, 0x40], 0x40),
        (&[0x41, 0x00, 0x00], 0x100),
        (&[0x80, 0x00, 0x40, 0x00], 0x4000),
    ] {
        assert_fee(bytes, ty);
    }
}

#[test]
fn frame_types_must_be_minimal() {
    for (bytes, ty) in [
        (&[0x40, 0x01][..], 0x01),
        (&[0x40, 0x00], 0x00),
        (&[0x80, 0x00, 0x00, 0x06, 0x00, 0x00], 0x06),
        (&[0xc0, 0, 0, 0, 0, 0, 0, 0x1e], 0x1e),
        (&[0x40, 0x1f], 0x1f),
        (&[0x80, 0x00, 0x00, 0x40], 0x40),
    ] {
        let e = parse_err(bytes);
        assert_eq!(
            (e.code, e.frame_type),
            (TransportErrorCode::PROTOCOL_VIOLATION, Some(ty)),
            "{bytes:02x?}"
        );
    }
    // Other fields may use longer encodings than needed.
    assert_eq!(
        parse_all(&[0x10, 0x40, 0x05]),
        Ok(Frame::MaxData { max: 5 })
    );
}

#[test]
fn truncated_and_oversized_varints() {
    for bytes in [&[0x40][..], &[0x80, 0x00], &[0xc0, 0, 0, 0, 0, 0, 0]] {
        let e = parse_err(bytes);
        assert_eq!(
            (e.code, e.frame_type),
            (TransportErrorCode::FRAME_ENCODING_ERROR, None)
        );
    }
    assert_fee(&[0x10, 0x40], 0x10);
    assert_fee(&[0x04, 0xc0, 0, 0], 0x04);
    // Lengths beyond the payload, including the largest varint.
    assert_fee(&[0x06, 0x00, 0x05, 1, 2], 0x06);
    assert_fee(
        &[0x07, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1],
        0x07,
    );
    assert_fee(&[0x31, 0xbf, 0xff, 0xff, 0xff, 1], 0x31);
    assert_fee(&[0x1c, 0x00, 0x00, 0x04, b'a'], 0x1c);
}

#[test]
fn ack_ranges_must_not_underflow() {
    // First range 6 below largest 5.
    assert_fee(&[0x02, 0x05, 0x00, 0x00, 0x06], 0x02);
    // Largest 10, first range 2 (8..=10), gap 7: 8 - 7 - 2 < 0.
    assert_fee(&[0x02, 0x0a, 0x00, 0x01, 0x02, 0x07, 0x00], 0x02);
    // Gap 6 gives largest 0; length 1 then reaches -1.
    assert_fee(&[0x03, 0x0a, 0x00, 0x01, 0x02, 0x06, 0x01, 0, 0, 0], 0x03);
    // ... while length 0 is fine and acknowledges packet 0.
    let Frame::Ack(ack) = parse_all(&[0x02, 0x0a, 0x00, 0x01, 0x02, 0x06, 0x00]).unwrap() else {
        panic!("not an ACK");
    };
    assert_eq!(ack.ranges().collect::<Vec<_>>(), vec![8..=10, 0..=0]);
    // A huge range count is rejected without reading (or allocating) that many ranges.
    assert_fee(
        &[
            0x02, 0x0a, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00,
        ],
        0x02,
    );
    assert_fee(&[0x02, 0x0a, 0x00, 0xbf, 0xff, 0xff, 0xff, 0x00], 0x02);
}

#[test]
fn data_must_end_below_2_62() {
    let max = [0xff; 8];
    let with = |prefix: &[u8], tail: &[u8]| [prefix, &max[..], tail].concat();
    assert_fee(&with(&[0x0e, 0x00], &[0x01, 0xaa]), 0x0e);
    assert_fee(&with(&[0x0c, 0x00], &[0xaa]), 0x0c);
    assert_fee(&with(&[0x06], &[0x01, 0xaa]), 0x06);
    // Ending exactly at 2^62 - 1 is allowed.
    assert_eq!(
        parse_all(&with(&[0x0f, 0x00], &[0x00])),
        Ok(Frame::Stream(StreamFrame {
            id: sid(0),
            offset: MAX,
            data: b"",
            fin: true,
        }))
    );
    assert_eq!(
        parse_all(&with(&[0x06], &[0x00])),
        Ok(Frame::Crypto(CryptoFrame {
            offset: MAX,
            data: b""
        }))
    );
}

#[test]
fn field_rules() {
    let token = [0u8; 16];
    let ncid = |seq: u8, rpt: u8, len: u8| {
        let mut b = vec![0x18, seq, rpt, len];
        b.extend(std::iter::repeat_n(1, usize::from(len)));
        b.extend(token);
        b
    };
    assert!(parse_all(&ncid(1, 1, 20)).is_ok());
    assert_fee(&ncid(1, 0, 0), 0x18);
    assert_fee(&ncid(1, 0, 21), 0x18);
    assert_fee(&ncid(1, 2, 8), 0x18);
    // MAX_STREAMS and STREAMS_BLOCKED allow at most 2^60.
    for ty in [0x12, 0x13, 0x16, 0x17] {
        assert!(parse_all(&[ty, 0xd0, 0, 0, 0, 0, 0, 0, 0]).is_ok());
        assert_fee(&[ty, 0xd0, 0, 0, 0, 0, 0, 0, 1], u64::from(ty));
        assert_fee(
            &[ty, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            u64::from(ty),
        );
    }
    assert_fee(&[0x07, 0x00], 0x07);
}

// ---------------------------------------------------------------------------------------------
// Packet types and frame properties.

#[test]
fn packet_type_rules_follow_table_3() {
    // The "Pkts" column of RFC 9000 Table 3 (0x1d and DATAGRAM only in 0-RTT and 1-RTT).
    let table = [
        (FrameType::PADDING, "IH01"),
        (FrameType::PING, "IH01"),
        (FrameType::ACK, "IH1"),
        (FrameType::ACK_ECN, "IH1"),
        (FrameType::RESET_STREAM, "01"),
        (FrameType::STOP_SENDING, "01"),
        (FrameType::CRYPTO, "IH1"),
        (FrameType::NEW_TOKEN, "1"),
        (FrameType::MAX_DATA, "01"),
        (FrameType::MAX_STREAM_DATA, "01"),
        (FrameType::MAX_STREAMS_BIDI, "01"),
        (FrameType::MAX_STREAMS_UNI, "01"),
        (FrameType::DATA_BLOCKED, "01"),
        (FrameType::STREAM_DATA_BLOCKED, "01"),
        (FrameType::STREAMS_BLOCKED_BIDI, "01"),
        (FrameType::STREAMS_BLOCKED_UNI, "01"),
        (FrameType::NEW_CONNECTION_ID, "01"),
        (FrameType::RETIRE_CONNECTION_ID, "01"),
        (FrameType::PATH_CHALLENGE, "01"),
        (FrameType::PATH_RESPONSE, "1"),
        (FrameType::CONNECTION_CLOSE, "IH01"),
        (FrameType::CONNECTION_CLOSE_APP, "01"),
        (FrameType::HANDSHAKE_DONE, "1"),
        (FrameType::DATAGRAM, "01"),
        (FrameType::DATAGRAM_LEN, "01"),
    ];
    let letters = |kind: PacketKind| match kind {
        PacketKind::Initial => 'I',
        PacketKind::Handshake => 'H',
        PacketKind::ZeroRtt => '0',
        PacketKind::OneRtt => '1',
    };
    let stream_types = (0x08..=0x0f).map(|t| (FrameType(t), "01"));
    for (ty, pkts) in table.into_iter().chain(stream_types) {
        for kind in KINDS {
            let allowed = pkts.contains(letters(kind));
            assert_eq!(ty.allowed_in(kind), allowed, "{ty} in {kind:?}");
            match ty.check_allowed(kind) {
                Ok(()) => assert!(allowed),
                Err(e) => {
                    assert!(!allowed);
                    assert_eq!(e.code, TransportErrorCode::PROTOCOL_VIOLATION);
                    assert_eq!(e.frame_type, Some(ty.0));
                }
            }
        }
    }
    // Every sample frame agrees with its type.
    for f in samples() {
        for kind in KINDS {
            assert_eq!(
                f.check_allowed(kind).is_ok(),
                f.frame_type().allowed_in(kind)
            );
        }
    }
}

#[test]
fn forbidden_frames_are_protocol_violations() {
    let stream = Frame::Stream(StreamFrame {
        id: sid(0),
        offset: 0,
        data: b"x",
        fin: false,
    });
    let crypto = Frame::Crypto(CryptoFrame {
        offset: 0,
        data: b"x",
    });
    let ack = ack_frame(&[0..=3], 0, None);
    let app_close = Frame::ConnectionClose(ConnectionClose {
        error_code: 1,
        kind: CloseKind::Application,
        reason: b"",
    });
    let datagram = Frame::Datagram(DatagramFrame { data: b"" });
    for (f, kind, ty) in [
        (stream, PacketKind::Initial, 0x0a),
        (stream, PacketKind::Handshake, 0x0a),
        (ack, PacketKind::ZeroRtt, 0x02),
        (Frame::HandshakeDone, PacketKind::Handshake, 0x1e),
        (Frame::HandshakeDone, PacketKind::ZeroRtt, 0x1e),
        (crypto, PacketKind::ZeroRtt, 0x06),
        (app_close, PacketKind::Initial, 0x1d),
        (datagram, PacketKind::Initial, 0x31),
        (Frame::NewToken { token: b"t" }, PacketKind::Handshake, 0x07),
        (Frame::ImmediateAck, PacketKind::ZeroRtt, 0x1f),
        (Frame::ImmediateAck, PacketKind::Initial, 0x1f),
        (
            Frame::AckFrequency(AckFrequency {
                sequence: 0,
                ack_eliciting_threshold: 1,
                request_max_ack_delay: 1000,
                reordering_threshold: 1,
            }),
            PacketKind::ZeroRtt,
            0xaf,
        ),
    ] {
        let e = f.check_allowed(kind).unwrap_err();
        assert_eq!(e.code, TransportErrorCode::PROTOCOL_VIOLATION, "{f:?}");
        assert_eq!(e.frame_type, Some(ty), "{f:?}");
    }
    assert!(stream.check_allowed(PacketKind::ZeroRtt).is_ok());
    assert!(crypto.check_allowed(PacketKind::Initial).is_ok());
    assert!(ack.check_allowed(PacketKind::Handshake).is_ok());
    assert!(
        Frame::Padding { len: 1 }
            .check_allowed(PacketKind::Initial)
            .is_ok()
    );
}

#[test]
fn ack_eliciting_and_in_flight() {
    for f in samples() {
        let not_eliciting = matches!(
            f,
            Frame::Padding { .. } | Frame::Ack(_) | Frame::ConnectionClose(_)
        );
        assert_eq!(f.is_ack_eliciting(), !not_eliciting, "{f:?}");
        assert_eq!(f.counts_in_flight(), !not_eliciting, "{f:?}");
    }
    let padding = Frame::Padding { len: 10 };
    assert!(!padding.is_ack_eliciting());
    assert!(padding.counts_in_flight());
    assert!(padding.is_probing());
    assert!(Frame::PathChallenge([0; 8]).is_probing());
    assert!(!Frame::Ping.is_probing());
}

// ---------------------------------------------------------------------------------------------
// Encoding failures.

fn encode_err(f: &Frame<'_>) -> EncodeError {
    let mut buf = [0xeeu8; 64];
    let mut w = Writer::new(&mut buf);
    let e = f.encode(&mut w).unwrap_err();
    assert_eq!(w.position(), 0, "nothing written for {f:?}");
    e
}

#[test]
fn invalid_fields_are_rejected_when_encoding() {
    let too_big = 1 << 62;
    let invalid = [
        Frame::MaxData { max: too_big },
        Frame::MaxData { max: u64::MAX },
        Frame::ResetStream {
            id: sid(0),
            error_code: 0,
            final_size: too_big,
        },
        Frame::RetireConnectionId { sequence: too_big },
        Frame::MaxStreams {
            dir: Dir::Uni,
            max: MAX_STREAM_COUNT + 1,
        },
        Frame::StreamsBlocked {
            dir: Dir::Bi,
            limit: MAX_STREAM_COUNT + 1,
        },
        Frame::Stream(StreamFrame {
            id: sid(0),
            offset: MAX,
            data: b"x",
            fin: false,
        }),
        Frame::Stream(StreamFrame {
            id: sid(0),
            offset: u64::MAX,
            data: b"",
            fin: false,
        }),
        Frame::Crypto(CryptoFrame {
            offset: too_big,
            data: b"",
        }),
        Frame::NewToken { token: b"" },
        Frame::Padding { len: 0 },
        Frame::NewConnectionId(NewConnectionId {
            sequence: 1,
            retire_prior_to: 2,
            id: ConnectionId::new(&[1]).unwrap(),
            reset_token: [0; 16],
        }),
        Frame::NewConnectionId(NewConnectionId {
            sequence: 1,
            retire_prior_to: 0,
            id: ConnectionId::EMPTY,
            reset_token: [0; 16],
        }),
        Frame::NewConnectionId(NewConnectionId {
            sequence: too_big,
            retire_prior_to: 0,
            id: ConnectionId::new(&[1]).unwrap(),
            reset_token: [0; 16],
        }),
        Frame::ConnectionClose(ConnectionClose {
            error_code: too_big,
            kind: CloseKind::Application,
            reason: b"",
        }),
        Frame::ConnectionClose(ConnectionClose {
            error_code: 0,
            kind: CloseKind::Transport {
                frame_type: too_big,
            },
            reason: b"",
        }),
    ];
    for f in invalid {
        assert!(
            matches!(encode_err(&f), EncodeError::InvalidField(_)),
            "{f:?}"
        );
    }
}

#[test]
fn short_buffers_are_rejected_untouched() {
    for f in samples() {
        let len = f.encoded_len();
        for room in [0, len / 2, len - 1] {
            let mut buf = vec![0xeeu8; room];
            let mut w = Writer::new(&mut buf);
            assert_eq!(f.encode(&mut w), Err(EncodeError::BufferTooSmall), "{f:?}");
            assert_eq!(w.position(), 0);
            assert!(buf.iter().all(|&b| b == 0xee));
        }
    }
    // Into a writer already part-way through a packet.
    let mut buf = [0u8; 4];
    let mut w = Writer::new(&mut buf);
    w.put_u16(0xabcd).unwrap();
    assert_eq!(
        Frame::MaxData { max: 16_384 }.encode(&mut w),
        Err(EncodeError::BufferTooSmall)
    );
    Frame::MaxData { max: 5 }.encode(&mut w).unwrap();
    assert_eq!(w.written(), [0xab, 0xcd, 0x10, 0x05]);
}

#[test]
fn invalid_ack_ranges_are_rejected() {
    let cases: [&[RangeInclusive<u64>]; 6] = [
        &[],
        &[RangeInclusive::new(5, 4)],
        // Ascending.
        &[1..=2, 5..=6],
        // Touching: no unacknowledged packet between them.
        &[5..=6, 3..=4],
        // Overlapping.
        &[5..=9, 3..=6],
        &[(1 << 62)..=(1 << 62)],
    ];
    for ranges in cases {
        let enc = AckEncoder {
            ranges,
            delay: 0,
            ecn: None,
        };
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        assert!(
            matches!(enc.encode(&mut w), Err(EncodeError::InvalidField(_))),
            "{ranges:?}"
        );
        assert_eq!(w.position(), 0);
        let _ = enc.encoded_len();
        let _ = enc.ranges_that_fit(64);
    }
    // One packet between ranges is the smallest gap, encoded as 0.
    let Frame::Ack(ack) = ack_frame(&[5..=6, 2..=3], 0, None) else {
        panic!("not an ACK");
    };
    assert_eq!(ack.ranges().collect::<Vec<_>>(), vec![5..=6, 2..=3]);
    let over = |ecn, delay| {
        let enc = AckEncoder {
            ranges: &[0..=0],
            delay,
            ecn,
        };
        let mut buf = [0u8; 64];
        enc.encode(&mut Writer::new(&mut buf))
    };
    let big = EcnCounts {
        ect0: 0,
        ect1: 0,
        ce: 1 << 62,
    };
    assert!(matches!(
        over(Some(big), 0),
        Err(EncodeError::InvalidField(_))
    ));
    assert!(matches!(
        over(None, 1 << 62),
        Err(EncodeError::InvalidField(_))
    ));
    assert!(over(None, MAX).is_ok());
}

#[test]
fn close_from_transport_error() {
    let e = TransportError::frame_encoding(0x08, "bad stream frame");
    let close = ConnectionClose::from(&e);
    assert_eq!(close.error_code, 0x07);
    assert_eq!(close.kind, CloseKind::Transport { frame_type: 0x08 });
    assert_eq!(close.reason, b"bad stream frame");
    let bytes = encode(&Frame::ConnectionClose(close));
    assert_eq!(&bytes[..4], [0x1c, 0x07, 0x08, 16]);
    let close = ConnectionClose::from(&TransportError::new(TransportErrorCode::NO_ERROR, ""));
    assert_eq!(close.kind, CloseKind::Transport { frame_type: 0 });
}

#[test]
fn ack_accessors() {
    let Frame::Ack(ack) = parse_all(&[0x02, 0x0a, 0x05, 0x01, 0x03, 0x01, 0x02]).unwrap() else {
        panic!("not an ACK");
    };
    let ack: Ack<'_> = ack;
    assert_eq!(ack.largest(), 10);
    assert_eq!(ack.delay(), 5);
    assert_eq!(ack.first_range(), 3);
    assert_eq!(ack.additional_ranges(), 1);
    assert_eq!(ack.ecn(), None);
    assert_eq!(ack.frame_type(), FrameType::ACK);
    let mut it = ack.ranges();
    assert_eq!(it.next(), Some(7..=10));
    assert_eq!(it.size_hint(), (1, Some(1)));
    assert_eq!(it.next(), Some(2..=4));
    assert_eq!(it.next(), None);
    assert_eq!(it.size_hint(), (0, Some(0)));
}
