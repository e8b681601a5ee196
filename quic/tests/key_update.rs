//! 1-RTT keys from a real rustls QUIC handshake, key updates (RFC 9001 §6), and AEAD limits.

use std::sync::Arc;

mod common;

use qssl_quic::ConnectionId;
use qssl_quic::coding::Writer;
use qssl_quic::crypto::CipherSuite;
use qssl_quic::error::PacketError;
use qssl_quic::packet::header::{Header, ParsedHeader};
use qssl_quic::packet::protect::{open, remove_header_protection, seal};
use rustls::quic::{self, DirectionalKeys, KeyChange, Keys, PacketKey, Secrets};

/// What one side got out of the handshake.
struct OneRtt {
    keys: Keys,
    next: Secrets,
}

/// Configurations that offer only `suite`.
fn configs(suite: CipherSuite) -> (Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>) {
    let mut provider = rustls::crypto::ring::default_provider();
    provider.cipher_suites = vec![rustls::SupportedCipherSuite::Tls13(
        suite.quic_suite().suite,
    )];
    common::tls_configs(provider)
}

/// Moves handshake bytes from `from` to `to` until `from` has nothing more, keeping any 1-RTT
/// keys `from` produces.
fn pump(from: &mut quic::Connection, to: &mut quic::Connection, one_rtt: &mut Option<OneRtt>) {
    loop {
        let mut buf = Vec::new();
        let change = from.write_hs(&mut buf);
        if !buf.is_empty() {
            to.read_hs(&buf).expect("peer accepts handshake data");
        }
        match change {
            Some(KeyChange::OneRtt { keys, next }) => *one_rtt = Some(OneRtt { keys, next }),
            Some(KeyChange::Handshake { .. }) => {}
            None if buf.is_empty() => return,
            None => {}
        }
    }
}

/// Runs a full handshake in memory and returns both sides' 1-RTT material.
fn handshake(suite: CipherSuite) -> (OneRtt, OneRtt) {
    let (client_cfg, server_cfg) = configs(suite);
    let version = quic::Version::V1;
    let mut client: quic::Connection = quic::ClientConnection::new(
        client_cfg,
        version,
        "localhost".try_into().unwrap(),
        vec![0x01, 0x01, 0x00],
    )
    .unwrap()
    .into();
    let mut server: quic::Connection =
        quic::ServerConnection::new(server_cfg, version, vec![0x01, 0x01, 0x00])
            .unwrap()
            .into();
    let (mut c, mut s) = (None, None);
    for _ in 0..8 {
        pump(&mut client, &mut server, &mut c);
        pump(&mut server, &mut client, &mut s);
    }
    assert!(!client.is_handshaking() && !server.is_handshaking());
    assert_eq!(client.alpn_protocol(), Some(common::ALPN));
    (c.expect("client 1-RTT keys"), s.expect("server 1-RTT keys"))
}

/// Seals a 1-RTT packet with `packet_key` and the (never-updated) header key of `keys`.
fn short_packet(
    keys: &DirectionalKeys,
    packet_key: &dyn PacketKey,
    key_phase: bool,
    pn: u64,
) -> Vec<u8> {
    let dcid = ConnectionId::new(&[7; 8]).unwrap();
    let header = Header::Short {
        dcid,
        spin: false,
        key_phase,
    };
    let mut buf = vec![0u8; 1500];
    let mut w = Writer::new(&mut buf);
    let layout = header.write(&mut w, pn, 2).unwrap();
    w.put_slice(b"application data in a 1-RTT packet").unwrap();
    let payload_len = w.position() - layout.header_len();
    let len = seal(
        &mut buf,
        &layout,
        pn,
        payload_len,
        packet_key,
        keys.header.as_ref(),
    )
    .unwrap();
    buf.truncate(len);
    buf
}

