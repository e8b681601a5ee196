//! DATAGRAM frames (RFC 9221 §4): type 0x31 carries a Length field, type 0x30 runs to the end
//! of the packet.

use crate::coding::Writer;
use crate::error::TransportError;

use super::encode::{EncodeError, ensure_space};
use super::parse::Body;
use super::{FrameType, sizing};

/// A DATAGRAM frame: one unreliable application datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatagramFrame<'a> {
    /// The datagram.
    pub data: &'a [u8],
}

impl<'a> DatagramFrame<'a> {
    pub(super) fn parse(b: &mut Body<'_, 'a>) -> Result<Self, TransportError> {
        let data = if b.ty() == FrameType::DATAGRAM_LEN {
            b.len_prefixed()?
        } else {
            b.rest()
        };
        Ok(DatagramFrame { data })
    }

    /// Bytes [`DatagramFrame::encode`] writes.
    pub fn encoded_len(&self, with_len: bool) -> usize {
        let len_field = if with_len {
            sizing::len_field(self.data.len())
        } else {
            0
        };
        1 + len_field + self.data.len()
    }

    /// Writes the frame, with a Length field if `with_len` (without one the data runs to the
    /// end of the packet, so the frame must be the packet's last). Fails, writing nothing, if
    /// `w` lacks room.
    pub fn encode(&self, w: &mut Writer<'_>, with_len: bool) -> Result<(), EncodeError> {
        ensure_space(w, self.encoded_len(with_len))?;
        if with_len {
            w.put_varint_u64(FrameType::DATAGRAM_LEN.0)?;
            w.put_varint_u64(self.data.len() as u64)?;
        } else {
            w.put_varint_u64(FrameType::DATAGRAM.0)?;
        }
        Ok(w.put_slice(self.data)?)
    }

    /// The largest datagram a DATAGRAM frame can carry in `space` bytes, with or without a
    /// Length field; `None` if not even an empty one fits.
    pub fn max_data_len(space: usize, with_len: bool) -> Option<usize> {
        sizing::max_data(space.checked_sub(1)?, with_len)
    }
}
