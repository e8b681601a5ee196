//! Packet protection (RFC 9001 §5.3-5.4): AEAD over the payload with the header as associated
//! data, then header protection over the first byte's low bits and the packet number.
//!
//! The keys are rustls' QUIC key types (ring underneath). Sealing and opening work in place on
//! the caller's buffer.

use std::ops::Range;

use rustls::quic::{HeaderProtectionKey, PacketKey};

use crate::error::PacketError;
use crate::packet::header::{HeaderLayout, KEY_PHASE_BIT, LONG_HEADER, set_length};
use crate::packet::number;

/// Offset of the header-protection sample from the start of the packet number: the sample
/// assumes a 4-byte packet number.
const SAMPLE_OFFSET: usize = 4;
/// Largest sample any supported algorithm takes.
const MAX_SAMPLE_LEN: usize = 16;

/// Copies the header-protection sample of the packet whose number starts at `pn_offset`.
fn sample(
    packet: &[u8],
    pn_offset: usize,
    hp: &dyn HeaderProtectionKey,
) -> Result<([u8; MAX_SAMPLE_LEN], usize), PacketError> {
    let len = hp.sample_len();
    let start = pn_offset + SAMPLE_OFFSET;
    let src = packet
        .get(start..start + len)
        .ok_or(PacketError::HeaderProtection)?;
    let mut out = [0u8; MAX_SAMPLE_LEN];
    out.get_mut(..len)
        .ok_or(PacketError::HeaderProtection)?
        .copy_from_slice(src);
    Ok((out, len))
}

/// Smallest payload (frames) a packet with a `pn_len`-byte packet number needs so that header
/// protection has a full sample: senders pad up to this.
pub fn min_payload_len(pn_len: usize, tag_len: usize) -> usize {
    (SAMPLE_OFFSET + MAX_SAMPLE_LEN).saturating_sub(pn_len + tag_len)
}

/// Protects a packet in place and returns its length.
///
/// `buf` holds the header written per `layout`, followed by `payload_len` bytes of plaintext
/// frames, and must have room for the AEAD tag after them. The Length field of a long header
/// is filled in, the payload encrypted with `key` under packet number `pn`, the tag appended,
/// and header protection applied with `hp`.
pub fn seal(
    buf: &mut [u8],
    layout: &HeaderLayout,
    pn: u64,
    payload_len: usize,
    key: &dyn PacketKey,
    hp: &dyn HeaderProtectionKey,
) -> Result<usize, PacketError> {
    let header_len = layout.header_len();
    let total = header_len + payload_len + key.tag_len();
    let packet = buf.get_mut(..total).ok_or(PacketError::BufferTooSmall)?;
    if total < layout.pn_offset + SAMPLE_OFFSET + hp.sample_len() {
        return Err(PacketError::Malformed(
            "payload too short for a header-protection sample",
        ));
    }
    set_length(packet, layout)?;
    let (header, rest) = packet.split_at_mut(header_len);
    let (payload, tag_space) = rest.split_at_mut(payload_len);
    let tag = key
        .encrypt_in_place(pn, header, payload)
        .map_err(|_| PacketError::Malformed("payload too long for the AEAD"))?;
    tag_space.copy_from_slice(tag.as_ref());

    let (sample, sample_len) = sample(packet, layout.pn_offset, hp)?;
    let (head, tail) = packet.split_at_mut(layout.pn_offset);
    hp.encrypt_in_place(
        &sample[..sample_len],
        &mut head[0],
        &mut tail[..layout.pn_len],
    )
    .map_err(|_| PacketError::HeaderProtection)?;
    Ok(total)
}

/// A packet whose header protection has been removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unmasked {
    /// The first byte, unprotected.
    pub first: u8,
    /// Bytes of packet number (1-4).
    pub pn_len: usize,
    /// The packet number as sent (truncated).
    pub truncated_pn: u64,
    /// Length of the header including the packet number.
    pub header_len: usize,
}

impl Unmasked {
    /// Whether the packet has a long header.
    pub fn is_long(&self) -> bool {
        self.first & LONG_HEADER != 0
    }

    /// The key phase of a short-header packet.
    pub fn key_phase(&self) -> bool {
        !self.is_long() && self.first & KEY_PHASE_BIT != 0
    }

    /// Whether the reserved bits are zero, as they must be: a packet that decrypts with them set
    /// is a PROTOCOL_VIOLATION (RFC 9000 §17.2, §17.3.1).
    pub fn reserved_bits_clear(&self) -> bool {
        let reserved = if self.is_long() { 0x0c } else { 0x18 };
        self.first & reserved == 0
    }

    /// The full packet number, given the largest one processed in this space.
    pub fn packet_number(&self, largest: Option<u64>) -> u64 {
        number::decode(self.truncated_pn, self.pn_len, largest)
    }
}

/// Removes header protection in place from `packet` (exactly one packet) whose packet number
/// starts at `pn_offset`.
pub fn remove_header_protection(
    packet: &mut [u8],
    pn_offset: usize,
    hp: &dyn HeaderProtectionKey,
) -> Result<Unmasked, PacketError> {
    let (sample, sample_len) = sample(packet, pn_offset, hp)?;
    if pn_offset == 0 {
        return Err(PacketError::Malformed("no header"));
    }
    let (head, tail) = packet.split_at_mut(pn_offset);
    hp.decrypt_in_place(&sample[..sample_len], &mut head[0], &mut tail[..4])
        .map_err(|_| PacketError::HeaderProtection)?;
    let first = head[0];
    let pn_len = usize::from(first & 0x03) + 1;
    let truncated_pn = tail[..pn_len]
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    Ok(Unmasked {
        first,
        pn_len,
        truncated_pn,
        header_len: pn_offset + pn_len,
    })
}

/// Decrypts the payload of an unmasked packet in place with `key`, returning where the
/// plaintext frames are in `packet`.
pub fn open(
    packet: &mut [u8],
    unmasked: &Unmasked,
    pn: u64,
    key: &dyn PacketKey,
) -> Result<Range<usize>, PacketError> {
    if packet.len() < unmasked.header_len + key.tag_len() {
        return Err(PacketError::Truncated);
    }
    let (header, payload) = packet.split_at_mut(unmasked.header_len);
    let plain = key
        .decrypt_in_place(pn, header, payload)
        .map_err(|_| PacketError::DecryptFailed)?
        .len();
    Ok(unmasked.header_len..unmasked.header_len + plain)
}

/// Whether the client Initial at the start of `datagram` (parsed as `h`) opens with the
/// Initial keys its destination connection ID implies. It works on a copy, so a server can
/// check a first Initial before it spends anything on it (a connection, a TLS session, a
/// Retry) and still hand the untouched datagram on.
pub fn client_initial_opens(
    version: crate::version::Version,
    h: &crate::packet::header::ProtectedHeader,
    datagram: &[u8],
) -> bool {
    let Some(packet) = datagram.get(..h.len) else {
        return false;
    };
    let keys = crate::crypto::initial_keys(version, &h.dcid, crate::stream_id::Side::Server);
    let mut copy = packet.to_vec();
    let Ok(unmasked) =
        remove_header_protection(&mut copy, h.pn_offset, keys.remote.header.as_ref())
    else {
        return false;
    };
    let pn = unmasked.packet_number(None);
    open(&mut copy, &unmasked, pn, keys.remote.packet.as_ref()).is_ok()
}
