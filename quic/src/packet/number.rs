//! Packet-number encoding and decoding (RFC 9000 §17.1, Appendix A.2 and A.3).
//!
//! A packet number is sent truncated to 1-4 bytes: enough for the receiver to reconstruct it
//! from the largest number it has processed, given how many packets may still be unacknowledged.

/// Largest packet number (2^62 - 1).
pub const MAX_PACKET_NUMBER: u64 = (1 << 62) - 1;

/// Bytes needed to send `pn` when the peer has acknowledged up to `largest_acked`
/// (`None`: nothing acknowledged yet in this space).
///
/// Twice the range of packets that may be unacknowledged must fit in the encoding, so the
/// receiver never picks the wrong candidate.
pub fn encoded_len(pn: u64, largest_acked: Option<u64>) -> usize {
    let unacked = match largest_acked {
        Some(acked) => pn.saturating_sub(acked),
        None => pn.saturating_add(1),
    };
    // Bits needed for `unacked`, plus one so twice the range fits.
    let bits = 64 - unacked.leading_zeros() as usize + 1;
    bits.div_ceil(8).clamp(1, 4)
}

/// The low `len` bytes of `pn`, big-endian, as sent on the wire.
pub fn truncate(pn: u64, len: usize) -> [u8; 4] {
    let bytes = pn.to_be_bytes();
    let mut out = [0u8; 4];
    out[..len].copy_from_slice(&bytes[8 - len..]);
    out
}

/// Reconstructs a full packet number from the `len`-byte `truncated` value received, given the
/// largest packet number processed so far in the space (`None` if none).
pub fn decode(truncated: u64, len: usize, largest: Option<u64>) -> u64 {
    let expected = largest.map_or(0, |l| l + 1);
    let win = 1u64 << (len * 8);
    let half = win / 2;
    let mask = win - 1;
    let candidate = (expected & !mask) | truncated;
    if candidate.saturating_add(half) <= expected && candidate < (1 << 62) - win {
        candidate + win
    } else if candidate > expected.saturating_add(half) && candidate >= win {
        candidate - win
    } else {
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9000 Appendix A.2: 0xac5c02 with 0xabe8b3 acknowledged needs 2 bytes; 0xace8fe
    /// needs 3.
    #[test]
    fn rfc9000_encoding_example() {
        assert_eq!(encoded_len(0xac5c02, Some(0xabe8b3)), 2);
        assert_eq!(encoded_len(0xace8fe, Some(0xabe8b3)), 3);
        assert_eq!(truncate(0xac5c02, 2)[..2], [0x5c, 0x02]);
    }

    /// RFC 9000 Appendix A.3: 0x9b32 received after 0xa82f30ea decodes to 0xa82f9b32.
    #[test]
    fn rfc9000_decoding_example() {
        assert_eq!(decode(0x9b32, 2, Some(0xa82f30ea)), 0xa82f9b32);
    }

    #[test]
    fn first_packets_and_edges() {
        assert_eq!(encoded_len(0, None), 1);
        assert_eq!(decode(0, 1, None), 0);
        assert_eq!(decode(5, 1, None), 5);
        // Wraps forward across a window boundary.
        assert_eq!(decode(0x01, 1, Some(0xff)), 0x101);
        // And backward for a late packet.
        assert_eq!(decode(0xff, 1, Some(0x101)), 0xff);
        // Never above the maximum.
        assert!(decode(0xffff_ffff, 4, Some(MAX_PACKET_NUMBER - 1)) <= MAX_PACKET_NUMBER);
        assert_eq!(encoded_len(MAX_PACKET_NUMBER, None), 4);
    }

    #[test]
    fn round_trip_within_the_window() {
        let mut largest_acked = None;
        let mut largest_received = None;
        for pn in (0..200_000u64).step_by(7) {
            let len = encoded_len(pn, largest_acked);
            let t = truncate(pn, len);
            let mut v = 0u64;
            for b in &t[..len] {
                v = (v << 8) | u64::from(*b);
            }
            assert_eq!(decode(v, len, largest_received), pn, "pn {pn}");
            largest_received = Some(pn);
            if pn % 1000 == 0 {
                largest_acked = Some(pn);
            }
        }
    }
}
