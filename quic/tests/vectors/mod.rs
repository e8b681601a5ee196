//! Checks shared by the RFC 9001 (version 1) and RFC 9369 (version 2) Appendix A vectors.

use qssl_quic::cid::ConnectionId;
use qssl_quic::coding::Writer;
use qssl_quic::crypto::{CipherSuite, initial_keys, verify_retry, write_retry};
use qssl_quic::packet::header::{Header, LongType, ParsedHeader};
use qssl_quic::packet::protect::{open, remove_header_protection, seal};
use qssl_quic::{Side, Version};
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use rustls::crypto::cipher::{AeadKey, Iv};
use rustls::quic::{DirectionalKeys, HeaderProtectionKey, PacketKey};

/// Hex with any whitespace, as the RFCs print it.
pub(crate) fn hex(s: &str) -> Vec<u8> {
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(clean).expect("valid hex in test vector")
}

/// One version's Appendix A.
pub(crate) struct Vectors {
    pub(crate) version: Version,
    pub(crate) client_key: &'static str,
    pub(crate) client_iv: &'static str,
    pub(crate) client_hp: &'static str,
    pub(crate) server_key: &'static str,
    pub(crate) server_iv: &'static str,
    pub(crate) server_hp: &'static str,
    pub(crate) client_crypto_frame: &'static str,
    pub(crate) client_unprotected_header: &'static str,
    pub(crate) client_packet: &'static str,
    pub(crate) server_payload: &'static str,
    pub(crate) server_unprotected_header: &'static str,
    pub(crate) server_packet: &'static str,
    pub(crate) retry_packet: &'static str,
    pub(crate) chacha_key: &'static str,
    pub(crate) chacha_iv: &'static str,
    pub(crate) chacha_hp: &'static str,
    pub(crate) chacha_packet: &'static str,
}

/// The client's first destination connection ID in every vector.
fn client_dcid() -> ConnectionId {
    ConnectionId::new(&hex("8394c8f03e515708")).unwrap()
}

/// The server's connection ID in every vector.
fn server_cid() -> ConnectionId {
    ConnectionId::new(&hex("f067a5502a4262b5")).unwrap()
}

/// Checks that `keys` encrypt exactly as AES-128-GCM with the raw `key`/`iv` and mask exactly as
/// AES header protection with the raw `hp`.
fn assert_keys_are(keys: &DirectionalKeys, key: &str, iv: &str, hp: &str) {
    let (key, iv, hp) = (hex(key), hex(iv), hex(hp));
    let header = b"associated header";
    let pn = 0x1234_5678u64;

    let mut ours = b"probe payload for the key check".to_vec();
    let tag = keys.packet.encrypt_in_place(pn, header, &mut ours).unwrap();
    ours.extend_from_slice(tag.as_ref());

    let mut nonce = [0u8; 12];
    nonce.copy_from_slice(&iv);
    for (n, p) in nonce[4..].iter_mut().zip(pn.to_be_bytes()) {
        *n ^= p;
    }
    let reference = LessSafeKey::new(UnboundKey::new(&aead::AES_128_GCM, &key).unwrap());
    let mut theirs = b"probe payload for the key check".to_vec();
    reference
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(&header[..]),
            &mut theirs,
        )
        .unwrap();
    assert_eq!(ours, theirs, "packet key and IV");

    let sample = [0x5au8; 16];
    let mut first = 0xc3u8;
    let mut pn_bytes = [0u8; 4];
    keys.header
        .encrypt_in_place(&sample, &mut first, &mut pn_bytes)
        .unwrap();
    let mask = aead::quic::HeaderProtectionKey::new(&aead::quic::AES_128, &hp)
        .unwrap()
        .new_mask(&sample)
        .unwrap();
    assert_eq!(first ^ 0xc3, mask[0] & 0x0f, "header protection key");
    assert_eq!(pn_bytes, mask[1..5], "header protection key");
}

/// Protects `payload` under `header` and checks the packet, then opens it with `peer_keys` and
/// checks the unprotected header and the payload.
#[allow(clippy::too_many_arguments)]
fn check_protected(
    header: Header<'_>,
    pn: u64,
    pn_len: usize,
    payload: &[u8],
    keys: &DirectionalKeys,
    peer_keys: &DirectionalKeys,
    unprotected_header: &[u8],
    expected: &[u8],
    short_dcid_len: usize,
) {
    let mut buf = vec![0u8; 2048];
    let mut w = Writer::new(&mut buf);
    let layout = header.write(&mut w, pn, pn_len).unwrap();
    assert_eq!(w.position(), header.encoded_len(pn_len));
    w.put_slice(payload).unwrap();
    let len = seal(
        &mut buf,
        &layout,
        pn,
        payload.len(),
        keys.packet.as_ref(),
        keys.header.as_ref(),
    )
    .unwrap();
    assert_eq!(
        hex::encode(&buf[..len]),
        hex::encode(expected),
        "protected packet"
    );

    // And back: parse, remove header protection, decrypt.
    let mut packet = expected.to_vec();
    let (parsed, parsed_len) = ParsedHeader::parse(&packet, short_dcid_len).unwrap();
    assert_eq!(parsed_len, packet.len());
    let ParsedHeader::Protected(h) = parsed else {
        panic!("not a protected packet: {parsed:?}")
    };
    assert_eq!(h.kind, header.kind());
    let un = remove_header_protection(&mut packet, h.pn_offset, peer_keys.header.as_ref()).unwrap();
    assert_eq!(
        &packet[..un.header_len],
        unprotected_header,
        "unprotected header"
    );
    assert!(un.reserved_bits_clear());
    let full_pn = un.packet_number(pn.checked_sub(1));
    assert_eq!(full_pn, pn);
    let plain = open(&mut packet, &un, full_pn, peer_keys.packet.as_ref()).unwrap();
    assert_eq!(&packet[plain], payload, "decrypted payload");
}

