//! Connection configuration with sensible defaults.

use std::time::Duration;

use crate::coding::VarInt;
use crate::recovery::CongestionKind;
use crate::transport_params::TransportParameters;
use crate::version::Version;

/// Settings of one QUIC connection (both roles).
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// The version to start with (a client's first Initial packets).
    pub version: Version,
    /// The versions this endpoint speaks, by preference: a server takes Initial packets of
    /// these (others get Version Negotiation) and switches a client to the first version the
    /// client offers that is among them (compatible version negotiation, RFC 9368); a client
    /// chooses among them after Version Negotiation.
    pub versions: Vec<Version>,
    /// A client asks the server to switch to this version (compatible version negotiation)
    /// and commits its TLS keys to it: a server that stays in `version` fails the handshake
    /// with VERSION_NEGOTIATION_ERROR (`None`: stay in `version`).
    pub upgrade_to: Option<Version>,
    /// Close the connection after this long without activity (the smaller of both sides'
    /// values applies); `None` for no idle timeout.
    pub idle_timeout: Option<Duration>,
    /// Give up a handshake not complete this long after the connection began, however active
    /// the peer keeps it (a client that sends nothing but Initial PINGs would otherwise hold
    /// a server's connection open for good); `None` for no limit.
    pub handshake_timeout: Option<Duration>,
    /// Largest UDP payload this endpoint sends (and is willing to receive).
    pub max_udp_payload_size: u16,
    /// Connection-level receive window to start with.
    pub initial_max_data: u64,
    /// The largest the connection-level receive window grows to while the application
    /// reads faster than a round trip drains it: with the stream windows, what bounds the
    /// unread data a peer can make this endpoint hold (at least `initial_max_data`).
    pub max_data_window: u64,
    /// Per-stream receive window to start with.
    pub initial_max_stream_data: u64,
    /// The largest a stream's receive window grows to (at least `initial_max_stream_data`).
    pub max_stream_data_window: u64,
    /// Bidirectional streams the peer may open.
    pub max_streams_bidi: u64,
    /// Unidirectional streams the peer may open.
    pub max_streams_uni: u64,
    /// ACK delay exponent sent to the peer.
    pub ack_delay_exponent: u8,
    /// Longest this endpoint delays an ACK.
    pub max_ack_delay: Duration,
    /// Connection IDs the peer may give us to use.
    pub active_connection_id_limit: u64,
    /// Length of the connection IDs this endpoint issues.
    pub cid_len: usize,
    /// Initiate a 1-RTT key update after this many packets sent with one key (`None`: only
    /// answer the peer's updates).
    pub key_update_interval: Option<u64>,
    /// Close the connection with AEAD_LIMIT_REACHED once more 1-RTT packets than this failed
    /// authentication (`None`: the cipher suite's integrity limit, RFC 9001 §6.6: 2^52 for
    /// AES-GCM, 2^36 for ChaCha20-Poly1305).
    pub aead_integrity_limit: Option<u64>,
    /// Largest DATAGRAM frame accepted, type and length fields included, advertised as
    /// max_datagram_frame_size (RFC 9221 §3; `None`: DATAGRAM frames not accepted).
    pub max_datagram_frame_size: Option<u64>,
    /// Datagrams waiting to be sent at most: more are refused until packets take them.
    pub datagram_send_queue: usize,
    /// Received datagrams kept for the application at most: a new one pushes out the oldest.
    pub datagram_recv_queue: usize,
    /// The congestion controller.
    pub congestion: CongestionKind,
    /// Send disable_active_migration: the peer must not move to a new address, and packets
    /// from one are dropped (RFC 9000 §18.2).
    pub disable_active_migration: bool,
    /// A server's preferred address (RFC 9000 §9.6): sent in its transport parameters with a
    /// connection ID of its own, for the client to move to once the handshake is confirmed.
    /// Its datagrams must reach the same endpoint (a wildcard-bound socket that reports
    /// local addresses takes them on another address of the host).
    pub preferred_address: Option<PreferredAddressConfig>,
    /// Follow a server's preferred address (a client; on by default).
    pub follow_preferred_address: bool,
    /// Send a PING after this long without an ack-eliciting packet sent, so an idle
    /// connection stays open and its NAT bindings alive (`None`: never; it should be well
    /// below the idle timeout).
    pub keep_alive: Option<Duration>,
    /// qlog tracing of each connection (`None`: none, at no cost).
    pub qlog: Option<crate::qlog::QlogConfig>,
    /// Mark datagrams ECT(0) and validate the path's ECN (RFC 9000 §13.4); the marks reach
    /// the network only where the socket can set them.
    pub ecn: bool,
    /// The ACK frequency extension (draft-ietf-quic-ack-frequency): advertise min_ack_delay
    /// and acknowledge as the peer's ACK_FREQUENCY frames ask, and ask a peer that advertises
    /// it to acknowledge less often as the congestion window grows (on by default).
    pub ack_frequency: bool,
}

