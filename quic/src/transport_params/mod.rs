//! QUIC transport parameters (RFC 9000 §7.4 and §18), with version_information (RFC 9368),
//! max_datagram_frame_size (RFC 9221) and min_ack_delay (draft-ietf-quic-ack-frequency).
//!
//! [`TransportParameters`] holds every parameter with its RFC default when absent.
//! [`TransportParameters::decode`] parses and validates what a peer sent;
//! [`TransportParameters::encode`] and [`TransportParameters::to_vec`] write the parameters that
//! differ from their defaults, plus an optional [`Grease`] parameter.
//! [`TransportParameters::validate_cids`] performs the connection ID authentication of §7.3.

mod cids;
mod codec;
mod grease;
mod preferred_address;
mod version_info;

use std::time::Duration;

pub use grease::{Grease, MAX_GREASE_LEN};
pub use preferred_address::PreferredAddress;
pub use version_info::VersionInformation;

use crate::cid::ConnectionId;
use crate::coding::VarInt;
use crate::error::TransportError;
use crate::stream_id::Side;

/// Default max_udp_payload_size: the largest UDP payload, 65527.
pub const DEFAULT_MAX_UDP_PAYLOAD_SIZE: VarInt = VarInt::from_u32(65_527);
/// Smallest valid max_udp_payload_size.
pub const MIN_MAX_UDP_PAYLOAD_SIZE: u64 = 1200;
/// Default ack_delay_exponent.
pub const DEFAULT_ACK_DELAY_EXPONENT: VarInt = VarInt::from_u32(3);
/// Largest valid ack_delay_exponent.
pub const MAX_ACK_DELAY_EXPONENT: u64 = 20;
/// Default max_ack_delay, in milliseconds.
pub const DEFAULT_MAX_ACK_DELAY: VarInt = VarInt::from_u32(25);
/// max_ack_delay values (milliseconds) must be below this, 2^14.
pub const MAX_ACK_DELAY_LIMIT: u64 = 1 << 14;
/// Default (and smallest valid) active_connection_id_limit.
pub const DEFAULT_ACTIVE_CONNECTION_ID_LIMIT: VarInt = VarInt::from_u32(2);
/// Largest valid initial_max_streams_bidi and initial_max_streams_uni, 2^60.
pub const MAX_STREAMS_LIMIT: u64 = 1 << 60;

/// The transport parameters one endpoint declares. Absent parameters take their RFC defaults
/// (see [`Default`]); integers are kept as sent, times in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportParameters {
    /// original_destination_connection_id (0x00, server only): the Destination Connection ID of
    /// the client's first Initial packet.
    pub original_destination_connection_id: Option<ConnectionId>,
    /// max_idle_timeout (0x01) in milliseconds; 0 means no idle timeout.
    pub max_idle_timeout: VarInt,
    /// stateless_reset_token (0x02, server only).
    pub stateless_reset_token: Option<[u8; 16]>,
    /// max_udp_payload_size (0x03); at least 1200, default 65527.
    pub max_udp_payload_size: VarInt,
    /// initial_max_data (0x04).
    pub initial_max_data: VarInt,
    /// initial_max_stream_data_bidi_local (0x05): limit for bidirectional streams the sender
    /// opens.
    pub initial_max_stream_data_bidi_local: VarInt,
    /// initial_max_stream_data_bidi_remote (0x06): limit for bidirectional streams the receiver
    /// opens.
    pub initial_max_stream_data_bidi_remote: VarInt,
    /// initial_max_stream_data_uni (0x07): limit for unidirectional streams the receiver opens.
    pub initial_max_stream_data_uni: VarInt,
    /// initial_max_streams_bidi (0x08); at most 2^60.
    pub initial_max_streams_bidi: VarInt,
    /// initial_max_streams_uni (0x09); at most 2^60.
    pub initial_max_streams_uni: VarInt,
    /// ack_delay_exponent (0x0a); at most 20, default 3.
    pub ack_delay_exponent: VarInt,
    /// max_ack_delay (0x0b) in milliseconds; below 2^14, default 25.
    pub max_ack_delay: VarInt,
    /// disable_active_migration (0x0c).
    pub disable_active_migration: bool,
    /// preferred_address (0x0d, server only).
    pub preferred_address: Option<PreferredAddress>,
    /// active_connection_id_limit (0x0e); at least 2, default 2.
    pub active_connection_id_limit: VarInt,
    /// initial_source_connection_id (0x0f): the Source Connection ID of the sender's first
    /// Initial packet.
    pub initial_source_connection_id: Option<ConnectionId>,
    /// retry_source_connection_id (0x10, server only): the Source Connection ID of the Retry
    /// packet the server sent.
    pub retry_source_connection_id: Option<ConnectionId>,
    /// version_information (0x11, RFC 9368).
    pub version_information: Option<VersionInformation>,
    /// max_datagram_frame_size (0x20, RFC 9221); 0 means DATAGRAM frames are not supported.
    pub max_datagram_frame_size: VarInt,
    /// min_ack_delay (0xff04de1b, draft-ietf-quic-ack-frequency) in microseconds: the sender
    /// takes ACK_FREQUENCY frames and delays acknowledgments by no less than this; `None`
    /// when absent (the extension is not supported). At most max_ack_delay.
    pub min_ack_delay: Option<VarInt>,
    /// A reserved parameter to send for greasing (RFC 9000 §18.1). Only written: decoding skips
    /// reserved parameters and leaves this `None`.
    pub grease: Option<Grease>,
}

