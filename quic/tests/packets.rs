//! Packet headers, coalescing, Version Negotiation, stateless resets, and malformed input.

use proptest::prelude::*;
use qssl_quic::coding::Writer;
use qssl_quic::crypto::{ResetTokenKey, initial_keys, is_stateless_reset, write_stateless_reset};
use qssl_quic::error::PacketError;
use qssl_quic::packet::header::{
    Coalesced, Header, LongType, ParsedHeader, versions, write_version_negotiation,
};
use qssl_quic::packet::protect::{open, remove_header_protection, seal};
use qssl_quic::packet::{PacketKind, number};
use qssl_quic::{ConnectionId, Side, Version};
use rustls::quic::Keys;

fn cid(b: &[u8]) -> ConnectionId {
    ConnectionId::new(b).unwrap()
}

fn keys(version: Version, side: Side) -> Keys {
    initial_keys(version, &cid(&[1, 2, 3, 4, 5, 6, 7, 8]), side)
}

/// Writes and seals one packet at the end of `out`.
fn push_packet(out: &mut Vec<u8>, header: Header<'_>, pn: u64, payload: &[u8], keys: &Keys) {
    let start = out.len();
    out.resize(start + 2048, 0);
    let mut w = Writer::new(&mut out[start..]);
    let pn_len = number::encoded_len(pn, None);
    let layout = header.write(&mut w, pn, pn_len).unwrap();
    w.put_slice(payload).unwrap();
    let len = seal(
        &mut out[start..],
        &layout,
        pn,
        payload.len(),
        keys.local.packet.as_ref(),
        keys.local.header.as_ref(),
    )
    .unwrap();
    out.truncate(start + len);
}

/// Opens every packet of a datagram, returning kind, packet number and payload of each.
fn open_all(datagram: &mut [u8], dcid_len: usize, keys: &Keys) -> Vec<(PacketKind, u64, Vec<u8>)> {
    let parsed: Vec<_> = Coalesced::new(datagram, dcid_len)
        .map(|r| r.unwrap())
        .collect();
    parsed
        .into_iter()
        .map(|(header, range)| {
            let ParsedHeader::Protected(h) = header else {
                panic!("unexpected {header:?}")
            };
            let packet = &mut datagram[range.clone()];
            let un = remove_header_protection(
                packet,
                h.pn_offset - range.start,
                keys.remote.header.as_ref(),
            )
            .unwrap();
            let pn = un.packet_number(None);
            let body = open(packet, &un, pn, keys.remote.packet.as_ref()).unwrap();
            (h.kind, pn, packet[body].to_vec())
        })
        .collect()
}

#[test]
fn coalesced_initial_handshake_and_one_rtt() {
    for version in Version::ALL {
        let client = keys(version, Side::Client);
        let server = keys(version, Side::Server);
        let dcid = cid(&[9; 8]);
        let scid = cid(&[5; 4]);
        let mut datagram = Vec::new();
        let long = |ty| Header::Long {
            ty,
            version,
            dcid,
            scid,
            token: if ty == LongType::Initial { b"tok" } else { b"" },
        };
        push_packet(&mut datagram, long(LongType::Initial), 0, &[1; 40], &client);
        push_packet(
            &mut datagram,
            long(LongType::Handshake),
            1,
            &[2; 40],
            &client,
        );
        let short = Header::Short {
            dcid,
            spin: true,
            key_phase: false,
        };
        push_packet(&mut datagram, short, 300, &[3; 40], &client);

        // The token and spin bit come through the first pass.
        let headers: Vec<_> = Coalesced::new(&datagram, 8).map(|r| r.unwrap()).collect();
        let ParsedHeader::Protected(initial) = &headers[0].0 else {
            panic!()
        };
        assert_eq!(&datagram[initial.token.clone()], b"tok");
        assert_eq!(initial.version, Some(version));
        assert_eq!((initial.dcid, initial.scid), (dcid, scid));
        let ParsedHeader::Protected(short) = &headers[2].0 else {
            panic!()
        };
        assert!(short.spin);
        assert_eq!(headers[2].1.end, datagram.len());

        let opened = open_all(&mut datagram, 8, &server);
        assert_eq!(
            opened,
            vec![
                (PacketKind::Initial, 0, vec![1; 40]),
                (PacketKind::Handshake, 1, vec![2; 40]),
                (PacketKind::OneRtt, 300, vec![3; 40]),
            ]
        );
    }
}