impl Vectors {
    pub(crate) fn check_initial_keys(&self) {
        let client = initial_keys(self.version, &client_dcid(), Side::Client);
        assert_keys_are(
            &client.local,
            self.client_key,
            self.client_iv,
            self.client_hp,
        );
        assert_keys_are(
            &client.remote,
            self.server_key,
            self.server_iv,
            self.server_hp,
        );
        let server = initial_keys(self.version, &client_dcid(), Side::Server);
        assert_keys_are(
            &server.local,
            self.server_key,
            self.server_iv,
            self.server_hp,
        );
        assert_keys_are(
            &server.remote,
            self.client_key,
            self.client_iv,
            self.client_hp,
        );
    }

    pub(crate) fn check_client_initial(&self) {
        let mut payload = hex(self.client_crypto_frame);
        payload.resize(1162, 0);
        let client = initial_keys(self.version, &client_dcid(), Side::Client);
        let server = initial_keys(self.version, &client_dcid(), Side::Server);
        let header = Header::Long {
            ty: LongType::Initial,
            version: self.version,
            dcid: client_dcid(),
            scid: ConnectionId::EMPTY,
            token: &[],
        };
        check_protected(
            header,
            2,
            4,
            &payload,
            &client.local,
            &server.remote,
            &hex(self.client_unprotected_header),
            &hex(self.client_packet),
            0,
        );
        assert_eq!(hex(self.client_packet).len(), 1200);
    }

    pub(crate) fn check_server_initial(&self) {
        let payload = hex(self.server_payload);
        let client = initial_keys(self.version, &client_dcid(), Side::Client);
        let server = initial_keys(self.version, &client_dcid(), Side::Server);
        let header = Header::Long {
            ty: LongType::Initial,
            version: self.version,
            dcid: ConnectionId::EMPTY,
            scid: server_cid(),
            token: &[],
        };
        check_protected(
            header,
            1,
            2,
            &payload,
            &server.local,
            &client.remote,
            &hex(self.server_unprotected_header),
            &hex(self.server_packet),
            0,
        );
    }

    pub(crate) fn check_retry(&self) {
        let packet = hex(self.retry_packet);
        let (parsed, len) = ParsedHeader::parse(&packet, 0).unwrap();
        assert_eq!(len, packet.len());
        let ParsedHeader::Retry {
            version,
            dcid,
            scid,
            token,
            tag,
        } = parsed
        else {
            panic!("not a Retry: {parsed:?}")
        };
        assert_eq!(version, self.version);
        assert!(dcid.is_empty());
        assert_eq!(scid, server_cid());
        assert_eq!(&packet[token.clone()], b"token");
        assert_eq!(&tag[..], &packet[packet.len() - 16..]);
        assert!(verify_retry(self.version, &client_dcid(), &packet));

        // Any other original connection ID, or any flipped bit, fails the check.
        let other = ConnectionId::new(&hex("8394c8f03e515709")).unwrap();
        assert!(!verify_retry(self.version, &other, &packet));
        for i in [0, 5, packet.len() - 1] {
            let mut bad = packet.clone();
            bad[i] ^= 1;
            assert!(
                !verify_retry(self.version, &client_dcid(), &bad),
                "byte {i}"
            );
        }

        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        write_retry(
            &mut w,
            self.version,
            &ConnectionId::EMPTY,
            &server_cid(),
            b"token",
            &client_dcid(),
            packet[0] & 0x0f,
        )
        .unwrap();
        assert_eq!(hex::encode(w.written()), hex::encode(&packet));
    }

    pub(crate) fn check_chacha_short_header(&self) {
        let suite = CipherSuite::ChaCha20Poly1305.quic_suite();
        let raw32 = |s: &str| -> AeadKey {
            let mut k = [0u8; 32];
            k.copy_from_slice(&hex(s));
            AeadKey::from(k)
        };
        let packet_key: Box<dyn PacketKey> = suite
            .quic
            .packet_key(raw32(self.chacha_key), Iv::copy(&hex(self.chacha_iv)));
        let hp: Box<dyn HeaderProtectionKey> =
            suite.quic.header_protection_key(raw32(self.chacha_hp));
        let keys = DirectionalKeys {
            header: hp,
            packet: packet_key,
        };
        let peer = DirectionalKeys {
            header: suite.quic.header_protection_key(raw32(self.chacha_hp)),
            packet: suite
                .quic
                .packet_key(raw32(self.chacha_key), Iv::copy(&hex(self.chacha_iv))),
        };
        let header = Header::Short {
            dcid: ConnectionId::EMPTY,
            spin: false,
            key_phase: false,
        };
        check_protected(
            header,
            654_360_564,
            3,
            &[0x01],
            &keys,
            &peer,
            &hex("4200bff4"),
            &hex(self.chacha_packet),
            0,
        );
    }
}
