//! QUIC transport error codes (RFC 9000 §20.1) and the error a malformed frame or transport
//! parameter raises.

use std::fmt;

use crate::coding::Truncated;

/// A QUIC transport error code.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransportErrorCode(pub u64);

impl TransportErrorCode {
    /// An endpoint closes the connection without error.
    pub const NO_ERROR: Self = Self(0x0);
    /// The endpoint hit an internal error.
    pub const INTERNAL_ERROR: Self = Self(0x1);
    /// The server refused the connection.
    pub const CONNECTION_REFUSED: Self = Self(0x2);
    /// More data arrived than flow control allowed.
    pub const FLOW_CONTROL_ERROR: Self = Self(0x3);
    /// A stream was opened beyond the advertised limit.
    pub const STREAM_LIMIT_ERROR: Self = Self(0x4);
    /// A frame arrived for a stream in a state that does not permit it.
    pub const STREAM_STATE_ERROR: Self = Self(0x5);
    /// A stream's final size changed or was exceeded.
    pub const FINAL_SIZE_ERROR: Self = Self(0x6);
    /// A frame was badly formatted.
    pub const FRAME_ENCODING_ERROR: Self = Self(0x7);
    /// Transport parameters were malformed, missing or invalid.
    pub const TRANSPORT_PARAMETER_ERROR: Self = Self(0x8);
    /// Too many connection IDs were supplied.
    pub const CONNECTION_ID_LIMIT_ERROR: Self = Self(0x9);
    /// A protocol rule was broken that has no more specific code.
    pub const PROTOCOL_VIOLATION: Self = Self(0xa);
    /// A Retry or NEW_TOKEN token was invalid.
    pub const INVALID_TOKEN: Self = Self(0xb);
    /// The application or application protocol caused the close.
    pub const APPLICATION_ERROR: Self = Self(0xc);
    /// More CRYPTO data arrived than can be buffered.
    pub const CRYPTO_BUFFER_EXCEEDED: Self = Self(0xd);
    /// A key update was invalid.
    pub const KEY_UPDATE_ERROR: Self = Self(0xe);
    /// Too many packets failed authentication for one key.
    pub const AEAD_LIMIT_REACHED: Self = Self(0xf);
    /// No network path can carry the connection.
    pub const NO_VIABLE_PATH: Self = Self(0x10);
    /// Version negotiation failed or was interfered with (RFC 9368).
    pub const VERSION_NEGOTIATION_ERROR: Self = Self(0x11);

    /// The code for a TLS alert (`CRYPTO_ERROR`, 0x0100 plus the alert number).
    pub const fn crypto(alert: u8) -> Self {
        Self(0x100 | alert as u64)
    }

    /// The TLS alert, if this is a `CRYPTO_ERROR` code.
    pub fn tls_alert(self) -> Option<u8> {
        (0x100..=0x1ff)
            .contains(&self.0)
            .then_some((self.0 & 0xff) as u8)
    }

    /// The code's name, where it has one.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x0 => "NO_ERROR",
            0x1 => "INTERNAL_ERROR",
            0x2 => "CONNECTION_REFUSED",
            0x3 => "FLOW_CONTROL_ERROR",
            0x4 => "STREAM_LIMIT_ERROR",
            0x5 => "STREAM_STATE_ERROR",
            0x6 => "FINAL_SIZE_ERROR",
            0x7 => "FRAME_ENCODING_ERROR",
            0x8 => "TRANSPORT_PARAMETER_ERROR",
            0x9 => "CONNECTION_ID_LIMIT_ERROR",
            0xa => "PROTOCOL_VIOLATION",
            0xb => "INVALID_TOKEN",
            0xc => "APPLICATION_ERROR",
            0xd => "CRYPTO_BUFFER_EXCEEDED",
            0xe => "KEY_UPDATE_ERROR",
            0xf => "AEAD_LIMIT_REACHED",
            0x10 => "NO_VIABLE_PATH",
            0x11 => "VERSION_NEGOTIATION_ERROR",
            0x100..=0x1ff => "CRYPTO_ERROR",
            _ => return None,
        })
    }
}