#[test]
fn zero_rtt_type_bits_differ_between_versions() {
    for (version, bits) in [(Version::V1, 1), (Version::V2, 2)] {
        assert_eq!(LongType::ZeroRtt.bits(version), bits);
        assert_eq!(LongType::from_bits(bits, version), LongType::ZeroRtt);
        let client = keys(version, Side::Client);
        let mut dg = Vec::new();
        let h = Header::Long {
            ty: LongType::ZeroRtt,
            version,
            dcid: cid(&[1; 8]),
            scid: cid(&[2; 8]),
            token: b"",
        };
        push_packet(&mut dg, h, 7, &[0; 30], &client);
        let (ParsedHeader::Protected(p), _) = ParsedHeader::parse(&dg, 8).unwrap() else {
            panic!()
        };
        assert_eq!(p.kind, PacketKind::ZeroRtt);
    }
}

#[test]
fn version_negotiation_round_trip() {
    // An Initial of an unknown version with a 40-byte connection ID (allowed by RFC 8999).
    let mut unknown = vec![0xc0, 0xff, 0x00, 0x00, 0x1d, 40];
    unknown.extend_from_slice(&[0xaa; 40]);
    unknown.push(3);
    unknown.extend_from_slice(&[0xbb; 3]);
    unknown.resize(1200, 0);
    let (parsed, len) = ParsedHeader::parse(&unknown, 8).unwrap();
    assert_eq!(len, 1200);
    let ParsedHeader::UnsupportedVersion {
        version,
        dcid,
        scid,
    } = parsed
    else {
        panic!("{parsed:?}")
    };
    assert_eq!(version, 0xff00_001d);
    assert_eq!(&unknown[dcid.clone()], &[0xaa; 40]);

    let mut buf = [0u8; 128];
    let mut w = Writer::new(&mut buf);
    let offered = [Version::V1.wire(), Version::V2.wire(), 0x1a2a_3a4a];
    write_version_negotiation(&mut w, &unknown[dcid], &unknown[scid], &offered, 0x55).unwrap();
    let vn = w.written().to_vec();
    let (parsed, _) = ParsedHeader::parse(&vn, 0).unwrap();
    let ParsedHeader::VersionNegotiation {
        dcid,
        scid,
        versions: list,
    } = parsed
    else {
        panic!("{parsed:?}")
    };
    // The connection IDs are swapped back to the client.
    assert_eq!(&vn[dcid], &[0xbb; 3]);
    assert_eq!(&vn[scid], &[0xaa; 40]);
    assert_eq!(versions(&vn[list]).collect::<Vec<_>>(), offered);
    assert_eq!(vn[0] & 0x80, 0x80);
}

#[test]
fn invalid_headers_are_typed_errors() {
    // Fixed bit clear in a v1 long header and in a short header.
    let mut long = vec![0x80, 0, 0, 0, 1, 0, 0, 0, 0x01, 0x00];
    long.resize(40, 0);
    assert_eq!(
        ParsedHeader::parse(&long, 0).unwrap_err(),
        PacketError::Malformed("fixed bit is zero")
    );
    assert!(matches!(
        ParsedHeader::parse(&[0x00; 30], 8),
        Err(PacketError::Malformed(_))
    ));
    // A 21-byte connection ID in a version 1 packet.
    let mut big = vec![0xc0, 0, 0, 0, 1, 21];
    big.extend_from_slice(&[1; 21]);
    big.extend_from_slice(&[0, 0, 0]);
    big.resize(60, 0);
    assert!(matches!(
        ParsedHeader::parse(&big, 0),
        Err(PacketError::Malformed(_))
    ));
    // A Version Negotiation packet with a ragged version list.
    let vn = [0x80, 0, 0, 0, 0, 0, 0, 1, 2, 3];
    assert!(matches!(
        ParsedHeader::parse(&vn, 0),
        Err(PacketError::Malformed(_))
    ));
    // A Length past the end of the datagram.
    let client = keys(Version::V1, Side::Client);
    let mut dg = Vec::new();
    let h = Header::Long {
        ty: LongType::Handshake,
        version: Version::V1,
        dcid: cid(&[1; 8]),
        scid: cid(&[2; 8]),
        token: b"",
    };
    push_packet(&mut dg, h, 0, &[0; 50], &client);
    dg.truncate(dg.len() - 1);
    assert_eq!(
        ParsedHeader::parse(&dg, 8).unwrap_err(),
        PacketError::Truncated
    );
}