impl Default for TransportParameters {
    /// Every parameter absent: the values RFC 9000 §18.2, RFC 9368 and RFC 9221 specify.
    fn default() -> Self {
        TransportParameters {
            original_destination_connection_id: None,
            max_idle_timeout: VarInt::ZERO,
            stateless_reset_token: None,
            max_udp_payload_size: DEFAULT_MAX_UDP_PAYLOAD_SIZE,
            initial_max_data: VarInt::ZERO,
            initial_max_stream_data_bidi_local: VarInt::ZERO,
            initial_max_stream_data_bidi_remote: VarInt::ZERO,
            initial_max_stream_data_uni: VarInt::ZERO,
            initial_max_streams_bidi: VarInt::ZERO,
            initial_max_streams_uni: VarInt::ZERO,
            ack_delay_exponent: DEFAULT_ACK_DELAY_EXPONENT,
            max_ack_delay: DEFAULT_MAX_ACK_DELAY,
            disable_active_migration: false,
            preferred_address: None,
            active_connection_id_limit: DEFAULT_ACTIVE_CONNECTION_ID_LIMIT,
            initial_source_connection_id: None,
            retry_source_connection_id: None,
            version_information: None,
            max_datagram_frame_size: VarInt::ZERO,
            min_ack_delay: None,
            grease: None,
        }
    }
}

impl TransportParameters {
    /// The idle timeout as a duration, or `None` if this endpoint sets none (0).
    pub fn max_idle_timeout_duration(&self) -> Option<Duration> {
        match self.max_idle_timeout.get() {
            0 => None,
            ms => Some(Duration::from_millis(ms)),
        }
    }

    /// The maximum acknowledgment delay as a duration.
    pub fn max_ack_delay_duration(&self) -> Duration {
        Duration::from_millis(self.max_ack_delay.get())
    }

    /// The minimum acknowledgment delay as a duration, if the sender supports the ACK
    /// frequency extension.
    pub fn min_ack_delay_duration(&self) -> Option<Duration> {
        self.min_ack_delay.map(|us| Duration::from_micros(us.get()))
    }

    /// Checks the value rules of RFC 9000 §18.2, RFC 9368 §4 and the ACK frequency extension
    /// for parameters sent by `sender`: no server-only parameter from a client, every value in
    /// range (min_ack_delay at most max_ack_delay), a non-empty preferred-address connection
    /// ID, non-zero versions, and a client's chosen version among its available versions. [`decode`](Self::decode) applies it; senders can check their own
    /// parameters with it too.
    pub fn validate(&self, sender: Side) -> Result<(), TransportError> {
        let fail = |reason| Err(TransportError::transport_parameter(reason));
        if sender == Side::Client {
            if self.original_destination_connection_id.is_some() {
                return fail("client sent original_destination_connection_id");
            }
            if self.stateless_reset_token.is_some() {
                return fail("client sent stateless_reset_token");
            }
            if self.preferred_address.is_some() {
                return fail("client sent preferred_address");
            }
            if self.retry_source_connection_id.is_some() {
                return fail("client sent retry_source_connection_id");
            }
        }
        if self.max_udp_payload_size.get() < MIN_MAX_UDP_PAYLOAD_SIZE {
            return fail("max_udp_payload_size below 1200");
        }
        if self.ack_delay_exponent.get() > MAX_ACK_DELAY_EXPONENT {
            return fail("ack_delay_exponent above 20");
        }
        if self.max_ack_delay.get() >= MAX_ACK_DELAY_LIMIT {
            return fail("max_ack_delay of 2^14 ms or more");
        }
        if self
            .min_ack_delay
            .is_some_and(|min| min.get() > self.max_ack_delay.get().saturating_mul(1000))
        {
            return fail("min_ack_delay above max_ack_delay");
        }
        if self.active_connection_id_limit.get() < DEFAULT_ACTIVE_CONNECTION_ID_LIMIT.get() {
            return fail("active_connection_id_limit below 2");
        }
        if self.initial_max_streams_bidi.get() > MAX_STREAMS_LIMIT {
            return fail("initial_max_streams_bidi above 2^60");
        }
        if self.initial_max_streams_uni.get() > MAX_STREAMS_LIMIT {
            return fail("initial_max_streams_uni above 2^60");
        }
        if let Some(pa) = &self.preferred_address
            && pa.connection_id.is_empty()
        {
            return fail("preferred_address with a zero-length connection ID");
        }
        if let Some(vi) = &self.version_information {
            vi.validate(sender)?;
        }
        Ok(())
    }
}
