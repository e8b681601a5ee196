//! Retry packets and their integrity tag (RFC 9001 §5.8; RFC 9369 §3.3.3 for version 2).

use ring::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};

use crate::cid::ConnectionId;
use crate::coding::{BufferTooSmall, Writer};
use crate::packet::header::{FIXED_BIT, LONG_HEADER, LongType, RETRY_TAG_LEN};
use crate::version::Version;

/// The fixed AES-128-GCM key and nonce of each version's Retry integrity tag.
fn key_and_nonce(version: Version) -> ([u8; 16], [u8; 12]) {
    match version {
        Version::V1 => (
            [
                0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66, 0x57, 0x5a, 0x1d, 0x76, 0x6b, 0x54, 0xe3, 0x68,
                0xc8, 0x4e,
            ],
            [
                0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63, 0x2b, 0xf2, 0x23, 0x98, 0x25, 0xbb,
            ],
        ),
        Version::V2 => (
            [
                0x8f, 0xb4, 0xb0, 0x1b, 0x56, 0xac, 0x48, 0xe2, 0x60, 0xfb, 0xcb, 0xce, 0xad, 0x7c,
                0xcc, 0x92,
            ],
            [
                0xd8, 0x69, 0x69, 0xbc, 0x2d, 0x7c, 0x6d, 0x99, 0x90, 0xef, 0xb0, 0x4a,
            ],
        ),
    }
}

/// The integrity tag of a Retry packet `packet` (everything but the tag), sent in answer to a
/// client whose original destination connection ID was `odcid`.
pub fn retry_integrity_tag(
    version: Version,
    odcid: &ConnectionId,
    packet: &[u8],
) -> [u8; RETRY_TAG_LEN] {
    let (key, nonce) = key_and_nonce(version);
    // The associated data is the Retry pseudo-packet: the original DCID, then the packet.
    let mut pseudo = Vec::with_capacity(1 + odcid.len() + packet.len());
    pseudo.push(odcid.len() as u8);
    pseudo.extend_from_slice(odcid);
    pseudo.extend_from_slice(packet);
    let key = LessSafeKey::new(
        UnboundKey::new(&AES_128_GCM, &key).unwrap_or_else(|_| unreachable!("16-byte key")),
    );
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(&pseudo[..]),
            &mut [],
        )
        .unwrap_or_else(|_| unreachable!("sealing an empty message cannot fail"));
    let mut out = [0u8; RETRY_TAG_LEN];
    out.copy_from_slice(tag.as_ref());
    out
}

/// Whether the Retry packet `packet` (tag included) carries a valid tag for `odcid`.
pub fn verify_retry(version: Version, odcid: &ConnectionId, packet: &[u8]) -> bool {
    let Some(split) = packet.len().checked_sub(RETRY_TAG_LEN) else {
        return false;
    };
    let expected = retry_integrity_tag(version, odcid, &packet[..split]);
    // Tags are not secret, but compare without early exit all the same.
    expected
        .iter()
        .zip(&packet[split..])
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

/// Writes a Retry packet with its integrity tag. `unused` supplies the four arbitrary low bits
/// of the first byte.
pub fn write_retry(
    w: &mut Writer<'_>,
    version: Version,
    dcid: &ConnectionId,
    scid: &ConnectionId,
    token: &[u8],
    odcid: &ConnectionId,
    unused: u8,
) -> Result<(), BufferTooSmall> {
    let start = w.position();
    w.put_u8(LONG_HEADER | FIXED_BIT | (LongType::Retry.bits(version) << 4) | (unused & 0x0f))?;
    w.put_u32(version.wire())?;
    w.put_u8(dcid.len() as u8)?;
    w.put_slice(dcid)?;
    w.put_u8(scid.len() as u8)?;
    w.put_slice(scid)?;
    w.put_slice(token)?;
    let tag = retry_integrity_tag(version, odcid, &w.written()[start..]);
    w.put_slice(&tag)
}