#[test]
fn every_truncation_fails_cleanly() {
    let client = keys(Version::V1, Side::Client);
    let server = keys(Version::V1, Side::Server);
    let mut dg = Vec::new();
    let h = Header::Long {
        ty: LongType::Initial,
        version: Version::V1,
        dcid: cid(&[1; 8]),
        scid: cid(&[2; 8]),
        token: b"a token",
    };
    push_packet(&mut dg, h, 5, &[0; 100], &client);
    for end in 0..dg.len() {
        let mut cut = dg[..end].to_vec();
        // Parsing either fails with a typed error or, if the header parses, protection removal
        // or decryption does: never a panic, never a success.
        match ParsedHeader::parse(&cut, 8) {
            Err(e) => assert!(matches!(
                e,
                PacketError::Truncated | PacketError::Malformed(_)
            )),
            Ok((ParsedHeader::Protected(p), len)) => {
                assert!(len <= cut.len());
                let r = remove_header_protection(
                    &mut cut[..len],
                    p.pn_offset,
                    server.remote.header.as_ref(),
                )
                .and_then(|un| open(&mut cut[..len], &un, 5, server.remote.packet.as_ref()));
                assert!(r.is_err(), "truncation at {end} opened");
            }
            Ok(other) => panic!("truncation at {end} parsed as {other:?}"),
        }
    }
}

#[test]
fn tampering_fails_authentication() {
    let client = keys(Version::V1, Side::Client);
    let server = keys(Version::V1, Side::Server);
    let mut dg = Vec::new();
    let h = Header::Short {
        dcid: cid(&[4; 8]),
        spin: false,
        key_phase: false,
    };
    push_packet(&mut dg, h, 77, &[0x01; 64], &client);
    // Flipping any byte after the first (header bytes are AAD, payload bytes are authenticated)
    // is caught.
    for i in 1..dg.len() {
        let mut bad = dg.clone();
        bad[i] ^= 0x40;
        let (ParsedHeader::Protected(p), _) = ParsedHeader::parse(&bad, 8).unwrap() else {
            panic!()
        };
        let result = remove_header_protection(&mut bad, p.pn_offset, server.remote.header.as_ref())
            .and_then(|un| {
                let pn = un.packet_number(Some(76));
                open(&mut bad, &un, pn, server.remote.packet.as_ref())
            });
        assert_eq!(result.unwrap_err(), PacketError::DecryptFailed, "byte {i}");
    }
}

#[test]
fn seal_refuses_payloads_too_short_for_a_sample() {
    let client = keys(Version::V1, Side::Client);
    let mut buf = [0u8; 64];
    let mut w = Writer::new(&mut buf);
    let h = Header::Short {
        dcid: ConnectionId::EMPTY,
        spin: false,
        key_phase: false,
    };
    let layout = h.write(&mut w, 0, 1).unwrap();
    w.put_u8(0x01).unwrap();
    assert!(matches!(
        seal(
            &mut buf,
            &layout,
            0,
            1,
            client.local.packet.as_ref(),
            client.local.header.as_ref()
        ),
        Err(PacketError::Malformed(_))
    ));
    // And a buffer without room for the tag.
    let mut small = [0u8; 20];
    let mut w = Writer::new(&mut small);
    let layout = h.write(&mut w, 0, 4).unwrap();
    assert_eq!(
        seal(
            &mut small,
            &layout,
            0,
            10,
            client.local.packet.as_ref(),
            client.local.header.as_ref()
        ),
        Err(PacketError::BufferTooSmall)
    );
}

