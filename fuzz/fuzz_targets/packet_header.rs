//! Packet headers and protection removal on arbitrary datagrams: the first byte chooses the
//! short-header connection ID length, the rest is the datagram. Every packet found is run
//! through header-protection removal and decryption with fixed Initial keys, which must fail
//! cleanly (or, for a datagram that happens to be valid, succeed) without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qssl_quic::crypto::initial_keys;
use qssl_quic::packet::header::{Coalesced, ParsedHeader, versions};
use qssl_quic::packet::protect::{open, remove_header_protection};
use qssl_quic::{ConnectionId, Side, Version};

fuzz_target!(|input: &[u8]| {
    let Some((&first, datagram)) = input.split_first() else {
        return;
    };
    let dcid_len = usize::from(first % 21);
    let keys = initial_keys(Version::V1, &ConnectionId::EMPTY, Side::Server);
    let mut data = datagram.to_vec();
    let found: Vec<_> = Coalesced::new(&data, dcid_len).collect();
    for (header, range) in found.into_iter().flatten() {
        assert!(range.start < range.end && range.end <= data.len());
        match header {
            ParsedHeader::VersionNegotiation { versions: list, .. } => {
                assert_eq!(versions(&data[list.clone()]).count() * 4, list.len());
            }
            ParsedHeader::Protected(h) => {
                assert!(h.pn_offset >= range.start && h.len == range.end);
                let packet = &mut data[range.clone()];
                if let Ok(un) = remove_header_protection(
                    packet,
                    h.pn_offset - range.start,
                    keys.remote.header.as_ref(),
                ) {
                    let pn = un.packet_number(None);
                    let _ = open(packet, &un, pn, keys.remote.packet.as_ref());
                }
            }
            ParsedHeader::Retry { token, .. } => assert!(token.end <= range.end),
            ParsedHeader::UnsupportedVersion { dcid, scid, .. } => {
                assert!(dcid.end <= range.end && scid.end <= range.end)
            }
        }
    }
});
