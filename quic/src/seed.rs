//! Where an endpoint's or a connection's randomness comes from: connection IDs, the
//! stateless-reset and Retry-token keys, packet-number choices. Real use seeds from the
//! system's secure random source with 256 bits; tests and simulations seed with a number, so
//! a run can be repeated.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// A seed for an endpoint's or a connection's random number generator.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    /// 64 bits, expanded: for reproducible tests and simulations only (64 bits can be
    /// searched).
    Short(u64),
    /// 256 bits, as drawn from the system's secure random source.
    Full([u8; 32]),
}

impl std::fmt::Debug for Seed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Seed::Short(n) => write!(f, "Seed::Short({n})"),
            // The bytes are secret.
            Seed::Full(_) => f.write_str("Seed::Full(..)"),
        }
    }
}

impl From<u64> for Seed {
    fn from(n: u64) -> Self {
        Seed::Short(n)
    }
}

impl From<[u8; 32]> for Seed {
    fn from(bytes: [u8; 32]) -> Self {
        Seed::Full(bytes)
    }
}

impl Seed {
    /// A full seed drawn from `rng` (an endpoint's, for a connection it starts).
    pub(crate) fn draw(rng: &mut impl Rng) -> Seed {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        Seed::Full(bytes)
    }

    /// The generator this seed starts.
    pub(crate) fn rng(self) -> ChaCha8Rng {
        match self {
            Seed::Short(n) => ChaCha8Rng::seed_from_u64(n),
            Seed::Full(bytes) => ChaCha8Rng::from_seed(bytes),
        }
    }
}