/// The addresses a server prefers its clients to move to, one per address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PreferredAddressConfig {
    /// The IPv4 address.
    pub ipv4: Option<std::net::SocketAddrV4>,
    /// The IPv6 address.
    pub ipv6: Option<std::net::SocketAddrV6>,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        ConnectionConfig {
            version: Version::V1,
            versions: Version::ALL.to_vec(),
            upgrade_to: None,
            idle_timeout: Some(Duration::from_secs(30)),
            handshake_timeout: Some(Duration::from_secs(30)),
            max_udp_payload_size: 1452,
            initial_max_data: 1 << 22,
            max_data_window: 1 << 24,
            initial_max_stream_data: 1 << 20,
            max_stream_data_window: 1 << 23,
            max_streams_bidi: 100,
            max_streams_uni: 100,
            ack_delay_exponent: 3,
            max_ack_delay: Duration::from_millis(25),
            active_connection_id_limit: 4,
            cid_len: 8,
            key_update_interval: None,
            aead_integrity_limit: None,
            max_datagram_frame_size: None,
            datagram_send_queue: 64,
            datagram_recv_queue: 128,
            congestion: CongestionKind::Cubic,
            disable_active_migration: false,
            preferred_address: None,
            follow_preferred_address: true,
            keep_alive: None,
            qlog: None,
            ecn: true,
            ack_frequency: true,
        }
    }
}

impl ConnectionConfig {
    /// The min_ack_delay advertised with [`Self::ack_frequency`]: the timer granularity
    /// (1 ms), or the max_ack_delay advertised (whole milliseconds) if that is less; `None`
    /// without the extension.
    pub fn min_ack_delay(&self) -> Option<Duration> {
        let advertised = Duration::from_millis(
            u64::try_from(self.max_ack_delay.as_millis()).unwrap_or(u64::MAX),
        );
        self.ack_frequency
            .then(|| crate::recovery::GRANULARITY.min(advertised))
    }

    /// The transport parameters these settings advertise (connection IDs are filled in by the
    /// connection).
    pub fn transport_parameters(&self) -> TransportParameters {
        let v = |n: u64| VarInt::new(n).unwrap_or(VarInt::MAX);
        TransportParameters {
            max_idle_timeout: v(self
                .idle_timeout
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))),
            max_udp_payload_size: v(u64::from(self.max_udp_payload_size)),
            initial_max_data: v(self.initial_max_data),
            initial_max_stream_data_bidi_local: v(self.initial_max_stream_data),
            initial_max_stream_data_bidi_remote: v(self.initial_max_stream_data),
            initial_max_stream_data_uni: v(self.initial_max_stream_data),
            initial_max_streams_bidi: v(self.max_streams_bidi),
            initial_max_streams_uni: v(self.max_streams_uni),
            ack_delay_exponent: v(u64::from(self.ack_delay_exponent)),
            max_ack_delay: v(u64::try_from(self.max_ack_delay.as_millis()).unwrap_or(u64::MAX)),
            active_connection_id_limit: v(self.active_connection_id_limit),
            max_datagram_frame_size: v(self.max_datagram_frame_size.unwrap_or(0)),
            disable_active_migration: self.disable_active_migration,
            min_ack_delay: self
                .min_ack_delay()
                .map(|d| v(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))),
            ..TransportParameters::default()
        }
    }
}
