//! Cryptography for QUIC packets: cipher suites, Initial keys, Retry integrity and stateless
//! reset tokens. Keys are rustls' QUIC key types with ring underneath.

mod reset;
mod retry;

pub use reset::{RESET_TOKEN_LEN, ResetTokenKey, is_stateless_reset, write_stateless_reset};
pub use retry::{retry_integrity_tag, verify_retry, write_retry};

use rustls::crypto::ring::cipher_suite;
use rustls::quic::{Keys, Suite};

use crate::cid::ConnectionId;
use crate::stream_id::Side;
use crate::version::Version;

/// The TLS 1.3 cipher suites QUIC packets can be protected with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CipherSuite {
    /// TLS_AES_128_GCM_SHA256: also the suite of Initial packets.
    Aes128Gcm,
    /// TLS_AES_256_GCM_SHA384.
    Aes256Gcm,
    /// TLS_CHACHA20_POLY1305_SHA256.
    ChaCha20Poly1305,
}

impl CipherSuite {
    /// Every suite, in rustls' order of preference.
    pub const ALL: [CipherSuite; 3] = [
        CipherSuite::Aes256Gcm,
        CipherSuite::Aes128Gcm,
        CipherSuite::ChaCha20Poly1305,
    ];

    /// The rustls QUIC suite: the TLS 1.3 suite and its QUIC key algorithm.
    pub fn quic_suite(self) -> Suite {
        let suite = match self {
            CipherSuite::Aes128Gcm => cipher_suite::TLS13_AES_128_GCM_SHA256,
            CipherSuite::Aes256Gcm => cipher_suite::TLS13_AES_256_GCM_SHA384,
            CipherSuite::ChaCha20Poly1305 => cipher_suite::TLS13_CHACHA20_POLY1305_SHA256,
        };
        suite
            .tls13()
            .and_then(|s| s.quic_suite())
            .unwrap_or_else(|| unreachable!("ring's TLS 1.3 suites all support QUIC"))
    }
}

impl From<Side> for rustls::Side {
    fn from(side: Side) -> Self {
        match side {
            Side::Client => rustls::Side::Client,
            Side::Server => rustls::Side::Server,
        }
    }
}

/// The Initial keys of `side` for a connection whose client chose `client_dcid` as its first
/// destination connection ID (RFC 9001 §5.2; RFC 9369 §3.3 for version 2's salt and labels).
pub fn initial_keys(version: Version, client_dcid: &ConnectionId, side: Side) -> Keys {
    CipherSuite::Aes128Gcm
        .quic_suite()
        .keys(client_dcid, side.into(), version.rustls())
}
