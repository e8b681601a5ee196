//! CONNECTION_CLOSE frames (RFC 9000 §19.19): type 0x1c for transport errors (naming the frame
//! type that caused them) and 0x1d for application errors.

use crate::coding::{Writer, size_of_varint};
use crate::error::TransportError;

use super::encode::{EncodeError, check_varint, ensure_space};
use super::parse::Body;
use super::{FrameType, sizing};

/// Which CONNECTION_CLOSE frame type, and the fields that depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseKind {
    /// Type 0x1c: a transport error, raised while processing `frame_type` (0 if unknown).
    Transport {
        /// The frame type that triggered the error.
        frame_type: u64,
    },
    /// Type 0x1d: an application protocol error.
    Application,
}

/// A CONNECTION_CLOSE frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionClose<'a> {
    /// Transport error code (for [`CloseKind::Transport`]) or application error code.
    pub error_code: u64,
    /// Transport or application close.
    pub kind: CloseKind,
    /// A reason phrase, meant to be UTF-8 but not checked.
    pub reason: &'a [u8],
}

impl<'a> ConnectionClose<'a> {
    pub(super) fn parse(b: &mut Body<'_, 'a>) -> Result<Self, TransportError> {
        let error_code = b.varint()?;
        let kind = if b.ty() == FrameType::CONNECTION_CLOSE {
            CloseKind::Transport {
                frame_type: b.varint()?,
            }
        } else {
            CloseKind::Application
        };
        let reason = b.len_prefixed()?;
        Ok(ConnectionClose {
            error_code,
            kind,
            reason,
        })
    }

    /// 0x1c for a transport close, 0x1d for an application close.
    pub fn frame_type(&self) -> FrameType {
        match self.kind {
            CloseKind::Transport { .. } => FrameType::CONNECTION_CLOSE,
            CloseKind::Application => FrameType::CONNECTION_CLOSE_APP,
        }
    }

    /// Bytes [`ConnectionClose::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        let frame_type = match self.kind {
            CloseKind::Transport { frame_type } => size_of_varint(frame_type),
            CloseKind::Application => 0,
        };
        1 + size_of_varint(self.error_code)
            + frame_type
            + sizing::len_field(self.reason.len())
            + self.reason.len()
    }

    /// Writes the frame. Fails, writing nothing, if a field is 2^62 or more or `w` lacks room.
    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        check_varint(self.error_code, "error code")?;
        if let CloseKind::Transport { frame_type } = self.kind {
            check_varint(frame_type, "frame type")?;
        }
        ensure_space(w, self.encoded_len())?;
        w.put_varint_u64(self.frame_type().0)?;
        w.put_varint_u64(self.error_code)?;
        if let CloseKind::Transport { frame_type } = self.kind {
            w.put_varint_u64(frame_type)?;
        }
        w.put_varint_u64(self.reason.len() as u64)?;
        Ok(w.put_slice(self.reason)?)
    }
}

impl From<&TransportError> for ConnectionClose<'static> {
    /// The transport close that reports `e`: its code, frame type (0 if none) and reason.
    fn from(e: &TransportError) -> Self {
        ConnectionClose {
            error_code: e.code.0,
            kind: CloseKind::Transport {
                frame_type: e.frame_type.unwrap_or(0),
            },
            reason: e.reason.as_bytes(),
        }
    }
}