impl fmt::Debug for TransportErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.name(), self.tls_alert()) {
            (_, Some(alert)) => write!(f, "CRYPTO_ERROR(alert {alert})"),
            (Some(name), None) => f.write_str(name),
            (None, None) => write!(f, "{:#x}", self.0),
        }
    }
}

impl fmt::Display for TransportErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A connection error: the transport error code to close with, the frame type that triggered it
/// (if any) and a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    /// The code sent in CONNECTION_CLOSE.
    pub code: TransportErrorCode,
    /// The frame type being processed, if the error came from a frame.
    pub frame_type: Option<u64>,
    /// A short human-readable reason.
    pub reason: &'static str,
}

impl TransportError {
    /// An error with `code` and `reason`, not tied to a frame.
    pub const fn new(code: TransportErrorCode, reason: &'static str) -> Self {
        TransportError {
            code,
            frame_type: None,
            reason,
        }
    }

    /// A `FRAME_ENCODING_ERROR` for frame type `frame_type`.
    pub const fn frame_encoding(frame_type: u64, reason: &'static str) -> Self {
        TransportError {
            code: TransportErrorCode::FRAME_ENCODING_ERROR,
            frame_type: Some(frame_type),
            reason,
        }
    }

    /// A `PROTOCOL_VIOLATION`, optionally tied to a frame type.
    pub const fn protocol_violation(frame_type: Option<u64>, reason: &'static str) -> Self {
        TransportError {
            code: TransportErrorCode::PROTOCOL_VIOLATION,
            frame_type,
            reason,
        }
    }

    /// A `TRANSPORT_PARAMETER_ERROR`.
    pub const fn transport_parameter(reason: &'static str) -> Self {
        Self::new(TransportErrorCode::TRANSPORT_PARAMETER_ERROR, reason)
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.reason)?;
        if let Some(t) = self.frame_type {
            write!(f, " (frame type {t:#x})")?;
        }
        Ok(())
    }
}

impl std::error::Error for TransportError {}

/// Why a received packet cannot be processed. Such packets are dropped; none of these closes the
/// connection by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PacketError {
    /// The packet is shorter than its header or length field says.
    Truncated,
    /// A header field is invalid (reserved or fixed bits, lengths, connection ID sizes).
    Malformed(&'static str),
    /// A long header carries a version this endpoint does not speak.
    UnsupportedVersion(u32),
    /// Header protection could not be removed (sample missing or too short).
    HeaderProtection,
    /// The payload failed authentication.
    DecryptFailed,
    /// The output buffer is too small.
    BufferTooSmall,
}

impl fmt::Display for PacketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PacketError::Truncated => f.write_str("packet truncated"),
            PacketError::Malformed(why) => write!(f, "malformed packet: {why}"),
            PacketError::UnsupportedVersion(v) => write!(f, "unsupported version {v:#010x}"),
            PacketError::HeaderProtection => f.write_str("header protection removal failed"),
            PacketError::DecryptFailed => f.write_str("packet authentication failed"),
            PacketError::BufferTooSmall => f.write_str("output buffer too small"),
        }
    }
}

impl std::error::Error for PacketError {}

impl From<Truncated> for PacketError {
    fn from(_: Truncated) -> Self {
        PacketError::Truncated
    }
}

impl From<crate::coding::BufferTooSmall> for PacketError {
    fn from(_: crate::coding::BufferTooSmall) -> Self {
        PacketError::BufferTooSmall
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_crypto_codes() {
        assert_eq!(TransportErrorCode::FRAME_ENCODING_ERROR.0, 7);
        assert_eq!(
            format!("{}", TransportErrorCode::PROTOCOL_VIOLATION),
            "PROTOCOL_VIOLATION"
        );
        let handshake_failure = TransportErrorCode::crypto(40);
        assert_eq!(handshake_failure.0, 0x128);
        assert_eq!(handshake_failure.tls_alert(), Some(40));
        assert_eq!(TransportErrorCode(0x1234).name(), None);
        let e = TransportError::frame_encoding(0x08, "bad stream frame");
        assert_eq!(
            e.to_string(),
            "FRAME_ENCODING_ERROR: bad stream frame (frame type 0x8)"
        );
    }
}
