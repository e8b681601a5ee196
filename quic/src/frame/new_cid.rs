//! NEW_CONNECTION_ID frames (RFC 9000 §19.15).

use crate::cid::{ConnectionId, MAX_CID_LEN};
use crate::coding::{Writer, size_of_varint};
use crate::error::TransportError;

use super::FrameType;
use super::encode::{EncodeError, check_varint, ensure_space};
use super::parse::Body;

/// Length of a stateless reset token.
pub const RESET_TOKEN_LEN: usize = 16;

/// A NEW_CONNECTION_ID frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewConnectionId {
    /// Sequence number of the new connection ID.
    pub sequence: u64,
    /// The peer should retire connection IDs with lower sequence numbers; at most `sequence`.
    pub retire_prior_to: u64,
    /// The connection ID, 1 to 20 bytes.
    pub id: ConnectionId,
    /// The stateless reset token for `id`.
    pub reset_token: [u8; RESET_TOKEN_LEN],
}

impl NewConnectionId {
    pub(super) fn parse(b: &mut Body<'_, '_>) -> Result<Self, TransportError> {
        let sequence = b.varint()?;
        let retire_prior_to = b.varint()?;
        let len = usize::from(b.u8()?);
        if len == 0 || len > MAX_CID_LEN {
            return Err(b.err("connection ID length not 1 to 20"));
        }
        let id = ConnectionId::new(b.bytes(len)?)
            .ok_or_else(|| b.err("connection ID length not 1 to 20"))?;
        let reset_token = b.array()?;
        if retire_prior_to > sequence {
            return Err(b.err("Retire Prior To above Sequence Number"));
        }
        Ok(NewConnectionId {
            sequence,
            retire_prior_to,
            id,
            reset_token,
        })
    }

    /// Bytes [`NewConnectionId::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        1 + size_of_varint(self.sequence)
            + size_of_varint(self.retire_prior_to)
            + 1
            + self.id.len()
            + RESET_TOKEN_LEN
    }

    /// Writes the frame. Fails, writing nothing, if the sequence number is 2^62 or more,
    /// Retire Prior To exceeds it, the connection ID is empty, or `w` lacks room.
    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        check_varint(self.sequence, "sequence number")?;
        if self.retire_prior_to > self.sequence {
            return Err(EncodeError::InvalidField(
                "Retire Prior To above Sequence Number",
            ));
        }
        if self.id.is_empty() {
            return Err(EncodeError::InvalidField("empty connection ID"));
        }
        ensure_space(w, self.encoded_len())?;
        w.put_varint_u64(FrameType::NEW_CONNECTION_ID.0)?;
        w.put_varint_u64(self.sequence)?;
        w.put_varint_u64(self.retire_prior_to)?;
        w.put_u8(self.id.len() as u8)?;
        w.put_slice(self.id.as_bytes())?;
        Ok(w.put_slice(&self.reset_token)?)
    }
}