/// Opens a 1-RTT packet with `remote` header protection and `packet_key`; returns its key phase.
fn open_short(
    packet: &[u8],
    remote: &DirectionalKeys,
    packet_key: &dyn PacketKey,
) -> Result<bool, PacketError> {
    let mut packet = packet.to_vec();
    let (ParsedHeader::Protected(h), _) = ParsedHeader::parse(&packet, 8)? else {
        panic!("not a short-header packet")
    };
    let un = remove_header_protection(&mut packet, h.pn_offset, remote.header.as_ref())?;
    let pn = un.packet_number(None);
    let range = open(&mut packet, &un, pn, packet_key)?;
    assert_eq!(&packet[range], b"application data in a 1-RTT packet");
    Ok(un.key_phase())
}

fn key_updates_work(suite: CipherSuite) {
    let (mut client, mut server) = handshake(suite);

    // Generation 0 in both directions.
    let p = short_packet(
        &client.keys.local,
        client.keys.local.packet.as_ref(),
        false,
        1,
    );
    assert_eq!(
        open_short(&p, &server.keys.remote, server.keys.remote.packet.as_ref()),
        Ok(false)
    );
    let p = short_packet(
        &server.keys.local,
        server.keys.local.packet.as_ref(),
        false,
        1,
    );
    assert_eq!(
        open_short(&p, &client.keys.remote, client.keys.remote.packet.as_ref()),
        Ok(false)
    );

    // Three updates: each generation opens only with the same generation's key, while header
    // protection keys stay as they were.
    let mut old_remote: Option<Box<dyn PacketKey>> = None;
    for generation in 1..=3u64 {
        let c_next = client.next.next_packet_keys();
        let s_next = server.next.next_packet_keys();
        let phase = generation % 2 == 1;
        let p = short_packet(
            &client.keys.local,
            c_next.local.as_ref(),
            phase,
            10 + generation,
        );
        assert_eq!(
            open_short(&p, &server.keys.remote, s_next.remote.as_ref()),
            Ok(phase)
        );
        let old = old_remote
            .as_deref()
            .unwrap_or(server.keys.remote.packet.as_ref());
        assert_eq!(
            open_short(&p, &server.keys.remote, old),
            Err(PacketError::DecryptFailed),
            "generation {generation} must not open with the previous key"
        );
        let p = short_packet(
            &server.keys.local,
            s_next.local.as_ref(),
            phase,
            10 + generation,
        );
        assert_eq!(
            open_short(&p, &client.keys.remote, c_next.remote.as_ref()),
            Ok(phase)
        );
        old_remote = Some(s_next.remote);
    }
}

#[test]
fn key_update_aes_128_gcm() {
    key_updates_work(CipherSuite::Aes128Gcm);
}

#[test]
fn key_update_aes_256_gcm() {
    key_updates_work(CipherSuite::Aes256Gcm);
}

#[test]
fn key_update_chacha20_poly1305() {
    key_updates_work(CipherSuite::ChaCha20Poly1305);
}

/// RFC 9001 §6.6: confidentiality and integrity limits per AEAD.
#[test]
fn aead_limits_are_known_per_suite() {
    for (suite, confidentiality, integrity) in [
        (CipherSuite::Aes128Gcm, 1u64 << 23, 1u64 << 52),
        (CipherSuite::Aes256Gcm, 1 << 23, 1 << 52),
        (CipherSuite::ChaCha20Poly1305, u64::MAX, 1 << 36),
    ] {
        let (client, _) = handshake(suite);
        let key = client.keys.local.packet;
        assert_eq!(key.integrity_limit(), integrity, "{suite:?}");
        // ChaCha20's confidentiality limit exceeds the packet-number space: any value at least
        // 2^62 means "no limit in practice".
        if confidentiality == u64::MAX {
            assert!(key.confidentiality_limit() >= 1 << 62, "{suite:?}");
        } else {
            assert_eq!(key.confidentiality_limit(), confidentiality, "{suite:?}");
        }
        assert_eq!(key.tag_len(), 16);
    }
}
