//! CRYPTO frames (RFC 9000 §19.6): handshake data at an offset of the encryption level's
//! crypto stream, always with a Length field.

use crate::coding::{Writer, size_of_varint};
use crate::error::TransportError;

use super::encode::{EncodeError, check_end, ensure_space};
use super::parse::{Body, check_end as check_received_end};
use super::{FrameType, sizing};

/// A CRYPTO frame: `data` at `offset` of the crypto stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CryptoFrame<'a> {
    /// Offset of the first data byte.
    pub offset: u64,
    /// The handshake data.
    pub data: &'a [u8],
}

impl<'a> CryptoFrame<'a> {
    pub(super) fn parse(b: &mut Body<'_, 'a>) -> Result<Self, TransportError> {
        let offset = b.varint()?;
        let data = b.len_prefixed()?;
        check_received_end(b, offset, data.len())?;
        Ok(CryptoFrame { offset, data })
    }

    /// Bytes [`CryptoFrame::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        1 + size_of_varint(self.offset) + sizing::len_field(self.data.len()) + self.data.len()
    }

    /// Writes the frame. Fails, writing nothing, if the data would end beyond 2^62 - 1 or `w`
    /// lacks room.
    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        check_end(self.offset, self.data.len())?;
        ensure_space(w, self.encoded_len())?;
        w.put_varint_u64(FrameType::CRYPTO.0)?;
        w.put_varint_u64(self.offset)?;
        w.put_varint_u64(self.data.len() as u64)?;
        Ok(w.put_slice(self.data)?)
    }

    /// The most data bytes a CRYPTO frame at `offset` can carry in `space` bytes; `None` if not
    /// even an empty frame fits (or the offset is beyond 2^62 - 1).
    pub fn max_data_len(space: usize, offset: u64) -> Option<usize> {
        if !sizing::end_fits(offset, 0) {
            return None;
        }
        let avail = space.checked_sub(1 + size_of_varint(offset))?;
        let n = sizing::max_data(avail, true)?;
        Some(n.min(sizing::room_after(offset)))
    }
}
