//! Frame type values (RFC 9000 §12.4 Table 3, RFC 9221 §4, draft-ietf-quic-ack-frequency) and the packet-type rules that go
//! with them.

use std::fmt;

use crate::error::TransportError;
use crate::packet::PacketKind;

/// A frame type value, as carried in the Frame Type field.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FrameType(pub u64);

impl FrameType {
    /// PADDING.
    pub const PADDING: Self = Self(0x00);
    /// PING.
    pub const PING: Self = Self(0x01);
    /// ACK without ECN counts.
    pub const ACK: Self = Self(0x02);
    /// ACK with ECN counts.
    pub const ACK_ECN: Self = Self(0x03);
    /// RESET_STREAM.
    pub const RESET_STREAM: Self = Self(0x04);
    /// STOP_SENDING.
    pub const STOP_SENDING: Self = Self(0x05);
    /// CRYPTO.
    pub const CRYPTO: Self = Self(0x06);
    /// NEW_TOKEN.
    pub const NEW_TOKEN: Self = Self(0x07);
    /// STREAM with no OFF, LEN or FIN bit; the STREAM types are 0x08 to 0x0f.
    pub const STREAM: Self = Self(0x08);
    /// MAX_DATA.
    pub const MAX_DATA: Self = Self(0x10);
    /// MAX_STREAM_DATA.
    pub const MAX_STREAM_DATA: Self = Self(0x11);
    /// MAX_STREAMS for bidirectional streams.
    pub const MAX_STREAMS_BIDI: Self = Self(0x12);
    /// MAX_STREAMS for unidirectional streams.
    pub const MAX_STREAMS_UNI: Self = Self(0x13);
    /// DATA_BLOCKED.
    pub const DATA_BLOCKED: Self = Self(0x14);
    /// STREAM_DATA_BLOCKED.
    pub const STREAM_DATA_BLOCKED: Self = Self(0x15);
    /// STREAMS_BLOCKED for bidirectional streams.
    pub const STREAMS_BLOCKED_BIDI: Self = Self(0x16);
    /// STREAMS_BLOCKED for unidirectional streams.
    pub const STREAMS_BLOCKED_UNI: Self = Self(0x17);
    /// NEW_CONNECTION_ID.
    pub const NEW_CONNECTION_ID: Self = Self(0x18);
    /// RETIRE_CONNECTION_ID.
    pub const RETIRE_CONNECTION_ID: Self = Self(0x19);
    /// PATH_CHALLENGE.
    pub const PATH_CHALLENGE: Self = Self(0x1a);
    /// PATH_RESPONSE.
    pub const PATH_RESPONSE: Self = Self(0x1b);
    /// CONNECTION_CLOSE signalling a transport error.
    pub const CONNECTION_CLOSE: Self = Self(0x1c);
    /// CONNECTION_CLOSE signalling an application error.
    pub const CONNECTION_CLOSE_APP: Self = Self(0x1d);
    /// HANDSHAKE_DONE.
    pub const HANDSHAKE_DONE: Self = Self(0x1e);
    /// DATAGRAM without a Length field (RFC 9221).
    pub const DATAGRAM: Self = Self(0x30);
    /// DATAGRAM with a Length field (RFC 9221).
    pub const DATAGRAM_LEN: Self = Self(0x31);
    /// IMMEDIATE_ACK (draft-ietf-quic-ack-frequency).
    pub const IMMEDIATE_ACK: Self = Self(0x1f);
    /// ACK_FREQUENCY (draft-ietf-quic-ack-frequency).
    pub const ACK_FREQUENCY: Self = Self(0xaf);

    /// Whether this is one of the eight STREAM types (0x08 to 0x0f).
    pub const fn is_stream(self) -> bool {
        self.0 & !0x07 == Self::STREAM.0
    }