#[test]
fn stateless_reset_tokens_and_detection() {
    let key = ResetTokenKey::new(b"a static key of thirty-two bytes!");
    let a = key.token(&cid(&[1; 8]));
    assert_eq!(a, key.token(&cid(&[1; 8])), "deterministic");
    assert_ne!(a, key.token(&cid(&[2; 8])), "per connection ID");
    assert_ne!(
        a,
        ResetTokenKey::new(b"another key").token(&cid(&[1; 8])),
        "per key"
    );

    let mut buf = [0u8; 64];
    let len = write_stateless_reset(&mut buf, &a, &[0xff; 30]).unwrap();
    assert_eq!(len, 46);
    let reset = &buf[..len];
    assert_eq!(reset[0] & 0xc0, 0x40, "short header form, fixed bit set");
    assert!(is_stateless_reset(reset, &a));
    assert!(!is_stateless_reset(reset, &key.token(&cid(&[2; 8]))));
    let mut flipped = reset.to_vec();
    flipped[len - 1] ^= 1;
    assert!(!is_stateless_reset(&flipped, &a));
    assert!(!is_stateless_reset(&reset[len - 20..], &a), "too short");
    assert!(
        write_stateless_reset(&mut buf, &a, &[0; 4]).is_err(),
        "needs 5 unpredictable bytes"
    );
}

proptest! {
    #[test]
    fn random_datagrams_never_panic(data in proptest::collection::vec(any::<u8>(), 0..1500), dcid_len in 0usize..21) {
        let server = keys(Version::V1, Side::Server);
        let mut data = data;
        let headers: Vec<_> = Coalesced::new(&data, dcid_len).collect();
        for (header, range) in headers.into_iter().flatten() {
            if let ParsedHeader::Protected(p) = header {
                prop_assert!(range.end <= data.len());
                let packet = &mut data[range.clone()];
                if let Ok(un) = remove_header_protection(packet, p.pn_offset - range.start, server.remote.header.as_ref()) {
                    let pn = un.packet_number(None);
                    prop_assert!(open(packet, &un, pn, server.remote.packet.as_ref()).is_err());
                }
            }
        }
    }

    #[test]
    fn headers_round_trip(
        version_v2 in any::<bool>(),
        ty in 0u8..4,
        dcid in proptest::collection::vec(any::<u8>(), 0..=20),
        scid in proptest::collection::vec(any::<u8>(), 0..=20),
        token in proptest::collection::vec(any::<u8>(), 0..64),
        pn in 0u64..(1 << 40),
        payload in proptest::collection::vec(any::<u8>(), 20..400),
        spin in any::<bool>(),
        key_phase in any::<bool>(),
    ) {
        let version = if version_v2 { Version::V2 } else { Version::V1 };
        let (dcid, scid) = (cid(&dcid), cid(&scid));
        let header = match ty {
            0 => Header::Long { ty: LongType::Initial, version, dcid, scid, token: &token },
            1 => Header::Long { ty: LongType::ZeroRtt, version, dcid, scid, token: b"" },
            2 => Header::Long { ty: LongType::Handshake, version, dcid, scid, token: b"" },
            _ => Header::Short { dcid, spin, key_phase },
        };
        let client = keys(version, Side::Client);
        let server = keys(version, Side::Server);
        let mut dg = Vec::new();
        let largest_acked = pn.checked_sub(1000);
        let pn_len = number::encoded_len(pn, largest_acked);
        dg.resize(2048, 0);
        let mut w = Writer::new(&mut dg);
        let layout = header.write(&mut w, pn, pn_len).unwrap();
        prop_assert_eq!(layout.header_len(), header.encoded_len(pn_len));
        w.put_slice(&payload).unwrap();
        let len = seal(&mut dg, &layout, pn, payload.len(), client.local.packet.as_ref(), client.local.header.as_ref()).unwrap();
        dg.truncate(len);

        let (parsed, plen) = ParsedHeader::parse(&dg, dcid.len()).unwrap();
        prop_assert_eq!(plen, dg.len());
        let ParsedHeader::Protected(p) = parsed else { panic!() };
        prop_assert_eq!(p.kind, header.kind());
        prop_assert_eq!(p.dcid, dcid);
        let un = remove_header_protection(&mut dg, p.pn_offset, server.remote.header.as_ref()).unwrap();
        prop_assert!(un.reserved_bits_clear());
        if let Header::Short { key_phase, .. } = header {
            prop_assert_eq!(un.key_phase(), key_phase);
        }
        // The receiver has seen packets up to just below this one.
        let full = un.packet_number(pn.checked_sub(1));
        prop_assert_eq!(full, pn);
        let body = open(&mut dg, &un, full, server.remote.packet.as_ref()).unwrap();
        prop_assert_eq!(&dg[body], &payload[..]);
    }
}
