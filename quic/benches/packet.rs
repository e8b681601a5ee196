//! Packet protection and frame parsing cost.
//!
//! - `protect`: write a short header and seal a 1200- or 1452-byte packet (AEAD + header
//!   protection), per cipher suite.
//! - `unprotect`: remove header protection and open the same packets. Each iteration first
//!   copies the sealed packet into the working buffer, since opening works in place.
//! - `parse`: iterate the frames of a decrypted payload holding an ACK with ranges and a STREAM
//!   frame filling the rest of a 1200-byte packet.
//!
//! Run with `cargo bench -p qssl-quic --bench packet`; throughput is in bytes of packet.

use std::hint::black_box;
use std::ops::RangeInclusive;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use qssl_quic::coding::Writer;
use qssl_quic::crypto::CipherSuite;
use qssl_quic::frame::{AckEncoder, FrameIter, StreamFrame};
use qssl_quic::packet::header::{Header, ParsedHeader};
use qssl_quic::packet::protect::{open, remove_header_protection, seal};
use qssl_quic::{ConnectionId, Dir, Side, StreamId};
use rustls::crypto::cipher::{AeadKey, Iv};
use rustls::quic::DirectionalKeys;

const DCID: [u8; 8] = [0x42; 8];
const PN: u64 = 0x1234;

/// Keys for `suite` from fixed raw material (the key length of AES-128 is taken from the front).
fn keys(suite: CipherSuite) -> DirectionalKeys {
    let quic = suite.quic_suite().quic;
    let material = || AeadKey::from([0x5a; 32]);
    let (packet, header) = match suite {
        // rustls builds 16-byte keys only from a handshake; use its Initial keys instead.
        CipherSuite::Aes128Gcm => {
            let k = qssl_quic::crypto::initial_keys(
                qssl_quic::Version::V1,
                &ConnectionId::new(&DCID).unwrap(),
                Side::Client,
            );
            (k.local.packet, k.local.header)
        }
        _ => (
            quic.packet_key(material(), Iv::copy(&[7; 12])),
            quic.header_protection_key(material()),
        ),
    };
    DirectionalKeys { header, packet }
}

/// Writes a 1-RTT header and `payload_len` bytes of payload, and seals; returns the length.
fn protect(buf: &mut [u8], payload_len: usize, keys: &DirectionalKeys) -> usize {
    let header = Header::Short {
        dcid: ConnectionId::new(&DCID).unwrap(),
        spin: false,
        key_phase: false,
    };
    let mut w = Writer::new(buf);
    let layout = header.write(&mut w, PN, 2).unwrap();
    seal(
        buf,
        &layout,
        PN,
        payload_len,
        keys.packet.as_ref(),
        keys.header.as_ref(),
    )
    .unwrap()
}

fn payload_len(packet_len: usize, keys: &DirectionalKeys) -> usize {
    packet_len - (1 + DCID.len() + 2) - keys.packet.tag_len()
}

fn protection(c: &mut Criterion) {
    for suite in [
        CipherSuite::Aes128Gcm,
        CipherSuite::Aes256Gcm,
        CipherSuite::ChaCha20Poly1305,
    ] {
        let keys = keys(suite);
        let mut g = c.benchmark_group(format!("{suite:?}"));
        for size in [1200usize, 1452] {
            g.throughput(Throughput::Bytes(size as u64));
            let mut buf = vec![0x17u8; 1500];
            g.bench_with_input(BenchmarkId::new("protect", size), &size, |b, &size| {
                b.iter(|| black_box(protect(&mut buf, payload_len(size, &keys), &keys)))
            });

            let mut sealed = vec![0x17u8; 1500];
            let len = protect(&mut sealed, payload_len(size, &keys), &keys);
            sealed.truncate(len);
            let mut work = sealed.clone();
            g.bench_with_input(BenchmarkId::new("unprotect", size), &size, |b, _| {
                b.iter(|| {
                    work.copy_from_slice(&sealed);
                    let (ParsedHeader::Protected(h), _) =
                        ParsedHeader::parse(&work, DCID.len()).unwrap()
                    else {
                        unreachable!()
                    };
                    let un = remove_header_protection(&mut work, h.pn_offset, keys.header.as_ref())
                        .unwrap();
                    let pn = un.packet_number(Some(PN - 1));
                    black_box(open(&mut work, &un, pn, keys.packet.as_ref()).unwrap())
                })
            });
        }
        g.finish();
    }
}

fn parsing(c: &mut Criterion) {
    let ranges: Vec<RangeInclusive<u64>> = (0..8u64)
        .map(|i| {
            let hi = 10_000 - i * 10;
            hi - 5..=hi
        })
        .collect();
    let ack = AckEncoder {
        ranges: &ranges,
        delay: 25,
        ecn: None,
    };
    let mut payload = vec![0u8; 1200 - (1 + DCID.len() + 2) - 16];
    let total = payload.len();
    let mut w = Writer::new(&mut payload);
    ack.encode(&mut w).unwrap();
    let id = StreamId::new(Side::Client, Dir::Bi, 3).unwrap();
    let space = w.remaining();
    let data = vec![0xab; StreamFrame::max_data_len(space, id, 1 << 20, false).unwrap()];
    StreamFrame {
        id,
        offset: 1 << 20,
        data: &data,
        fin: false,
    }
    .encode(&mut w, false)
    .unwrap();
    assert_eq!(w.position(), total);

    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(1200));
    g.bench_function("ack_and_stream_1200", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for frame in FrameIter::new(black_box(&payload)) {
                black_box(frame.unwrap());
                n += 1;
            }
            assert_eq!(n, 2);
        })
    });
    g.finish();
}

criterion_group!(benches, protection, parsing);
criterion_main!(benches);