    /// The frame type's name, if this crate knows it.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x00 => "PADDING",
            0x01 => "PING",
            0x02 | 0x03 => "ACK",
            0x04 => "RESET_STREAM",
            0x05 => "STOP_SENDING",
            0x06 => "CRYPTO",
            0x07 => "NEW_TOKEN",
            0x08..=0x0f => "STREAM",
            0x10 => "MAX_DATA",
            0x11 => "MAX_STREAM_DATA",
            0x12 | 0x13 => "MAX_STREAMS",
            0x14 => "DATA_BLOCKED",
            0x15 => "STREAM_DATA_BLOCKED",
            0x16 | 0x17 => "STREAMS_BLOCKED",
            0x18 => "NEW_CONNECTION_ID",
            0x19 => "RETIRE_CONNECTION_ID",
            0x1a => "PATH_CHALLENGE",
            0x1b => "PATH_RESPONSE",
            0x1c | 0x1d => "CONNECTION_CLOSE",
            0x1e => "HANDSHAKE_DONE",
            0x1f => "IMMEDIATE_ACK",
            0x30 | 0x31 => "DATAGRAM",
            0xaf => "ACK_FREQUENCY",
            _ => return None,
        })
    }

    /// Whether a frame of this type may appear in a packet of `kind` (RFC 9000 §12.4 Table 3;
    /// DATAGRAM only in 0-RTT and 1-RTT, RFC 9221 §4; ACK_FREQUENCY and IMMEDIATE_ACK only in
    /// 1-RTT, as the extension is negotiated anew on each connection). Unknown types are
    /// allowed nowhere.
    pub fn allowed_in(self, kind: PacketKind) -> bool {
        use PacketKind::{OneRtt, ZeroRtt};
        match self {
            // "IH01"
            Self::PADDING | Self::PING | Self::CONNECTION_CLOSE => true,
            // "IH_1"
            Self::ACK | Self::ACK_ECN | Self::CRYPTO => kind != ZeroRtt,
            // "___1"
            Self::NEW_TOKEN
            | Self::PATH_RESPONSE
            | Self::HANDSHAKE_DONE
            | Self::ACK_FREQUENCY
            | Self::IMMEDIATE_ACK => kind == OneRtt,
            // "__01": everything else in RFC 9000 from 0x04 to 0x1d, and DATAGRAM.
            Self(0x04..=0x1d) | Self::DATAGRAM | Self::DATAGRAM_LEN => {
                matches!(kind, ZeroRtt | OneRtt)
            }
            _ => false,
        }
    }

    /// `Ok` if a frame of this type may appear in a packet of `kind`, else the
    /// `PROTOCOL_VIOLATION` RFC 9000 §12.4 requires, naming this frame type.
    pub fn check_allowed(self, kind: PacketKind) -> Result<(), TransportError> {
        if self.allowed_in(kind) {
            Ok(())
        } else {
            Err(TransportError::protocol_violation(
                Some(self.0),
                "frame not permitted in this packet type",
            ))
        }
    }

    /// Whether a packet holding a frame of this type must be acknowledged: every type but
    /// PADDING, ACK and CONNECTION_CLOSE (RFC 9000 §13.2; DATAGRAM per RFC 9221 §5.2).
    pub fn is_ack_eliciting(self) -> bool {
        !matches!(
            self,
            Self::PADDING
                | Self::ACK
                | Self::ACK_ECN
                | Self::CONNECTION_CLOSE
                | Self::CONNECTION_CLOSE_APP
        )
    }

    /// Whether a packet holding a frame of this type counts toward bytes in flight: it is
    /// ack-eliciting or PADDING (RFC 9002 §2).
    pub fn counts_in_flight(self) -> bool {
        self == Self::PADDING || self.is_ack_eliciting()
    }

    /// Whether this type may be sent in a packet that probes a new path: PADDING,
    /// NEW_CONNECTION_ID, PATH_CHALLENGE and PATH_RESPONSE (RFC 9000 §9.1).
    pub fn is_probing(self) -> bool {
        matches!(
            self,
            Self::PADDING | Self::NEW_CONNECTION_ID | Self::PATH_CHALLENGE | Self::PATH_RESPONSE
        )
    }
}

impl fmt::Debug for FrameType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name}({:#04x})", self.0),
            None => write!(f, "{:#x}", self.0),
        }
    }
}

impl fmt::Display for FrameType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_types() {
        assert!((0x08..=0x0f).all(|t| FrameType(t).is_stream()));
        assert!(!FrameType(0x07).is_stream());
        assert!(!FrameType(0x10).is_stream());
        assert!(!FrameType(0x48).is_stream());
    }

    #[test]
    fn unknown_types_are_nowhere() {
        for kind in [
            PacketKind::Initial,
            PacketKind::ZeroRtt,
            PacketKind::Handshake,
            PacketKind::OneRtt,
        ] {
            assert!(!FrameType(0x20).allowed_in(kind));
            assert!(!FrameType(0x32).allowed_in(kind));
        }
        assert_eq!(format!("{}", FrameType(0x40)), "0x40");
        assert_eq!(format!("{}", FrameType::ACK_ECN), "ACK(0x03)");
    }
}
