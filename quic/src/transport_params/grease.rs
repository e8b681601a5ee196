//! Reserved transport parameters (RFC 9000 §18.1), sent to check that peers ignore unknown ones.

use crate::coding::VarInt;

/// Longest value a [`Grease`] parameter carries.
pub const MAX_GREASE_LEN: usize = 16;

/// Largest `n` whose reserved identifier 31 * n + 27 is still a varint.
const MAX_N: u64 = (VarInt::MAX.get() - 27) / 31;

/// A reserved transport parameter: identifier 31 * N + 27 and up to 16 arbitrary bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grease {
    id: VarInt,
    len: u8,
    value: [u8; MAX_GREASE_LEN],
}

impl Grease {
    /// The parameter with identifier 31 * `n` + 27 and `value`, or `None` if the identifier
    /// would reach 2^62 or `value` is longer than 16 bytes.
    pub fn new(n: u64, value: &[u8]) -> Option<Self> {
        if n > MAX_N || value.len() > MAX_GREASE_LEN {
            return None;
        }
        let mut bytes = [0; MAX_GREASE_LEN];
        bytes[..value.len()].copy_from_slice(value);
        Some(Grease {
            id: VarInt::new(31 * n + 27)?,
            len: value.len() as u8,
            value: bytes,
        })
    }

    /// A parameter derived deterministically from `seed` (pass a random seed to vary it between
    /// connections): any reserved identifier, 0 to 16 value bytes.
    pub fn from_seed(seed: u64) -> Self {
        let mut state = seed;
        let n = splitmix64(&mut state) % (MAX_N + 1);
        let len = (splitmix64(&mut state) % (MAX_GREASE_LEN as u64 + 1)) as usize;
        let mut value = [0; MAX_GREASE_LEN];
        for chunk in value.chunks_mut(8) {
            let word = splitmix64(&mut state).to_be_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        value[len..].fill(0);
        Grease {
            // `n` is at most MAX_N, so the identifier is below 2^62.
            id: VarInt::new(31 * n + 27).unwrap_or(VarInt::from_u32(27)),
            len: len as u8,
            value,
        }
    }

    /// The parameter's identifier, of the form 31 * N + 27.
    pub fn id(&self) -> VarInt {
        self.id
    }

    /// The parameter's value.
    pub fn value(&self) -> &[u8] {
        &self.value[..usize::from(self.len)]
    }
}

/// The SplitMix64 generator step: advances `state` and returns a well-mixed word.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
