//! QUIC versions: 1 (RFC 9000), 2 (RFC 9369), reserved versions for negotiation greasing.

/// QUIC version 1.
pub const VERSION_1: u32 = 0x0000_0001;
/// QUIC version 2.
pub const VERSION_2: u32 = 0x6b33_43cf;

/// A QUIC version this crate speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// QUIC version 1 (RFC 9000).
    V1,
    /// QUIC version 2 (RFC 9369).
    V2,
}

impl Version {
    /// Versions in order of preference.
    pub const ALL: [Version; 2] = [Version::V1, Version::V2];

    /// The version for a wire value, if supported.
    pub fn from_wire(v: u32) -> Option<Self> {
        match v {
            VERSION_1 => Some(Version::V1),
            VERSION_2 => Some(Version::V2),
            _ => None,
        }
    }

    /// The wire value.
    pub fn wire(self) -> u32 {
        match self {
            Version::V1 => VERSION_1,
            Version::V2 => VERSION_2,
        }
    }

    /// The matching rustls version, which selects key-derivation labels and salts.
    pub fn rustls(self) -> rustls::quic::Version {
        match self {
            Version::V1 => rustls::quic::Version::V1,
            Version::V2 => rustls::quic::Version::V2,
        }
    }
}

/// Whether `v` is a reserved version of the form 0x?a?a?a?a, used to exercise version
/// negotiation (RFC 9000 §15).
pub fn is_reserved(v: u32) -> bool {
    v & 0x0f0f_0f0f == 0x0a0a_0a0a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values() {
        assert_eq!(Version::from_wire(1), Some(Version::V1));
        assert_eq!(Version::from_wire(0x6b3343cf), Some(Version::V2));
        assert_eq!(Version::from_wire(0xff00_001d), None);
        assert!(is_reserved(0x1a2a3a4a));
        assert!(!is_reserved(VERSION_1));
    }
}
