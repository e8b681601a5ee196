//! What was negotiated on a connection and how it is doing: ALPN, version, cipher suite, the
//! peer's transport parameters, RTT, ECN and counters.

use std::time::Duration;

use qssl_quic::TransportParameters;
use qssl_quic::conn::{ConnectionStats, EcnState};

use super::object::Ssl;

/// A snapshot of a connection's negotiated parameters and state.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    /// The QUIC version in use (wire value: 1 for QUIC v1).
    pub version: u32,
    /// The version of the client's first Initial packets (another than `version` after
    /// compatible version negotiation).
    pub original_version: u32,
    /// The negotiated application protocol.
    pub alpn: Option<Vec<u8>>,
    /// The TLS cipher suite (OpenSSL's name, as `SSL_CIPHER_get_name` gives it, which for
    /// TLS 1.3 is the RFC 8446 name), once negotiated.
    pub cipher_suite: Option<String>,
    /// The server name the client sent (known on the server side).
    pub sni: Option<String>,
    /// The peer's transport parameters, once received.
    pub peer_params: Option<TransportParameters>,
    /// The smoothed round-trip time.
    pub rtt: Duration,
    /// The congestion window in bytes.
    pub congestion_window: u64,
    /// Traffic counters.
    pub stats: ConnectionStats,
    /// The handshake has completed.
    pub handshake_complete: bool,
    /// Where ECN validation of the current path stands.
    pub ecn: EcnState,
    /// The size of the datagrams sent now (path MTU discovery's result).
    pub datagram_size: usize,
}

impl Ssl {
    /// Negotiated parameters and state of the connection (of a stream's connection); `None`
    /// for a listener or a connection not started.
    pub fn connection_info(&self) -> Option<ConnectionInfo> {
        let key = self.conn_key()?;
        let st = self.obj.port.lock();
        let conn = st.conn(key)?;
        Some(ConnectionInfo {
            version: conn.version().wire(),
            original_version: conn.original_version().wire(),
            alpn: conn.alpn().map(<[u8]>::to_vec),
            cipher_suite: conn
                .cipher_suite()
                .map(|s| crate::ctx::cipher_name(s).to_owned()),
            sni: conn.sni().map(str::to_owned),
            peer_params: conn.peer_params().cloned(),
            rtt: conn.rtt(),
            congestion_window: conn.congestion_window(),
            stats: conn.stats(),
            handshake_complete: conn.is_handshake_complete(),
            ecn: conn.ecn_state(),
            datagram_size: conn.datagram_size(),
        })
    }

    /// `SSL_get0_alpn_selected`: the negotiated application protocol.
    pub fn alpn_selected(&self) -> Option<Vec<u8>> {
        self.connection_info()?.alpn
    }

    /// `SSL_get_version`: the QUIC version a connection (or a stream's connection) uses,
    /// "QUICv1" or "QUICv2"; "QUICv1" before it is known and on other objects, as OpenSSL
    /// answers.
    pub fn version_string(&self) -> &'static str {
        match self.quic_version() {
            Some(qssl_quic::Version::V2) => "QUICv2",
            _ => "QUICv1",
        }
    }

    /// `SSL_version`'s answer for QUIC: the wire value of the version in use
    /// (`OSSL_QUIC1_VERSION`, 1, for QUIC v1 and before it is known).
    pub fn version_number(&self) -> u32 {
        self.quic_version().unwrap_or(qssl_quic::Version::V1).wire()
    }

    /// The QUIC version the connection uses, once it has one.
    fn quic_version(&self) -> Option<qssl_quic::Version> {
        let key = self.conn_key()?;
        let st = self.obj.port.lock();
        Some(st.conn(key)?.version())
    }
}
